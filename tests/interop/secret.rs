//! Confidential device clients against a real third-party authorization server, panva
//! `oidc-provider` (see `tests/interop/oidc-provider/server.mjs`), registered with `client_secret_basic` and
//! `client_secret_post`: grantty signs in, refreshes (the provider rebuilt from the stored
//! session, its secret included) and revokes with each; a wrong secret is refused with
//! `invalid_client`.
//!
//! The pinned npm packages install themselves on first use; without node or npm these tests skip,
//! except in CI (`CI=true`), where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::sync::Arc;

use common::interop::OidcProvider;
use grantty::domain::clock::{Clock as _, SystemClock};
use grantty::domain::grant::PollReply;
use grantty::domain::secret::ClientSecret;
use grantty::domain::session::RefreshChange;
use grantty::oauth::AuthError;
use grantty::oauth::client::{discover, poll_token, request_device_code};
use grantty::oauth::client_auth::{ClientAuth, ClientCredential, SecretSource};
use grantty::oauth::http::ReqwestTransport;
use grantty::oauth::provider::Provider;
use grantty::session_service::{Refreshed, SessionService};
use grantty::store::SessionStore;

const PROFILE: &str = "default";
const SCOPE: &str = "openid email offline_access";

/// The provider for `client_id` with `secret`, sent as `auth` says.
async fn confidential(
    server: &OidcProvider,
    client_id: &str,
    secret: &str,
    auth: ClientAuth,
) -> Provider {
    let transport = ReqwestTransport::new().unwrap();
    let mut provider = discover(&transport, &server.issuer, client_id, Some(SCOPE))
        .await
        .unwrap();
    assert_eq!(
        provider.client_auth,
        ClientAuth::Basic,
        "oidc-provider offers client_secret_basic: the default stays"
    );
    provider.client_auth = auth;
    provider.client_secret = Some(ClientCredential {
        secret: ClientSecret::new(secret),
        source: SecretSource::Env,
    });
    provider
}

/// Signs in, refreshes through the session service and revokes, as `client_id`.
async fn signs_in_refreshes_and_revokes(client_id: &str, auth: ClientAuth) {
    let Some(server) = OidcProvider::start().unwrap_or_else(|e| panic!("interop server: {e}"))
    else {
        return;
    };
    let secret = format!("{client_id}-interop-secret");
    let provider = confidential(&server, client_id, &secret, auth).await;
    let transport = ReqwestTransport::new().unwrap();
    let code = request_device_code(&transport, &provider, &SystemClock)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.server_log()));
    server
        .approve(code.verification_uri_complete.as_deref().unwrap())
        .await
        .unwrap();
    let tokens = match poll_token(&transport, &provider, &code.device_code, &SystemClock).await {
        PollReply::Approved(tokens) => *tokens,
        other => panic!("{other:?}\n{}", server.server_log()),
    };
    let service = SessionService::new(
        Arc::new(SessionStore::memory()),
        Arc::new(ReqwestTransport::new().unwrap()),
        Arc::new(SystemClock),
    );
    let saved = service
        .sign_in(provider.new_session(PROFILE, tokens, SystemClock.now()))
        .await
        .unwrap()
        .session;
    assert_eq!(
        saved
            .secrets
            .client_secret
            .as_ref()
            .map(ClientSecret::expose),
        Some(secret.as_str())
    );
    match service.refresh(PROFILE).await {
        Ok(Refreshed::Fresh {
            change: RefreshChange::Rotated,
            ..
        }) => {}
        other => panic!("{other:?}\n{}", server.server_log()),
    }
    let done = service
        .logout(
            PROFILE,
            grantty::session_service::LogoutMode::Revoke {
                logout_endpoint: None,
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", server.server_log()));
    assert!(
        done.steps
            .iter()
            .all(grantty::session_service::RevokeStep::revoked),
        "{:?}",
        done.steps
    );
}

#[tokio::test]
async fn a_client_secret_basic_client_signs_in_refreshes_and_revokes() {
    signs_in_refreshes_and_revokes("grantty-confidential-basic", ClientAuth::Basic).await;
}

#[tokio::test]
async fn a_client_secret_post_client_signs_in_refreshes_and_revokes() {
    signs_in_refreshes_and_revokes("grantty-confidential-post", ClientAuth::Post).await;
}

#[tokio::test]
async fn a_wrong_secret_is_refused_with_invalid_client() {
    let Some(server) = OidcProvider::start().unwrap_or_else(|e| panic!("interop server: {e}"))
    else {
        return;
    };
    for (client_id, auth) in [
        ("grantty-confidential-basic", ClientAuth::Basic),
        ("grantty-confidential-post", ClientAuth::Post),
    ] {
        let provider = confidential(&server, client_id, "not-the-secret", auth).await;
        let transport = ReqwestTransport::new().unwrap();
        match request_device_code(&transport, &provider, &SystemClock).await {
            Err(AuthError::Server(e)) => assert_eq!(e.code, "invalid_client", "{client_id}"),
            other => panic!("{client_id}: {other:?}"),
        }
    }
}
