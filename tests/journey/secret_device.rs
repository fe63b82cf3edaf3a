//! A confidential client on the device grant, the real binary against the demo server on
//! 127.0.0.1: `login --json` with `GRANTTY_CLIENT_SECRET` authenticates every request by the
//! method discovery allows (Basic by default, in the body when only `client_secret_post` is
//! offered); `token` and `logout` in a shell without the variable use the stored secret; a
//! rotated secret gives a refusal that names where the secret came from and keeps the session;
//! a secret file others can read is used with a warning. What the SERVER saw is asserted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{ConfidentialClient, Decision, DemoConfig, DemoServer, SeenAuth};
use grantty::domain::session::SessionState;

use common::isolated::isolated_command;
use common::secret::{
    assert_secret_only_in_the_secrets_file, expire_access_token, secret_file, stored,
    token_after_expiry,
};
use common::session::{Run, command_in, demo_server, events_of};

/// `login --json --issuer … --client-id grantty-confidential` with `env` and `extra` flags,
/// approved from its `code_issued` event.
async fn login(
    server: &DemoServer,
    state: &std::path::Path,
    env: Option<&str>,
    extra: &[&str],
) -> Run {
    let issuer = server.issuer();
    let client = ConfidentialClient::default().client_id;
    let mut args = vec![
        "login",
        "--json",
        "--issuer",
        &issuer,
        "--client-id",
        &client,
    ];
    args.extend_from_slice(extra);
    let mut cmd = isolated_command(state, &args);
    if let Some(secret) = env {
        // Bound to the profile: the variable counts only for a client configured confidential.
        cmd.env("GRANTTY_CLIENT_SECRET", secret)
            .env("GRANTTY_CLIENT_SECRET_PROFILE", "default");
    }
    let (_, lines, mut run) = events_of(cmd, &args, Some((server, Decision::Approve))).await;
    // events_of took stdout line by line: keep the NDJSON lines for the leak checks.
    run.stdout = lines.join("\n");
    run
}

/// A demo server polled every second, the confidential client's secret, a state directory.
async fn fast_server(config: DemoConfig) -> (DemoServer, String, tempfile::TempDir) {
    let server = demo_server(DemoConfig {
        interval_secs: 1,
        ..config
    })
    .await;
    let secret = ConfidentialClient::default().secret;
    (server, secret, tempfile::tempdir().unwrap())
}

/// Signs in with `GRANTTY_CLIENT_SECRET`, refreshes and logs out without it; every request the
/// server saw authenticated with `method` and the right secret.
async fn signs_in_refreshes_and_logs_out(config: DemoConfig, method: SeenAuth) {
    let (server, secret, state) = fast_server(config).await;
    let login_run = login(&server, state.path(), Some(&secret), &[]).await;
    login_run.assert_code(0);
    let signed_in = stored(state.path());
    assert_eq!(
        signed_in.meta.provider.client_secret_source.as_deref(),
        Some("GRANTTY_CLIENT_SECRET")
    );

    let (token, refreshed) = token_after_expiry(state.path()).await;
    assert_ne!(
        refreshed.secrets.refresh_token,
        signed_in.secrets.refresh_token
    );
    // `status` says how the stored secret is sent and where it was read, never the secret.
    let status = Run::of(command_in(state.path(), &["status"]), &["status"]).await;
    status.assert_code(0);
    let sent_as = match method {
        SeenAuth::Basic => "sent as HTTP Basic (client_secret_basic)",
        _ => "sent in the request body (client_secret_post)",
    };
    assert!(
        status.stdout.contains(&format!(
            "client secret  stored with the tokens, {sent_as}; read at sign-in from GRANTTY_CLIENT_SECRET"
        )),
        "{}",
        status.stdout
    );
    let args = ["status", "--json"];
    let status_json = Run::of(command_in(state.path(), &args), &args).await;
    let doc: serde_json::Value = serde_json::from_str(&status_json.stdout).unwrap();
    let want = match method {
        SeenAuth::Basic => "basic",
        _ => "post",
    };
    assert_eq!(doc["client_secret"]["sent_as"], want, "{doc}");
    assert_eq!(
        doc["client_secret"]["read_at_sign_in_from"],
        "GRANTTY_CLIENT_SECRET"
    );
    // NDJSON on stdout, the human lines on stderr, the metadata: no secret anywhere.
    assert_secret_only_in_the_secrets_file(
        state.path(),
        &secret,
        &[&login_run, &token, &status, &status_json],
    );

    Run::of(command_in(state.path(), &["logout"]), &["logout"])
        .await
        .assert_code(0);
    assert!(server.stats().revocations >= 1, "the grant was revoked");

    let seen = server.client_requests();
    let endpoints: Vec<&str> = seen.iter().map(|r| r.endpoint.as_str()).collect();
    for endpoint in ["/device_authorization", "/token", "/revoke"] {
        assert!(endpoints.contains(&endpoint), "{endpoint}: {endpoints:?}");
    }
    let refresh_requests = seen
        .iter()
        .filter(|r| r.grant_type.as_deref() == Some("refresh_token"))
        .count();
    assert_eq!(refresh_requests, 1);
    for request in &seen {
        assert_eq!(request.auth, method, "{request:?}");
        assert!(request.secret_matched && request.accepted, "{request:?}");
        assert!(!request.json_body, "generic providers send forms");
    }
    assert_eq!(server.stats().reuse_detections, 0);
}

#[tokio::test]
async fn a_generic_confidential_client_uses_basic_by_default() {
    signs_in_refreshes_and_logs_out(DemoConfig::default(), SeenAuth::Basic).await;
}

#[tokio::test]
async fn discovery_offering_only_client_secret_post_sends_the_secret_in_the_body() {
    let config = DemoConfig {
        client_auth_methods: vec!["none".into(), "client_secret_post".into()],
        ..DemoConfig::default()
    };
    signs_in_refreshes_and_logs_out(config, SeenAuth::Post).await;
}

#[tokio::test]
async fn a_wrong_secret_at_sign_in_names_its_source_and_stores_nothing() {
    let server = demo_server(DemoConfig::default()).await;
    let state = tempfile::tempdir().unwrap();
    let run = login(&server, state.path(), Some("not-the-secret"), &[]).await;
    run.assert_code(5);
    assert!(run.stderr.contains("invalid_client"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("client secret from GRANTTY_CLIENT_SECRET"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("not-the-secret") && !run.stdout.contains("not-the-secret"));
    assert_eq!(server.stats().device_authorizations, 0);
    assert_eq!(server.stats().client_auth_failures, 1);
    assert!(!common::secret::has_session(state.path()));
}

#[tokio::test]
async fn without_a_secret_the_refusal_says_how_to_give_one() {
    let server = demo_server(DemoConfig::default()).await;
    let state = tempfile::tempdir().unwrap();
    let run = login(&server, state.path(), None, &[]).await;
    run.assert_code(5);
    assert!(
        run.stderr.contains("GRANTTY_CLIENT_SECRET") && run.stderr.contains("--client-secret-file"),
        "{}",
        run.stderr
    );
    assert_eq!(server.client_requests()[0].auth, SeenAuth::None);
}

#[tokio::test]
async fn a_rotated_secret_refuses_the_refresh_names_the_stored_source_and_keeps_the_session() {
    let (server, secret, state) = fast_server(DemoConfig::default()).await;
    let keys = tempfile::tempdir().unwrap();
    let file = secret_file(keys.path(), "secret", &secret, 0o600);
    let flag = ["--client-secret-file", file.to_str().unwrap()];
    login(&server, state.path(), None, &flag)
        .await
        .assert_code(0);
    server.rotate_client_secret("the-new-secret");
    let before = expire_access_token(state.path());

    let refresh = Run::of(command_in(state.path(), &["refresh"]), &["refresh"]).await;
    refresh.assert_code(5);
    for words in [
        "invalid_client",
        "stored with the session",
        &file.display().to_string(),
        "grantty login --profile default",
    ] {
        assert!(
            refresh.stderr.contains(words),
            "{words}: {}",
            refresh.stderr
        );
    }
    let kept = stored(state.path());
    assert_eq!(
        kept.secrets.refresh_token, before.secrets.refresh_token,
        "every token is kept"
    );
    assert!(
        matches!(kept.meta.state, SessionState::RefreshRefused { ref code, .. } if code == "invalid_client")
    );
    let last = server.client_requests().pop().unwrap();
    assert_eq!(
        (last.auth, last.secret_matched, last.accepted),
        (SeenAuth::Basic, false, false)
    );
}

#[tokio::test]
async fn a_secret_file_others_can_read_is_used_with_a_warning() {
    let (server, secret, state) = fast_server(DemoConfig::default()).await;
    let keys = tempfile::tempdir().unwrap();
    let file = secret_file(keys.path(), "secret", &secret, 0o644);
    let shown = file.display().to_string();
    let run = login(
        &server,
        state.path(),
        None,
        &["--client-secret-file", &shown],
    )
    .await;
    run.assert_code(0);
    assert!(
        run.stderr.contains(&format!(
            "the client secret file {shown} can be read by group or others"
        )) && run.stderr.contains(&format!("chmod 600 {shown}")),
        "{}",
        run.stderr
    );
    assert!(server.client_requests().iter().all(|r| r.secret_matched));
}

#[tokio::test]
async fn an_empty_secret_is_a_usage_error_before_anything_is_sent() {
    let server = demo_server(DemoConfig::default()).await;
    let state = tempfile::tempdir().unwrap();
    let run = login(&server, state.path(), Some(""), &[]).await;
    run.assert_code(2);
    assert!(
        run.stderr.contains("GRANTTY_CLIENT_SECRET is empty"),
        "{}",
        run.stderr
    );
    assert!(server.client_requests().is_empty());
}

#[tokio::test]
async fn signing_in_again_over_the_stored_session_reuses_its_secret() {
    let (server, secret, state) = fast_server(DemoConfig::default()).await;
    login(&server, state.path(), Some(&secret), &[])
        .await
        .assert_code(0);
    let first = stored(state.path());
    // No place, no client and no secret given: everything comes from the stored session.
    let args = ["login", "--json", "--force"];
    let cmd = isolated_command(state.path(), &args);
    let (_, _, run) = events_of(cmd, &args, Some((&server, Decision::Approve))).await;
    run.assert_code(0);
    let second = stored(state.path());
    assert_ne!(second.secrets.access_token, first.secrets.access_token);
    assert_eq!(second.secrets.client_secret, first.secrets.client_secret);
    let device_requests = server
        .client_requests()
        .into_iter()
        .filter(|r| r.endpoint == "/device_authorization")
        .collect::<Vec<_>>();
    assert_eq!(device_requests.len(), 2);
    assert!(
        device_requests.iter().all(|r| r.secret_matched),
        "{device_requests:?}"
    );
    assert_eq!(
        second.meta.provider.client_secret_source.as_deref(),
        Some("GRANTTY_CLIENT_SECRET"),
        "the original source is still named"
    );
}
