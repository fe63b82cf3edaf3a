//! A person at a terminal: the real `grantty` binary in tmux (80×24) against the built-in demo
//! server on 127.0.0.1, with a session signed in beforehand. Asserts what the server saw (no
//! device request on opening, no rotated refresh token reused, revocations) as well as the
//! screen, the exit status and the next command.
//!
//! Waits are on the screen, the pane's exit, or the demo server's counter channel. The only
//! timed wait is the server's own `refresh_reply_delay_ms`, which holds a refresh reply at the
//! server while the test quits or signals; the screen proves the quit landed while it was held.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{DemoConfig, DemoServer};

use common::session::{Access, SignedIn, demo_server, signed_in};
use common::tmux::Tmux;

/// Long enough for the test to quit or signal while the reply is held, well inside the
/// client's 30 s request timeout.
const HELD_REPLY_MS: u64 = 4_000;

async fn opened(server: &DemoServer, s: &SignedIn) -> Tmux {
    let before = server.stats().device_authorizations;
    let tui = Tmux::start(s.state_home.path(), &[], 80, 24);
    tui.wait_for("Opened the stored session").await;
    assert_eq!(
        server.stats().device_authorizations,
        before,
        "opening the dashboard asked the server for a device code"
    );
    tui
}

#[tokio::test]
async fn grantty_reopens_the_dashboard_and_r_there_is_persisted() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats();
    let tui = opened(&server, &s).await;
    assert!(!tui.screen().contains("enter this code"));

    tui.keys("r");
    tui.wait_for("Refreshed; access token valid until").await;
    tui.keys("q");
    let (status, _) = tui.exit_status().await;
    assert_eq!(status, 0);

    let after = server.stats();
    assert_eq!(after.device_authorizations, before.device_authorizations);
    assert_eq!(after.refreshes, before.refreshes + 1);
    let stored = s.stored().unwrap();
    assert_ne!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "the rotated refresh token was saved"
    );
    s.run(&["refresh"]).await.assert_code(0);
    assert_eq!(server.stats().reuse_detections, 0);
}

/// Presses r, waits until the server has rotated and holds its reply, then leaves with `how`;
/// asserts the refresh was finished and saved, and that the next `grantty refresh` works.
async fn leave_while_a_refresh_is_held(how: &str) {
    let server = demo_server(DemoConfig {
        refresh_reply_delay_ms: HELD_REPLY_MS,
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Fresh).await;
    let tui = opened(&server, &s).await;
    let mut counters = server.watch_stats();
    tui.keys("r");
    counters.wait_for(|st| st.refreshes == 1).await.unwrap();
    // The server has rotated and holds its answer: the old refresh token is spent.
    match how {
        "q" | "C-c" => tui.keys(how),
        signal => tui.signal(signal),
    }
    tui.wait_for("Finishing the refresh").await;
    let (status, screen) = tui.exit_status().await;
    assert_eq!(status, 0, "{how}: exit {status}: {screen}");

    let stored = s.stored().unwrap();
    assert_ne!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "{how}: the rotated refresh token was saved before exiting"
    );
    assert_eq!(stored.meta.pending_refresh, None, "{how}");
    s.run(&["refresh"]).await.assert_code(0);
    let counted = server.stats();
    assert_eq!(counted.refreshes, 2, "{how}");
    assert_eq!(
        counted.reuse_detections, 0,
        "{how}: a spent refresh token was sent"
    );
}

#[tokio::test]
async fn q_while_a_refresh_is_held_finishes_and_saves_it() {
    leave_while_a_refresh_is_held("q").await;
}

#[tokio::test]
async fn sigterm_while_a_refresh_is_held_finishes_and_saves_it() {
    leave_while_a_refresh_is_held("TERM").await;
}

#[tokio::test]
async fn sighup_while_a_refresh_is_held_finishes_and_saves_it() {
    leave_while_a_refresh_is_held("HUP").await;
}

#[tokio::test]
async fn signing_in_again_can_be_cancelled_and_otherwise_revokes_the_old_grant() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let tui = opened(&server, &s).await;

    tui.keys("l");
    tui.wait_for("Sign in again?").await;
    tui.keys("y");
    tui.wait_for("q back to the session").await;
    tui.keys("Escape");
    tui.wait_for("Sign-in cancelled; this session is unchanged")
        .await;

    tui.keys("l");
    tui.wait_for("Sign in again?").await;
    tui.keys("y");
    let code = tui.wait_for_match("a user code", user_code).await;
    let revoked_before = server.stats().revocations;
    server
        .decide(&code, grantty::demo::Decision::Approve)
        .unwrap();
    tui.wait_for("Replaced session: refresh token").await;
    tui.keys("q");
    assert_eq!(tui.exit_status().await.0, 0);

    // Revoking the refresh token ends its whole grant, the access token included.
    assert!(server.stats().revocations > revoked_before);
    let stored = s.stored().unwrap();
    assert_ne!(stored.secrets.access_token.expose(), s.access_token());
    assert_eq!(
        userinfo(&server, &s, s.access_token()).await,
        401,
        "old grant"
    );
    assert_eq!(
        userinfo(&server, &s, stored.secrets.access_token.expose()).await,
        200,
        "new grant"
    );
    s.run(&["refresh"]).await.assert_code(0);
}

/// The user code on a sign-in screen, printed as one copyable string (`WDJB-MJHT`) beside or
/// under the big font.
fn user_code(screen: &str) -> Option<String> {
    let half = |h: &str| h.len() == 4 && h.chars().all(|c| c.is_ascii_uppercase());
    screen.split_whitespace().find_map(|word| {
        let (a, b) = word.split_once('-')?;
        (half(a) && half(b)).then(|| word.to_owned())
    })
}

/// The demo server's userinfo status for `access_token`: 200 while its grant lives.
async fn userinfo(server: &DemoServer, s: &SignedIn, access_token: &str) -> u16 {
    use grantty::oauth::http::Transport as _;
    let mut request =
        grantty::oauth::wire::get(format!("{}/userinfo", server.issuer()).parse().unwrap());
    request.authorization = Some(format!("Bearer {access_token}"));
    s.transport.send(request).await.unwrap().status
}
