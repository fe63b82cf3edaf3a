//! The event loop opened on a stored session's dashboard: paused tokio time, a clock that
//! follows it, a scripted transport (held where a test must act while a request is at the
//! "server"), a memory store, and keys from a channel. No terminal, no network, no sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::sync::Arc;

use common::fake::{ScriptedTransport, Sent, TokioClock, json};
use grantty::app::{App, Dashboard, Key, Msg, Screen, StorageView};
use grantty::domain::clock::{Clock, Timestamp};
use grantty::domain::secret::{AccessToken, RefreshToken};
use grantty::domain::session::{ProviderRecord, Session};
use grantty::domain::token::TokenSet;
use grantty::oauth::provider::Provider;
use grantty::plain::Plain;
use grantty::runtime::{Context, Exit, Frontend, run};
use grantty::session_service::SessionService;
use grantty::store::SessionStore;
use tokio::sync::mpsc;

const T0: i64 = 1_800_000_000;
const DEVICE: &str = r#"{"device_code":"dc-secret","user_code":"WDJB-MJHT","verification_uri":"https://example.com/device","expires_in":600,"interval":5}"#;
const NEW_TOKENS: &str =
    r#"{"access_token":"at-new","token_type":"Bearer","expires_in":2100,"refresh_token":"rt-new"}"#;

fn record() -> ProviderRecord {
    ProviderRecord {
        kind: "generic".into(),
        host: "example.com".into(),
        client_id: "c".into(),
        scope: "openid".into(),
        device_authorization_endpoint: "https://example.com/device_authorization".into(),
        token_endpoint: "https://example.com/token".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: Some("https://example.com/revoke".into()),
        logout_endpoint: None,
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    }
}

/// A session signed in at `T0` whose access token has `left_secs` to live.
fn stored_session(left_secs: u64) -> Session {
    let t0 = Timestamp::from_unix_secs(T0);
    let tokens = TokenSet {
        access_token: AccessToken::new("at-old"),
        token_type: "Bearer".into(),
        expires_at: Some(t0.plus_secs(left_secs)),
        refresh_token: Some(RefreshToken::new("rt-old")),
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: t0,
    };
    Session::new("default", record(), tokens, t0)
}

/// A frontend that stays on its screen, like the TUI, and remembers each notice it showed.
#[derive(Default)]
struct Screenless {
    notices: Vec<String>,
}

impl Frontend for Screenless {
    fn draw(&mut self, app: &App, now: Timestamp) -> std::io::Result<()> {
        if let Some(n) = app.visible_notice(now)
            && self.notices.last() != Some(&n.text)
        {
            self.notices.push(n.text.clone());
        }
        Ok(())
    }
    fn copy(&mut self, _text: &str) -> std::io::Result<()> {
        Ok(())
    }
    fn exits_when_finished(&self) -> bool {
        false
    }
}

struct Fixture {
    app: App,
    ctx: Context<ScriptedTransport>,
    transport: ScriptedTransport,
}

fn fixture(transport: ScriptedTransport, clock: Arc<dyn Clock>, session: Session) -> Fixture {
    let store = SessionStore::memory();
    store.save(&session).unwrap();
    let provider = Provider::from_record(&record()).unwrap();
    let storage = StorageView {
        description: "memory".into(),
        plaintext: false,
    };
    let board = Dashboard::new(session, storage, clock.now(), "Opened the stored session");
    Fixture {
        app: App::with_dashboard(common::example::provider(), board),
        ctx: Context::new(
            SessionService::new(Arc::new(store), Arc::new(transport.clone()), clock),
            provider,
            "default",
        ),
        transport,
    }
}

fn paths(sent: &[Sent]) -> Vec<&str> {
    sent.iter().map(|s| s.path.as_str()).collect()
}

/// Keys the test types, as the loop's event stream.
fn keys() -> (
    mpsc::UnboundedSender<Msg>,
    impl futures_util::Stream<Item = Msg> + Unpin,
) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    (
        tx,
        futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)),
    )
}

#[tokio::test(start_paused = true)]
async fn plain_mode_on_a_stored_session_shows_it_and_requests_nothing() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(T0));
    let transport = ScriptedTransport::new(clock.clone(), vec![json(200, DEVICE)]);
    let mut f = fixture(transport, clock, stored_session(2100));
    let mut out = Plain::new(Vec::new());
    let exit = run(
        &mut f.app,
        &mut out,
        &f.ctx,
        futures_util::stream::pending(),
    )
    .await
    .unwrap();
    assert_eq!(exit, Exit::Normal);
    assert_eq!(paths(&f.transport.sent()), Vec::<&str>::new());
    let out = String::from_utf8(out.into_inner()).unwrap();
    assert!(
        out.starts_with("Signed in at example.com. Access token valid for"),
        "{out}"
    );
}

#[tokio::test(start_paused = true)]
async fn the_dashboard_waits_for_keys_without_a_device_request() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(T0));
    let transport = ScriptedTransport::new(clock.clone(), vec![json(200, DEVICE)]);
    let mut f = fixture(transport, clock, stored_session(2100));
    let (keys_tx, events) = keys();
    let mut frontend = Screenless::default();
    let driver = async {
        // Ten minutes of ticks on a session with 35 minutes left: nothing to ask anyone.
        tokio::time::sleep(std::time::Duration::from_secs(600)).await;
        keys_tx.send(Msg::Key(Key::Char('q'))).unwrap();
    };
    let (exit, ()) = tokio::join!(run(&mut f.app, &mut frontend, &f.ctx, events), driver);
    assert_eq!(exit.unwrap(), Exit::Normal);
    assert_eq!(paths(&f.transport.sent()), Vec::<&str>::new());
    assert!(matches!(f.app.screen, Screen::Dashboard(_)));
}

#[tokio::test(start_paused = true)]
async fn quitting_while_a_refresh_is_at_the_server_saves_its_answer_first() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(T0));
    let (transport, mut held) =
        ScriptedTransport::new(clock.clone(), vec![json(200, NEW_TOKENS)]).held();
    let mut f = fixture(transport, clock, stored_session(2100));
    let (keys_tx, events) = keys();
    let mut frontend = Screenless::default();
    let driver = async {
        keys_tx.send(Msg::Key(Key::Char('r'))).unwrap();
        assert_eq!(held.arrived().await, "/token");
        keys_tx.send(Msg::Key(Key::Char('q'))).unwrap();
        // The loop takes the q, then has nothing to do until the reply is released.
        tokio::task::yield_now().await;
        keys_tx.send(Msg::Key(Key::Char('r'))).unwrap();
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        held.release(1);
    };
    let (exit, ()) = tokio::join!(run(&mut f.app, &mut frontend, &f.ctx, events), driver);
    assert_eq!(exit.unwrap(), Exit::Normal);
    assert!(f.app.quit);
    assert_eq!(paths(&f.transport.sent()), ["/token"], "no second refresh");
    let stored = f.ctx.service.store.load("default").unwrap().unwrap();
    assert_eq!(stored.secrets.access_token.expose(), "at-new");
    let Screen::Dashboard(d) = &f.app.screen else {
        panic!("{:?}", f.app.screen)
    };
    assert_eq!(d.session.secrets.access_token.expose(), "at-new");
    assert!(
        frontend
            .notices
            .iter()
            .any(|n| n.starts_with("Finishing the refresh")),
        "{:?}",
        frontend.notices
    );
}

#[tokio::test(start_paused = true)]
async fn signing_in_again_over_the_session_revokes_the_old_grant() {
    let clock: Arc<dyn Clock> = Arc::new(TokioClock::new(T0));
    let script = vec![
        json(200, DEVICE),
        json(200, NEW_TOKENS),
        json(200, ""),
        json(200, ""),
    ];
    let (transport, mut held) = ScriptedTransport::new(clock.clone(), script).held();
    held.release(10);
    let mut f = fixture(transport, clock, stored_session(2100));
    let (keys_tx, events) = keys();
    let mut frontend = Screenless::default();
    let driver = async {
        keys_tx.send(Msg::Key(Key::Char('l'))).unwrap();
        keys_tx.send(Msg::Key(Key::Char('y'))).unwrap();
        for expected in ["/device_authorization", "/token", "/revoke", "/revoke"] {
            assert_eq!(held.arrived().await, expected);
        }
        keys_tx.send(Msg::Key(Key::Char('q'))).unwrap();
    };
    let (exit, ()) = tokio::join!(run(&mut f.app, &mut frontend, &f.ctx, events), driver);
    assert_eq!(exit.unwrap(), Exit::Normal);
    let sent = f.transport.sent();
    assert!(sent[2].body.contains("token=rt-old"), "{}", sent[2].body);
    assert!(sent[3].body.contains("token=at-old"), "{}", sent[3].body);
    let stored = f.ctx.service.store.load("default").unwrap().unwrap();
    assert_eq!(stored.secrets.access_token.expose(), "at-new");
    let Screen::Dashboard(d) = &f.app.screen else {
        panic!("{:?}", f.app.screen)
    };
    let log: Vec<&str> = d.events.iter().map(|e| e.text.as_str()).collect();
    assert!(
        log.iter()
            .any(|l| l.starts_with("Replaced session: refresh token")),
        "{log:?}"
    );
}
