//! The code flow's screen in the event loop: paused tokio time, a clock that follows it, a
//! scripted token endpoint and the plain frontend (which ends the loop when the sign-in
//! ends). The pasted address arrives as the terminal would deliver it: a `Paste` message,
//! then Enter.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::sync::Arc;

use common::example::{REDIRECT_URI, STATE, VERIFIER, oauth_provider, provider, request};
use common::fake::{ScriptedTransport, TokioClock, json};
use grantty::app::{App, Capture, CodeEndKind, CodeSignIn, Key, Msg, Screen};
use grantty::domain::clock::Clock;
use grantty::oauth::http::TransportError;
use grantty::oauth::wire::HttpResponse;
use grantty::plain::Plain;
use grantty::runtime::{Context, run};
use grantty::session_service::SessionService;
use grantty::store::SessionStore;

const T0: i64 = 1_800_000_000;
const TOKENS: &str = r#"{"access_token":"at-secret-0123456789abcdef","token_type":"Bearer","expires_in":2100,"refresh_token":"rt-secret"}"#;

/// Runs the code screen with `events` against a token endpoint answering `script`; returns the
/// app at the end, what was sent and the store.
async fn code_flow(
    events: Vec<Msg>,
    script: Vec<Result<HttpResponse, TransportError>>,
) -> (App, Vec<common::fake::Sent>, Arc<SessionStore>) {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(T0));
    let transport = ScriptedTransport::new(clock.clone(), script);
    let oauth = oauth_provider();
    let store = Arc::new(SessionStore::memory());
    let ctx = Context::new(
        SessionService::new(store.clone(), Arc::new(transport.clone()), clock.clone()),
        oauth,
        "default",
    );
    let capture = Capture::Paste {
        note: "Not opening a browser here: connected over SSH.".into(),
    };
    let code = CodeSignIn::new(request(), capture, clock.now());
    let mut app = App::with_screen(provider(), Screen::Code(Box::new(code)));
    let mut out = Plain::new(Vec::new());
    run(&mut app, &mut out, &ctx, futures_util::stream::iter(events))
        .await
        .unwrap();
    (app, transport.sent(), store)
}

fn paste(address: &str) -> Vec<Msg> {
    vec![Msg::Paste(address.to_owned()), Msg::Key(Key::Enter)]
}

fn good() -> String {
    format!("{REDIRECT_URI}?code=c0de&state={STATE}")
}

fn ended_kind(app: &App) -> CodeEndKind {
    match &app.screen {
        Screen::CodeEnded(end) => end.kind,
        other => panic!("not ended: {other:?}"),
    }
}

#[tokio::test(start_paused = true)]
async fn a_pasted_address_is_exchanged_once_and_stored_before_the_dashboard() {
    let (app, sent, store) = code_flow(paste(&good()), vec![json(200, TOKENS)]).await;
    assert!(
        matches!(app.screen, Screen::Dashboard(_)),
        "{:?}",
        app.screen
    );
    assert_eq!(sent.len(), 1, "one exchange");
    let body = &sent[0].body;
    assert_eq!(sent[0].path, "/oauth/token");
    for part in [
        "grant_type=authorization_code",
        "code=c0de",
        &format!("code_verifier={VERIFIER}"),
        "redirect_uri=http%3A%2F%2F127.0.0.1%2Fcallback",
    ] {
        assert!(body.contains(part), "{part} missing from {body}");
    }
    let stored = store.load("default").unwrap().expect("stored");
    assert_eq!(
        stored.secrets.access_token.expose(),
        "at-secret-0123456789abcdef"
    );
}

#[tokio::test(start_paused = true)]
async fn another_sign_ins_address_sends_nothing_and_a_second_paste_works() {
    let mut events = paste(&format!("{REDIRECT_URI}?code=c0de&state=forged"));
    events.extend(paste(&good()));
    let (app, sent, _) = code_flow(events, vec![json(200, TOKENS)]).await;
    assert!(matches!(app.screen, Screen::Dashboard(_)));
    assert_eq!(sent.len(), 1);
    assert!(sent[0].body.contains("code=c0de"));
}

#[tokio::test(start_paused = true)]
async fn a_refused_exchange_ends_with_the_reason_and_is_not_retried() {
    let refused = json(
        400,
        r#"{"error":"invalid_grant","error_description":"used"}"#,
    );
    let (app, sent, store) = code_flow(paste(&good()), vec![refused]).await;
    assert_eq!(ended_kind(&app), CodeEndKind::Refused);
    let Screen::CodeEnded(end) = &app.screen else {
        unreachable!()
    };
    assert!(end.view.hint.contains("already used"), "{:?}", end.view);
    assert!(end.view.hint.contains("--flow code"), "{:?}", end.view);
    assert_eq!(sent.len(), 1);
    assert!(store.load("default").unwrap().is_none());
}

#[tokio::test(start_paused = true)]
async fn an_unreachable_or_unavailable_token_endpoint_ends_as_a_network_failure() {
    let not_now = r#"{"error":"temporarily_unavailable"}"#;
    for answer in [
        Err(TransportError::no_answer("refused")),
        json(503, "{}"),
        json(400, not_now),
    ] {
        let (app, sent, _) = code_flow(paste(&good()), vec![answer]).await;
        assert_eq!(ended_kind(&app), CodeEndKind::Unreachable);
        assert_eq!(sent.len(), 1, "the single-use code is never sent twice");
    }
}

#[tokio::test(start_paused = true)]
async fn a_denial_ends_without_an_exchange() {
    let denied = format!("{REDIRECT_URI}?error=access_denied&state={STATE}");
    let (app, sent, _) = code_flow(paste(&denied), vec![]).await;
    assert_eq!(ended_kind(&app), CodeEndKind::Denied);
    assert!(sent.is_empty());
}

#[tokio::test(start_paused = true)]
async fn the_wait_ends_after_ten_minutes() {
    let start = tokio::time::Instant::now();
    let (app, sent, _) = code_flow(vec![], vec![]).await;
    assert_eq!(ended_kind(&app), CodeEndKind::Expired);
    let waited = start.elapsed().as_secs();
    assert!((600..=601).contains(&waited), "{waited}");
    assert!(sent.is_empty());
}
