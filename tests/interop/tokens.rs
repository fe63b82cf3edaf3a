//! Token upkeep against a real third-party authorization server, panva `oidc-provider` (see
//! `tests/interop/oidc-provider/server.mjs`), which rotates refresh tokens on every use and revokes the whole
//! grant when a spent one comes back. grantty's [`SessionService`] refreshes, detects rotation, ends the
//! session on reuse and revokes; raw RFC 6749 / RFC 7662 requests then check what the server
//! itself believes. The last test runs the `grantty` binary through the same life cycle.
//!
//! The pinned npm packages install themselves on first use; without node or npm these tests skip,
//! except in CI (`CI=true`), where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::Path;
use std::sync::Arc;

use common::interop::{CLIENT_ID, LOGIN, OidcProvider, http_client};
use grantty::domain::clock::{Clock, SystemClock};
use grantty::domain::grant::PollReply;
use grantty::domain::session::SessionState;
use grantty::domain::session::{RefreshChange, RefreshKind, Session};
use grantty::domain::token::TokenSet;
use grantty::error::exit;
use grantty::oauth::client::{discover, poll_token, request_device_code};
use grantty::oauth::http::ReqwestTransport;
use grantty::oauth::http::Transport as _;
use grantty::oauth::provider::Provider;
use grantty::oauth::refresh::{RevokeAnswer, TokenHint, revoke_request};
use grantty::session_service::{EndReason, RefreshFailed, Refreshed, SessionService};
use grantty::store::{SessionStore, StoreChoice};
use serde_json::Value;

const PROFILE: &str = "default";
const SCOPE: &str = "openid email offline_access";

/// The running provider, or `None` when it is not installed outside CI.
fn provider_server() -> Option<OidcProvider> {
    OidcProvider::start().unwrap_or_else(|e| panic!("interop server did not start: {e}"))
}

/// Signs in with grantty's own device-grant calls; the harness approves on the provider's pages
/// before the one poll, so no waiting is involved.
async fn sign_in(server: &OidcProvider) -> (Provider, TokenSet) {
    let transport = ReqwestTransport::new().unwrap();
    let provider = discover(&transport, &server.issuer, CLIENT_ID, Some(SCOPE))
        .await
        .unwrap();
    let auth = request_device_code(&transport, &provider, &SystemClock)
        .await
        .unwrap();
    let complete = auth
        .verification_uri_complete
        .as_deref()
        .expect("oidc-provider sends verification_uri_complete");
    server.approve(complete).await.unwrap();
    match poll_token(&transport, &provider, &auth.device_code, &SystemClock).await {
        PollReply::Approved(tokens) => {
            assert!(
                tokens.refresh_token.is_some(),
                "offline_access yields a refresh token"
            );
            (provider, *tokens)
        }
        other => panic!(
            "approved code did not redeem: {other:?}\n{}",
            server.server_log()
        ),
    }
}

/// A keeper on a plaintext-file store in `dir`: what `--store file` uses, and re-openable.
fn file_keeper(dir: &Path) -> SessionService<ReqwestTransport> {
    SessionService::new(
        Arc::new(open_file_store(dir)),
        Arc::new(ReqwestTransport::new().unwrap()),
        Arc::new(SystemClock),
    )
}

fn open_file_store(dir: &Path) -> SessionStore {
    SessionStore::open(dir.join("grantty"), StoreChoice::File, true).unwrap()
}

/// Signs in and saves the session as `login` would; returns the sign-in's tokens too.
async fn signed_in(
    server: &OidcProvider,
    dir: &Path,
) -> (SessionService<ReqwestTransport>, Provider, TokenSet) {
    let (provider, tokens) = sign_in(server).await;
    let keeper = file_keeper(dir);
    let session = Session::new(
        PROFILE,
        provider.to_record(),
        tokens.clone(),
        SystemClock.now(),
    );
    keeper.sign_in(session).await.unwrap();
    (keeper, provider, tokens)
}

/// One forced refresh that must rotate; returns the refreshed session.
async fn refresh_rotating(
    keeper: &SessionService<ReqwestTransport>,
    server: &OidcProvider,
) -> Session {
    match keeper.refresh(PROFILE).await {
        Ok(Refreshed::Fresh {
            session,
            change: RefreshChange::Rotated,
        }) => session,
        other => panic!(
            "expected a rotating refresh, got {other:?}\n{}",
            server.server_log()
        ),
    }
}

/// A form POST as any client would send it; the status and the JSON answer.
async fn post_form(url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    let response = http_client()
        .unwrap()
        .post(url)
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body = response.text().await.unwrap();
    let json = serde_json::from_str(&body)
        .unwrap_or_else(|e| panic!("{url} answered {status} with non-JSON ({e}): {body}"));
    (status, json)
}

/// RFC 6749 §6 refresh, outside grantty.
async fn raw_refresh(provider: &Provider, refresh_token: &str) -> (u16, Value) {
    post_form(
        provider.token_endpoint.as_str(),
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", CLIENT_ID),
        ],
    )
    .await
}

/// The `introspection_endpoint` from the provider's discovery document.
async fn introspection_endpoint(server: &OidcProvider) -> String {
    let doc: Value = http_client()
        .unwrap()
        .get(server.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    doc["introspection_endpoint"]
        .as_str()
        .unwrap_or_else(|| panic!("no introspection_endpoint in {doc}"))
        .to_owned()
}

/// RFC 7662 introspection as the public client itself; asserts HTTP 200.
async fn introspect(endpoint: &str, token: &str) -> Value {
    let (status, body) = post_form(endpoint, &[("token", token), ("client_id", CLIENT_ID)]).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn rotation_is_detected_and_persisted() {
    let Some(server) = provider_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (keeper, _provider, tokens) = signed_in(&server, dir.path()).await;
    let first_rt = tokens.refresh_token.unwrap();

    let once = refresh_rotating(&keeper, &server).await;
    assert_eq!(once.meta.refresh.kind, RefreshKind::Rotating);
    assert_eq!(once.meta.refresh.rotation_count, 1);
    let twice = refresh_rotating(&keeper, &server).await;
    assert_eq!(twice.meta.refresh.rotation_count, 2);
    let (once_rt, twice_rt) = (
        once.secrets.refresh_token.unwrap(),
        twice.secrets.refresh_token.unwrap(),
    );
    assert!(
        first_rt != once_rt && once_rt != twice_rt && first_rt != twice_rt,
        "every refresh returned a new refresh token"
    );
    assert_ne!(once.secrets.access_token, twice.secrets.access_token);

    // Persisted: a store opened afresh on the same directory reads the second rotation.
    let stored = open_file_store(dir.path()).load(PROFILE).unwrap().unwrap();
    assert_eq!(stored.meta.refresh.kind, RefreshKind::Rotating);
    assert_eq!(stored.meta.refresh.rotation_count, 2);
    assert_eq!(stored.secrets.refresh_token.as_ref(), Some(&twice_rt));
    assert_ne!(stored.secrets.refresh_token.as_ref(), Some(&first_rt));
    assert_eq!(stored.secrets.access_token, twice.secrets.access_token);
    assert_eq!(stored.meta.pending_refresh, None, "the marker is cleared");
    assert!(stored.meta.refresh.last_rotation_at.is_some());

    // And the server agrees that the stored access token is the live one.
    let endpoint = introspection_endpoint(&server).await;
    let live = introspect(&endpoint, stored.secrets.access_token.expose()).await;
    assert_eq!(live["active"], true, "{live}");
    assert_eq!(live["sub"], LOGIN, "{live}");
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_ends_the_session_and_says_so() {
    let Some(server) = provider_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (keeper, provider, tokens) = signed_in(&server, dir.path()).await;
    let original_rt = tokens.refresh_token.unwrap();
    let rotated = refresh_rotating(&keeper, &server).await;
    let newest_refresh = rotated.secrets.refresh_token.clone().unwrap();
    let newest_access = rotated.secrets.access_token.clone();

    // A stale copy (a restored backup, another machine) puts the spent token back.
    let mut stale = keeper.store.load(PROFILE).unwrap().unwrap();
    stale.secrets.refresh_token = Some(original_rt);
    keeper.store.save(&stale).unwrap();

    let err = match keeper.refresh(PROFILE).await {
        Err(err) => err,
        Ok(kept) => panic!("a spent refresh token must not refresh: {kept:?}"),
    };
    match &err {
        RefreshFailed::Dead {
            reason: EndReason::RefreshRejected { interrupted, .. },
            ..
        } => {
            assert!(!interrupted, "no refresh was interrupted");
        }
        other => panic!("expected the session to end, got {other:?}"),
    }
    let message = err.to_string();
    assert!(message.contains("sign in again before"), "{message}");
    assert!(
        message.contains("refresh token was refused (invalid_grant"),
        "{message}"
    );
    assert!(message.contains("already used"), "{message}");
    let store = open_file_store(dir.path());
    let kept = store
        .load(PROFILE)
        .unwrap()
        .expect("the session is kept for logout");
    assert!(
        matches!(kept.meta.state, SessionState::Ended { .. }),
        "{:?}",
        kept.meta.state
    );

    // oidc-provider revoked the whole grant: the token the rotation issued is refused too,
    // and so is the access token that came with it.
    let (status, body) = raw_refresh(&provider, newest_refresh.expose()).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_grant", "{body}");
    let endpoint = introspection_endpoint(&server).await;
    let dead = introspect(&endpoint, newest_access.expose()).await;
    assert_eq!(dead["active"], false, "{dead}");
}

#[tokio::test]
async fn revoke_then_introspection_shows_inactive() {
    let Some(server) = provider_server() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (keeper, _provider, tokens) = signed_in(&server, dir.path()).await;
    let access = tokens.access_token.expose().to_owned();
    let refresh = tokens.refresh_token.unwrap().expose().to_owned();
    let endpoint = introspection_endpoint(&server).await;
    for token in [&access, &refresh] {
        let before = introspect(&endpoint, token).await;
        assert_eq!(before["active"], true, "live before the revoke: {before}");
    }

    let revoke = grantty::session_service::LogoutMode::Revoke {
        logout_endpoint: None,
    };
    let steps = keeper.logout(PROFILE, revoke).await.unwrap().steps;
    let order: Vec<&str> = steps.iter().map(|step| step.what).collect();
    assert_eq!(
        order,
        ["refresh token (RFC 7009)", "access token (RFC 7009)"]
    );
    for step in &steps {
        assert_eq!(
            step.answer,
            Ok(RevokeAnswer::Done { status: 200 }),
            "{}\n{}",
            step.what,
            server.server_log()
        );
    }
    assert_eq!(open_file_store(dir.path()).load(PROFILE).unwrap(), None);

    for token in [&access, &refresh] {
        let after = introspect(&endpoint, token).await;
        assert_eq!(after["active"], false, "{after}");
    }
}

/// The `grantty` binary with its state in `state_home`, `--store file`; never the user's.
fn grantty(state_home: &Path, args: &[&str]) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_grantty"));
    command
        .args(args)
        .args(["--store", "file"])
        .env("XDG_STATE_HOME", state_home)
        .env_remove("GRANTTY_PROFILE")
        .env_remove("GRANTTY_STORE")
        .env_remove("GRANTTY_CLIENT_ID")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    command
}

/// Runs `grantty args…` to the end: exit code, stdout, stderr.
async fn run_grantty(state_home: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = grantty(state_home, args).output().await.unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        String::from_utf8(output.stderr).unwrap(),
    )
}

/// `grantty login` as a wrapper runs it, the code relayed from its stderr to the provider's
/// pages; returns the stderr transcript after the process succeeded.
async fn login_with_binary(server: &OidcProvider, state_home: &Path) -> String {
    let args = [
        "login",
        "--issuer",
        &server.issuer,
        "--client-id",
        CLIENT_ID,
        "--scope",
        SCOPE,
    ];
    let child = grantty(state_home, &args).spawn().unwrap();
    let relayed = server.relay_login(child).await;
    let (status, transcript) = (relayed.status, relayed.stderr);
    assert!(
        status.success(),
        "login exit {status:?}; stderr:\n{transcript}\nserver log:\n{}",
        server.server_log()
    );
    transcript
}

#[tokio::test]
async fn the_binary_keeps_a_session_against_oidc_provider() {
    let Some(server) = provider_server() else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let home = state.path();
    login_with_binary(&server, home).await;

    let (code, _, stderr) = run_grantty(home, &["refresh"]).await;
    assert_eq!(code, Some(0), "refresh: {stderr}\n{}", server.server_log());
    assert!(stderr.contains("the refresh token rotated"), "{stderr}");

    let (code, stdout, stderr) = run_grantty(home, &["status", "--json"]).await;
    assert_eq!(code, Some(0), "status: {stderr}");
    let status: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(status["refresh_token"]["kind"], "rotating", "{status}");
    assert_eq!(status["refresh_token"]["rotation_count"], 1, "{status}");
    assert_eq!(status["subject"], LOGIN, "{status}");
    assert_eq!(status["refresh_interrupted"], false, "{status}");

    // Still valid for ~10 minutes, so this prints the stored token without refreshing.
    let (code, access, stderr) = run_grantty(home, &["token", "--min-valid", "60"]).await;
    assert_eq!(code, Some(0), "token: {stderr}");
    let access = access.trim();
    let endpoint = introspection_endpoint(&server).await;
    let live = introspect(&endpoint, access).await;
    assert_eq!(live["active"], true, "{live}");

    // `status --verify` asks the discovered userinfo endpoint: accepted, then refused once the
    // access token is revoked at the provider, the session kept.
    let (code, stdout, stderr) = run_grantty(home, &["status", "--verify", "--json"]).await;
    assert_eq!(code, Some(0), "verify: {stderr}\n{}", server.server_log());
    let verify = &serde_json::from_str::<Value>(&stdout).unwrap()["verify"];
    assert_eq!(verify["accepted"], true, "{verify}");
    assert_eq!(verify["user"], "interop.user@example.com", "{verify}");
    let stored = open_file_store(home).load(PROFILE).unwrap().unwrap();
    let provider = Provider::from_record(&stored.meta.provider).unwrap();
    let revoke = revoke_request(&provider, access, TokenHint::Access).unwrap();
    let transport = ReqwestTransport::new().unwrap();
    assert_eq!(transport.send(revoke).await.unwrap().status, 200);
    let (code, _, stderr) = run_grantty(home, &["status", "--verify"]).await;
    assert_eq!(code, Some(i32::from(exit::SIGN_IN_NEEDED)), "{stderr}");
    assert!(
        stderr.contains("refused the access token (HTTP 401"),
        "{stderr}"
    );
    assert_eq!(open_file_store(home).load(PROFILE).unwrap(), Some(stored));

    let (code, stdout, stderr) = run_grantty(home, &["logout"]).await;
    assert_eq!(code, Some(0), "logout: {stderr}");
    assert!(stdout.is_empty(), "nothing on stdout: {stdout}");
    assert!(
        stderr.contains("refresh token (RFC 7009) at 127.0.0.1:")
            && stderr.contains(": accepted (HTTP 200)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("access token (RFC 7009) at 127.0.0.1:"),
        "{stderr}"
    );
    let dead = introspect(&endpoint, access).await;
    assert_eq!(dead["active"], false, "{dead}");

    let (code, _, stderr) = run_grantty(home, &["status"]).await;
    assert_eq!(
        code,
        Some(i32::from(exit::SIGN_IN_NEEDED)),
        "status after logout: {stderr}"
    );
}
