//! The on-disk (and in-keyring) JSON formats, version 1, and their conversion to domain types.
//!
//! Both documents carry `"version": 1` and the session's `generation`. Times are unix seconds.
//! The metadata also records which backend holds the secrets, so a run with another backend
//! reports that instead of "signed out". Parse errors of the secrets document keep only the error
//! class and position: serde's messages may quote the offending value.
//!
//! Fields added later within version 1 are optional and left out when empty
//! (`clock_skew_secs`), so files written before them still read, and builds that predate them
//! ignore them.

use serde::{Deserialize, Serialize};

use crate::domain::clock::{Skew, Timestamp};
use crate::domain::secret::{AccessToken, ClientSecret, IdToken, RefreshToken};
use crate::domain::session::{
    LifespanStart, PendingRefresh, RefreshInfo, RefreshKind, SessionMeta, SessionSecrets,
    SessionState,
};
use crate::domain::token::UnverifiedClaims;
use crate::domain::token_chars::{self, TokenField};

use super::{BackendKind, StoreError};

mod provider;
use provider::ProviderDoc;

/// The format version this build reads and writes.
pub const FORMAT_VERSION: u64 = 1;

#[derive(Deserialize)]
struct VersionProbe {
    version: Option<u64>,
}

#[derive(Serialize, Deserialize)]
struct MetaDoc {
    version: u64,
    generation: u64,
    profile: String,
    secrets_backend: String,
    provider: ProviderDoc,
    token_type: String,
    scope: Option<String>,
    access_expires_at: Option<i64>,
    access_issued_at: i64,
    has_refresh_token: bool,
    refresh: RefreshDoc,
    signed_in_at: i64,
    claims: Option<ClaimsDoc>,
    pending_refresh: Option<PendingDoc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clock_skew_secs: Option<i64>,
    /// Absent means active (files written before states existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    state: Option<StateDoc>,
}

#[derive(Serialize, Deserialize)]
struct StateDoc {
    /// `refresh_refused` or `ended`.
    kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code: Option<String>,
    at: i64,
    #[serde(default)]
    interrupted: bool,
}

fn encode_state(state: &SessionState) -> Option<StateDoc> {
    match state {
        SessionState::Active => None,
        SessionState::RefreshRefused { code, since } => Some(StateDoc {
            kind: state.as_str().to_owned(),
            code: Some(code.clone()),
            at: since.as_unix_secs(),
            interrupted: false,
        }),
        SessionState::Ended {
            code,
            at,
            interrupted,
        } => Some(StateDoc {
            kind: state.as_str().to_owned(),
            code: code.clone(),
            at: at.as_unix_secs(),
            interrupted: *interrupted,
        }),
    }
}

fn decode_state(doc: Option<StateDoc>) -> Result<SessionState, String> {
    let Some(doc) = doc else {
        return Ok(SessionState::Active);
    };
    let at = Timestamp::from_unix_secs(doc.at);
    match doc.kind.as_str() {
        "active" => Ok(SessionState::Active),
        "refresh_refused" => Ok(SessionState::RefreshRefused {
            code: doc.code.unwrap_or_default(),
            since: at,
        }),
        "ended" => Ok(SessionState::Ended {
            code: doc.code,
            at,
            interrupted: doc.interrupted,
        }),
        other => Err(format!("unknown session state {other:?}")),
    }
}

#[derive(Serialize, Deserialize)]
struct RefreshDoc {
    kind: String,
    issued_at: i64,
    rotation_count: u32,
    last_rotation_at: Option<i64>,
    /// The server's `refresh_token_expires_in`, stamped. Files written before
    /// `expires_at_by` stored the profile's lifespan here too (see [`server_expiry`]).
    expires_at: Option<i64>,
    last_refresh_at: Option<i64>,
    /// `server` when `expires_at` is the server's figure; absent in files written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    expires_at_by: Option<String>,
    /// `rotation` once the server has shown that a rotating token's lifespan restarts at
    /// rotation; absent: counted from sign-in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    lifespan_counted_from: Option<String>,
}

/// The server's expiry from a stored refresh document. Before `expires_at_by`, a rotated token's
/// `expires_at` was stamped as last rotation + the profile's lifespan: that guess is dropped
/// (the lifespan is applied when read), anything else was the server's.
fn server_expiry(r: &RefreshDoc, kind: RefreshKind, lifespan_secs: Option<u64>) -> Option<i64> {
    let at = r.expires_at?;
    let guessed = r.expires_at_by.is_none()
        && kind == RefreshKind::Rotating
        && lifespan_secs
            .and_then(|l| i64::try_from(l).ok())
            .is_some_and(|l| r.issued_at.checked_add(l) == Some(at));
    (!guessed).then_some(at)
}

#[derive(Serialize, Deserialize)]
struct ClaimsDoc {
    subject: Option<String>,
    email: Option<String>,
    name: Option<String>,
    issuer: Option<String>,
    expires_at: Option<i64>,
}

#[derive(Serialize, Deserialize)]
struct PendingDoc {
    started_at: i64,
    pid: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    machine: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SecretsDoc {
    version: u64,
    generation: u64,
    access_token: String,
    refresh_token: Option<String>,
    id_token: Option<String>,
    /// Absent in sessions of public clients and in those saved before client secrets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret: Option<String>,
}

/// Metadata as read back: the session metadata and the backend its secrets went to.
#[derive(Debug)]
pub(crate) struct StoredMeta {
    pub meta: SessionMeta,
    pub backend: BackendKind,
}

/// Encodes metadata; `meta.generation` is written as is.
pub(crate) fn encode_meta(meta: &SessionMeta, backend: BackendKind) -> Result<Vec<u8>, StoreError> {
    let r = &meta.refresh;
    let doc = MetaDoc {
        version: FORMAT_VERSION,
        generation: meta.generation,
        profile: meta.profile.clone(),
        secrets_backend: backend.flag().to_owned(),
        provider: ProviderDoc::from(&meta.provider),
        token_type: meta.token_type.clone(),
        scope: meta.scope.clone(),
        access_expires_at: meta.access_expires_at.map(Timestamp::as_unix_secs),
        access_issued_at: meta.access_issued_at.as_unix_secs(),
        has_refresh_token: meta.has_refresh_token,
        refresh: RefreshDoc {
            kind: r.kind.as_str().to_owned(),
            issued_at: r.issued_at.as_unix_secs(),
            rotation_count: r.rotation_count,
            last_rotation_at: r.last_rotation_at.map(Timestamp::as_unix_secs),
            expires_at: r.expires_at.map(Timestamp::as_unix_secs),
            last_refresh_at: r.last_refresh_at.map(Timestamp::as_unix_secs),
            expires_at_by: r.expires_at.map(|_| "server".to_owned()),
            lifespan_counted_from: match r.lifespan_start {
                LifespanStart::SignIn => None,
                LifespanStart::Rotation => Some(LifespanStart::Rotation.as_str().to_owned()),
            },
        },
        signed_in_at: meta.signed_in_at.as_unix_secs(),
        claims: meta.claims.as_ref().map(|c| ClaimsDoc {
            subject: c.subject.clone(),
            email: c.email.clone(),
            name: c.name.clone(),
            issuer: c.issuer.clone(),
            expires_at: c.expires_at.map(Timestamp::as_unix_secs),
        }),
        pending_refresh: meta.pending_refresh.as_ref().map(|p| PendingDoc {
            started_at: p.started_at.as_unix_secs(),
            pid: p.pid,
            machine: p.machine.clone(),
        }),
        clock_skew_secs: meta.clock_skew.map(Skew::secs),
        state: encode_state(&meta.state),
    };
    let mut bytes = serde_json::to_vec_pretty(&doc).map_err(|e| StoreError::Encode {
        what: "session metadata",
        detail: e.to_string(),
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Decodes metadata read from `location`.
pub(crate) fn decode_meta(bytes: &[u8], location: &str) -> Result<StoredMeta, StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        location: location.to_owned(),
        detail,
    };
    check_version(bytes, location, ToString::to_string)?;
    let doc: MetaDoc = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let backend = BackendKind::from_flag(&doc.secrets_backend)
        .ok_or_else(|| corrupt(format!("unknown secrets_backend {:?}", doc.secrets_backend)))?;
    let kind = RefreshKind::parse(&doc.refresh.kind)
        .ok_or_else(|| corrupt(format!("unknown refresh kind {:?}", doc.refresh.kind)))?;
    let ts = Timestamp::from_unix_secs;
    let r = doc.refresh;
    let provider: crate::domain::session::ProviderRecord = doc.provider.into();
    let expires_at = server_expiry(&r, kind, provider.refresh_token_lifespan_secs);
    let lifespan_start = match r.lifespan_counted_from.as_deref() {
        Some("rotation") => LifespanStart::Rotation,
        _ => LifespanStart::SignIn,
    };
    let meta = SessionMeta {
        profile: doc.profile,
        provider,
        token_type: doc.token_type,
        scope: doc.scope,
        access_expires_at: doc.access_expires_at.map(ts),
        access_issued_at: ts(doc.access_issued_at),
        has_refresh_token: doc.has_refresh_token,
        refresh: RefreshInfo {
            kind,
            issued_at: ts(r.issued_at),
            rotation_count: r.rotation_count,
            last_rotation_at: r.last_rotation_at.map(ts),
            expires_at: expires_at.map(ts),
            last_refresh_at: r.last_refresh_at.map(ts),
            lifespan_start,
        },
        signed_in_at: ts(doc.signed_in_at),
        claims: doc.claims.map(|c| UnverifiedClaims {
            subject: c.subject,
            email: c.email,
            name: c.name,
            issuer: c.issuer,
            expires_at: c.expires_at.map(ts),
        }),
        generation: doc.generation,
        pending_refresh: doc.pending_refresh.map(|p| PendingRefresh {
            started_at: ts(p.started_at),
            pid: p.pid,
            machine: p.machine,
        }),
        clock_skew: doc.clock_skew_secs.map(Skew::from_secs),
        state: decode_state(doc.state).map_err(corrupt)?,
    };
    Ok(StoredMeta { meta, backend })
}

/// Encodes the token strings with their generation.
pub(crate) fn encode_secrets(
    secrets: &SessionSecrets,
    generation: u64,
) -> Result<String, StoreError> {
    let doc = SecretsDoc {
        version: FORMAT_VERSION,
        generation,
        access_token: secrets.access_token.expose().to_owned(),
        refresh_token: secrets
            .refresh_token
            .as_ref()
            .map(|t| t.expose().to_owned()),
        id_token: secrets.id_token.as_ref().map(|t| t.expose().to_owned()),
        client_secret: secrets
            .client_secret
            .as_ref()
            .map(|s| s.expose().to_owned()),
    };
    // Serialising plain strings cannot fail; the message would not contain them anyway.
    serde_json::to_string(&doc).map_err(|e| StoreError::Encode {
        what: "session secrets",
        detail: e.to_string(),
    })
}

/// Decodes the token strings and their generation.
pub(crate) fn decode_secrets(
    text: &str,
    location: &str,
) -> Result<(SessionSecrets, u64), StoreError> {
    check_version(text.as_bytes(), location, redacted)?;
    let doc: SecretsDoc = serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        location: location.to_owned(),
        detail: redacted(&e),
    })?;
    // The wire's rule for token strings holds for stored ones too: a token planted in the store
    // with an escape sequence or a newline would reach the terminal, headers and netrc lines.
    let tokens = [
        (TokenField::Access, Some(doc.access_token.as_str())),
        (TokenField::Refresh, doc.refresh_token.as_deref()),
        (TokenField::Id, doc.id_token.as_deref()),
    ];
    for (field, value) in tokens {
        if let Some(value) = value {
            token_chars::check(field, value).map_err(|e| StoreError::Corrupt {
                location: location.to_owned(),
                detail: format!(
                    "its {} holds U+{:04X} at character {}, which no token may",
                    e.field.as_str(),
                    e.code_point,
                    e.position
                ),
            })?;
        }
    }
    let secrets = SessionSecrets {
        access_token: AccessToken::new(doc.access_token),
        refresh_token: doc.refresh_token.map(RefreshToken::new),
        id_token: doc.id_token.map(IdToken::new),
        client_secret: doc.client_secret.map(ClientSecret::new),
    };
    Ok((secrets, doc.generation))
}

fn check_version(
    bytes: &[u8],
    location: &str,
    detail: impl Fn(&serde_json::Error) -> String,
) -> Result<(), StoreError> {
    let corrupt = |detail: String| StoreError::Corrupt {
        location: location.to_owned(),
        detail,
    };
    let probe: VersionProbe = serde_json::from_slice(bytes).map_err(|e| corrupt(detail(&e)))?;
    match probe.version {
        Some(FORMAT_VERSION) => Ok(()),
        Some(found) => Err(StoreError::UnsupportedVersion {
            location: location.to_owned(),
            found,
            supported: FORMAT_VERSION,
        }),
        None => Err(corrupt("no \"version\" field".to_owned())),
    }
}

/// A serde error without its message, which may quote stored values.
fn redacted(err: &serde_json::Error) -> String {
    let class = match err.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "invalid JSON",
        serde_json::error::Category::Data => "unexpected content",
        serde_json::error::Category::Eof => "truncated JSON",
    };
    format!("{class} at line {} column {}", err.line(), err.column())
}

#[cfg(test)]
#[path = "format_tests.rs"]
mod tests;
