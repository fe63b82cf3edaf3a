//! `grantty login --flow code` on its screen, as a person at a terminal does it: the real
//! binary in tmux with no display (so the address is pasted back), the demo server on
//! 127.0.0.1. The test copies the address with `u` (OSC 52 into tmux's buffer), approves on
//! the demo's page, pastes the address it is sent to with bracketed paste and presses Enter.
//! It asserts what the server saw (one code exchange) and what is stored (`grantty token`).
//!
//! Waits are on what the screen shows or on the process exiting; nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::authorize::{code_login_args, decide};
use common::session::{Access, command_in, demo_server, signed_in};
use common::tmux::Tmux;
use grantty::demo::{DemoConfig, DemoServer};

const PROMPT: &str = "Paste the address your browser was sent to";

/// `login --flow code` against `server`, in tmux at 100×30 with `env` added.
fn start_with(
    server: &DemoServer,
    home: &std::path::Path,
    env: &[&str],
    after: Option<&str>,
) -> Tmux {
    let args = code_login_args(&server.issuer());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    Tmux::start_then(home, &args, (100, 30), env, after)
}

/// `login --flow code` with no display (the address is pasted).
fn start(server: &DemoServer, home: &std::path::Path, after: Option<&str>) -> Tmux {
    start_with(server, home, &[], after)
}

/// Presses `u` and reads the authorize address from the clipboard grantty wrote.
async fn copied_address(tui: &Tmux) -> String {
    tui.wait_for(PROMPT).await;
    tui.keys("u");
    tui.wait_for("Address sent to the clipboard").await;
    let url = tui.clipboard();
    assert!(url.contains("/authorize?"), "{url}");
    url
}

/// `grantty token` in `home`: exit code and stdout.
async fn token(home: &std::path::Path) -> (Option<i32>, String) {
    let out = command_in(home, &["token"]).output().await.unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test]
async fn pasting_the_address_signs_in_and_lands_on_the_dashboard() {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let tui = start(&server, home.path(), None);
    let url = copied_address(&tui).await;
    assert!(
        tui.screen().contains("Not opening a browser here"),
        "no display: nothing is opened"
    );
    let location = decide(&url, "approve").await;

    // Another sign-in's address first: explained, nothing exchanged, another paste allowed.
    let state = location
        .split("state=")
        .nth(1)
        .unwrap()
        .split('&')
        .next()
        .unwrap();
    tui.paste(&location.replace(state, "not-this-sign-in"));
    tui.keys("Enter");
    tui.wait_for("Not accepted").await;
    assert_eq!(server.stats().token_requests, 0, "nothing was exchanged");

    tui.paste(&location);
    // The paste may land in more than one frame: wait for the frame showing all of it.
    let pasted = format!("state={state}");
    tui.wait_for_match("the new paste, which clears the refusal", |screen| {
        (screen.contains(&pasted) && !screen.contains("Not accepted")).then_some(())
    })
    .await;
    tui.keys("Enter");
    tui.wait_for("Signed in; tokens stored in").await;
    assert_eq!(server.stats().authorization_code_redemptions, 1);
    tui.keys("q");
    let (status, screen) = tui.exit_status().await;
    assert_eq!(status, 0, "{screen}");

    let (code, stdout) = token(home.path()).await;
    assert_eq!(code, Some(0));
    assert!(!stdout.trim().is_empty(), "a token is printed");
    assert_eq!(
        server.stats().authorization_code_redemptions,
        1,
        "the code was exchanged exactly once"
    );
}

#[tokio::test]
async fn with_a_browser_the_listener_takes_the_answer_and_the_screen_says_so() {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    // A display and a "browser" that opens nothing: the test follows the redirect itself.
    let tui = start_with(&server, home.path(), &["DISPLAY=:99", "BROWSER=true"], None);
    let url = copied_address(&tui).await;
    tui.wait_for("Waiting for the browser on 127.0.0.1:").await;
    let location = decide(&url, "approve").await;
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    let landing = reqwest::get(&location).await.unwrap();
    assert_eq!(landing.status(), 200);
    tui.wait_for("Signed in; tokens stored in").await;
    tui.keys("q");
    assert_eq!(tui.exit_status().await.0, 0);
    assert_eq!(server.stats().authorization_code_redemptions, 1);
    assert_eq!(token(home.path()).await.0, Some(0));
}

#[tokio::test]
async fn a_denial_ends_on_its_screen_with_exit_code_3() {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let tui = start(&server, home.path(), None);
    let url = copied_address(&tui).await;
    let location = decide(&url, "deny").await;
    tui.paste(&location);
    tui.keys("Enter");
    tui.wait_for("The sign-in was denied").await;
    tui.keys("q");
    let (status, screen) = tui.exit_status().await;
    assert_eq!(status, 3, "{screen}");
    assert_eq!(server.stats().token_requests, 0);
}

#[tokio::test]
async fn signing_in_over_a_live_session_with_force_revokes_its_grant_once() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats();
    let mut args = code_login_args(&server.issuer());
    args.push("--force".to_owned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let tui = Tmux::start_then(s.state_home.path(), &args, (100, 30), &[], None);
    let url = copied_address(&tui).await;
    let location = decide(&url, "approve").await;
    tui.paste(&location);
    tui.keys("Enter");
    tui.wait_for("Replaced session: refresh token").await;
    tui.keys("q");
    let (status, after_exit) = tui.exit_status().await;
    assert_eq!(status, 0, "{after_exit}");
    assert!(
        !after_exit.contains("Replaced session"),
        "the line mode's revocation ran as well:\n{after_exit}"
    );
    assert!(server.stats().revocations > before.revocations);
    let stored = s.stored().unwrap();
    assert_ne!(stored.secrets.access_token.expose(), s.access_token());
    s.run(&["refresh"]).await.assert_code(0);
    assert_eq!(server.stats().reuse_detections, 0);
}

/// Leaves the screen with `how` (a key, or `TERM`/`HUP` as a signal); asserts the terminal is
/// restored (no alternate screen, no bracketed paste) and nothing was exchanged or stored.
async fn leave_with(how: &str) {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    // After grantty: a program that shows what a paste looks like in the terminal it left.
    let tui = start(&server, home.path(), Some("exec cat -v"));
    tui.wait_for(PROMPT).await;
    assert_eq!(tui.format("#{alternate_on}"), "1");
    tui.keys("x");
    tui.wait_for("› x").await;
    tui.keys("BSpace");
    match how {
        "TERM" | "HUP" => tui.signal(how),
        key => tui.keys(key),
    }
    tui.wait_for("exit=130").await;
    assert_eq!(tui.format("#{alternate_on}"), "0", "alternate screen left");
    tui.paste("after-grantty");
    tui.keys("Enter");
    let screen = tui.wait_for("after-grantty").await;
    assert!(
        !screen.contains("[200~"),
        "bracketed paste was left on:\n{screen}"
    );
    assert_eq!(server.stats().token_requests, 0);
    let (code, stdout) = token(home.path()).await;
    assert_ne!(code, Some(0), "nothing is stored");
    assert!(stdout.is_empty());
}

#[tokio::test]
async fn q_leaves_with_the_terminal_restored_and_nothing_stored() {
    leave_with("q").await;
}

#[tokio::test]
async fn ctrl_c_leaves_with_the_terminal_restored() {
    leave_with("C-c").await;
}

#[tokio::test]
async fn sigterm_leaves_with_the_terminal_restored() {
    leave_with("TERM").await;
}

#[tokio::test]
async fn sighup_leaves_with_the_terminal_restored() {
    leave_with("HUP").await;
}

#[tokio::test]
async fn a_start_address_opened_twice_stops_listening_and_says_so() {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let tui = start_with(&server, home.path(), &["DISPLAY=:99", "BROWSER=true"], None);
    let port: u16 = tui
        .wait_for_match("the listener's port", |screen| {
            let rest = screen
                .split("Waiting for the browser on 127.0.0.1:")
                .nth(1)?;
            let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
            digits.parse().ok()
        })
        .await;
    // The browser's address: one redirect to the authorization URL, then no more.
    let start = format!("http://127.0.0.1:{port}/");
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let first = http.get(&start).send().await.unwrap();
    assert_eq!(first.status(), 302);
    let location = first.headers()["location"].to_str().unwrap();
    assert!(location.contains("/authorize?"), "{location}");
    assert_eq!(http.get(&start).send().await.unwrap().status(), 410);
    tui.wait_for("opened twice").await;
    tui.keys("q");
    let (status, screen) = tui.exit_status().await;
    assert_ne!(status, 0, "{screen}");
    assert_eq!(server.stats().token_requests, 0);
}
