//! A session with every field set, for the store's in-file tests.

use crate::domain::clock::{Skew, Timestamp};
use crate::domain::secret::{AccessToken, IdToken, RefreshToken};
use crate::domain::session::{
    LifespanStart, PendingRefresh, ProviderRecord, RefreshInfo, RefreshKind, Session, SessionMeta,
    SessionSecrets, SessionState,
};
use crate::domain::token::UnverifiedClaims;

pub const ACCESS: &str = "at-SECRET-0123456789abcdef";
pub const REFRESH: &str = "rt-SECRET-0123456789abcdef";
pub const ID_TOKEN: &str = "eyJhbGciOiJub25lIn0.id-SECRET.sig";

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_700_000_000 + secs)
}

/// Every field set, each to a distinct value, `Option`s all `Some`.
pub fn full_session(profile: &str, generation: u64) -> Session {
    Session {
        meta: SessionMeta {
            profile: profile.to_owned(),
            provider: ProviderRecord {
                kind: "anaplan".into(),
                host: "us1a.app.anaplan.com".into(),
                client_id: "client-1".into(),
                scope: "openid offline_access".into(),
                device_authorization_endpoint: "https://example.com/device".into(),
                token_endpoint: "https://example.com/token".into(),
                userinfo_endpoint: None,
                code_flow: None,
                revocation_endpoint: Some("https://example.com/revoke".into()),
                logout_endpoint: Some("https://example.com/logout".into()),
                refresh_token_lifespan_secs: Some(43_200),
                client_auth: None,
                client_secret_source: None,
            },
            token_type: "Bearer".into(),
            scope: Some("openid".into()),
            access_expires_at: Some(at(2100)),
            access_issued_at: at(1),
            has_refresh_token: true,
            refresh: RefreshInfo {
                kind: RefreshKind::Rotating,
                issued_at: at(2),
                rotation_count: 7,
                last_rotation_at: Some(at(3)),
                expires_at: Some(at(4)),
                last_refresh_at: Some(at(5)),
                lifespan_start: LifespanStart::SignIn,
            },
            signed_in_at: at(-100),
            claims: Some(UnverifiedClaims {
                subject: Some("sub-1".into()),
                email: Some("ada@example.com".into()),
                name: Some("Ada".into()),
                issuer: Some("https://example.com".into()),
                expires_at: Some(at(6)),
            }),
            generation,
            pending_refresh: Some(PendingRefresh {
                started_at: at(7),
                pid: 4242,
                machine: None,
            }),
            clock_skew: Some(Skew::from_secs(-37)),
            state: SessionState::RefreshRefused {
                code: "invalid_client".into(),
                since: at(8),
            },
        },
        secrets: SessionSecrets {
            access_token: AccessToken::new(ACCESS),
            refresh_token: Some(RefreshToken::new(REFRESH)),
            id_token: Some(IdToken::new(ID_TOKEN)),
            client_secret: None,
        },
    }
}
