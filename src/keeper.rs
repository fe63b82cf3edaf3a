//! Keeping a stored session alive across processes: refresh under a per-profile lock, persist
//! before anything else sees the new tokens, and revoke.
//!
//! The refresh protocol (one session, many processes — the TUI, cron jobs, `grantty token` in a
//! loop):
//! 1. take the profile's exclusive lock;
//! 2. re-read the store: another process may already have refreshed;
//! 3. refresh only if the access token is still too short-lived (or the caller forces it);
//! 4. write a "refresh pending" marker, send the refresh, and on success persist the new tokens
//!    atomically (secrets first) before returning them;
//! 5. on `invalid_grant`, re-read: if the stored refresh token is no longer the one we sent,
//!    another writer rotated it — adopt its tokens; otherwise the session is over, and the
//!    marker tells whether an earlier refresh died between the server's answer and the write.
//!
//! A crash leaves the store with either the old or the new tokens (writes are atomic); with a
//! rotating provider a crash after the server rotated means the old token is spent, which the
//! next run reports as such.

use std::sync::Arc;

use crate::domain::clock::Clock;
use crate::domain::grant::ServerError;
use crate::domain::session::{PendingRefresh, RefreshChange, Session};
use crate::oauth::AuthError;
use crate::oauth::http::{Transport, TransportError, TransportFailure};
use crate::oauth::provider::{EndpointError, Provider, ProviderKind};
use crate::oauth::refresh::{
    RevokeAnswer, TokenHint, logout_request, parse_revoke, refresh_request, revoke_request,
};
use crate::oauth::wire::{parse_token_response, server_skew};
use crate::store::{ProfileLock, SessionStore, StoreError};

/// Why a session cannot continue without a new sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// The access token expired and there is no refresh token.
    NoRefreshToken,
    /// The server rejected the refresh token (`invalid_grant`): expired, revoked or spent.
    RefreshRejected {
        /// The server's answer.
        error: ServerError,
        /// True when an earlier refresh was interrupted after sending: the token was probably
        /// rotated by the server and the answer never saved.
        interrupted: bool,
    },
    /// The server refused the client itself (disabled by an admin, or not allowed this grant).
    ClientRefused {
        /// The server's answer.
        error: ServerError,
        /// True for Anaplan, where the fix is a tenant admin's.
        anaplan: bool,
    },
}

impl std::fmt::Display for EndReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let detail = |e: &ServerError| {
            e.description
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        };
        match self {
            Self::NoRefreshToken => write!(
                f,
                "the access token expired and the provider issued no refresh token"
            ),
            Self::RefreshRejected {
                error,
                interrupted: true,
            } => write!(
                f,
                "the refresh token was refused ({}{}); an earlier refresh was interrupted after it reached the server, so the rotated token was never saved",
                error.code,
                detail(error)
            ),
            Self::RefreshRejected {
                error,
                interrupted: false,
            } => write!(
                f,
                "the refresh token was refused ({}{}): it expired, was revoked, or was already used; a provider that rotates refresh tokens then revokes every copy of this session",
                error.code,
                detail(error)
            ),
            Self::ClientRefused {
                error,
                anaplan: true,
            } => write!(
                f,
                "Anaplan refused this OAuth client ({}{}): a tenant security admin may have disabled it, or the user is an SSO user without a device-grant exception",
                error.code,
                detail(error)
            ),
            Self::ClientRefused {
                error,
                anaplan: false,
            } => {
                write!(
                    f,
                    "the provider refused this client ({}{})",
                    error.code,
                    detail(error)
                )
            }
        }
    }
}

/// What can stop keeping a session alive.
#[derive(Debug, thiserror::Error)]
pub enum KeepError {
    /// No session stored for the profile.
    #[error("profile {profile:?} is not signed in: run `grantty login` first")]
    NotSignedIn {
        /// The profile.
        profile: String,
    },
    /// The session ended; sign in again.
    #[error("sign in again with `grantty login`: {0}")]
    Ended(EndReason),
    /// The server could not be reached or is unavailable; the session is unchanged.
    #[error("could not refresh: {0}; the stored tokens are unchanged, try again later")]
    Network(String),
    /// The server refused for another reason; the session is unchanged.
    #[error("the server refused the refresh: {}{}", .0.code, .0.description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Server(ServerError),
    /// The server answered the refresh with a token holding characters a token may not
    /// contain; nothing was stored and the session is unchanged.
    #[error("{0}; the stored tokens are unchanged")]
    BadToken(crate::domain::token_chars::TokenCharsError),
    /// The server answered the refresh with something unusable (e.g. a body over the size
    /// cap); the session is unchanged.
    #[error("the server's answer to the refresh was refused: {0}; the stored tokens are unchanged")]
    BadAnswer(String),
    /// The token store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored endpoint is not acceptable.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

/// The result of [`Keeper::ensure_valid`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kept {
    /// The stored access token was good enough.
    StillValid(Session),
    /// This process refreshed.
    Refreshed(Session, RefreshChange),
    /// Another process had already rotated the token; its result was adopted.
    Adopted(Session),
}

impl Kept {
    /// The session, however it came.
    pub fn session(&self) -> &Session {
        match self {
            Self::StillValid(s) | Self::Refreshed(s, _) | Self::Adopted(s) => s,
        }
    }
}

/// One server answer during a revoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokeStep {
    /// What was revoked, in words.
    pub what: &'static str,
    /// The answer, or the transport error.
    pub answer: Result<RevokeAnswer, String>,
}

/// Store, transport and clock, shared by the TUI and the script commands.
pub struct Keeper<T: Transport> {
    /// The session store.
    pub store: Arc<SessionStore>,
    /// HTTP.
    pub transport: Arc<T>,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl<T: Transport> Clone for Keeper<T> {
    fn clone(&self) -> Self {
        Self {
            store: self.store.clone(),
            transport: self.transport.clone(),
            clock: self.clock.clone(),
        }
    }
}

impl<T: Transport> Keeper<T> {
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

    async fn load(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        let profile = profile.to_owned();
        self.blocking(move |s| s.load(&profile)).await
    }

    /// Persists a fresh sign-in (before it is shown anywhere).
    pub async fn save_new(&self, session: Session) -> Result<Session, StoreError> {
        let _lock = self.lock(&session.meta.profile).await?;
        let saved = session.clone();
        self.blocking(move |s| s.save(&saved)).await?;
        Ok(session)
    }

    /// Returns a session whose access token is valid for at least `min_valid_secs`, refreshing
    /// under the profile lock if needed (or always, with `force`).
    pub async fn ensure_valid(
        &self,
        profile: &str,
        min_valid_secs: u64,
        force: bool,
    ) -> Result<Kept, KeepError> {
        let _lock = self.lock(profile).await?;
        let mut session = self
            .load(profile)
            .await?
            .ok_or_else(|| KeepError::NotSignedIn {
                profile: profile.to_owned(),
            })?;
        if !force
            && !session.needs_refresh(self.clock.now(), session.refresh_margin(min_valid_secs))
        {
            return Ok(Kept::StillValid(session));
        }
        let Some(sent_rt) = session.secrets.refresh_token.clone() else {
            return Err(KeepError::Ended(EndReason::NoRefreshToken));
        };
        let provider = Provider::from_record(&session.meta.provider)?;
        let interrupted_before = session.meta.pending_refresh.is_some();
        let mut meta = session.meta.clone();
        meta.pending_refresh = Some(PendingRefresh {
            started_at: self.clock.now(),
            pid: std::process::id(),
        });
        self.blocking(move |s| s.save_meta(&meta)).await?;

        let answer = self
            .transport
            .send(refresh_request(&provider, &sent_rt))
            .await;
        let now = self.clock.now();
        let resp = match answer {
            Ok(resp) => resp,
            // The marker stays: the request may have reached the server.
            Err(TransportError {
                kind: TransportFailure::TooLarge { .. },
                message,
            }) => return Err(KeepError::BadAnswer(message)),
            Err(e) => return Err(KeepError::Network(e.message)),
        };
        if resp.status >= 500 || resp.status == 429 {
            return Err(KeepError::Network(format!(
                "the server answered HTTP {}",
                resp.status
            )));
        }
        match parse_token_response(&resp, now) {
            Ok(tokens) => {
                let change = session.apply_refresh(tokens, now);
                session.meta.clock_skew = server_skew(&resp, now).or(session.meta.clock_skew);
                session.meta.generation = session.meta.generation.saturating_add(1);
                let saved = session.clone();
                self.blocking(move |s| s.save(&saved)).await?;
                Ok(Kept::Refreshed(session, change))
            }
            Err(AuthError::Server(error)) => {
                self.refused(profile, &provider, &sent_rt, error, interrupted_before)
                    .await
            }
            Err(AuthError::BadToken(bad)) => Err(KeepError::BadToken(bad)),
            Err(other) => Err(KeepError::Network(other.to_string())),
        }
    }

    async fn refused(
        &self,
        profile: &str,
        provider: &Provider,
        sent_rt: &crate::domain::secret::RefreshToken,
        error: ServerError,
        interrupted: bool,
    ) -> Result<Kept, KeepError> {
        let reason = match error.code.as_str() {
            "invalid_grant" => {
                // Someone who does not share our lock (another machine, an older grantty) may
                // have rotated the token meanwhile: adopt theirs rather than end the session.
                if let Some(current) = self.load(profile).await?
                    && current
                        .secrets
                        .refresh_token
                        .as_ref()
                        .is_some_and(|rt| rt != sent_rt)
                {
                    return Ok(Kept::Adopted(current));
                }
                EndReason::RefreshRejected { error, interrupted }
            }
            "invalid_client" | "unauthorized_client" | "access_denied" => {
                EndReason::ClientRefused {
                    error,
                    anaplan: provider.kind == ProviderKind::Anaplan,
                }
            }
            _ => return Err(KeepError::Server(error)),
        };
        let profile = profile.to_owned();
        self.blocking(move |s| s.delete(&profile)).await?;
        Err(KeepError::Ended(reason))
    }

    /// Revokes the session at the server (RFC 7009: refresh token first, then the access token;
    /// Anaplan: its logout API), then deletes it locally whatever the server said.
    pub async fn revoke(&self, profile: &str) -> Result<Vec<RevokeStep>, KeepError> {
        let _lock = self.lock(profile).await?;
        let session = self
            .load(profile)
            .await?
            .ok_or_else(|| KeepError::NotSignedIn {
                profile: profile.to_owned(),
            })?;
        let provider = Provider::from_record(&session.meta.provider)?;
        let mut requests = Vec::new();
        if let Some(rt) = &session.secrets.refresh_token {
            requests.extend(
                revoke_request(&provider, rt.expose(), TokenHint::Refresh)
                    .map(|r| ("refresh token (RFC 7009)", r)),
            );
        }
        requests.extend(
            revoke_request(
                &provider,
                session.secrets.access_token.expose(),
                TokenHint::Access,
            )
            .map(|r| ("access token (RFC 7009)", r)),
        );
        requests.extend(
            logout_request(&provider, &session.secrets.access_token)
                .map(|r| ("Anaplan logout of the access token", r)),
        );
        let mut steps = Vec::new();
        for (what, request) in requests {
            let answer = self
                .transport
                .send(request)
                .await
                .map(|resp| parse_revoke(&resp))
                .map_err(|e| e.message);
            steps.push(RevokeStep { what, answer });
        }
        let profile = profile.to_owned();
        self.blocking(move |s| s.delete(&profile)).await?;
        Ok(steps)
    }
}
