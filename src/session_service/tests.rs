//! The session service's state machine on its own: injected time, a scripted transport, a real
//! store over an in-memory backend that a test can break.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::*;
use crate::domain::clock::Timestamp;
use crate::domain::secret::AccessToken;
use crate::domain::session::{ProviderRecord, RefreshChange};
use crate::domain::token::TokenSet;
use crate::oauth::http::TransportError;
use crate::oauth::wire::ErrorCode;
use crate::oauth::wire::{HttpRequest, HttpResponse};
use crate::store::{BackendInfo, MemoryBackend, SecretBackend};

const T0: i64 = 1_800_000_000;

struct FixedClock(Mutex<Timestamp>);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// Answers from a script; records request bodies; can break the store when a request arrives.
#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Result<HttpResponse, TransportError>>>,
    sent: Mutex<Vec<(String, String)>>,
    break_on_send: Mutex<Option<Arc<AtomicBool>>>,
}

impl Transport for Script {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push((
            request.url.path().to_owned(),
            String::from_utf8_lossy(&request.body).into_owned(),
        ));
        if let Some(flag) = &*self.break_on_send.lock().unwrap() {
            flag.store(true, Ordering::SeqCst);
        }
        let next = self.replies.lock().unwrap().pop_front();
        next.unwrap_or_else(|| Err(TransportError::no_answer("script exhausted")))
    }
}

/// A memory backend whose writes fail while `broken` is set.
struct Breakable {
    inner: MemoryBackend,
    broken: Arc<AtomicBool>,
}

impl SecretBackend for Breakable {
    fn info(&self) -> BackendInfo {
        self.inner.info()
    }
    fn get(&self, profile: &str) -> Result<Option<String>, StoreError> {
        self.inner.get(profile)
    }
    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError> {
        if self.broken.load(Ordering::SeqCst) {
            return Err(StoreError::from(std::io::Error::other("quota exceeded")));
        }
        self.inner.set(profile, secret)
    }
    fn delete(&self, profile: &str) -> Result<(), StoreError> {
        self.inner.delete(profile)
    }
}

struct Fixture {
    service: SessionService<Script>,
    broken: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

#[allow(clippy::unnecessary_wraps)]
fn json(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    })
}

fn tokens(n: u32) -> String {
    format!(r#"{{"access_token":"at-{n}","refresh_token":"rt-{n}","expires_in":2100}}"#)
}

/// A session signed in at T0 with `lifetime` seconds of access token, now at T0 + `elapsed`.
fn fixture(
    lifetime: u64,
    elapsed: u64,
    replies: Vec<Result<HttpResponse, TransportError>>,
) -> Fixture {
    fixture_on(None, lifetime, elapsed, replies)
}

/// [`fixture`] in a store machines share, as `machine`.
fn fixture_on(
    machine: Option<&str>,
    lifetime: u64,
    elapsed: u64,
    replies: Vec<Result<HttpResponse, TransportError>>,
) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let broken = Arc::new(AtomicBool::new(false));
    let backend = Arc::new(Breakable {
        inner: MemoryBackend::new(),
        broken: broken.clone(),
    });
    let store = SessionStore::with_backend(dir.path().join("s"), backend).unwrap();
    let store = match machine {
        Some(machine) => store.as_machine(machine),
        None => store,
    };
    let provider = ProviderRecord {
        kind: "generic".into(),
        host: "idp.example.com".into(),
        client_id: "c".into(),
        scope: "openid".into(),
        device_authorization_endpoint: "https://idp.example.com/device".into(),
        token_endpoint: "https://idp.example.com/token".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: Some("https://idp.example.com/revoke".into()),
        logout_endpoint: None,
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    };
    let t0 = Timestamp::from_unix_secs(T0);
    let set = TokenSet {
        access_token: AccessToken::new("at-0"),
        token_type: "Bearer".into(),
        expires_at: Some(t0.plus_secs(lifetime)),
        refresh_token: Some(crate::domain::secret::RefreshToken::new("rt-0")),
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: t0,
    };
    store.save(&Session::new("p", provider, set, t0)).unwrap();
    let script = Script {
        replies: Mutex::new(replies.into()),
        ..Script::default()
    };
    let clock = Arc::new(FixedClock(Mutex::new(t0.plus_secs(elapsed))));
    Fixture {
        service: SessionService::new(Arc::new(store), Arc::new(script), clock),
        broken,
        _dir: dir,
    }
}

impl Fixture {
    fn sent_refresh_tokens(&self) -> Vec<String> {
        self.service
            .transport
            .sent
            .lock()
            .unwrap()
            .iter()
            .filter_map(|(_, body)| {
                body.split('&')
                    .find_map(|kv| kv.strip_prefix("refresh_token=").map(str::to_owned))
            })
            .collect()
    }

    /// `ensure_valid` with the default margin.
    async fn ensure(&self) -> Result<Refreshed, RefreshFailed> {
        self.service.ensure_valid("p", MinValid::DEFAULT).await
    }

    fn stored(&self) -> Session {
        self.service.store.load("p").unwrap().unwrap()
    }
}

#[tokio::test]
async fn a_valid_token_is_served_without_asking_the_server() {
    let f = fixture(2100, 60, vec![]);
    let got = f.ensure().await.unwrap();
    assert!(matches!(got, Refreshed::StillValid(_)));
    assert!(f.service.transport.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn only_the_default_min_valid_adapts_to_short_tokens() {
    // 400 s tokens, 250 s left: the adaptive default refreshes below 200 s, an explicit 300 now.
    let f = fixture(400, 150, vec![json(200, &tokens(1))]);
    let adaptive = f.ensure().await.unwrap();
    assert!(matches!(adaptive, Refreshed::StillValid(_)));
    let exact = f
        .service
        .ensure_valid("p", MinValid::Exactly(300))
        .await
        .unwrap();
    assert!(matches!(
        exact,
        Refreshed::Fresh {
            change: RefreshChange::Rotated,
            ..
        }
    ));
    let now = f.service.clock.now();
    assert_eq!(exact.short_by_secs(MinValid::Exactly(3000), now), 900);
    assert_eq!(exact.short_by_secs(MinValid::Exactly(300), now), 0);
}

#[tokio::test]
async fn a_rotating_refresh_is_saved_before_it_is_returned() {
    let f = fixture(2100, 2000, vec![json(200, &tokens(1))]);
    let got = f.ensure().await.unwrap();
    assert!(matches!(
        got,
        Refreshed::Fresh {
            change: RefreshChange::Rotated,
            ..
        }
    ));
    let stored = f.stored();
    assert_eq!(stored.secrets.refresh_token.unwrap().expose(), "rt-1");
    assert_eq!(stored.meta.pending_refresh, None);
    assert_eq!(stored.meta.state, SessionState::Active);
    assert!(!f.service.in_flight.is_set());
}

#[tokio::test]
async fn a_client_refusal_keeps_every_token_and_the_next_call_retries() {
    let f = fixture(
        2100,
        2000,
        vec![
            json(
                403,
                r#"{"error":"invalid_client","error_description":"disabled"}"#,
            ),
            json(200, &tokens(1)),
        ],
    );
    let err = f.ensure().await.unwrap_err();
    let RefreshFailed::Refused { code, session, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(*code, ErrorCode::InvalidClient);
    assert_eq!(session.secrets.access_token.expose(), "at-0");
    assert!(
        err.usable_session(f.service.clock.now()).is_some(),
        "100 s left: served"
    );
    assert!(err.to_string().contains("admin may have disabled"), "{err}");
    let stored = f.stored();
    assert_eq!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        "rt-0"
    );
    assert!(
        matches!(stored.meta.state, SessionState::RefreshRefused { ref code, .. } if code == "invalid_client")
    );
    assert_eq!(stored.meta.pending_refresh, None, "the server answered");

    let again = f.ensure().await.unwrap();
    assert!(matches!(again, Refreshed::Fresh { .. }));
    assert_eq!(f.stored().meta.state, SessionState::Active);
    assert_eq!(
        f.sent_refresh_tokens(),
        ["rt-0", "rt-0"],
        "the same token, never spent"
    );
}

#[tokio::test]
async fn a_dead_refresh_token_ends_refreshing_but_keeps_the_session() {
    let f = fixture(2100, 2000, vec![json(400, r#"{"error":"invalid_grant"}"#)]);
    let err = f.ensure().await.unwrap_err();
    assert!(matches!(err, RefreshFailed::Dead { .. }), "{err:?}");
    assert!(err.to_string().contains("sign in again before"), "{err}");
    assert!(
        err.to_string().contains("grantty login --profile p"),
        "{err}"
    );
    let stored = f.stored();
    assert!(matches!(stored.meta.state, SessionState::Ended { .. }));
    assert_eq!(
        stored.secrets.access_token.expose(),
        "at-0",
        "kept for serving and logout"
    );
    // Ended: nothing more is sent.
    let again = f.ensure().await.unwrap_err();
    assert!(matches!(again, RefreshFailed::Dead { .. }));
    assert_eq!(f.sent_refresh_tokens().len(), 1);
}

#[tokio::test]
async fn the_interrupted_marker_stays_only_when_the_request_may_have_arrived() {
    let f = fixture(
        2100,
        2000,
        vec![
            Err(TransportError::not_sent("could not connect")),
            Err(TransportError::no_answer("timed out")),
        ],
    );
    let err = f.ensure().await.unwrap_err();
    assert!(
        matches!(&err, RefreshFailed::Unreachable { host, .. } if host == "idp.example.com"),
        "{err:?}"
    );
    assert!(err.to_string().contains("idp.example.com"), "{err}");
    assert_eq!(
        f.stored().meta.pending_refresh,
        None,
        "connect failure: nothing reached it"
    );
    let _ = f.ensure().await.unwrap_err();
    assert!(
        f.stored().meta.pending_refresh.is_some(),
        "timeout: it may have"
    );
}

#[tokio::test]
async fn a_full_secret_backend_costs_no_refresh_token() {
    let f = fixture(2100, 2000, vec![json(200, &tokens(1))]);
    f.broken.store(true, Ordering::SeqCst);
    let err = f.ensure().await.unwrap_err();
    assert!(matches!(err, RefreshFailed::Store(_)), "{err:?}");
    assert!(
        f.service.transport.sent.lock().unwrap().is_empty(),
        "nothing sent"
    );
}

#[tokio::test]
async fn a_save_failing_after_the_answer_returns_the_tokens_unsaved() {
    let f = fixture(2100, 2000, vec![json(200, &tokens(1))]);
    *f.service.transport.break_on_send.lock().unwrap() = Some(f.broken.clone());
    let got = f.ensure().await.unwrap();
    let Refreshed::Unsaved { session, .. } = &got else {
        panic!("{got:?}");
    };
    assert_eq!(
        session.secrets.refresh_token.as_ref().unwrap().expose(),
        "rt-1"
    );
    f.broken.store(false, Ordering::SeqCst);
    f.service.save_unsaved(session).await.unwrap();
    assert_eq!(f.stored().secrets.refresh_token.unwrap().expose(), "rt-1");
}

#[tokio::test]
async fn logout_keeps_the_session_when_no_revocation_reached_the_server() {
    let f = fixture(
        2100,
        10,
        vec![
            Err(TransportError::not_sent("could not connect")),
            Err(TransportError::not_sent("could not connect")),
            json(200, ""),
            json(200, ""),
        ],
    );
    let revoke = LogoutMode::Revoke {
        logout_endpoint: None,
    };
    let err = f.service.logout("p", revoke.clone()).await.unwrap_err();
    assert!(matches!(err, LogoutFailed::NotRevoked { .. }), "{err:?}");
    assert!(!err.reached_server());
    assert!(err.to_string().contains("may still be valid"), "{err}");
    assert!(f.service.store.load("p").unwrap().is_some(), "kept");
    let done = f.service.logout("p", revoke).await.unwrap();
    assert_eq!(done.steps.len(), 2);
    assert!(
        f.service.store.load("p").unwrap().is_none(),
        "deleted after revoking"
    );
}

#[tokio::test]
async fn logout_with_an_expired_access_token_revokes_only_the_refresh_token() {
    let f = fixture(100, 200, vec![json(200, "")]);
    let revoke = LogoutMode::Revoke {
        logout_endpoint: None,
    };
    let done = f.service.logout("p", revoke).await.unwrap();
    assert_eq!(done.refresh_token, RefreshTokenFate::Revoked);
    let sent = f.service.transport.sent.lock().unwrap().clone();
    assert_eq!(
        sent.len(),
        1,
        "the expired access token is not sent: {sent:?}"
    );
    assert!(
        sent[0].1.contains("token_type_hint=refresh_token"),
        "{sent:?}"
    );
    assert!(f.service.store.load("p").unwrap().is_none());
}

#[tokio::test]
async fn a_refresh_token_the_server_calls_invalid_counts_as_ended_and_an_outage_does_not() {
    let revoke = LogoutMode::Revoke {
        logout_endpoint: None,
    };
    let f = fixture(100, 200, vec![json(400, r#"{"error":"invalid_grant"}"#)]);
    let done = f.service.logout("p", revoke.clone()).await.unwrap();
    assert_eq!(done.refresh_token, RefreshTokenFate::Revoked);
    assert!(f.service.store.load("p").unwrap().is_none());

    // The access token revocation is accepted, the refresh token's is not: the refresh token
    // may still be valid, so the session stays.
    let f = fixture(2100, 10, vec![json(503, "busy"), json(200, "")]);
    let err = f.service.logout("p", revoke).await.unwrap_err();
    assert!(
        matches!(
            err,
            LogoutFailed::NotRevoked {
                replaced: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(f.service.store.load("p").unwrap().is_some(), "kept");
}

/// A new sign-in over an ended session revokes the old one: its refresh token is dead and its
/// access token expired, so nothing is sent and nothing fails (no advice either).
#[tokio::test]
async fn revoking_a_replaced_ended_session_sends_nothing_and_succeeds() {
    let f = fixture(100, 200, vec![]);
    let mut old = f.stored();
    old.meta.state = crate::domain::session::SessionState::Ended {
        code: Some("invalid_grant".into()),
        at: Timestamp::from_unix_secs(T0 + 150),
        interrupted: false,
    };
    let done = f.service.revoke(&old).await.unwrap();
    assert_eq!(done.refresh_token, RefreshTokenFate::AlreadyEnded);
    assert!(f.service.transport.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn local_logout_deletes_without_asking() {
    let f = fixture(2100, 10, vec![]);
    let done = f.service.logout("p", LogoutMode::Local).await.unwrap();
    assert!(done.steps.is_empty());
    assert!(f.service.transport.sent.lock().unwrap().is_empty());
    assert!(f.service.store.load("p").unwrap().is_none());
}

#[tokio::test]
async fn an_oversized_answer_is_a_bad_answer_not_an_outage() {
    let f = fixture(
        2100,
        2000,
        vec![Err(TransportError {
            message: "the answer from idp.example.com is larger than 1024 KiB".into(),
            kind: crate::oauth::http::TransportFailure::TooLarge { status: 200 },
        })],
    );
    let err = f.ensure().await.unwrap_err();
    assert!(
        matches!(
            &err,
            RefreshFailed::Unreachable {
                problem: NetProblem::Answer(crate::oauth::wire::BadAnswer::Unparseable {
                    status: 200,
                    ..
                }),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        crate::error::Error::from(err).exit_code(),
        crate::error::exit::SERVER
    );
    assert!(
        f.stored().meta.pending_refresh.is_some(),
        "it reached the server"
    );
}

#[tokio::test]
async fn temporarily_unavailable_is_an_outage_not_a_refusal() {
    let f = fixture(
        2100,
        2000,
        vec![
            json(400, r#"{"error":"temporarily_unavailable"}"#),
            json(200, &tokens(1)),
        ],
    );
    let err = f.ensure().await.unwrap_err();
    assert!(
        matches!(
            &err,
            RefreshFailed::Unreachable {
                problem: NetProblem::Answer(crate::oauth::wire::BadAnswer::Unavailable {
                    status: 400,
                    ..
                }),
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(
        crate::error::Error::from(err).exit_code(),
        crate::error::exit::NETWORK
    );
    assert_eq!(f.stored().meta.state, SessionState::Active, "not refused");
    assert!(matches!(f.ensure().await.unwrap(), Refreshed::Fresh { .. }));
    assert_eq!(f.sent_refresh_tokens(), ["rt-0", "rt-0"]);
}

#[tokio::test]
async fn unsaved_tokens_never_overwrite_a_newer_sign_in() {
    let f = fixture(2100, 2000, vec![json(200, &tokens(1))]);
    *f.service.transport.break_on_send.lock().unwrap() = Some(f.broken.clone());
    let got = f.ensure().await.unwrap();
    let Refreshed::Unsaved {
        session: unsaved, ..
    } = got
    else {
        panic!("{got:?}");
    };
    f.broken.store(false, Ordering::SeqCst);
    // A new sign-in lands before the unsaved tokens are saved again.
    let mut fresh = f.stored();
    fresh.meta.signed_in_at = Timestamp::from_unix_secs(T0 + 3000);
    fresh.secrets.access_token = AccessToken::new("new-sign-in");
    f.service.sign_in(fresh).await.unwrap();
    let err = f.service.save_unsaved(&unsaved).await.unwrap_err();
    assert!(matches!(err, StoreError::Superseded { .. }), "{err:?}");
    assert_eq!(f.stored().secrets.access_token.expose(), "new-sign-in");
}

#[tokio::test]
async fn a_new_sign_in_keeps_what_the_server_showed_about_its_lifespans() {
    let f = fixture(2100, 0, Vec::new());
    let mut learned = f.stored();
    learned.meta.refresh.lifespan_start = crate::domain::session::LifespanStart::Rotation;
    f.service.store.save(&learned).unwrap();
    let mut fresh = f.stored();
    fresh.meta.refresh.lifespan_start = crate::domain::session::LifespanStart::SignIn;
    fresh.meta.signed_in_at = Timestamp::from_unix_secs(T0 + 3000);
    f.service.sign_in(fresh.clone()).await.unwrap();
    assert_eq!(
        f.stored().meta.refresh.lifespan_start,
        crate::domain::session::LifespanStart::Rotation,
        "same token endpoint and client"
    );
    // Another client starts from the assumption again.
    fresh.meta.provider.client_id = "other".into();
    fresh.meta.signed_in_at = Timestamp::from_unix_secs(T0 + 4000);
    f.service.sign_in(fresh).await.unwrap();
    assert_eq!(
        f.stored().meta.refresh.lifespan_start,
        crate::domain::session::LifespanStart::SignIn
    );
}

/// Marks the stored session as refreshing from `machine`, as its refresh does before sending.
fn pending_on(f: &Fixture, machine: &str) {
    let mut meta = f.stored().meta;
    meta.pending_refresh = Some(crate::domain::session::PendingRefresh {
        started_at: Timestamp::from_unix_secs(T0 + 1990),
        pid: 42,
        machine: Some(machine.into()),
    });
    f.service.store.save_meta(&meta).unwrap();
}

#[tokio::test]
async fn a_refresh_another_machine_has_pending_is_not_sent_and_the_access_token_still_serves() {
    let f = fixture_on(Some("host-b (/b)"), 2100, 2000, vec![json(200, &tokens(1))]);
    pending_on(&f, "host-a (/a)");
    let err = f.ensure().await.unwrap_err();
    let RefreshFailed::PendingElsewhere { machine, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!(machine, "host-a (/a)");
    assert!(f.sent_refresh_tokens().is_empty(), "rt-0 was not spent");
    let said = err.to_string();
    assert!(said.contains("machine host-a (/a)"), "{said}");
    assert!(
        said.contains("`grantty token --profile p` on that machine"),
        "{said}"
    );
    assert_eq!(crate::error::Error::Refresh(err.clone()).exit_code(), 8);
    let served = f.service.serve(Err(err)).await.unwrap();
    assert_eq!(served.session.secrets.access_token.expose(), "at-0");
    assert!(matches!(served.notice, Some(ServeNotice::Despite(_))));
    // A caller that needs a fresh token gets the refusal; still nothing is sent.
    let err = f.service.refresh("p").await.unwrap_err();
    assert!(
        matches!(err, RefreshFailed::PendingElsewhere { .. }),
        "{err:?}"
    );
    assert!(f.sent_refresh_tokens().is_empty());
}

#[tokio::test]
async fn the_machine_with_the_pending_refresh_refreshes_and_its_save_ends_the_marker() {
    let f = fixture_on(Some("host-a (/a)"), 2100, 2000, vec![json(200, &tokens(1))]);
    pending_on(&f, "host-a (/a)");
    let got = f.ensure().await.unwrap();
    assert!(matches!(got, Refreshed::Fresh { .. }), "{got:?}");
    assert_eq!(f.sent_refresh_tokens(), ["rt-0"]);
    assert_eq!(f.stored().meta.pending_refresh, None);
}

#[tokio::test]
async fn a_refresh_marks_its_machine_and_unmarks_it_when_no_tokens_came_back() {
    let f = fixture_on(
        Some("host-a (/a)"),
        2100,
        2000,
        vec![Err(TransportError::no_answer("timed out"))],
    );
    let _ = f.ensure().await.unwrap_err();
    assert_eq!(f.sent_refresh_tokens(), ["rt-0"]);
    let pending = f.stored().meta.pending_refresh.unwrap();
    assert_eq!(
        pending.machine, None,
        "this machine holds nothing another could lack: another may refresh"
    );
    // A machine's own store names no machine.
    let f = fixture(
        2100,
        2000,
        vec![Err(TransportError::no_answer("timed out"))],
    );
    let _ = f.ensure().await.unwrap_err();
    assert_eq!(f.stored().meta.pending_refresh.unwrap().machine, None);
}
