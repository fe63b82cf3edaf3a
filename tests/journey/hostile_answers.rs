//! Answers a hostile or broken server can give, against the real binary: each ends with a
//! typed error and the right exit code, never a panic or a misleading "could not reach".
//! Servers are raw sockets on 127.0.0.1 (`common::canned`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::canned::Canned;
use grantty::demo::DemoConfig;

use common::isolated::isolated_command;
use common::session::{Access, Run, demo_server, signed_in};

/// `grantty login` with explicit endpoints on `server`, a file store in `state`.
async fn login(server: &Canned, state: &std::path::Path) -> Run {
    let device = format!("{}/device", server.url);
    let token = format!("{}/token", server.url);
    let args = [
        "login",
        "--device-endpoint",
        &device,
        "--token-endpoint",
        &token,
        "--client-id",
        "c",
    ];
    let out = isolated_command(state, &args).output().await.unwrap();
    Run::from_output(&args, out)
}

#[tokio::test]
async fn an_answer_over_one_mebibyte_is_a_server_problem_not_a_network_one() {
    let huge = format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024)).into_bytes();
    let server = Canned::start("HTTP/1.1 200 OK\r\ncontent-type: application/json", huge).await;
    let state = tempfile::tempdir().unwrap();
    let run = login(&server, state.path()).await;
    run.assert_code(5);
    assert!(
        run.stderr.contains("larger than 1024 KiB"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Could not reach"), "{}", run.stderr);
    assert_eq!(server.seen(), ["POST /device HTTP/1.1"]);
}

#[tokio::test]
async fn a_refresh_answered_with_an_escape_in_the_token_is_refused_and_keeps_the_session() {
    let hostile = br#"{"access_token":"at\u001b]52;c;cm0gLXJmIH4=\u0007","token_type":"Bearer","expires_in":3600,"refresh_token":"rt\nmachine evil.example password x"}"#;
    let server = Canned::start(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json",
        hostile.to_vec(),
    )
    .await;
    let demo = demo_server(DemoConfig::default()).await;
    let mut s = signed_in(&demo, Access::Expired).await;
    s.session.meta.provider.token_endpoint = format!("{}/token", server.url);
    s.store.save(&s.session).unwrap();
    let before = s.stored().unwrap();

    let run = s.run(&["token"]).await;
    run.assert_code(5);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("access_token") && run.stderr.contains("U+001B"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains('\u{1b}') && !run.stderr.contains("evil"),
        "{}",
        run.stderr
    );
    assert_eq!(server.seen(), ["POST /token HTTP/1.1"]);
    let after = s.stored().unwrap();
    assert_eq!(
        after.secrets, before.secrets,
        "the stored tokens are unchanged"
    );
}
