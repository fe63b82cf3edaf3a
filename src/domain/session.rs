//! A signed-in session: what is stored between runs, split into non-secret metadata (enough for
//! `grantty status` without unlocking anything) and the secrets themselves.
//!
//! Refresh-token rules (RFC 6749 §6): a refresh answer that carries a new refresh token replaces
//! the old one, which is then spent (rotation); an answer without one keeps the old token. The
//! kind of refresh token is learned from the first refresh, unless the profile says it.

use super::clock::{Skew, Timestamp};
use super::secret::{AccessToken, ClientSecret, IdToken, RefreshToken};
use super::token::{TokenSet, UnverifiedClaims};

/// Whether the refresh token changes on each use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshKind {
    /// Not known yet: no refresh has happened.
    Unknown,
    /// Each refresh returns a new token and spends the old one (Anaplan "rotatable").
    Rotating,
    /// The same token is reused (Anaplan "non-rotatable").
    Fixed,
    /// No refresh token was issued; the session ends with the access token.
    None,
}

impl RefreshKind {
    /// A stable lower-case name, for files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::Rotating => "rotating",
            Self::Fixed => "fixed",
            Self::None => "none",
        }
    }

    /// Parses [`as_str`](Self::as_str) output.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "unknown" => Self::Unknown,
            "rotating" => Self::Rotating,
            "fixed" => Self::Fixed,
            "none" => Self::None,
            _ => return None,
        })
    }
}

/// Where and how to talk to the provider again, as plain data that can be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRecord {
    /// `anaplan` or `generic`.
    pub kind: String,
    /// Display host.
    pub host: String,
    /// OAuth client id.
    pub client_id: String,
    /// Requested scope.
    pub scope: String,
    /// Device authorization endpoint.
    pub device_authorization_endpoint: String,
    /// Token endpoint.
    pub token_endpoint: String,
    /// `OpenID` `UserInfo` endpoint from discovery, if any: what `status --verify` asks.
    pub userinfo_endpoint: Option<String>,
    /// Set when the session signed in with the authorization code grant: a new sign-in over it
    /// (`grantty login --profile P`) uses the same flow, endpoint and redirect URI.
    pub code_flow: Option<CodeFlowRecord>,
    /// RFC 7009 revocation endpoint, if any.
    pub revocation_endpoint: Option<String>,
    /// Anaplan's classic logout endpoint, if this is Anaplan.
    pub logout_endpoint: Option<String>,
    /// Refresh-token lifespan configured for this client (Anaplan's admin setting), if known.
    pub refresh_token_lifespan_secs: Option<u64>,
    /// How the client secret travels (`basic` or `post`); `None` in sessions saved before
    /// client secrets, which then use the provider's default.
    pub client_auth: Option<String>,
    /// Where the client secret was read at sign-in (a description, never the value); `None`
    /// for a public client. The secret itself is in [`SessionSecrets::client_secret`].
    pub client_secret_source: Option<String>,
}

/// How a session signed in with the authorization code grant (RFC 6749 §4.1) did it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeFlowRecord {
    /// The authorization endpoint it used.
    pub authorization_endpoint: String,
    /// The redirect URI the user gave (`--redirect-uri`, e.g. Anaplan's registered callback);
    /// `None` when grantty chose one.
    pub redirect_uri: Option<String>,
}

/// Where a rotating refresh token's lifespan is counted from. Anaplan does not document it, so
/// grantty plans for the earlier end ([`SignIn`](Self::SignIn)) until the server proves
/// otherwise by accepting a refresh after that end ([`Session::apply_refresh`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LifespanStart {
    /// From the sign-in, across every rotation: the assumption until proven otherwise.
    #[default]
    SignIn,
    /// From the last rotation: the server accepted a refresh after sign-in + lifespan.
    Rotation,
}

impl LifespanStart {
    /// A stable lower-case name, for files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignIn => "sign_in",
            Self::Rotation => "rotation",
        }
    }
}

/// The refresh token's history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefreshInfo {
    /// Rotating, fixed, none or not yet known.
    pub kind: RefreshKind,
    /// When the current refresh token was received.
    pub issued_at: Timestamp,
    /// How many times it rotated.
    pub rotation_count: u32,
    /// When it last rotated.
    pub last_rotation_at: Option<Timestamp>,
    /// When the current refresh token stops working, as the server said
    /// (`refresh_token_expires_in`); `None` when it did not. A lifespan from the profile is
    /// never stored here: it is applied when read ([`SessionMeta::refresh_token_ends`]), so a
    /// changed `refresh_token_lifespan` applies to live sessions.
    pub expires_at: Option<Timestamp>,
    /// When the last successful refresh happened.
    pub last_refresh_at: Option<Timestamp>,
    /// Where a rotating token's configured lifespan is counted from, as far as this server has
    /// shown.
    pub lifespan_start: LifespanStart,
}

/// A refresh that was started and not finished: if the process died between the server's
/// answer and the write, the stored refresh token may already be spent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingRefresh {
    /// When it started.
    pub started_at: Timestamp,
    /// The process that started it.
    pub pid: u32,
    /// The machine that started it, in a store machines share (etcd): its host name and state
    /// directory, never a secret. Its kept-aside copy, if the answer could not be saved, is on
    /// that machine only. `None` in a machine's own store.
    pub machine: Option<String>,
}

/// Where a session stands. Persisted in the metadata, so `status` can tell without the network
/// or the secrets. Only a sign-in or logout removes a session; these states never delete tokens.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum SessionState {
    /// Refreshing works (or has not been tried).
    #[default]
    Active,
    /// The server refused the client at the last refresh (`invalid_client`,
    /// `unauthorized_client`, `access_denied`, …). Every token is kept, the access token is
    /// served while valid, and the next refresh tries again: an admin may lift the refusal.
    RefreshRefused {
        /// The server's `error` code.
        code: String,
        /// When the refusal was first seen.
        since: Timestamp,
    },
    /// The refresh token is dead (`invalid_grant`) or there is none. No more refreshes; the
    /// access token is served until it expires and can still be revoked by logout.
    Ended {
        /// The server's `error` code; `None` when there was no refresh token.
        code: Option<String>,
        /// When it was seen.
        at: Timestamp,
        /// True when an earlier refresh was interrupted after it may have reached the server,
        /// so the token was probably rotated and the answer lost.
        interrupted: bool,
    },
}

impl SessionState {
    /// A stable lower-case name, for files and JSON.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::RefreshRefused { .. } => "refresh_refused",
            Self::Ended { .. } => "ended",
        }
    }
}

/// Everything about a session except the token strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionMeta {
    /// Profile name.
    pub profile: String,
    /// The provider.
    pub provider: ProviderRecord,
    /// `token_type` (`Bearer`).
    pub token_type: String,
    /// Granted scope, if the server said.
    pub scope: Option<String>,
    /// When the access token expires, if known.
    pub access_expires_at: Option<Timestamp>,
    /// When the access token was received.
    pub access_issued_at: Timestamp,
    /// Whether a refresh token is held.
    pub has_refresh_token: bool,
    /// Refresh-token history.
    pub refresh: RefreshInfo,
    /// When the user signed in.
    pub signed_in_at: Timestamp,
    /// ID-token claims (unverified), for display.
    pub claims: Option<UnverifiedClaims>,
    /// Increases on every write; secrets and metadata carry the same number.
    pub generation: u64,
    /// A refresh in progress, if any.
    pub pending_refresh: Option<PendingRefresh>,
    /// The server's clock against ours at the last sign-in or refresh, when its reply had a
    /// `Date`.
    pub clock_skew: Option<Skew>,
    /// Active, refresh refused, or ended.
    pub state: SessionState,
}

impl SessionMeta {
    /// The one deadline of the refresh token: when a new sign-in will be needed, planned for the
    /// earliest end. The server's own figure when it gave one; else, for a token that rotates
    /// (or may: not yet known), the profile's lifespan counted from the sign-in, or from the
    /// last rotation once the server has shown that its lifespan restarts there
    /// ([`LifespanStart`]). `None` without a refresh token, for a fixed token without a server
    /// figure (Anaplan's non-rotatable tokens do not expire), or without a lifespan to go by.
    pub fn refresh_token_ends(&self) -> Option<Timestamp> {
        if !self.has_refresh_token {
            return None;
        }
        if let Some(at) = self.refresh.expires_at {
            return Some(at);
        }
        match self.refresh.kind {
            RefreshKind::Rotating | RefreshKind::Unknown => {
                let lifespan_secs = self.provider.refresh_token_lifespan_secs?;
                let from = match self.refresh.lifespan_start {
                    LifespanStart::SignIn => self.signed_in_at,
                    LifespanStart::Rotation => self.refresh.issued_at,
                };
                Some(from.plus_secs(lifespan_secs))
            }
            RefreshKind::Fixed | RefreshKind::None => None,
        }
    }

    /// True while [`refresh_token_ends`](Self::refresh_token_ends) holds only if the token
    /// rotates: before the first refresh has shown its kind, with no figure from the server.
    pub fn refresh_end_is_conditional(&self) -> bool {
        self.refresh.kind == RefreshKind::Unknown && self.refresh.expires_at.is_none()
    }

    /// When the session stops working without a new sign-in: the access token's expiry once
    /// refreshing cannot help (ended, or no refresh token), else the refresh token's
    /// [`refresh_token_ends`](Self::refresh_token_ends).
    pub fn session_ends(&self) -> Option<Timestamp> {
        if !self.has_refresh_token || matches!(self.state, SessionState::Ended { .. }) {
            return self.access_expires_at;
        }
        self.refresh_token_ends()
    }
}

/// The token strings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionSecrets {
    /// The access token.
    pub access_token: AccessToken,
    /// The refresh token, if any.
    pub refresh_token: Option<RefreshToken>,
    /// The ID token, if any.
    pub id_token: Option<IdToken>,
    /// A confidential client's secret, kept with the tokens so refreshing and revoking work
    /// without it in the environment; `None` for a public client.
    pub client_secret: Option<ClientSecret>,
}

/// A stored session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Non-secret part.
    pub meta: SessionMeta,
    /// Secret part.
    pub secrets: SessionSecrets,
}

/// What a refresh changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefreshChange {
    /// A new refresh token replaced the old one.
    Rotated,
    /// The same refresh token came back, or none (RFC 6749 §6: keep the old one).
    Kept,
}

impl Session {
    /// A session from a fresh sign-in.
    pub fn new(profile: &str, provider: ProviderRecord, tokens: TokenSet, now: Timestamp) -> Self {
        let claims = tokens.unverified_claims();
        let kind = if tokens.refresh_token.is_some() {
            RefreshKind::Unknown
        } else {
            RefreshKind::None
        };
        // The profile's lifespan applies to rotating tokens only, and rotation is learned at the
        // first refresh; until then only the server's own figure counts.
        let expires_at = tokens
            .refresh_token
            .as_ref()
            .and(tokens.refresh_token_expires_at);
        Self {
            meta: SessionMeta {
                profile: profile.to_owned(),
                token_type: tokens.token_type.clone(),
                scope: tokens.scope.clone(),
                access_expires_at: tokens.expires_at,
                access_issued_at: now,
                has_refresh_token: tokens.refresh_token.is_some(),
                refresh: RefreshInfo {
                    kind,
                    issued_at: now,
                    rotation_count: 0,
                    last_rotation_at: None,
                    expires_at,
                    last_refresh_at: None,
                    lifespan_start: LifespanStart::SignIn,
                },
                provider,
                signed_in_at: now,
                claims,
                generation: 1,
                pending_refresh: None,
                clock_skew: None,
                state: SessionState::Active,
            },
            secrets: SessionSecrets {
                access_token: tokens.access_token,
                refresh_token: tokens.refresh_token,
                id_token: tokens.id_token,
                client_secret: None,
            },
        }
    }

    /// Folds a refresh answer in: new access token; the refresh token replaced when a different
    /// one came back (rotation), kept otherwise.
    ///
    /// A rotating token accepted at or after the planned end (sign-in + lifespan) proves that
    /// this server's lifespan restarts at rotation: recorded in [`RefreshInfo::lifespan_start`],
    /// and the later end is planned from then on.
    pub fn apply_refresh(&mut self, tokens: TokenSet, now: Timestamp) -> RefreshChange {
        let planned_end = self.meta.refresh_token_ends();
        // The display claims (`exp` above all) follow a new ID token.
        let claims = tokens.id_token.as_ref().map(|_| tokens.unverified_claims());
        let server_figure = self.meta.refresh.expires_at.is_some();
        let change = match (&tokens.refresh_token, &self.secrets.refresh_token) {
            (Some(new), Some(old)) if new != old => RefreshChange::Rotated,
            (Some(_), None) => RefreshChange::Rotated,
            _ => RefreshChange::Kept,
        };
        let meta = &mut self.meta;
        match change {
            RefreshChange::Rotated => {
                meta.refresh.kind = RefreshKind::Rotating;
                meta.refresh.rotation_count = meta.refresh.rotation_count.saturating_add(1);
                meta.refresh.last_rotation_at = Some(now);
                meta.refresh.issued_at = now;
                meta.refresh.expires_at = tokens.refresh_token_expires_at;
                if !server_figure && planned_end.is_some_and(|end| now >= end) {
                    meta.refresh.lifespan_start = LifespanStart::Rotation;
                }
                self.secrets.refresh_token = tokens.refresh_token;
            }
            RefreshChange::Kept => {
                if meta.refresh.kind == RefreshKind::Unknown {
                    meta.refresh.kind = RefreshKind::Fixed;
                }
                if tokens.refresh_token_expires_at.is_some() {
                    meta.refresh.expires_at = tokens.refresh_token_expires_at;
                }
            }
        }
        self.secrets.access_token = tokens.access_token;
        meta.has_refresh_token = self.secrets.refresh_token.is_some();
        meta.refresh.last_refresh_at = Some(now);
        meta.access_expires_at = tokens.expires_at;
        meta.access_issued_at = now;
        meta.token_type = tokens.token_type;
        if tokens.scope.is_some() {
            meta.scope = tokens.scope;
        }
        if let Some(claims) = claims {
            meta.claims = claims;
        }
        if let Some(id_token) = tokens.id_token {
            self.secrets.id_token = Some(id_token);
        }
        meta.pending_refresh = None;
        meta.state = SessionState::Active;
        change
    }

    /// Seconds the access token has left at `now`; `None` when the server gave no expiry.
    pub fn access_remaining_secs(&self, now: Timestamp) -> Option<u64> {
        self.meta.access_expires_at.map(|at| now.secs_until(at))
    }

    /// The margin to refresh with: `wanted_secs`, but at most half the access token's lifetime,
    /// so a token shorter than the wanted margin is not refreshed on every check.
    pub fn refresh_margin(&self, wanted_secs: u64) -> u64 {
        match self.meta.access_expires_at {
            Some(at) => wanted_secs.min(self.meta.access_issued_at.secs_until(at) / 2),
            None => wanted_secs,
        }
    }

    /// True when the access token is valid for less than `min_valid_secs` more.
    pub fn needs_refresh(&self, now: Timestamp, min_valid_secs: u64) -> bool {
        self.access_remaining_secs(now)
            .is_some_and(|left| left < min_valid_secs.max(1))
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
