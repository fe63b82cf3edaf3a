//! The typed outcomes of the session service: what a refresh, a save or a logout came to.
//! Callers (TUI effects, script commands, `grantty keep`) match on these; the sentences for
//! people come from [`crate::words`], the exit codes from [`crate::error`].

use std::sync::Arc;

use crate::domain::clock::Timestamp;
use crate::domain::session::{RefreshChange, RefreshKind, Session};
use crate::oauth::http::TransportError;
use crate::oauth::provider::EndpointError;
use crate::oauth::refresh::RevokeAnswer;
use crate::oauth::wire::{BadAnswer, ErrorCode};
use crate::store::StoreError;
use crate::words;

/// How long an access token must still be valid, as the caller asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MinValid {
    /// At least this many seconds, but at most half the token's lifetime, so short-lived tokens
    /// are not refreshed on every call (the default of `--min-valid`, the dashboard's margin).
    Adaptive(u64),
    /// Exactly this many seconds, as an explicit `--min-valid N` asked.
    Exactly(u64),
}

impl MinValid {
    /// Seconds `--min-valid` means when not given.
    pub const DEFAULT_SECS: u64 = 300;
    /// The default: [`DEFAULT_SECS`](Self::DEFAULT_SECS), adaptive.
    pub const DEFAULT: Self = Self::Adaptive(Self::DEFAULT_SECS);

    /// `--min-valid`: explicit when given, the adaptive default otherwise.
    pub fn from_flag(flag: Option<u64>) -> Self {
        flag.map_or(Self::DEFAULT, Self::Exactly)
    }

    /// The seconds asked for, before any adaptation.
    pub fn wanted_secs(self) -> u64 {
        match self {
            Self::Adaptive(secs) | Self::Exactly(secs) => secs,
        }
    }

    /// The margin to refresh with for `session`.
    pub fn margin(self, session: &Session) -> u64 {
        match self {
            Self::Adaptive(secs) => session.refresh_margin(secs),
            Self::Exactly(secs) => secs,
        }
    }
}

/// A session whose access token is good to use. `Clone` (store errors are shared) so it can
/// travel to the dashboard in a `Msg` as it is.
#[derive(Clone, Debug)]
pub enum Refreshed {
    /// This process refreshed and saved the new tokens.
    Fresh {
        /// The refreshed session, as saved.
        session: Session,
        /// Whether the refresh token rotated.
        change: RefreshChange,
    },
    /// The stored access token was good enough; nothing was sent.
    StillValid(Session),
    /// Another process had already refreshed; its tokens were adopted.
    Adopted(Session),
    /// The server answered with new tokens but they could not be saved. They are the only copy
    /// of a possibly rotated refresh token: keep them, retry with
    /// [`SessionService::save_unsaved`](super::SessionService::save_unsaved), and fall back to
    /// [`SessionService::keep_aside`](super::SessionService::keep_aside).
    Unsaved {
        /// The refreshed session, not yet saved.
        session: Session,
        /// Whether the refresh token rotated.
        change: RefreshChange,
        /// Why the save failed.
        reason: Arc<StoreError>,
    },
}

impl Refreshed {
    /// The session, however it came.
    pub fn session(&self) -> &Session {
        match self {
            Self::Fresh { session, .. }
            | Self::StillValid(session)
            | Self::Adopted(session)
            | Self::Unsaved { session, .. } => session,
        }
    }

    /// The session, owned.
    pub fn into_session(self) -> Session {
        match self {
            Self::Fresh { session, .. }
            | Self::StillValid(session)
            | Self::Adopted(session)
            | Self::Unsaved { session, .. } => session,
        }
    }

    /// Seconds short of `min_valid` the access token is at `now` (0 when it is long enough or
    /// has no expiry): even a fresh token can be shorter than an explicit `--min-valid`.
    pub fn short_by_secs(&self, min_valid: MinValid, now: Timestamp) -> u64 {
        let session = self.session();
        session
            .access_remaining_secs(now)
            .map_or(0, |left| min_valid.margin(session).saturating_sub(left))
    }
}

/// Why a session cannot continue without a new sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// There is no refresh token.
    NoRefreshToken,
    /// The server rejected the refresh token (`invalid_grant`): expired, revoked or spent.
    RefreshRejected {
        /// The server's description, if it gave one (sanitised).
        description: Option<String>,
        /// True when an earlier refresh was interrupted after it may have reached the server:
        /// the token was probably rotated and the answer never saved.
        interrupted: bool,
    },
}

/// Why the service could not reach or use the server.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NetProblem {
    /// No answer (connect, TLS, timeout, reset).
    Transport(TransportError),
    /// An answer that is neither tokens nor an OAuth error (5xx, 429, garbage).
    Answer(BadAnswer),
}

/// Why no usable session came back. Tokens are never deleted on any of these: the session is
/// carried where there is one, so a still-valid access token can be served (with a warning).
#[derive(Clone, Debug, thiserror::Error)]
pub enum RefreshFailed {
    /// No session stored for the profile.
    #[error("{}", words::not_signed_in(profile))]
    NotSignedIn {
        /// The profile.
        profile: String,
    },
    /// The server refused the refresh with an OAuth error other than `invalid_grant` (the
    /// client disabled, not allowed this grant, a scope problem). Every token is kept; the next
    /// refresh tries again.
    #[error("{}", words::refresh_refused(code, description.as_deref(), session, words::now()))]
    Refused {
        /// The classified code.
        code: ErrorCode,
        /// The server's description (sanitised), if any.
        description: Option<String>,
        /// The session, every token kept.
        session: Box<Session>,
    },
    /// The refresh token is dead and there was nothing to adopt. The access token is still
    /// served until it expires, and logout can still revoke it.
    #[error("{}", words::session_ended(reason, session, words::now()))]
    Dead {
        /// Why.
        reason: EndReason,
        /// The session, kept until logout or a new sign-in.
        session: Box<Session>,
    },
    /// The server could not be reached or did not answer usefully; nothing changed.
    #[error("{}", words::unreachable(host, problem, session))]
    Unreachable {
        /// The host that was asked.
        host: String,
        /// What went wrong.
        problem: NetProblem,
        /// The session, unchanged.
        session: Box<Session>,
    },
    /// Another machine sharing the store sent a refresh from the stored tokens and has not
    /// saved its answer: its new tokens may be kept aside there and the stored refresh token
    /// rotated away, so nothing was sent (spending it again could end the session). That
    /// machine's next run moves its tokens into the store. The stored access token is still
    /// served while it lasts.
    #[error("{}", words::refresh_pending_elsewhere(machine, *since, session))]
    PendingElsewhere {
        /// The machine that sent it (host name and state directory, as it recorded).
        machine: String,
        /// When it sent it.
        since: Timestamp,
        /// The session, unchanged.
        session: Box<Session>,
    },
    /// The store failed before anything was sent: no refresh token was spent.
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// A stored endpoint is not acceptable.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

impl From<StoreError> for RefreshFailed {
    fn from(e: StoreError) -> Self {
        Self::Store(Arc::new(e))
    }
}

impl RefreshFailed {
    /// The session this failure carries, if any.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Self::Refused { session, .. }
            | Self::Dead { session, .. }
            | Self::Unreachable { session, .. }
            | Self::PendingElsewhere { session, .. } => Some(session),
            Self::NotSignedIn { .. } | Self::Store(_) | Self::Endpoint(_) => None,
        }
    }

    /// The carried session when its access token is still valid at `now`: what `grantty token`
    /// serves (with a warning) while a refusal, a dead refresh token or an outage lasts.
    pub fn usable_session(&self, now: Timestamp) -> Option<&Session> {
        self.session()
            .filter(|s| s.access_remaining_secs(now).is_none_or(|left| left > 0))
    }
}

/// How to end a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoutMode {
    /// Revoke at the server first; keep the session when nothing was revoked there.
    Revoke {
        /// Replaces the stored logout endpoint (`--logout-endpoint`, profile `logout_endpoint`).
        logout_endpoint: Option<url::Url>,
    },
    /// Delete locally without asking the server (`logout --local`).
    Local,
}

/// One server answer during a revoke.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevokeStep {
    /// What was revoked, in words.
    pub what: &'static str,
    /// The host asked.
    pub host: String,
    /// The answer, or the transport error.
    pub answer: Result<RevokeAnswer, TransportError>,
}

impl RevokeStep {
    /// True when the server accepted the revocation.
    pub fn revoked(&self) -> bool {
        matches!(self.answer, Ok(RevokeAnswer::Done { .. }))
    }

    /// True when the server answered that the token was no longer valid there (`invalid_token`,
    /// `invalid_grant`, or a bare 401 as Anaplan's logout gives for a dead token): it had
    /// already ended, which is what a revocation wants.
    pub fn already_invalid(&self) -> bool {
        match &self.answer {
            Ok(RevokeAnswer::Refused(e)) => {
                matches!(e.code.as_str(), "invalid_token" | "invalid_grant")
            }
            Ok(RevokeAnswer::Failed { status, .. }) => *status == 401,
            _ => false,
        }
    }

    /// True when the token is dead at the server now: revoked, or already invalid there.
    pub fn ended(&self) -> bool {
        self.revoked() || self.already_invalid()
    }

    /// True when the server answered at all.
    pub fn reached(&self) -> bool {
        self.answer.is_ok()
    }
}

/// A session that was ended and deleted (or, for [`revoke`](super::SessionService::revoke), a
/// replaced session's grant revoked).
#[derive(Clone, Debug)]
pub struct LoggedOut {
    /// The profile.
    pub profile: String,
    /// The server's answers, in order (empty for `--local` or a provider with no endpoint).
    pub steps: Vec<RevokeStep>,
    /// True when the provider has no revocation or logout endpoint.
    pub no_endpoint: bool,
    /// True when the secret backend had already lost the tokens (nothing could be revoked);
    /// the metadata was deleted.
    pub tokens_missing: bool,
    /// What became of the refresh token at the server.
    pub refresh_token: RefreshTokenFate,
}

/// What a logout did to the session's refresh token at the server: the one sentence that must
/// not be overstated (Anaplan's cannot be revoked by a client at all).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshTokenFate {
    /// The server accepted its revocation (RFC 7009), or said it was already invalid.
    Revoked,
    /// There was none, or the server had already refused it (the session had ended).
    AlreadyEnded,
    /// Anaplan: no client can revoke it. It stays usable until a tenant admin disables the
    /// client or the user, or it expires: a rotating one at the end of its lifespan
    /// (`expires_at`, when known), a non-rotatable one never.
    NotRevocable {
        /// Rotating, fixed, or not known yet.
        kind: RefreshKind,
        /// The end of its lifespan, when known.
        expires_at: Option<Timestamp>,
    },
    /// Nothing asked the server (`--local`, no revocation endpoint, tokens already lost): it
    /// stays valid there until it expires.
    LeftValid,
}

/// Why a logout left the session in place.
#[derive(Clone, Debug, thiserror::Error)]
pub enum LogoutFailed {
    /// No session stored for the profile.
    #[error("{}", words::not_signed_in(profile))]
    NotSignedIn {
        /// The profile.
        profile: String,
    },
    /// The server did not confirm that the refresh token (or, with none to revoke, the access
    /// token) ended: it may still be valid there. A logout keeps the session (the only means to
    /// revoke it later); for a replaced session (`replaced`) nothing local is kept or advised.
    #[error("{}", words::not_revoked(profile, steps, *replaced))]
    NotRevoked {
        /// The profile.
        profile: String,
        /// Every attempt.
        steps: Vec<RevokeStep>,
        /// True for [`revoke`](super::SessionService::revoke) of a session a new sign-in
        /// replaced: the store holds the new session, which no advice may touch.
        replaced: bool,
    },
    /// The store failed.
    #[error(transparent)]
    Store(Arc<StoreError>),
    /// A stored or given endpoint is not acceptable.
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

impl From<StoreError> for LogoutFailed {
    fn from(e: StoreError) -> Self {
        Self::Store(Arc::new(e))
    }
}

impl LogoutFailed {
    /// True when at least one request got an answer from the server.
    pub fn reached_server(&self) -> bool {
        matches!(self, Self::NotRevoked { steps, .. } if steps.iter().any(RevokeStep::reached))
    }
}
