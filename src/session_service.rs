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
//!    pending" marker: a store that cannot take a write must not cost a refresh token;
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
mod logout;
mod outcome;
mod refresh;
mod serve;
#[cfg(test)]
mod tests;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

pub use crate::store::StoreError;
pub use health::{Health, health};
pub use outcome::{
    EndReason, LoggedOut, LogoutFailed, LogoutMode, MinValid, NetProblem, RefreshFailed, Refreshed,
    RevokeStep,
};
pub use serve::{Kept, ServeNotice, Served};

use crate::domain::clock::Clock;
use crate::domain::session::{Session, SessionMeta, SessionState};
use crate::oauth::http::Transport;
use crate::store::{ProfileLock, SessionStore};

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

/// A fresh sign-in as stored by [`SessionService::sign_in`].
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The session as stored.
    pub session: Session,
    /// The session the store held for the profile until now, if any: its grant is still alive
    /// at its server until revoked.
    pub replaced: Option<Session>,
}

/// What the store holds for a profile ([`SessionService::inspect`]).
#[derive(Clone, Debug)]
pub enum Stored {
    /// A whole session.
    Session(Box<Session>),
    /// Metadata whose tokens the secret backend no longer holds (a kernel keyring emptied by a
    /// reboot or its expiry): only a new sign-in helps, with the stored settings.
    TokensMissing {
        /// The stored metadata.
        meta: Box<SessionMeta>,
        /// The backend that forgot, in words.
        backend: String,
    },
    /// Nothing.
    Nothing,
}

impl Stored {
    /// The stored metadata, when there is any: what a new sign-in reuses.
    pub fn meta(&self) -> Option<&SessionMeta> {
        match self {
            Self::Session(session) => Some(&session.meta),
            Self::TokensMissing { meta, .. } => Some(meta),
            Self::Nothing => None,
        }
    }

    /// The whole session, when there is one.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Self::Session(session) => Some(session),
            Self::TokensMissing { .. } | Self::Nothing => None,
        }
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
}

impl<T: Transport> Clone for SessionService<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            transport: self.transport.clone(),
            clock: self.clock.clone(),
            in_flight: self.in_flight.clone(),
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

    async fn lock(&self, profile: &str) -> Result<ProfileLock, StoreError> {
        let profile = profile.to_owned();
        self.blocking(move |s| s.lock(&profile)).await
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

    /// The stored session of `profile` (taking the lock briefly), with tokens kept aside by an
    /// earlier run applied, or `None`. What the dashboard opens, `export` prints, `status
    /// --verify` checks and `keep` starts from.
    pub async fn open(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        let _lock = self.lock(profile).await?;
        self.load_locked(profile).await
    }

    /// The metadata of `profile` alone (never the secret backend): what `status` shows and
    /// what a new sign-in reuses when the tokens themselves are gone.
    pub async fn meta(&self, profile: &str) -> Result<Option<SessionMeta>, StoreError> {
        let profile = profile.to_owned();
        self.blocking(move |s| s.load_meta(&profile)).await
    }

    /// Whether the secret backend still holds the tokens of `profile` (a kernel keyring forgets
    /// them at reboot while the metadata stays).
    pub async fn tokens_present(&self, profile: &str) -> Result<bool, StoreError> {
        let profile = profile.to_owned();
        self.blocking(move |s| s.has_secrets(&profile)).await
    }

    /// What the store holds for `profile`, told apart for people: a session, metadata whose
    /// tokens the secret backend no longer has (a rebooted kernel keyring), or nothing.
    pub async fn inspect(&self, profile: &str) -> Result<Stored, StoreError> {
        match self.open(profile).await {
            Ok(Some(session)) => Ok(Stored::Session(Box::new(session))),
            Ok(None) => Ok(Stored::Nothing),
            Err(StoreError::SecretsMissing { backend, .. }) => match self.meta(profile).await? {
                Some(meta) => Ok(Stored::TokensMissing {
                    meta: Box::new(meta),
                    backend,
                }),
                None => Ok(Stored::Nothing),
            },
            Err(e) => Err(e),
        }
    }

    /// Persists a fresh sign-in before it is shown anywhere. It always wins: it replaces the
    /// stored session of its profile and any tokens kept aside for it. Returns the session as
    /// stored (with the generation the store wrote) and the session it replaced, whose grant is
    /// still alive at its server until [`revoke`](Self::revoke)d.
    pub async fn sign_in(&self, session: Session) -> Result<SignedIn, StoreError> {
        let profile = session.meta.profile.clone();
        let _lock = self.lock(&profile).await?;
        // The replaced session as the newest copy anyone has (kept-aside tokens applied), so
        // its current refresh token is the one revoked. Unreadable (tokens gone, damaged):
        // nothing to revoke, and the new session replaces it all the same.
        let replaced = self.load_locked(&profile).await.ok().flatten();
        let mut session = session;
        let saved = session.clone();
        let generation = self
            .blocking(move |s| {
                let generation = s.save(&saved)?;
                // Best effort: a stale copy left behind can never pass for this session (it
                // belongs to another sign-in), see `store::kept_aside`.
                let _ = s.clear_kept_aside(&saved.meta.profile);
                Ok(generation)
            })
            .await?;
        session.meta.generation = generation;
        Ok(SignedIn { session, replaced })
    }

    /// Saves tokens a refresh returned but the store refused ([`Refreshed::Unsaved`]), under the
    /// lock; returns the generation written. The dashboard retries this every few seconds and
    /// on quit; scripts a few times, then [`keep_aside`](Self::keep_aside).
    pub async fn save_unsaved(&self, session: &Session) -> Result<u64, StoreError> {
        let _lock = self.lock(&session.meta.profile).await?;
        let saved = session.clone();
        self.blocking(move |s| {
            let generation = s.save(&saved)?;
            s.clear_kept_aside(&saved.meta.profile)?;
            Ok(generation)
        })
        .await
    }

    /// Writes unsaved tokens to the kept-aside place the next run picks up; returns its path.
    pub async fn keep_aside(&self, session: &Session) -> Result<std::path::PathBuf, StoreError> {
        let saved = session.clone();
        self.blocking(move |s| s.write_kept_aside(&saved)).await
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
        let _lock = self.lock(profile).await?;
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
        let Some(sent_rt) = session.secrets.refresh_token.clone() else {
            return Err(self.end(session, EndReason::NoRefreshToken, None).await);
        };
        // Boxed: the refresh's state (a session, the request, the answer) would otherwise make
        // every caller's future too large to move around cheaply.
        Box::pin(self.send_refresh(session, sent_rt)).await
    }
}

/// The stored session of `profile` for the lock-free cached path of `grantty token` (see
/// `commands::token_fast`), or `None` whenever the full path must answer: no session, an
/// unreadable store, or tokens kept aside by an earlier run (the full path moves them back
/// under the lock). Synchronous: it runs before any async runtime exists.
pub fn read_cached(store: &SessionStore, profile: &str) -> Option<Session> {
    if store.has_kept_aside(profile) {
        return None;
    }
    store.load(profile).ok()?
}
