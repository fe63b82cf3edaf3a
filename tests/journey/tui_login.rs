//! Signing in again, as a person or a script would: the real `grantty` binary against the demo
//! server on 127.0.0.1. `login` reuses a stored session's settings, refuses to replace a live
//! session without `--force` outside the TUI (naming the command that works), asks first in the
//! TUI, and revokes the replaced grant once the new one is stored.
//!
//! Waits are on the child's stderr lines (`common::journey`), the tmux screen, or process exits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{Decision, DemoConfig, DemoServer};
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};

use common::journey::Running;
use common::session::{Access, CLIENT_ID, Run, SignedIn, demo_server, signed_in};
use common::tmux::Tmux;

/// `grantty login <args>` in plain mode: approves the code it prints, then waits for the end.
async fn login_approved(server: &DemoServer, s: &SignedIn, args: &[&str]) -> Run {
    let mut running = Running::start(s.command(args), args);
    running.wait_for_stderr("enter the code ").await;
    let line = running.seen.last().unwrap();
    let code = line.split("enter the code ").nth(1).unwrap().trim();
    server.decide(code, Decision::Approve).unwrap();
    running.finish().await
}

#[tokio::test]
async fn login_over_a_live_session_needs_force_then_revokes_the_old_grant() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats();

    let refused = s.run(&["login", "--profile", "default"]).await;
    refused.assert_code(2);
    assert!(
        refused
            .stderr
            .contains("`grantty login --profile default --force`"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        server.stats().device_authorizations,
        before.device_authorizations
    );
    assert_eq!(
        s.stored().unwrap().secrets.access_token.expose(),
        s.access_token(),
        "the refused login left the session alone"
    );

    let run = login_approved(&server, &s, &["login", "--profile", "default", "--force"]).await;
    run.assert_code(0);
    assert!(
        run.stderr
            .contains("Replaced session: refresh token (RFC 7009)"),
        "{}",
        run.stderr
    );
    assert!(server.stats().revocations > before.revocations);
    let stored = s.stored().unwrap();
    assert_ne!(stored.secrets.access_token.expose(), s.access_token());
    s.run(&["refresh"]).await.assert_code(0);
    assert_eq!(server.stats().reuse_detections, 0);
}

#[tokio::test]
async fn login_after_the_session_ended_reuses_its_provider_and_client() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    // Ended: the access token has expired and no refresh token is left.
    let mut ended = s.stored().unwrap();
    ended.secrets.refresh_token = None;
    ended.meta.has_refresh_token = false;
    ended.meta.access_expires_at = Some(Timestamp::from_unix_secs(
        SystemClock.now().as_unix_secs() - 60,
    ));
    s.store.save(&ended).unwrap();

    // No --issuer, no --client-id: the stored session says where and who.
    let run = login_approved(&server, &s, &["login", "--profile", "default"]).await;
    run.assert_code(0);
    let stored = s.stored().unwrap();
    assert_eq!(stored.meta.provider.client_id, CLIENT_ID);
    assert_eq!(
        stored.meta.provider.token_endpoint,
        s.session.meta.provider.token_endpoint
    );
    assert!(stored.meta.has_refresh_token);
    s.run(&["token"]).await.assert_code(0);
}

#[tokio::test]
async fn login_over_a_live_session_in_the_tui_asks_first() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let tui = Tmux::start(s.state_home.path(), &["login"], 80, 24);
    tui.wait_for("Sign in again?").await;
    assert_eq!(
        server.stats().device_authorizations,
        1,
        "only the fixture's"
    );
    tui.keys("n");
    tui.wait_for("Opened the stored session").await;
    tui.keys("q");
    assert_eq!(tui.exit_status().await.0, 0);
    assert_eq!(server.stats().device_authorizations, 1);
    assert_eq!(
        s.stored().unwrap().secrets.access_token.expose(),
        s.access_token()
    );
}
