//! The event loop with paused tokio time, a clock that follows it, a scripted transport and the
//! plain frontend: no terminal, no network, no sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::sync::Arc;

use common::fake::{ScriptedTransport, TokioClock, json};
use grantty::app::{App, ProviderInfo, Screen};
use grantty::domain::clock::{Clock, Timestamp};
use grantty::domain::grant::GrantFailure;
use grantty::oauth::http::TransportError;
use grantty::oauth::provider::Provider;
use grantty::plain::Plain;
use grantty::runtime::{Context, Exit, run};
use grantty::session_service::SessionService;
use grantty::store::SessionStore;

const T0: i64 = 1_800_000_000;
const DEVICE: &str = r#"{"device_code":"dc-secret","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT","expires_in":60,"interval":5}"#;
const PENDING: &str = r#"{"error":"authorization_pending"}"#;
const SLOW: &str = r#"{"error":"slow_down"}"#;
const TOKENS: &str = r#"{"access_token":"at-secret-0123456789abcdef","token_type":"Bearer","expires_in":2100,"refresh_token":"rt-secret"}"#;

fn info() -> ProviderInfo {
    ProviderInfo {
        name: "OAuth 2.0".into(),
        host: "example.com".into(),
        client_id: "c".into(),
        scopes: "openid".into(),
        local_host: "build-box".into(),
    }
}

/// Runs one sign-in to its end; returns the app, the transport's log and the plain output.
async fn sign_in(
    script: Vec<Result<grantty::oauth::wire::HttpResponse, TransportError>>,
) -> (App, Vec<common::fake::Sent>, String) {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(T0));
    let transport = ScriptedTransport::new(clock.clone(), script);
    let provider = Provider::generic(
        "c",
        Some("openid"),
        "https://example.com/device_authorization",
        "https://example.com/token",
        None,
    )
    .unwrap();
    let ctx = Context::new(
        SessionService::new(
            Arc::new(SessionStore::memory()),
            Arc::new(transport.clone()),
            clock.clone(),
        ),
        provider,
        "default",
    );
    let mut app = App::new(info(), clock.now());
    let mut out = Plain::new(Vec::new());
    let exit = run(&mut app, &mut out, &ctx, futures_util::stream::pending())
        .await
        .unwrap();
    assert_eq!(exit, Exit::Normal);
    (
        app,
        transport.sent(),
        String::from_utf8(out.into_inner()).unwrap(),
    )
}

fn secs_after_t0(at: Timestamp) -> i64 {
    at.as_unix_secs() - T0
}

#[tokio::test(start_paused = true)]
async fn polls_at_the_interval_slows_down_and_signs_in() {
    let (app, sent, out) = sign_in(vec![
        json(200, DEVICE),
        json(400, PENDING),
        json(400, SLOW),
        json(400, PENDING),
        json(200, TOKENS),
    ])
    .await;
    assert!(
        matches!(app.screen, Screen::Dashboard(_)),
        "{:?}",
        app.screen
    );
    let times: Vec<i64> = sent.iter().map(|s| secs_after_t0(s.at)).collect();
    // Device code at 0; first poll one interval later; then interval + 1 s margin; after
    // slow_down the interval is 10 s.
    assert_eq!(times, [0, 5, 11, 22, 33]);
    assert_eq!(sent[0].path, "/device_authorization");
    assert!(
        sent[1..]
            .iter()
            .all(|s| s.path == "/token" && s.body.contains("device_code=dc-secret"))
    );
    assert!(
        out.contains("To sign in, open https://example.com/device and enter the code WDJB-MJHT"),
        "{out}"
    );
    assert!(out.contains("https://example.com/device?user_code=WDJB-MJHT"));
    assert!(out.contains("now checking every 10 s"));
    assert!(out.contains("Signed in at example.com"));
    assert!(
        !out.contains("secret"),
        "no code or token may be printed: {out}"
    );
    // One line per change: the pending answer after slow_down is a change, the rest are not repeated.
    assert_eq!(out.matches("authorization_pending").count(), 2, "{out}");
}

#[tokio::test(start_paused = true)]
async fn local_deadline_ends_polling_when_the_server_never_says_expired() {
    let script = std::iter::once(json(200, DEVICE))
        .chain(std::iter::repeat_with(|| json(400, PENDING)).take(50))
        .collect();
    let (app, sent, out) = sign_in(script).await;
    assert!(matches!(
        app.screen,
        Screen::Ended {
            failure: GrantFailure::Expired { by_server: false },
            ..
        }
    ));
    let last_poll = sent.last().map(|s| secs_after_t0(s.at)).unwrap();
    assert!(last_poll < 60, "polled after the deadline at {last_poll}");
    // 5, 11, 17, ..., 59: one poll every interval + margin.
    assert_eq!(sent.len() - 1, 10);
    assert!(out.contains("The code expired before it was approved"));
}

#[tokio::test(start_paused = true)]
async fn transport_errors_back_off_and_show() {
    let long_lived = DEVICE.replace(r#""expires_in":60"#, r#""expires_in":600"#);
    let script = vec![
        json(200, &long_lived),
        Err(TransportError::no_answer("timed out")),
        Err(TransportError::no_answer("timed out")),
        json(503, ""),
        json(200, TOKENS),
    ];
    let (app, sent, out) = sign_in(script).await;
    assert!(matches!(app.screen, Screen::Dashboard(_)));
    let times: Vec<i64> = sent.iter().map(|s| secs_after_t0(s.at)).collect();
    // Back-off doubles from the interval: 10 s, 20 s, 40 s, each plus the 1 s margin.
    assert_eq!(times, [0, 5, 16, 37, 78]);
    assert!(
        out.contains("Network error: timed out; retrying in 10 s"),
        "{out}"
    );
    assert!(
        out.contains("Server unavailable (HTTP 503): retrying in 40 s"),
        "{out}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_refused_client_fails_with_the_servers_words() {
    let (app, sent, out) = sign_in(vec![json(
        401,
        r#"{"error":"invalid_client","error_description":"Client disabled"}"#,
    )])
    .await;
    let Screen::Failed(view) = &app.screen else {
        panic!("{:?}", app.screen)
    };
    assert_eq!(view.title, "The server refused this client");
    assert!(view.detail.contains("Client disabled"));
    assert_eq!(sent.len(), 1);
    assert!(out.contains("Client disabled"));
}
