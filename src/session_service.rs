//! The session service: the one home of a stored session's lifecycle. Every path that creates,
//! refreshes, saves, ends or revokes a session (device sign-in, the code flow, the dashboard,
//! the script commands, `grantty keep`) asks it and gets a typed outcome ([`Refreshed`],
//! [`RefreshFailed`], [`LoggedOut`], [`LogoutFailed`]).
//!
//! The refresh protocol (one session, many processes):
//! 1. take the profile's exclusive lock; load (newer tokens of the same session kept aside by an
//!    earlier failed save win and are moved back into the store);
//! 2. decide: still valid enough → done; ended → [`RefreshFailed::Dead`] without asking;
//! 3. probe the secret backend with a write of the secrets' size, then write the "refresh
//!    pending" marker: a store that cannot take a write must not cost a refresh token. In a
//!    store machines share (etcd) the marker names this machine, and another machine that
//!    finds it for the tokens it loaded does not send
//!    ([`RefreshFailed::PendingElsewhere`]): the answer may be kept aside on the marker's
//!    machine, whose next run moves it back (and so ends the marker);
//! 4. send; classify the answer with the sans-IO [`parse_refresh`](crate::oauth::wire::parse_refresh);
//! 5. persist new tokens (secrets first) before returning them. A failed save returns
//!    [`Refreshed::Unsaved`] with the tokens, never drops them.
//!
//! Never deleted here except by logout: a refusal keeps every token and records
//! [`SessionState::RefreshRefused`]; `invalid_grant` with nothing to adopt records
//! [`SessionState::Ended`] and keeps the still-valid access token for serving and revoking.
//! The marker is removed again when the request provably never left ([`TransportFailure::NotSent`](crate::oauth::http::TransportFailure::NotSent)), so
//! `status` reports an interrupted refresh only when one may have reached the server.

mod health;
mod lock_wait;
mod logout;
mod outcome;
mod refresh;
mod serve;
mod stored;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use crate::store::StoreError;
pub use health::{Health, health};
pub use lock_wait::{LockNotice, LockWait};
pub use outcome::{
    EndReason, LoggedOut, LogoutFailed, LogoutMode, MinValid, NetProblem, RefreshFailed,
    RefreshTokenFate, Refreshed, RevokeStep,
};
pub use serve::{Kept, ServeNotice, Served};
pub use stored::{SignedIn, Stored, read_cached};

use crate::domain::clock::Clock;
use crate::domain::session::{Session, SessionState};
use crate::oauth::http::Transport;
use crate::store::{Activity, SessionStore};

/// Set while a refresh request may be at the server and its answer is not yet saved: signal
/// handlers wait for it to clear instead of exiting (see `commands::hold`).
#[derive(Clone, Debug, Default)]
pub struct InFlight(Arc<AtomicBool>);

impl InFlight {
    /// True between sending a refresh and finishing its save.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    fn begin(&self) -> InFlightGuard {
        self.0.store(true, Ordering::SeqCst);
        InFlightGuard(self.clone())
    }
}

struct InFlightGuard(InFlight);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        (self.0).0.store(false, Ordering::SeqCst);
    }
}

/// What the caller needs from [`SessionService::ensure_valid`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Need {
    Valid(MinValid),
    Fresh,
}

/// Store, transport and clock, shared by the TUI, the script commands and the keeper.
pub struct SessionService<T: Transport> {
    /// The session store.
    pub store: Arc<SessionStore>,
    /// HTTP.
    pub transport: Arc<T>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// Whether a refresh is at the server right now.
    pub in_flight: InFlight,
    /// How to wait for a profile lock another process holds.
    pub lock_wait: LockWait,
}

impl<T: Transport> Clone for SessionService<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            transport: self.transport.clone(),
            clock: self.clock.clone(),
            in_flight: self.in_flight.clone(),
            lock_wait: self.lock_wait.clone(),
        }
    }
}

impl<T: Transport> SessionService<T> {
    /// A service over these adapters.
    pub fn new(store: Arc<SessionStore>, transport: Arc<T>, clock: Arc<dyn Clock>) -> Self {
        Self {
            store,
            transport,
            clock,
            in_flight: InFlight::default(),
            lock_wait: LockWait::default(),
        }
    }

    async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&SessionStore) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let store = self.store.clone();
        tokio::task::spawn_blocking(move || f(&store))
            .await
            .unwrap_or_else(|e| Err(StoreError::from(std::io::Error::other(e.to_string()))))
    }

    /// The stored session under the caller's lock. A kept-aside copy (tokens an earlier run could
    /// not save) wins when the store accepts it as newer tokens of the same session
    /// ([`SessionStore::kept_aside_for`]), and is moved back into the store when the store takes it.
    async fn load_locked(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        let profile = profile.to_owned();
        self.blocking(move |s| {
            let stored = s.load(&profile);
            // A kept-aside copy that is unsafe, damaged or not newer is never served.
            let Ok(Some(kept)) = s.kept_aside_for(&profile, stored.as_ref().map(Option::as_ref))
            else {
                return stored;
            };
            if s.save(&kept).is_ok() {
                let _ = s.clear_kept_aside(&profile);
                return Ok(s.load(&profile)?.or(Some(kept)));
            }
            Ok(Some(kept))
        })
        .await
    }

    /// How the store describes itself (backend, whether it is plaintext).
    pub fn store_info(&self) -> crate::store::BackendInfo {
        self.store.info()
    }

    /// The state directory (export files live beside the sessions).
    pub fn state_dir(&self) -> &std::path::Path {
        self.store.dir()
    }

    /// A session whose access token is valid for at least `min_valid`, refreshing under the
    /// profile lock when needed.
    pub async fn ensure_valid(
        &self,
        profile: &str,
        min_valid: MinValid,
    ) -> Result<Refreshed, RefreshFailed> {
        self.run(profile, Need::Valid(min_valid)).await
    }

    /// Refreshes now, whatever the access token's validity (`grantty refresh`, the `r` key).
    pub async fn refresh(&self, profile: &str) -> Result<Refreshed, RefreshFailed> {
        self.run(profile, Need::Fresh).await
    }

    async fn run(&self, profile: &str, need: Need) -> Result<Refreshed, RefreshFailed> {
        let valid = match need {
            Need::Valid(min_valid) => Some(min_valid),
            Need::Fresh => None,
        };
        let _lock = match self
            .lock_or_valid(profile, Activity::Refreshing, valid)
            .await?
        {
            lock_wait::Waited::Locked(lock) => lock,
            // Another process refreshed while this one waited: nothing left to do.
            lock_wait::Waited::Valid(session) => return Ok(Refreshed::StillValid(*session)),
        };
        let session =
            self.load_locked(profile)
                .await?
                .ok_or_else(|| RefreshFailed::NotSignedIn {
                    profile: profile.to_owned(),
                })?;
        let now = self.clock.now();
        if let Need::Valid(min_valid) = need
            && !session.needs_refresh(now, min_valid.margin(&session))
        {
            return Ok(Refreshed::StillValid(session));
        }
        if let SessionState::Ended { interrupted, .. } = session.meta.state {
            let reason = match &session.secrets.refresh_token {
                Some(_) => EndReason::RefreshRejected {
                    description: None,
                    interrupted,
                },
                None => EndReason::NoRefreshToken,
            };
            return Err(RefreshFailed::Dead {
                reason,
                session: Box::new(session),
            });
        }
        // Another machine sent a refresh from these very tokens (a stale marker, from before
        // the tokens moved on, was dropped when they were loaded) and did not save its answer:
        // its new tokens may be kept aside there, and the stored refresh token rotated away.
        if let Some(pending) = &session.meta.pending_refresh
            && let Some(machine) = &pending.machine
            && self.store.machine().is_some_and(|me| me != machine)
        {
            return Err(RefreshFailed::PendingElsewhere {
                machine: machine.clone(),
                since: pending.started_at,
                session: Box::new(session),
            });
        }
        let Some(sent_rt) = session.secrets.refresh_token.clone() else {
            return Err(self.end(session, EndReason::NoRefreshToken, None).await);
        };
        // Boxed: the refresh's state (a session, the request, the answer) would otherwise make
        // every caller's future too large to move around cheaply.
        Box::pin(self.send_refresh(session, sent_rt)).await
    }
}
