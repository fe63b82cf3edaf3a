//! Journey: the store breaks while a refresh is at the server (the state directory replaced by a
//! file, which stops root too), then is repaired. The refreshed tokens are kept in the fallback
//! place (0600 under `$XDG_RUNTIME_DIR`), the next command moves them back, and the server never
//! sees a rotated-away token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::os::unix::fs::PermissionsExt as _;

use grantty::demo::DemoConfig;

use common::journey::refresh_as_the_store_breaks;
use common::session::{Access, Run, demo_server, signed_in};

#[tokio::test]
async fn a_store_broken_during_a_refresh_loses_nothing_once_repaired() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let runtime_dir = tempfile::tempdir().unwrap();
    // A runtime directory is only used when nobody else may enter it, as logind makes it.
    std::fs::set_permissions(runtime_dir.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    let command = |args: &[&str]| {
        let mut command = s.command(args);
        command.env("XDG_RUNTIME_DIR", runtime_dir.path());
        command
    };
    let (done, broken) =
        refresh_as_the_store_breaks(&server, command(&["refresh"]), &s.dir()).await;

    done.assert_code(0).assert_no_token_on_stdout();
    assert!(
        done.stderr.contains("could not be saved"),
        "{}",
        done.stderr
    );
    assert!(done.stderr.contains("WARNING"), "loud: {}", done.stderr);
    let rescued: Vec<_> = std::fs::read_dir(runtime_dir.path().join("grantty"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(rescued.len(), 1, "{rescued:?}");
    let mode = std::fs::metadata(&rescued[0]).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);

    broken.repair();
    let token = Run::from_output(&["token"], command(&["token"]).output().await.unwrap());
    token.assert_code(0);
    let stored = s.stored().unwrap();
    assert_eq!(
        token.stdout,
        format!("{}\n", stored.secrets.access_token.expose()),
        "the rescued access token, now back in the store"
    );
    assert_ne!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "the rotated refresh token is in the store"
    );
    assert!(!rescued[0].exists(), "the fallback copy is gone");
    assert_eq!(server.stats().refreshes, 1, "the rescued token was fresh");

    let again = Run::from_output(&["refresh"], command(&["refresh"]).output().await.unwrap());
    again.assert_code(0);
    let stats = server.stats();
    assert_eq!(stats.refreshes, 2);
    assert_eq!(stats.reuse_detections, 0, "no rotated-away token was sent");
}
