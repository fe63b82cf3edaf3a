//! The NDJSON frontend over states the real app reaches: `update` drives a sign-in through every
//! polling answer, and the frontend draws after each step as the runtime does. Literal times
//! (`common::example`), fake tokens that must never appear in a line.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::app::update::{start, update};
use grantty::app::{App, Effect, Msg, Screen, StorageView};
use grantty::domain::clock::Timestamp;
use grantty::domain::grant::PollReply;
use grantty::domain::session::{ProviderRecord, Session};
use grantty::ndjson::Ndjson;
use grantty::runtime::Frontend as _;
use serde_json::Value;

use common::example::{self, at};
use common::fixtures as fx;

/// The frontend's output as lines.
fn lines(frontend: Ndjson<Vec<u8>>) -> Vec<String> {
    String::from_utf8(frontend.into_inner())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn parsed(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Sends the poll due next and answers it with `reply`; returns when, and the effects.
fn answer(app: &mut App, reply: PollReply) -> (Timestamp, Vec<Effect>) {
    let Screen::Waiting(w) = &app.screen else {
        panic!("not polling: {:?}", app.screen);
    };
    let now = w.poller.next_poll_at();
    let effects = update(app, Msg::Tick, now);
    let [Effect::Poll { request, .. }] = effects.as_slice() else {
        panic!("expected one poll at {now:?}, got {effects:?}");
    };
    let request = *request;
    (now, update(app, Msg::Polled { request, reply }, now))
}

fn record() -> ProviderRecord {
    ProviderRecord {
        kind: "generic".into(),
        host: "example.com".into(),
        client_id: "grantty-demo".into(),
        scope: "openid".into(),
        device_authorization_endpoint: "https://example.com/device_authorization".into(),
        token_endpoint: "https://example.com/token".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: None,
        logout_endpoint: None,
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    }
}

/// A sign-in through every kind of polling answer, drawn after each step and again a second
/// later (a tick that changes nothing), ending stored as profile `work`.
fn sign_in_lines() -> Vec<String> {
    let mut out = Ndjson::new(Vec::new());
    let mut app = App::new(example::provider(), at(0));
    let effects = start(&mut app, at(0));
    let [Effect::RequestDeviceCode { request }] = effects.as_slice() else {
        panic!("expected a device-code request, got {effects:?}");
    };
    out.draw(&app, at(0)).unwrap();
    let result = Ok(fx::authorization());
    update(
        &mut app,
        Msg::DeviceCode {
            request: *request,
            result,
            skew: None,
        },
        at(0),
    );
    out.draw(&app, at(0)).unwrap();
    out.draw(&app, at(1)).unwrap(); // a tick: nothing changed

    let replies = [
        PollReply::Pending,
        PollReply::Pending,
        PollReply::SlowDown {
            interval_secs: None,
        },
        PollReply::Pending,
        PollReply::Transport {
            message: "connection reset by peer".into(),
        },
        PollReply::Unavailable { status: 503 },
        PollReply::RateLimited {
            retry_after_secs: Some(30),
        },
        PollReply::Pending,
    ];
    for reply in replies {
        let (now, _) = answer(&mut app, reply);
        out.draw(&app, now).unwrap();
        out.draw(&app, now.plus_secs(1)).unwrap();
    }
    let Screen::Approved(approved) = fx::approved().screen else {
        panic!("the fixture is approved");
    };
    let tokens = approved.tokens;
    let (now, effects) = answer(&mut app, PollReply::Approved(Box::new(tokens.clone())));
    out.draw(&app, now).unwrap();
    let [Effect::SaveSignIn { request, .. }] = effects.as_slice() else {
        panic!("expected a save, got {effects:?}");
    };
    let session = Session::new("work", record(), tokens, now);
    let storage = StorageView {
        description: "memory (this run only)".into(),
        plaintext: false,
    };
    let result = Ok(grantty::app::SignInSaved {
        session: Box::new(session),
        storage,
        replaced: None,
    });
    update(
        &mut app,
        Msg::SignInSaved {
            request: *request,
            result,
        },
        now,
    );
    out.draw(&app, now).unwrap();
    out.draw(&app, now.plus_secs(1)).unwrap();
    lines(out)
}

#[test]
fn a_sign_in_writes_one_event_per_change_and_never_a_token() {
    let lines = sign_in_lines();
    let events = parsed(&lines);
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "code_issued",
            "pending",
            "slow_down",
            "pending",
            "retrying",
            "retrying",
            "retrying",
            "pending",
            "approved",
            "stored",
        ]
    );
    assert_eq!(
        lines[0],
        format!(
            r#"{{"v":1,"event":"code_issued","verification_uri":"{}","user_code":"{}","verification_uri_complete":"{}","expires_in":600,"expires_at":{},"interval":5,"client_id":"grantty-demo","host":"example.com","time":{}}}"#,
            fx::VERIFICATION_URI,
            fx::USER_CODE,
            fx::VERIFICATION_URI_COMPLETE,
            at(600).as_unix_secs(),
            at(0).as_unix_secs(),
        )
    );
    assert_eq!(events[2]["interval"], 10, "slow_down adds 5 s");
    let retries: Vec<(&str, &Value, u64)> = events[4..7]
        .iter()
        .map(|e| {
            (
                e["reason"].as_str().unwrap(),
                &e["status"],
                e["wait"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(retries[0].0, "transport");
    assert!(retries[0].1.is_null());
    assert_eq!(
        (retries[1].0, retries[1].1.as_u64()),
        ("unavailable", Some(503))
    );
    assert_eq!(
        (retries[2].0, retries[2].1.as_u64(), retries[2].2),
        ("rate_limited", Some(429), 30)
    );
    assert_eq!(events[8]["subject"], "user-1234");
    assert_eq!(events[8]["expires_at"], at(40 + 3600).as_unix_secs());
    assert_eq!(events[9]["storage"], "memory (this run only)");
    assert_eq!(events[9]["profile"], "work");
    for (line, event) in lines.iter().zip(&events) {
        assert_eq!(event["v"], 1);
        assert!(
            event["time"].as_i64().unwrap() >= at(0).as_unix_secs(),
            "{line}"
        );
        for secret in [
            example::ACCESS_TOKEN,
            example::REFRESH_TOKEN,
            example::ID_TOKEN,
            fx::DEVICE_CODE,
        ] {
            assert!(!line.contains(secret), "{line}");
        }
    }
}

#[test]
fn end_states_write_one_final_event_each() {
    let now = at(700);
    let cases: [(App, &str); 5] = [
        (
            fx::denied(),
            r#""event":"denied","description":"The user declined the sign-in request""#,
        ),
        (fx::expired(), r#""event":"expired","by_server":false"#),
        (
            fx::server_error(),
            r#""event":"error","message":"The server ended the sign-in: invalid_client"#,
        ),
        (
            fx::lost_reply(),
            r#""event":"error","message":"A reply was lost"#,
        ),
        (
            fx::failed(),
            r#""event":"error","message":"Could not reach example.com: "#,
        ),
    ];
    for (app, expected) in cases {
        let mut out = Ndjson::new(Vec::new());
        out.draw(&app, now).unwrap();
        out.draw(&app, now.plus_secs(1)).unwrap();
        out.cancelled(now).unwrap();
        let lines = lines(out);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(
            lines[0].starts_with(&format!(r#"{{"v":1,{expected}"#)),
            "{}",
            lines[0]
        );
        assert!(lines[0].ends_with(&format!(r#","time":{}}}"#, now.as_unix_secs())));
    }
}

#[test]
fn a_signal_before_the_end_writes_cancelled() {
    let mut out = Ndjson::new(Vec::new());
    out.draw(&fx::waiting(), fx::waiting_now()).unwrap();
    out.cancelled(at(20)).unwrap();
    let lines = lines(out);
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(
        lines[2],
        format!(
            r#"{{"v":1,"event":"cancelled","time":{}}}"#,
            at(20).as_unix_secs()
        )
    );
}
