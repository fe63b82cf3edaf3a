#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A machine configured by its configuration file alone: no `GRANTTY_ETCD_*` variable, an
//! `[etcd]` table naming the endpoints and the seal key (relative to the file), and a profile
//! with `store = "etcd"`. The variables still beat the file, key by key.

use grantty::demo::DemoConfig;

use crate::common::fleet::{Fleet, Machine, write_key};
use crate::common::session::{self, Access, Run, demo_server};

/// Writes `~/.config/grantty/config.toml` on `machine` with the fleet's endpoints and a copy of
/// its seal key beside the file, named relatively.
fn configure(fleet: &Fleet, machine: &Machine) {
    let dir = machine.home.path().join(".config").join("grantty");
    std::fs::create_dir_all(&dir).unwrap();
    write_key(
        &dir.join("fleet.key"),
        &std::fs::read(fleet.key_file()).unwrap(),
    );
    let endpoints: Vec<String> = fleet
        .cluster
        .endpoints()
        .split(',')
        .map(|e| format!("{e:?}"))
        .collect();
    let text = format!(
        "[etcd]\nendpoints = [{}]\nprefix = {:?}\nseal_key_file = \"fleet.key\"\n\n\
         [profiles.{}]\nstore = \"etcd\"\n",
        endpoints.join(", "),
        fleet.prefix,
        session::PROFILE,
    );
    std::fs::write(dir.join("config.toml"), text).unwrap();
}

/// `grantty <args>` on `machine` with its home and nothing else: no `GRANTTY_*` variable.
fn bare(machine: &Machine, args: &[&str]) -> tokio::process::Command {
    let mut cmd = session::bare_command_in(&machine.home.path().join("state"), args);
    cmd.env("HOME", machine.home.path());
    cmd
}

#[tokio::test]
async fn a_machine_with_only_a_config_file_is_served_the_fleet_session() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(DemoConfig::default()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    let session = fleet.sign_in(&server, &a, Access::Fresh).await;
    configure(&fleet, &b);
    let requests = server.stats().token_requests;

    let run = Run::of(bare(&b, &["token"]), &["token"]).await;
    run.assert_code(0);
    assert_eq!(run.stdout.trim(), session.secrets.access_token.expose());
    assert_eq!(
        server.stats().token_requests,
        requests,
        "the fleet's valid token is served without asking the server"
    );
    assert!(
        std::fs::read_dir(b.state_dir()).map_or(true, |d| d.count() == 0),
        "machine B keeps no session of its own"
    );

    // A variable beats the file: another prefix holds no session.
    let mut elsewhere = bare(&b, &["token"]);
    elsewhere.env("GRANTTY_ETCD_PREFIX", "/elsewhere/");
    let run = Run::of(elsewhere, &["token"]).await;
    run.assert_code(7);
    assert_eq!(server.stats().token_requests, requests);
}
