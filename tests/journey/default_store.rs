//! Journey: a sign-in over SSH on a server, where no Secret Service answers. `--store auto`
//! keeps the tokens in the 0600 file store (it survives the patch-weekend reboot that empties a
//! kernel keyring), says so in one line, asks nothing (stdin is not a terminal, and nothing
//! waits), and a later `grantty token` in a fresh process finds them.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::os::unix::fs::PermissionsExt as _;

use grantty::demo::{Decision, DemoConfig};
use grantty::store::{SessionStore, StoreChoice};

use common::session::{CLIENT_ID, PROFILE, Run, SCOPE, bare_command_in, demo_server, events_of};

#[tokio::test]
async fn auto_without_a_secret_service_signs_in_to_the_file_store_and_says_so() {
    let server = demo_server(DemoConfig {
        interval_secs: 1,
        ..DemoConfig::default()
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let issuer = server.issuer();
    let args = [
        "login",
        "--json",
        "--store",
        "auto",
        "--issuer",
        &issuer,
        "--client-id",
        CLIENT_ID,
        "--scope",
        SCOPE,
    ];
    // An empty environment: no DBUS_SESSION_BUS_ADDRESS, as over SSH to a server.
    let cmd = bare_command_in(state.path(), &args);
    let (_, _, login) = events_of(cmd, &args, Some((&server, Decision::Approve))).await;

    login.assert_code(0);
    let dir = state.path().join("grantty");
    let secrets = dir.join(format!("{PROFILE}.secrets.json"));
    let notices: Vec<&str> = login
        .stderr
        .lines()
        .filter(|l| l.contains("no Secret Service here"))
        .collect();
    assert_eq!(notices.len(), 1, "one line: {}", login.stderr);
    for words in [
        secrets.display().to_string().as_str(),
        "(0600",
        "survives reboots",
        "--store secret-service|keyutils|memory",
    ] {
        assert!(notices[0].contains(words), "{words:?}: {}", notices[0]);
    }
    let mode = std::fs::metadata(&secrets).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    let token = Run::of(bare_command_in(state.path(), &["token"]), &["token"]).await;
    token.assert_code(0);
    let stored = SessionStore::open(dir, StoreChoice::File, false)
        .unwrap()
        .load(PROFILE)
        .unwrap()
        .unwrap();
    assert_eq!(
        token.stdout,
        format!("{}\n", stored.secrets.access_token.expose())
    );
    assert!(
        !token.stderr.contains("no Secret Service here"),
        "only at sign-in: {}",
        token.stderr
    );
    assert_eq!(server.stats().device_code_redemptions, 1);
}
