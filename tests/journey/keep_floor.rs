//! `grantty keep` against a server whose every token says `expires_in: 0`: the real binary,
//! the demo server on 127.0.0.1. Each refreshed access token is "due" the moment it arrives, so
//! only the upkeep policy's floor between automatic refreshes stops keep from asking again at
//! once. The server's own count says how often it was asked; the store must hold the last
//! rotated refresh token (the server accepts it, and never saw a rotated-away one again).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::time::Duration;

use grantty::demo::DemoConfig;
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};
use grantty::domain::session::Session;
use grantty::oauth::http::ReqwestTransport;

use common::session::{PROFILE, Run, demo_server, sign_in, stored};

/// Upper bound for anything the test waits for; a hang fails instead of blocking the suite.
const BOUND: Duration = Duration::from_secs(60);
/// How long keep runs after its first refresh: the window the server's count covers.
const WINDOW: Duration = Duration::from_secs(15);

#[tokio::test]
async fn keep_asks_a_server_answering_expires_in_0_at_most_twice_in_15_seconds() {
    let server = demo_server(DemoConfig {
        access_token_lifetime_secs: 0,
        ..DemoConfig::default()
    })
    .await;
    // Signed in a minute ago, so the first refresh is due at once and the window starts early.
    let transport = ReqwestTransport::new().unwrap();
    let (provider, mut tokens) = sign_in(&server, &transport).await;
    let earlier = Timestamp::from_unix_secs(SystemClock.now().as_unix_secs() - 60);
    tokens.issued_at = earlier;
    tokens.expires_at = Some(earlier);
    let session = Session::new(PROFILE, provider.to_record(), tokens, earlier);
    let fixture = stored(&session, provider, transport);

    let mut stats = server.watch_stats();
    let keep = fixture
        .command(&["keep", "--profile", PROFILE])
        .spawn()
        .unwrap();
    let first = tokio::time::timeout(BOUND, stats.wait_for(|s| s.refreshes >= 1))
        .await
        .expect("keep never refreshed")
        .unwrap()
        .refreshes;
    // A bound on the run, not a wait for something to happen: keep runs this long, then stops.
    tokio::time::sleep(WINDOW).await;
    let in_window = server.stats().refreshes - first;
    let pid = keep.id().unwrap().to_string();
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let output = tokio::time::timeout(BOUND, keep.wait_with_output())
        .await
        .expect("keep did not stop on SIGTERM")
        .unwrap();
    let run = Run::from_output(&["keep", "--profile", PROFILE], output);
    run.assert_code(0);

    assert!(
        in_window <= 2,
        "{in_window} refreshes in {WINDOW:?} after the first; keep said:\n{}",
        run.stderr
    );
    let stats = server.stats();
    assert_eq!(stats.reuse_detections, 0, "a rotated-away token was reused");
    let saved = fixture.stored().unwrap();
    assert_eq!(
        u64::from(saved.meta.refresh.rotation_count),
        stats.refreshes,
        "every rotated refresh token the server handed out was saved"
    );
    // The stored refresh token is the newest: the server takes it.
    fixture.run(&["refresh"]).await.assert_code(0);
    let after = server.stats();
    assert_eq!(after.refreshes, stats.refreshes + 1);
    assert_eq!(after.reuse_detections, 0);
}
