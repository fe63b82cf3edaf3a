//! Journey: Ctrl-C, SIGTERM or SIGHUP while a refresh is at the server. The real `grantty`
//! holds the signal off, finishes the refresh and its save, then exits 130; the next command
//! works and the server never sees the rotated-away token again.
//!
//! Synchronisation is by events only: the demo server announces each held refresh reply, and
//! the test waits for grantty's "finishing the refresh" line before releasing the reply.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::DemoConfig;

use common::journey::Running;
use common::session::{Access, demo_server, signed_in};

/// `grantty`'s exit code after a signal.
const CANCELLED: i32 = 130;

async fn a_signal_during_a_held_refresh_finishes_it(command: &str, signal: &str) {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    server.hold_refresh_replies();

    let mut run = Running::start(s.command(&[command]), &[command]);
    tokio::select! {
        () = server.held_refreshes(1) => {}
        exited = run.child.wait() => panic!("`grantty {command}` ended before its refresh arrived: {exited:?}"),
    }
    // The server has rotated the refresh token and holds the answer.
    run.signal(signal);
    run.wait_for_stderr("finishing the refresh").await;
    server.release_refresh_replies();
    let done = run.finish().await;

    done.assert_code(CANCELLED).assert_no_token_on_stdout();
    assert!(done.stdout.is_empty(), "{}", done.stdout);
    let stored = s.stored().unwrap();
    assert_ne!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "the rotated refresh token was saved before exiting"
    );
    assert_eq!(stored.meta.pending_refresh, None, "the refresh finished");

    let next = s.run(&["refresh"]).await;
    next.assert_code(0);
    let stats = server.stats();
    assert_eq!(stats.refreshes, 2, "both refreshes were honoured");
    assert_eq!(stats.reuse_detections, 0, "no rotated-away token came back");
}

#[tokio::test]
async fn sigterm_during_refresh_finishes_and_saves_then_exits_130() {
    a_signal_during_a_held_refresh_finishes_it("refresh", "TERM").await;
}

#[tokio::test]
async fn sigint_during_refresh_finishes_and_saves_then_exits_130() {
    a_signal_during_a_held_refresh_finishes_it("refresh", "INT").await;
}

#[tokio::test]
async fn sighup_during_refresh_finishes_and_saves_then_exits_130() {
    a_signal_during_a_held_refresh_finishes_it("refresh", "HUP").await;
}

#[tokio::test]
async fn sigterm_during_token_finishes_and_saves_then_exits_130() {
    a_signal_during_a_held_refresh_finishes_it("token", "TERM").await;
}

#[tokio::test]
async fn sigint_during_kubectl_credential_finishes_and_saves_then_exits_130() {
    a_signal_during_a_held_refresh_finishes_it("kubectl-credential", "INT").await;
}
