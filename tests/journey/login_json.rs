//! `grantty login --json` as wrappers run it: the real binary over real HTTP on 127.0.0.1
//! against the built-in demo server, approved by the test itself from the `code_issued` event,
//! the way an IDE or agent relays the code. Nothing sleeps; each run takes one poll interval.
//! Every line is checked for token text, and every run's stderr too (`common::session::Run`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{Decision, DemoConfig, TokenStyle};
use grantty::domain::clock::Timestamp;
use grantty::store::{SessionStore, StoreChoice};
use serde_json::Value;

use common::session::{
    CLIENT_ID, PROFILE, Run, SCOPE, command_in as grantty, demo_server, events_of,
};

fn names(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

#[tokio::test]
async fn login_json_relays_the_code_and_ends_stored_without_a_token() {
    let server = demo_server(DemoConfig {
        interval_secs: 1,
        ..DemoConfig::default()
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let issuer = server.issuer();
    let args = [
        "login",
        "--json",
        "--issuer",
        &issuer,
        "--client-id",
        CLIENT_ID,
        "--scope",
        SCOPE,
    ];
    let cmd = grantty(state.path(), &args);
    let (events, raw, run) = events_of(cmd, &args, Some((&server, Decision::Approve))).await;

    run.assert_code(0);
    assert_eq!(
        names(&events),
        ["code_issued", "pending", "approved", "stored"]
    );
    for e in &events {
        assert_eq!(e["v"], 1, "{e}");
        assert!(e["time"].as_i64().unwrap() > 1_700_000_000, "{e}");
    }
    let code = &events[0];
    assert_eq!(code["verification_uri"], format!("{issuer}/device"));
    let user_code = code["user_code"].as_str().unwrap();
    assert_eq!(
        code["verification_uri_complete"],
        format!("{issuer}/device?user_code={user_code}")
    );
    assert_eq!(code["interval"], 1);
    assert_eq!(code["client_id"], CLIENT_ID);
    assert_eq!(
        code["expires_at"].as_i64().unwrap() - code["time"].as_i64().unwrap(),
        code["expires_in"].as_i64().unwrap()
    );
    assert!(events[2]["subject"].is_string(), "{}", events[2]);
    assert_eq!(events[3]["profile"], PROFILE);

    let store = SessionStore::open(state.path().join("grantty"), StoreChoice::File, true).unwrap();
    let stored = store
        .load(PROFILE)
        .unwrap()
        .expect("the session was stored");
    let token = stored.secrets.access_token.expose();
    assert!(raw.iter().all(|l| !l.contains(token)), "{raw:?}");
    assert_eq!(
        events[2]["expires_at"].as_i64(),
        stored.meta.access_expires_at.map(Timestamp::as_unix_secs)
    );
    assert!(
        run.stderr.contains("To sign in, open") && run.stderr.contains(user_code),
        "the human prompt stays on stderr: {}",
        run.stderr
    );
}

/// `grantty login --json` against a demo server with `token_style`, the code relayed to the
/// server as `decision`; returns the state directory too.
async fn relayed_login(
    token_style: TokenStyle,
    decision: Decision,
) -> (Vec<Value>, Vec<String>, Run, tempfile::TempDir) {
    let server = demo_server(DemoConfig {
        interval_secs: 1,
        token_style,
        ..DemoConfig::default()
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let issuer = server.issuer();
    let args = [
        "login",
        "--json",
        "--issuer",
        &issuer,
        "--client-id",
        CLIENT_ID,
    ];
    let cmd = grantty(state.path(), &args);
    let (events, raw, run) = events_of(cmd, &args, Some((&server, decision))).await;
    (events, raw, run, state)
}

#[tokio::test]
async fn login_json_denied_ends_with_the_denied_event_and_exit_code() {
    let (events, _, run, _) = relayed_login(TokenStyle::Plain, Decision::Deny).await;
    run.assert_code(3);
    assert_eq!(names(&events), ["code_issued", "pending", "denied"]);
}

#[tokio::test]
async fn demo_json_streams_the_same_events() {
    let state = tempfile::tempdir().unwrap();
    let args = ["demo", "--json", "--approve-after", "1", "--interval", "1"];
    let (events, _, run) = events_of(grantty(state.path(), &args), &args, None).await;
    run.assert_code(0);
    assert_eq!(
        names(&events),
        ["code_issued", "pending", "approved", "stored"]
    );
    assert_eq!(events[2]["email"], "demo.user@example.com");
}

#[tokio::test]
async fn login_json_reports_an_unreachable_server_as_one_error_event() {
    let state = tempfile::tempdir().unwrap();
    // Port 9 on loopback (discard) is closed: connection refused, nothing leaves the host.
    let args = [
        "login",
        "--json",
        "--issuer",
        "http://127.0.0.1:9",
        "--client-id",
        "c",
    ];
    let out = grantty(state.path(), &args).output().await.unwrap();
    let run = Run::from_output(&args, out);
    run.assert_code(6);
    let lines: Vec<Value> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(names(&lines), ["error"], "{}", run.stdout);
    assert!(
        lines[0]["message"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1:9")
    );
}

#[tokio::test]
async fn tokens_with_escapes_and_newlines_are_refused_with_exit_5_and_nothing_stored() {
    let (events, raw, run, state) = relayed_login(TokenStyle::Hostile, Decision::Approve).await;
    run.assert_code(5);
    assert_eq!(names(&events).last(), Some(&"error"), "{raw:?}");
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(
        all.contains("access_token") && all.contains("U+001B"),
        "{all}"
    );
    for leak in ['\u{1b}', '\u{7}'] {
        assert!(!all.contains(leak), "{all:?}");
    }
    assert!(!all.contains("evil.example"), "{all}");
    let store = SessionStore::open(state.path().join("grantty"), StoreChoice::File, true).unwrap();
    assert!(
        store.load(PROFILE).unwrap().is_none(),
        "a session was stored"
    );
}
