//! Interoperability: grantty's client against a real third-party authorization server, panva
//! `oidc-provider` (pinned in `tests/interop/oidc-provider/package.json`), started on a free loopback port.
//! Approval goes through the provider's own pages with an HTTP client, as a user would.
//! The pinned npm packages install themselves on first use; without node or npm these tests skip,
//! except in CI (`CI=true`), where they fail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::interop::OidcProvider;
use grantty::domain::clock::{SystemClock, Timestamp};
use grantty::domain::grant::{DeviceAuthorization, GrantFailure, PollOutcome, PollReply, Poller};
use grantty::oauth::client::{discover, poll_token, request_device_code};
use grantty::oauth::http::ReqwestTransport;
use grantty::oauth::provider::Provider;

const CLIENT_ID: &str = "grantty-interop";

/// The running provider, or `None` when it is not installed outside CI.
fn provider_server() -> Option<OidcProvider> {
    OidcProvider::start().unwrap_or_else(|e| panic!("interop server did not start: {e}"))
}

async fn setup(server: &OidcProvider) -> (ReqwestTransport, Provider, DeviceAuthorization) {
    let transport = ReqwestTransport::new().unwrap();
    let provider = discover(
        &transport,
        &server.issuer,
        CLIENT_ID,
        Some("openid email offline_access"),
    )
    .await
    .unwrap();
    let auth = request_device_code(&transport, &provider, &SystemClock)
        .await
        .unwrap();
    (transport, provider, auth)
}

#[tokio::test]
async fn device_grant_signs_in_through_the_providers_own_pages() {
    let Some(server) = provider_server() else {
        return;
    };
    let (transport, provider, auth) = setup(&server).await;
    assert!(
        provider
            .device_authorization_endpoint
            .as_str()
            .starts_with(&server.issuer)
    );
    assert!(
        provider.revocation_endpoint.is_some(),
        "oidc-provider advertises RFC 7009"
    );
    let complete = auth
        .verification_uri_complete
        .clone()
        .expect("oidc-provider sends verification_uri_complete");
    assert!(
        complete.contains(&auth.user_code.replace('-', "")) || complete.contains(&auth.user_code)
    );

    let first = poll_token(&transport, &provider, &auth.device_code, &SystemClock).await;
    assert_eq!(
        first,
        PollReply::Pending,
        "server log:\n{}",
        server.server_log()
    );

    server.approve(&complete).await.unwrap();
    // Our poller's schedule would wait the interval; the server enforces it too, so the next
    // poll is made as the poller allows after a slow_down-free wait: drive it by hand here.
    let t = Timestamp::from_unix_secs(0);
    let mut poller = Poller::new(&auth, t);
    let tokens = loop {
        poller.poll_sent();
        let reply = poll_token(&transport, &provider, &auth.device_code, &SystemClock).await;
        match poller.on_reply(reply, t) {
            PollOutcome::Approved(tokens) => break tokens,
            PollOutcome::Continue if poller.polls_sent() < 3 => {}
            other => panic!("unexpected {other:?}; server log:\n{}", server.server_log()),
        }
    };
    assert!(
        tokens.refresh_token.is_some(),
        "offline_access yields a refresh token"
    );
    let claims = tokens.unverified_claims().expect("an id_token with claims");
    assert_eq!(claims.subject.as_deref(), Some("interop-user"));
    assert_eq!(claims.issuer.as_deref(), Some(server.issuer.as_str()));
}

#[tokio::test]
async fn denial_on_the_providers_page_ends_with_access_denied() {
    let Some(server) = provider_server() else {
        return;
    };
    let (transport, provider, auth) = setup(&server).await;
    server
        .deny(auth.verification_uri_complete.as_deref().unwrap())
        .await
        .unwrap();
    let t = Timestamp::from_unix_secs(0);
    let mut poller = Poller::new(&auth, t);
    poller.poll_sent();
    let reply = poll_token(&transport, &provider, &auth.device_code, &SystemClock).await;
    assert!(
        matches!(
            poller.on_reply(reply, t),
            PollOutcome::Ended(GrantFailure::Denied { .. })
        ),
        "server log:\n{}",
        server.server_log()
    );
}

/// oidc-provider 8.8.1 defines `slow_down` but never sends it (only the demo server enforces
/// the interval), so this server checks single use instead: once redeemed, a device code is
/// refused and grantty stops polling.
#[tokio::test]
async fn a_redeemed_device_code_is_refused_and_polling_stops() {
    let Some(server) = provider_server() else {
        return;
    };
    let (transport, provider, auth) = setup(&server).await;
    server
        .approve(auth.verification_uri_complete.as_deref().unwrap())
        .await
        .unwrap();
    let t = Timestamp::from_unix_secs(0);
    let mut poller = Poller::new(&auth, t);
    poller.poll_sent();
    let reply = poll_token(&transport, &provider, &auth.device_code, &SystemClock).await;
    assert!(matches!(
        poller.on_reply(reply, t),
        PollOutcome::Approved(_)
    ));
    let mut again = Poller::new(&auth, t);
    again.poll_sent();
    let reply = poll_token(&transport, &provider, &auth.device_code, &SystemClock).await;
    match again.on_reply(reply, t) {
        PollOutcome::Ended(GrantFailure::Server(e)) => assert_eq!(e.code, "invalid_grant"),
        other => panic!("second redemption must be refused, got {other:?}"),
    }
}

/// The whole product against the real server: `grantty login --issuer …` as a wrapper would run
/// it (stdout not a terminal, so plain mode), the code relayed from its stderr to the
/// provider's pages, and exit code 0 once it polls the tokens.
#[tokio::test]
async fn the_binary_signs_in_against_oidc_provider() {
    let Some(server) = provider_server() else {
        return;
    };
    let state = tempfile::tempdir().unwrap();
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_grantty"))
        .args([
            "login",
            "--issuer",
            &server.issuer,
            "--client-id",
            CLIENT_ID,
            "--scope",
            "openid email offline_access",
            // Never the user's keyring or state directory: a file in this test's own directory
            // (plain mode ends with the sign-in, so `--store memory` is refused).
            "--store",
            "file",
        ])
        .env("XDG_STATE_HOME", state.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let relayed = server.relay_login(child).await;
    let (status, transcript) = (relayed.status, relayed.stderr);
    assert!(
        status.success(),
        "exit {status:?}; stderr:\n{transcript}\nserver log:\n{}",
        server.server_log()
    );
    assert!(
        transcript.contains("Signed in as interop-user")
            || transcript.contains("Signed in as interop.user@example.com"),
        "{transcript}"
    );
    let stdout = relayed.stdout;
    assert!(
        stdout.is_empty(),
        "nothing on stdout unless asked: {stdout}"
    );
}
