//! The authorization code grant with PKCE against a real third-party server, panva
//! `oidc-provider` (see `tests/interop/oidc-provider/server.mjs`): the `grantty` binary in paste-back mode,
//! approved on the provider's own login and consent pages, and grantty's sans-IO requests
//! showing that the provider takes our S256 challenge and refuses a code used twice.
//!
//! The pinned npm packages install themselves on first use; without node or npm these tests skip,
//! except in CI (`CI=true`), where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::Path;

use common::interop::{CLIENT_ID, LOGIN, OidcProvider, http_client};
use grantty::domain::clock::Timestamp;
use grantty::oauth::AuthError;
use grantty::oauth::client::discover;
use grantty::oauth::http::{ReqwestTransport, Transport as _};
use grantty::oauth::pkce::{AuthorizationRequest, Pkce, parse_callback, random_state};
use grantty::oauth::wire::parse_token_response;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// The redirect URI registered for the interop client; nothing listens there.
const REDIRECT_URI: &str = "http://127.0.0.1/callback";
const SCOPE: &str = "openid email offline_access";

/// The running provider, or `None` when it is not installed outside CI.
fn provider_server() -> Option<OidcProvider> {
    OidcProvider::start().unwrap_or_else(|e| panic!("interop server did not start: {e}"))
}

/// `grantty args…` with its state in `state_home`, `--store file`, no display.
fn grantty(state_home: &Path, args: &[&str]) -> tokio::process::Command {
    common::isolated::isolated_command(state_home, args)
}

#[tokio::test]
async fn the_binary_signs_in_by_pasting_the_redirect_from_oidc_provider() {
    let Some(server) = provider_server() else {
        return;
    };
    let home = tempfile::tempdir().unwrap();
    let args = [
        "login",
        "--issuer",
        &server.issuer,
        "--client-id",
        CLIENT_ID,
        "--flow",
        "code",
        "--redirect-uri",
        REDIRECT_URI,
        "--scope",
        SCOPE,
    ];
    let mut child = grantty(home.path(), &args).spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut transcript = String::new();
    let mut url = None;
    while let Some(line) = lines.next_line().await.unwrap() {
        transcript.push_str(&line);
        transcript.push('\n');
        if url.is_none() && line.starts_with("http") {
            url = Some(line.clone());
        }
        if line.starts_with("Paste the address") {
            break;
        }
    }
    let url = url.unwrap_or_else(|| panic!("no authorize URL:\n{transcript}"));
    assert!(
        url.starts_with(&format!("{}/auth?", server.issuer)),
        "{url}"
    );
    let location = server.approve_authorization(&url).await.unwrap();
    assert!(
        location.starts_with(&format!("{REDIRECT_URI}?code=")),
        "{location}"
    );

    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{location}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    while let Some(line) = lines.next_line().await.unwrap() {
        transcript.push_str(&line);
        transcript.push('\n');
    }
    let status = child.wait().await.unwrap();
    assert!(
        status.success(),
        "exit {status:?}:\n{transcript}\n{}",
        server.server_log()
    );
    assert!(transcript.contains("Signed in"), "{transcript}");

    let out = grantty(home.path(), &["status", "--json"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let status: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(status["client_id"], CLIENT_ID, "{status}");
    assert_eq!(status["subject"], LOGIN, "{status}");
    assert_eq!(
        status["refresh_token"]["present"], true,
        "prompt=consent lets offline_access through: {status}"
    );
}

/// `GET /me` (OIDC `UserInfo`) with `access_token`: the HTTP status.
async fn userinfo_status(server: &OidcProvider, access_token: &str) -> u16 {
    http_client()
        .unwrap()
        .get(server.url("/me"))
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn oidc_provider_checks_our_challenge_and_refuses_a_reused_code() {
    let Some(server) = provider_server() else {
        return;
    };
    let transport = ReqwestTransport::new().unwrap();
    let provider = discover(&transport, &server.issuer, CLIENT_ID, Some(SCOPE))
        .await
        .unwrap();
    let endpoint = provider
        .authorization_endpoint
        .clone()
        .expect("oidc-provider advertises authorization_endpoint");
    let rng = ring::rand::SystemRandom::new();
    let request = AuthorizationRequest::new(
        &provider,
        &endpoint,
        url::Url::parse(REDIRECT_URI).unwrap(),
        Pkce::generate(&rng).unwrap(),
        random_state(&rng).unwrap(),
    );
    let location = server
        .approve_authorization(request.url.as_str())
        .await
        .unwrap();
    let code = parse_callback(&location, &request.state).unwrap();

    // A verifier that does not match the challenge is refused (RFC 7636 §4.6)…
    let mut wrong = request.clone();
    wrong.pkce = Pkce::from_verifier(&"x".repeat(43));
    let refused = transport
        .send(wrong.exchange_request(&provider, &code))
        .await
        .unwrap();
    let refused = parse_token_response(&refused, Timestamp::from_unix_secs(0)).unwrap_err();
    assert!(
        matches!(&refused, AuthError::Server(e) if e.code == "invalid_grant"),
        "{refused}"
    );

    // …and on a fresh code, ours is accepted once, then never again.
    let request = AuthorizationRequest::new(
        &provider,
        &endpoint,
        url::Url::parse(REDIRECT_URI).unwrap(),
        Pkce::generate(&rng).unwrap(),
        random_state(&rng).unwrap(),
    );
    let location = server
        .approve_authorization(request.url.as_str())
        .await
        .unwrap();
    let code = parse_callback(&location, &request.state).unwrap();
    let first = transport
        .send(request.exchange_request(&provider, &code))
        .await
        .unwrap();
    let tokens = parse_token_response(&first, Timestamp::from_unix_secs(0)).unwrap();
    assert_eq!(
        userinfo_status(&server, tokens.access_token.expose()).await,
        200
    );
    let again = transport
        .send(request.exchange_request(&provider, &code))
        .await
        .unwrap();
    let again = parse_token_response(&again, Timestamp::from_unix_secs(0)).unwrap_err();
    assert!(
        matches!(&again, AuthError::Server(e) if e.code == "invalid_grant"),
        "{again}"
    );

    // RFC 6749 §4.1.2: the provider revokes what the reused code gave.
    assert_eq!(
        userinfo_status(&server, tokens.access_token.expose()).await,
        401,
        "the access token was revoked"
    );
}
