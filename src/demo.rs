//! The built-in demo authorization server: a small, honest OAuth 2.0 server on loopback.
//!
//! It implements the Device Authorization Grant (RFC 8628) with a verification page, the
//! authorization code grant with PKCE (RFC 6749 §4.1, RFC 7636) with an approve page,
//! refresh tokens with optional rotation and reuse detection (RFC 6749 §6, RFC 9700
//! §4.14.2), token revocation (RFC 7009), server metadata (RFC 8414), and one confidential
//! client that must authenticate with its secret (RFC 6749 §2.3.1, Basic or in the body). `grantty demo`
//! signs in against it, and tests use it as a real server.
//!
//! Invariants: it only ever listens on a loopback address ([`DemoError::NonLoopback`]);
//! all state sits behind one mutex that is never held across an `.await`, and every release of
//! that mutex publishes changed counters to [`DemoServer::watch_stats`]; time comes from
//! an injectable [`DemoClock`]; codes and tokens come only from the OS's cryptographic
//! generator (no seed), and what expires is forgotten, so a server left running stays small. Protocol rules live in the sans-IO `state` module; `http` and `page` only
//! translate requests and replies.

mod authorize;
mod client_auth;
mod clock;
mod codes;
mod config;
mod hold;
mod http;
mod page;
mod params;
mod state;
mod validate;

use std::io;
use std::net::SocketAddr;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use client_auth::{ClientRequest, SeenAuth};
pub use clock::DemoClock;
pub use config::{
    AutoDecision, ConfidentialClient, Decision, DemoConfig, LifetimeStart, MetadataStyle,
    TokenStyle,
};
use state::DemoState;

/// Failures of the demo server's own API (protocol errors go to clients as OAuth errors).
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The requested address is not loopback; the demo server never listens elsewhere.
    #[error("refusing to serve the demo on \"{addr}\": use a loopback address such as 127.0.0.1:0")]
    NonLoopback {
        /// The refused address.
        addr: SocketAddr,
    },
    /// Binding the listening socket failed.
    #[error("could not listen on \"{addr}\": pick another port, or port 0 for any free one")]
    Bind {
        /// The address that could not be bound.
        addr: SocketAddr,
        /// The underlying socket error.
        source: io::Error,
    },
    /// No device authorization has this user code.
    #[error("unknown user code \"{user_code}\": check it against the one the device shows")]
    UnknownUserCode {
        /// The code as given.
        user_code: String,
    },
    /// The user code's device authorization has expired.
    #[error("user code \"{user_code}\" has expired: start the sign-in again on the device")]
    ExpiredUserCode {
        /// The canonical user code.
        user_code: String,
    },
    /// A verification or approve form came back without the token its page was shown with, or
    /// with one already used (RFC 6749 §10.12: a cross-site request cannot know it).
    #[error(
        "this form was not issued by this page or was already used: reload the page and decide again"
    )]
    StaleForm,
    /// The user code was already approved or denied.
    #[error("user code \"{user_code}\" was already decided")]
    AlreadyDecided {
        /// The canonical user code.
        user_code: String,
    },
}

/// Counters of what the demo server has done since it started.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DemoStats {
    /// Device authorization requests answered (RFC 8628 §3.2).
    pub device_authorizations: u64,
    /// Requests to the token endpoint, successful or not.
    pub token_requests: u64,
    /// Device codes exchanged for tokens.
    pub device_code_redemptions: u64,
    /// Successful refresh-token grants.
    pub refreshes: u64,
    /// `slow_down` replies sent (RFC 8628 §3.5).
    pub slow_downs: u64,
    /// Live tokens revoked through the revocation endpoint (RFC 7009).
    pub revocations: u64,
    /// Of those, live refresh tokens (each ends its grant).
    pub refresh_token_revocations: u64,
    /// Rotated refresh tokens or redeemed authorization codes presented again, each revoking
    /// its grant family.
    pub reuse_detections: u64,
    /// Authorization codes issued by the approve page (RFC 6749 §4.1.2).
    pub authorization_codes_issued: u64,
    /// Authorization codes exchanged for tokens.
    pub authorization_code_redemptions: u64,
    /// Requests refused because their client was disabled ([`DemoServer::disable_client`]).
    pub client_refusals: u64,
    /// Anaplan-style logouts (`POST /token/logout`) that ended a live access token (and only
    /// it: the refresh token stays usable, as Anaplan's does).
    pub logouts: u64,
    /// Requests refused because the confidential client did not authenticate (`401
    /// invalid_client`).
    pub client_auth_failures: u64,
    /// Access-token checks (`GET /token/validate`, `GET /userinfo`) that found the token live.
    pub token_checks_accepted: u64,
    /// Access-token checks that refused the token (unknown, expired, revoked, wrong scheme).
    pub token_checks_refused: u64,
}

/// A running demo server; dropping it without [`DemoServer::shutdown`] also stops it.
#[derive(Debug)]
pub struct DemoServer {
    addr: SocketAddr,
    state: Arc<StateCell>,
    clock: DemoClock,
    hold: Arc<hold::ReplyHold>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<io::Result<()>>,
}

impl DemoServer {
    /// Binds `addr` (loopback only; port 0 picks a free port) and serves in a background task.
    pub async fn start(
        config: DemoConfig,
        clock: DemoClock,
        addr: SocketAddr,
    ) -> Result<Self, DemoError> {
        if !addr.ip().is_loopback() {
            return Err(DemoError::NonLoopback { addr });
        }
        let bind_error = |source| DemoError::Bind { addr, source };
        let listener = TcpListener::bind(addr).await.map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        if !addr.ip().is_loopback() {
            return Err(DemoError::NonLoopback { addr });
        }
        let issuer = format!("http://{addr}");
        let refresh_reply_delay = Duration::from_millis(config.refresh_reply_delay_ms);
        let metadata = config.metadata;
        let malformed_refreshes = Arc::new(std::sync::atomic::AtomicU32::new(
            config.malformed_refresh_answers,
        ));
        let userinfo_endpoint = config.userinfo_endpoint.clone().map(Arc::from);
        let state = Arc::new(StateCell::new(DemoState::new(config, issuer.clone())));
        let hold = Arc::new(hold::ReplyHold::default());
        let router = http::router(http::Shared {
            state: Arc::clone(&state),
            clock: clock.clone(),
            issuer: issuer.into(),
            refresh_reply_delay,
            metadata,
            userinfo_endpoint,
            hold: Arc::clone(&hold),
            malformed_refreshes,
            malformed_answered: Arc::default(),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let serve = axum::serve(listener, router).with_graceful_shutdown(async move {
            // A send or a dropped sender both mean "stop".
            let _ = stopped.await;
        });
        let task = tokio::spawn(async move { serve.await });
        Ok(Self {
            addr,
            state,
            clock,
            hold,
            stop,
            task,
        })
    }

    /// The issuer URL, `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> DemoStats {
        lock(&self.state).stats()
    }

    /// The counters as they change: the receiver sees a new value after every request that
    /// changed one, so a test can wait for "the token has rotated" instead of sleeping.
    pub fn watch_stats(&self) -> watch::Receiver<DemoStats> {
        self.state.stats.subscribe()
    }

    /// The last requests (at most 1,000) to the device authorization, token, revocation and
    /// logout endpoints, with how its client authenticated, in arrival order.
    pub fn client_requests(&self) -> Vec<ClientRequest> {
        lock(&self.state).client_requests()
    }

    /// How many entries the server holds (device authorizations, user codes, authorization
    /// requests and codes, grant families, tokens, logged client requests): what the sweep of
    /// expired entries and the request log's cap keep bounded.
    pub fn held_entries(&self) -> usize {
        lock(&self.state).entries()
    }

    /// Approves or denies a pending user code, as the verification page's buttons do.
    pub fn decide(&self, user_code: &str, decision: Decision) -> Result<(), DemoError> {
        let now_ms = self.clock.now_ms();
        lock(&self.state).decide(user_code, decision, now_ms)
    }

    /// From now on every successful refresh reply is held, after the token has rotated, until
    /// [`release_refresh_replies`](Self::release_refresh_replies): a test can act on a client
    /// whose refresh is at the server, announced by [`held_refreshes`](Self::held_refreshes).
    pub fn hold_refresh_replies(&self) {
        self.hold.hold();
    }

    /// Sends every held refresh reply and stops holding new ones.
    pub fn release_refresh_replies(&self) {
        self.hold.release();
    }

    /// Waits until `count` refresh replies in all have been held (no sleeping, no polling).
    pub async fn held_refreshes(&self, count: u64) {
        self.hold.arrived(count).await;
    }

    /// Refuses `client_id` (`invalid_client`, tokens untouched) until
    /// [`enable_client`](Self::enable_client), as a tenant admin disabling it would.
    pub fn disable_client(&self, client_id: &str) {
        lock(&self.state).disable_client(client_id);
    }

    /// Gives the confidential client a new secret, as an admin rotating it would: the old one
    /// is refused from now on (`401 invalid_client`), tokens untouched.
    pub fn rotate_client_secret(&self, secret: &str) {
        lock(&self.state).rotate_client_secret(secret);
    }

    /// Lets `client_id` in again.
    pub fn enable_client(&self, client_id: &str) {
        lock(&self.state).enable_client(client_id);
    }

    /// Stops accepting connections and waits for open ones to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        // A failed or panicked server task has nothing left to clean up.
        let _ = self.task.await;
    }
}

/// The state behind its mutex, and the channel its counters are published on.
#[derive(Debug)]
struct StateCell {
    state: Mutex<DemoState>,
    stats: watch::Sender<DemoStats>,
}

impl StateCell {
    fn new(state: DemoState) -> Self {
        Self {
            stats: watch::Sender::new(state.stats()),
            state: Mutex::new(state),
        }
    }
}

/// Access to the locked state; publishes the counters, if they changed, before unlocking.
struct StateGuard<'a> {
    state: MutexGuard<'a, DemoState>,
    stats: &'a watch::Sender<DemoStats>,
}

impl Deref for StateGuard<'_> {
    type Target = DemoState;

    fn deref(&self) -> &DemoState {
        &self.state
    }
}

impl DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut DemoState {
        &mut self.state
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        // Still under the mutex, so watchers see the counters in the order they changed.
        let current = self.state.stats();
        self.stats.send_if_modified(|published| {
            let changed = *published != current;
            *published = current;
            changed
        });
    }
}

/// Locks the state, recovering from a poisoned mutex: every update leaves it consistent.
fn lock(cell: &StateCell) -> StateGuard<'_> {
    StateGuard {
        state: cell.state.lock().unwrap_or_else(PoisonError::into_inner),
        stats: &cell.stats,
    }
}
