//! `grantty demo --serve` as someone runs it for other clients: codes and tokens are not
//! predictable from one run to the next, and nothing is approved unless the page (or
//! `--approve-after`) says so. The real binary on 127.0.0.1 only.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use clap::Parser as _;
use grantty::cli::{Cli, Command};
use grantty::commands::demo_config;
use grantty::demo::{AutoDecision, Decision};
use grantty::domain::clock::SystemClock;
use grantty::oauth::client::{discover, request_device_code};
use grantty::oauth::http::ReqwestTransport;
use tokio::io::{AsyncBufReadExt as _, BufReader};

fn demo_args(args: &[&str]) -> grantty::cli::DemoArgs {
    let cli = Cli::try_parse_from(["grantty", "demo"].iter().chain(args)).unwrap();
    match cli.command {
        Some(Command::Demo(args)) => args,
        other => panic!("not demo: {other:?}"),
    }
}

#[test]
fn serve_waits_for_the_page_unless_told_and_the_full_demo_approves_by_itself() {
    assert_eq!(demo_config(&demo_args(&["--serve"])).auto_decision, None);
    let after = |secs| {
        Some(AutoDecision {
            after_secs: secs,
            decision: Decision::Approve,
        })
    };
    assert_eq!(
        demo_config(&demo_args(&["--serve", "--approve-after", "3"])).auto_decision,
        after(3)
    );
    assert_eq!(demo_config(&demo_args(&[])).auto_decision, after(5));
    assert_eq!(
        demo_config(&demo_args(&["--approve-after", "0"])).auto_decision,
        None
    );
}

/// Starts `grantty demo --serve`, asks it for one device code; returns `(device_code, user_code)`
/// and the banner.
async fn one_code_from_a_fresh_server() -> (String, String, String) {
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_grantty"))
        .args(["demo", "--serve"])
        .env_clear()
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut banner = String::new();
    while let Some(line) = lines.next_line().await.unwrap() {
        banner.push_str(&line);
        banner.push('\n');
        if line.starts_with("Sign in with:") {
            break;
        }
    }
    let issuer = banner
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("grantty demo server listening on "))
        .unwrap()
        .to_owned();
    let transport = ReqwestTransport::new().unwrap();
    let provider = discover(&transport, &issuer, "grantty-test", None)
        .await
        .unwrap();
    let auth = request_device_code(&transport, &provider, &SystemClock)
        .await
        .unwrap();
    child.kill().await.unwrap();
    (auth.device_code.expose().to_owned(), auth.user_code, banner)
}

#[tokio::test]
async fn serve_hands_out_different_codes_on_every_run_and_says_it_waits_for_the_page() {
    let (device_a, user_a, banner) = one_code_from_a_fresh_server().await;
    let (device_b, user_b, _) = one_code_from_a_fresh_server().await;
    assert_ne!(device_a, device_b, "device codes repeat across runs");
    assert_ne!(user_a, user_b, "user codes repeat across runs");
    assert!(
        banner.contains("Approve each sign-in on the verification page"),
        "{banner}"
    );
}
