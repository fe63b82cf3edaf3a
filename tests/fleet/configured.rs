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

/// The keeper unit printed on a machine set up by variables carries them (a systemd user
/// service has none of the shell's environment); no cluster is needed to print it.
#[tokio::test]
async fn the_keeper_unit_carries_the_etcd_variables_it_was_printed_with_and_no_secret() {
    let home = tempfile::tempdir().unwrap();
    let args = ["keep", "--all", "--print-systemd-unit"];
    let mut cmd = session::bare_command_in(&home.path().join("state"), &args);
    cmd.current_dir(home.path())
        .env("HOME", home.path())
        .env("GRANTTY_STORE", "etcd")
        .env(
            "GRANTTY_ETCD_ENDPOINTS",
            "https://etcd1:2379,https://etcd2:2379",
        )
        .env("GRANTTY_ETCD_SEAL_KEY_FILE", "keys/seal.key")
        .env("GRANTTY_CLIENT_SECRET", "s3cret-not-for-units");
    let run = Run::of(cmd, &args).await;
    run.assert_code(0);
    let unit = &run.stdout;
    let key = home.path().join("keys/seal.key");
    for line in [
        "Environment=\"GRANTTY_STORE=etcd\"".to_owned(),
        "Environment=\"GRANTTY_ETCD_ENDPOINTS=https://etcd1:2379,https://etcd2:2379\"".to_owned(),
        format!(
            "Environment=\"GRANTTY_ETCD_SEAL_KEY_FILE={}\"",
            key.display()
        ),
    ] {
        assert!(unit.lines().any(|l| l == line), "no {line} in {unit}");
    }
    assert!(!unit.contains("s3cret"), "{unit}");
    assert!(
        !unit.contains("GRANTTY_ETCD_PREFIX"),
        "only what is set: {unit}"
    );
}
