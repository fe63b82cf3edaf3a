//! `grantty login --flow code`, the real binary against the demo server on 127.0.0.1: the
//! paste-back path (no display: the test plays the user, approves on the demo's page and pastes
//! the redirect into stdin) and the loopback path (a display and `BROWSER=true`, so nothing
//! opens; the test follows the redirect to grantty's listener). Nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::authorize::{CODE_CLIENT as CLIENT, code_login_args, decide};

use std::path::Path;

use grantty::demo::{DemoClock, DemoConfig, DemoServer};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, Command};

const PASTE_PROMPT: &str = "Paste the address your browser was sent to:";

async fn demo() -> DemoServer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr = "127.0.0.1:0".parse().unwrap();
    DemoServer::start(DemoConfig::default(), DemoClock::system(), addr)
        .await
        .unwrap()
}

/// `grantty args…` with its state in `state_home`, no display, no SSH, no `BROWSER`.
fn grantty(state_home: &Path, args: &[&str]) -> Command {
    common::isolated::isolated_command(state_home, args)
}

/// `login --flow code` against `server` with `extra` flags, not yet started.
fn login_command(server: &DemoServer, state_home: &Path, extra: &[&str]) -> Command {
    let mut args = code_login_args(&server.issuer());
    args.extend(extra.iter().map(|&a| a.to_owned()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    grantty(state_home, &args)
}

/// Starts `login --flow code` against `server` with `extra` flags.
fn login(server: &DemoServer, state_home: &Path, extra: &[&str]) -> Child {
    login_command(server, state_home, extra).spawn().unwrap()
}

/// Reads stderr until a line starting with `until`; returns the authorize URL printed before.
async fn authorize_url(
    lines: &mut Lines<BufReader<ChildStderr>>,
    transcript: &mut String,
    until: &str,
) -> String {
    let mut url = None;
    loop {
        let line = lines.next_line().await.unwrap();
        let line = line.unwrap_or_else(|| panic!("stderr ended before {until:?}:\n{transcript}"));
        transcript.push_str(&line);
        transcript.push('\n');
        if url.is_none() && line.starts_with("http") {
            url = Some(line.clone());
        }
        if line.starts_with(until) {
            return url.unwrap_or_else(|| panic!("no URL printed:\n{transcript}"));
        }
    }
}

/// Writes `line` to the child's stdin, then waits: exit code and the rest of stderr.
async fn paste_and_finish(
    mut child: Child,
    mut lines: Lines<BufReader<ChildStderr>>,
    mut transcript: String,
    line: &str,
) -> (Option<i32>, String) {
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{line}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    while let Some(line) = lines.next_line().await.unwrap() {
        transcript.push_str(&line);
        transcript.push('\n');
    }
    let status = child.wait().await.unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .await
        .unwrap();
    assert!(
        stdout.is_empty(),
        "stdout is for what scripts ask for: {stdout}"
    );
    (status.code(), transcript)
}

/// `grantty status --json`: exit code and the parsed document (Null when none).
async fn status(state_home: &Path) -> (Option<i32>, Value) {
    let out = grantty(state_home, &["status", "--json"])
        .output()
        .await
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (out.status.code(), json)
}

/// Runs the paste-back flow up to the prompt; the test decides what is pasted.
async fn paste_back(
    server: &DemoServer,
    state_home: &Path,
    action: &str,
) -> (Child, Lines<BufReader<ChildStderr>>, String, String) {
    let mut child = login(
        server,
        state_home,
        &["--redirect-uri", "http://127.0.0.1:1/callback"],
    );
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut transcript = String::new();
    let url = authorize_url(&mut lines, &mut transcript, PASTE_PROMPT).await;
    assert!(
        transcript.contains("Not opening a browser here: no graphical display"),
        "{transcript}"
    );
    assert!(
        transcript.contains("Asked by client grantty-demo of 127.0.0.1:"),
        "{transcript}"
    );
    let location = decide(&url, action).await;
    (child, lines, transcript, location)
}

#[tokio::test]
async fn pasting_the_redirect_signs_in_and_stores_the_session() {
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    let (child, lines, transcript, location) = paste_back(&server, home.path(), "approve").await;
    assert!(
        location.starts_with("http://127.0.0.1:1/callback?code="),
        "{location}"
    );
    let (code, transcript) = paste_and_finish(child, lines, transcript, &location).await;
    assert_eq!(code, Some(0), "{transcript}");
    assert!(
        transcript.contains("Signed in as demo.user@example.com"),
        "{transcript}"
    );
    assert!(transcript.contains("Stored in"), "{transcript}");
    for secret in ["demo-at-", "demo-rt-", "demo-ac-"] {
        assert!(
            !transcript.contains(secret),
            "{secret} leaked:\n{transcript}"
        );
    }
    assert_eq!(server.stats().authorization_code_redemptions, 1);
    let (code, json) = status(home.path()).await;
    assert_eq!(code, Some(0));
    assert_eq!(json["client_id"], CLIENT);
    assert_eq!(json["email"], "demo.user@example.com");
    assert_eq!(json["refresh_token"]["present"], true);
}

#[tokio::test]
async fn a_tampered_state_is_refused_and_nothing_is_stored() {
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    let (child, lines, transcript, location) = paste_back(&server, home.path(), "approve").await;
    let mut url = url::Url::parse(&location).unwrap();
    let tampered: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            (
                k.to_string(),
                if k == "state" {
                    "forged".to_owned()
                } else {
                    v.to_string()
                },
            )
        })
        .collect();
    url.query_pairs_mut().clear().extend_pairs(&tampered);
    let (code, transcript) = paste_and_finish(child, lines, transcript, url.as_str()).await;
    assert_eq!(code, Some(2), "{transcript}");
    assert!(
        transcript.contains("belongs to another sign-in"),
        "{transcript}"
    );
    assert_eq!(server.stats().token_requests, 0, "the code was never sent");
    assert_eq!(status(home.path()).await.0, Some(7), "no session");
}

#[tokio::test]
async fn denying_on_the_page_exits_with_the_denied_code() {
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    let (child, lines, transcript, location) = paste_back(&server, home.path(), "deny").await;
    assert!(location.contains("error=access_denied"), "{location}");
    let (code, transcript) = paste_and_finish(child, lines, transcript, &location).await;
    assert_eq!(code, Some(3), "{transcript}");
    assert!(transcript.contains("access denied"), "{transcript}");
    assert_eq!(status(home.path()).await.0, Some(7), "no session");
}

#[tokio::test]
async fn with_a_display_the_loopback_listener_receives_the_redirect() {
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    let mut command = login_command(&server, home.path(), &[]);
    // `true` stands in for a graphical browser: it takes the URL and opens nothing.
    command.env("DISPLAY", ":99").env("BROWSER", "true");
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut transcript = String::new();
    let url = authorize_url(&mut lines, &mut transcript, "Waiting for the browser").await;
    assert!(transcript.contains("Opened your browser"), "{transcript}");
    let location = decide(&url, "approve").await;
    assert!(
        location.starts_with("http://127.0.0.1:") && location.contains("/callback?code="),
        "{location}"
    );
    let landing = reqwest::get(&location).await.unwrap();
    assert_eq!(landing.status(), 200);
    assert!(
        landing
            .text()
            .await
            .unwrap()
            .contains("You can close this tab")
    );
    let (code, transcript) = paste_and_finish(child, lines, transcript, "").await;
    assert_eq!(code, Some(0), "{transcript}");
    assert!(
        transcript.contains("Signed in as demo.user@example.com"),
        "{transcript}"
    );
    assert_eq!(status(home.path()).await.0, Some(0));
}

#[tokio::test]
async fn a_squatted_redirect_port_stops_the_sign_in_without_opening_a_browser() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    // Another program holds the port the redirect URI names.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = squatter.local_addr().unwrap().port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    // A "browser" that leaves a mark if it is ever started.
    let opened = home.path().join("browser-opened");
    let browser = home.path().join("browser");
    std::fs::write(
        &browser,
        format!("#!/bin/sh\ntouch '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o700)).unwrap();
    let mut command = login_command(&server, home.path(), &["--redirect-uri", &redirect]);
    command.env("DISPLAY", ":99").env("BROWSER", &browser);
    let out = command.output().await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("127.0.0.1:{port}")) && stderr.contains("no browser was opened"),
        "{stderr}"
    );
    assert!(!opened.exists(), "the browser was started");
    assert!(
        !stderr.contains("/authorize?"),
        "the authorization URL was shown: {stderr}"
    );
    drop(squatter);
}
