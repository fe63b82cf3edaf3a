//! Clock skew end to end: measured from the `Date` of the device-authorization answer (through
//! the real event loop) and of refresh answers (through the keeper), stored with the session,
//! reported by `grantty status`, and applied to the ID token's `exp` on the dashboard.
//! Scripted transports and a temporary state directory only: no network, no sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::net::{Ipv4Addr, SocketAddr};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;

use common::example;
use common::fake::{ScriptedTransport, TokioClock, json};
use grantty::app::{App, ProviderInfo, Screen};
use grantty::demo::{DemoClock, DemoConfig, DemoServer};
use grantty::domain::clock::{Clock, Skew, SystemClock, Timestamp};
use grantty::oauth::client::{discover, request_device_code_with_skew};
use grantty::oauth::http::{ReqwestTransport, TransportError};
use grantty::oauth::provider::Provider;
use grantty::oauth::wire::HttpResponse;
use grantty::plain::Plain;
use grantty::runtime::{Context, run};
use grantty::session_service::{Refreshed, SessionService};
use grantty::store::{SessionStore, StoreChoice};

/// Local time at the start of each scenario: 2027-01-15T08:00:00Z.
const T0: i64 = 1_800_000_000;
/// T0 + 42 s, as a server whose clock is 42 s ahead stamps its answer at T0.
const DATE_42_S_AHEAD: &str = "Fri, 15 Jan 2027 08:00:42 GMT";
/// T0 - 90 s.
const DATE_90_S_BEHIND: &str = "Fri, 15 Jan 2027 07:58:30 GMT";
const DEVICE: &str = r#"{"device_code":"dc-secret","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","expires_in":600,"interval":5}"#;
const TOKENS: &str = r#"{"access_token":"at-secret-0123456789abcdef","token_type":"Bearer","expires_in":2100,"refresh_token":"rt-secret-1"}"#;

/// A clock that always reads the same time.
struct Fixed(Timestamp);

impl Clock for Fixed {
    fn now(&self) -> Timestamp {
        self.0
    }
}

fn dated(status: u16, body: &str, date: Option<&str>) -> Result<HttpResponse, TransportError> {
    let mut resp = json(status, body)?;
    resp.date = date.map(Into::into);
    Ok(resp)
}

fn provider() -> Provider {
    Provider::generic(
        "c",
        Some("openid"),
        "https://example.com/device_authorization",
        "https://example.com/token",
        None,
    )
    .unwrap()
}

fn info() -> ProviderInfo {
    ProviderInfo {
        name: "OAuth 2.0".into(),
        host: "example.com".into(),
        client_id: "c".into(),
        scopes: "openid".into(),
        local_host: "build-box".into(),
    }
}

/// Signs in through the event loop against `script`; returns the app and its store.
async fn sign_in(
    script: Vec<Result<HttpResponse, TransportError>>,
) -> (App, Arc<SessionStore>, Arc<dyn Clock>) {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(T0));
    let store = Arc::new(SessionStore::memory());
    let ctx = Context::new(
        SessionService::new(
            store.clone(),
            Arc::new(ScriptedTransport::new(clock.clone(), script)),
            clock.clone(),
        ),
        provider(),
        "default",
    );
    let mut app = App::new(info(), clock.now());
    let mut out = Plain::new(Vec::new());
    run(&mut app, &mut out, &ctx, futures_util::stream::pending())
        .await
        .unwrap();
    (app, store, clock)
}

#[tokio::test(start_paused = true)]
async fn the_device_authorization_date_sets_the_skew_and_the_session_keeps_it() {
    let (app, store, _) = sign_in(vec![
        dated(200, DEVICE, Some(DATE_42_S_AHEAD)),
        dated(200, TOKENS, None),
    ])
    .await;
    assert!(
        matches!(app.screen, Screen::Dashboard(_)),
        "{:?}",
        app.screen
    );
    assert_eq!(app.clock_skew, Some(Skew::from_secs(42)));
    let stored = store.load("default").unwrap().unwrap();
    assert_eq!(stored.meta.clock_skew, Some(Skew::from_secs(42)));
}

#[tokio::test(start_paused = true)]
async fn an_answer_without_a_date_measures_nothing() {
    let (app, store, _) = sign_in(vec![dated(200, DEVICE, None), dated(200, TOKENS, None)]).await;
    assert_eq!(app.clock_skew, None);
    assert_eq!(
        store.load("default").unwrap().unwrap().meta.clock_skew,
        None
    );
}

#[tokio::test(start_paused = true)]
async fn each_refresh_with_a_date_updates_the_stored_skew() {
    let (_, store, _) = sign_in(vec![
        dated(200, DEVICE, Some(DATE_42_S_AHEAD)),
        dated(200, TOKENS, None),
    ])
    .await;
    // The refreshes arrive at T0 on the local clock.
    let clock: Arc<dyn Clock> = Arc::new(Fixed(Timestamp::from_unix_secs(T0)));
    let keeper = SessionService::new(
        store.clone(),
        Arc::new(ScriptedTransport::new(
            clock.clone(),
            vec![
                dated(200, TOKENS, Some(DATE_90_S_BEHIND)),
                dated(200, TOKENS, None),
            ],
        )),
        clock,
    );
    let skew_after_refresh = || async {
        let kept = keeper.refresh("default").await.unwrap();
        assert!(matches!(kept, Refreshed::Fresh { .. }), "{kept:?}");
        store.load("default").unwrap().unwrap().meta.clock_skew
    };
    let behind = Skew::from_secs(-90);
    assert_eq!(skew_after_refresh().await, Some(behind));
    assert_eq!(skew_after_refresh().await, Some(behind), "no Date: kept");
}

#[tokio::test]
async fn the_real_transport_reads_the_date_of_a_real_server() {
    let server = DemoServer::start(
        DemoConfig::default(),
        DemoClock::manual(1_800_000_000_000),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let transport = ReqwestTransport::new().unwrap();
    let provider = discover(&transport, &server.issuer(), "grantty-test", None)
        .await
        .unwrap();
    // This machine pretends to be ten minutes slow; the server stamps `Date` from the real clock.
    let slow = Fixed(Timestamp::from_unix_secs(
        SystemClock.now().as_unix_secs() - 600,
    ));
    let (auth, skew) = request_device_code_with_skew(&transport, &provider, &slow).await;
    assert!(auth.is_ok(), "{auth:?}");
    let secs = skew.expect("the demo server sends Date").secs();
    assert!((598..=602).contains(&secs), "skew {secs}");
}

/// `grantty status` on the file store under `state_dir`, without the caller's profile settings.
fn status_command(state_dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_grantty"));
    command
        .arg("status")
        .env("XDG_STATE_HOME", state_dir)
        .env("GRANTTY_STORE", "file")
        .env_remove("GRANTTY_PROFILE")
        .env_remove("GRANTTY_CONFIG")
        .stdin(Stdio::null());
    command
}

fn status(state_dir: &std::path::Path, args: &[&str]) -> Output {
    status_command(state_dir).args(args).output().unwrap()
}

#[test]
fn status_reports_a_notable_skew_and_json_always_carries_it() {
    let state = tempfile::tempdir().unwrap();
    let store = SessionStore::open(state.path().join("grantty"), StoreChoice::File, true).unwrap();
    for (secs, line) in [(-75, Some("75 s behind this machine")), (3, None)] {
        let mut session = example::session();
        session.meta.clock_skew = Some(Skew::from_secs(secs));
        store.save(&session).unwrap();

        let out = status(state.path(), &[]);
        let text = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        match line {
            Some(line) => assert!(
                text.contains(&format!(
                    "server clock   {line} (at the last sign-in or refresh)"
                )),
                "{text}"
            ),
            None => assert!(!text.contains("server clock"), "{text}"),
        }

        let out = status(state.path(), &["--json"]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["clock_skew_secs"], secs);
    }
}

/// Times in the user's zone: `status` reads `TZ` once and writes the zone's abbreviation.
#[test]
fn status_writes_times_in_the_zone_from_tz() {
    let state = tempfile::tempdir().unwrap();
    let store = SessionStore::open(state.path().join("grantty"), StoreChoice::File, true).unwrap();
    let mut session = example::session();
    // A rotating-token lifespan from the profile (Anaplan's default) before the first refresh.
    session.meta.provider.refresh_token_lifespan_secs = Some(43_000);
    store.save(&session).unwrap();

    // The fixture's access token expired on 2026-11-23 at 14:14:55 UTC: 15:14:55 in Berlin.
    let out = status_command(state.path())
        .env("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("expired at 15:14:55 CET"), "{text}");
    assert!(!text.contains("UTC"), "{text}");
    assert!(
        text.contains("refresh token  kind unknown until the first refresh, age "),
        "{text}"
    );
    assert!(text.contains("rotated 0 times"), "{text}");
    // 43,000 s after the 13:14:55 UTC sign-in: 01:11:35 UTC, long past.
    assert!(
        text.contains("ended at 02:11:35 CET if it rotates"),
        "lifespan counted from sign-in\n{text}"
    );

    let out = status_command(state.path())
        .env("TZ", "UTC0")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("expired at 14:14:55 UTC"), "{text}");
}
