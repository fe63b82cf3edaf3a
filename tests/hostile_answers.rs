//! Answers a hostile or broken server can give, against the real binary: each ends with a
//! typed error and the right exit code, never a panic or a misleading "could not reach".
//! Servers are raw sockets on 127.0.0.1 (`common::canned`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::canned::Canned;
use common::session::{Run, isolated_command};

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
