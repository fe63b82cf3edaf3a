//! The example sign-in every fixture starts from: `example.com`, literal timestamps, fake
//! tokens, the session as it is stored, and the code flow's authorization request. Shared by
//! the render and runtime harnesses; the screens built from it are in the `*_fixtures` modules.

use grantty::app::ProviderInfo;
use grantty::domain::clock::Timestamp;
use grantty::domain::secret::{AccessToken, IdToken, RefreshToken};
use grantty::domain::session::{ProviderRecord, Session};
use grantty::domain::token::{TokenSet, UnverifiedClaims};
use grantty::oauth::pkce::{AuthorizationRequest, Pkce};
use grantty::oauth::provider::Provider;
use url::Url;

/// 2026-11-23T13:14:15Z: when the device code was issued.
pub const ISSUED_AT: i64 = 1_795_439_655;
/// An access token that must never be drawn in full.
pub const ACCESS_TOKEN: &str = "fake-access-token-0123456789abcdef0123";
/// A refresh token that must never be drawn in full.
pub const REFRESH_TOKEN: &str = "fake-refresh-token-fedcba9876543210fedc";
/// An ID token that must never be drawn.
pub const ID_TOKEN: &str = "fake-id-token.eyJzdWIiOiJ1c2VyLTEyMzQifQ.fake-signature";

/// `ISSUED_AT + secs`.
pub fn at(secs: u64) -> Timestamp {
    Timestamp::from_unix_secs(ISSUED_AT).plus_secs(secs)
}

/// Who is asking.
pub fn provider() -> ProviderInfo {
    ProviderInfo {
        name: "Example".to_owned(),
        host: "example.com".to_owned(),
        client_id: "grantty-demo".to_owned(),
        scopes: "openid profile offline_access".to_owned(),
        local_host: "build-box".to_owned(),
    }
}

/// When the session was signed in, relative to [`ISSUED_AT`].
pub const SIGNED_IN: u64 = 40;
/// `expires_in` of every access token.
pub const ACCESS_LIFETIME_SECS: u64 = 3600;

/// The provider as the session stores it.
pub fn record() -> ProviderRecord {
    ProviderRecord {
        kind: "generic".to_owned(),
        host: "example.com".to_owned(),
        client_id: "grantty-demo".to_owned(),
        scope: "openid profile offline_access".to_owned(),
        device_authorization_endpoint: "https://example.com/oauth/device_authorization".to_owned(),
        token_endpoint: "https://example.com/oauth/token".to_owned(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: Some("https://example.com/oauth/revoke".to_owned()),
        logout_endpoint: None,
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    }
}

/// A fresh session signed in at `at(SIGNED_IN)`, with a refresh token and ID token claims.
pub fn session() -> Session {
    let tokens = TokenSet {
        access_token: AccessToken::new(ACCESS_TOKEN),
        token_type: "Bearer".to_owned(),
        expires_at: Some(at(SIGNED_IN + ACCESS_LIFETIME_SECS)),
        refresh_token: Some(RefreshToken::new(REFRESH_TOKEN)),
        refresh_token_expires_at: None,
        scope: Some("openid profile offline_access".to_owned()),
        id_token: Some(IdToken::new(ID_TOKEN)),
        issued_at: at(SIGNED_IN),
    };
    let mut session = Session::new("default", record(), tokens, at(SIGNED_IN));
    session.meta.claims = Some(UnverifiedClaims {
        subject: Some("user-1234".to_owned()),
        email: Some("ann@example.com".to_owned()),
        name: Some("Ann Example".to_owned()),
        issuer: Some("https://example.com".to_owned()),
        expires_at: Some(at(SIGNED_IN + ACCESS_LIFETIME_SECS)),
    });
    session
}

/// The `state` of the fixture's authorization request.
pub const STATE: &str = "Xc8dQm2v7pLr4TgW1sYb9A";
/// RFC 7636's example verifier.
pub const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
/// Where the browser is sent after approval.
pub const REDIRECT_URI: &str = "http://127.0.0.1/callback";

/// The provider the fixtures' requests are for (token endpoint `/oauth/token`).
pub fn oauth_provider() -> Provider {
    Provider::generic(
        "grantty-demo",
        Some("openid profile offline_access"),
        "https://example.com/oauth/device",
        "https://example.com/oauth/token",
        None,
    )
    .unwrap()
}

/// The authorization request, as `login --flow code` builds it.
pub fn request() -> AuthorizationRequest {
    AuthorizationRequest::new(
        &oauth_provider(),
        &Url::parse("https://example.com/oauth/authorize").unwrap(),
        Url::parse(REDIRECT_URI).unwrap(),
        Pkce::from_verifier(VERIFIER),
        STATE.to_owned(),
    )
}
