//! `status --verify` sends the access token only to the origin the tokens come from: the real
//! binary against the demo server on 127.0.0.1, whose discovery document names a userinfo
//! endpoint on another loopback port. The check sends nothing there (a listener on that port
//! sees no connection), exits "not verifiable" (10) and says why; the session is kept.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{AutoDecision, Decision, DemoConfig};

use common::home::Home;
use common::session::demo_server;

const NOT_VERIFIABLE: i32 = 10;

#[tokio::test]
async fn a_userinfo_endpoint_at_another_origin_gets_no_token() {
    let elsewhere = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    elsewhere.set_nonblocking(true).unwrap();
    let other = elsewhere.local_addr().unwrap();
    let server = demo_server(DemoConfig {
        interval_secs: 1,
        auto_decision: Some(AutoDecision {
            after_secs: 0,
            decision: Decision::Approve,
        }),
        userinfo_endpoint: Some(format!("http://{other}/userinfo")),
        ..DemoConfig::default()
    })
    .await;
    let home = Home::with_config("");
    let issuer = server.issuer();
    let login = [
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        "verify-client",
        "--store",
        "file",
    ];
    home.run(&login, &[]).await.assert_code(0);
    let before = home.meta("default").unwrap();

    let run = home.run(&["status", "--verify"], &[]).await;
    run.assert_code(NOT_VERIFIABLE).assert_no_token_on_stdout();
    for words in [
        format!(
            "the userinfo endpoint http://{other} is not at the origin of the token endpoint ({issuer})"
        ),
        "nothing was sent".to_owned(),
        "the session is kept".to_owned(),
    ] {
        assert!(run.stderr.contains(&words), "{words:?}: {}", run.stderr);
    }
    let json = home.run(&["status", "--verify", "--json"], &[]).await;
    json.assert_code(NOT_VERIFIABLE);
    let doc: serde_json::Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(doc["verify"]["accepted"], serde_json::Value::Null);
    assert!(
        doc["verify"]["problem"]
            .as_str()
            .unwrap()
            .contains("not at the origin"),
        "{doc}"
    );

    // Both runs have exited: a connection they made would be waiting in the backlog.
    match elsewhere.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("the other origin was contacted: {other:?}"),
    }
    assert_eq!(server.stats().token_checks_accepted, 0);
    assert_eq!(home.meta("default").unwrap(), before, "the session is kept");
}
