//! Journey: `--min-valid` means what it says, `status --min-valid` answers from metadata alone,
//! and an outage is reported honestly (the host named, no "interrupted" warning afterwards).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::DemoConfig;

use common::session::{Access, demo_server, signed_in};

/// `grantty`'s exit code when the server could not be reached.
const NETWORK: i32 = 6;
/// `status --min-valid`: a refresh would renew the token.
const REFRESH_NEEDED: i32 = 9;

#[tokio::test]
async fn only_the_default_adapts_and_an_explicit_min_valid_is_honoured_with_a_warning() {
    let server = demo_server(DemoConfig {
        access_token_lifetime_secs: 400,
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Fresh).await;

    // Default 300 s, but at most half of 400 s: no refresh on every call.
    for _ in 0..2 {
        let token = s.run(&["token"]).await;
        token.assert_code(0);
        assert_eq!(token.stdout, format!("{}\n", s.access_token()));
    }
    assert_eq!(server.stats().refreshes, 0);
    s.run(&["status", "--min-valid", "300"])
        .await
        .assert_code(0);
    s.run(&["status", "--min-valid", "600"])
        .await
        .assert_code(REFRESH_NEEDED);

    let asked = s.run(&["token", "--min-valid", "600"]).await;
    asked.assert_code(0);
    assert_eq!(server.stats().refreshes, 1, "explicit 600 s: refreshed");
    let stored = s.stored().unwrap();
    assert_eq!(
        asked.stdout,
        format!("{}\n", stored.secrets.access_token.expose())
    );
    assert!(
        asked.stderr.contains("shorter-lived than --min-valid 600"),
        "{}",
        asked.stderr
    );
}

#[tokio::test]
async fn an_unreachable_server_is_named_and_leaves_no_interrupted_marker() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let host = server.local_addr().to_string();
    server.shutdown().await;

    let refresh = s.run(&["refresh"]).await;
    refresh.assert_code(NETWORK);
    assert!(
        refresh.stderr.contains(&format!("could not reach {host}")),
        "{}",
        refresh.stderr
    );
    let status = s.run(&["status", "--json"]).await;
    status.assert_code(0);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["refresh_interrupted"], false, "the request never left");
    assert_eq!(s.stored().unwrap().secrets, s.session.secrets);
}

#[tokio::test]
async fn an_unreachable_server_still_serves_a_valid_token_with_a_warning() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let host = server.local_addr().to_string();
    server.shutdown().await;

    let token = s.run(&["token", "--min-valid", "3000"]).await;
    token.assert_code(0);
    assert_eq!(token.stdout, format!("{}\n", s.access_token()));
    assert!(token.stderr.contains("warning"), "{}", token.stderr);
    assert!(
        token.stderr.contains(&format!("could not reach {host}")),
        "{}",
        token.stderr
    );
}
