//! Anaplan's authorization code grant with a confidential client, end to end: the real binary
//! against the demo server's Anaplan shape on 127.0.0.1 (`/auth/prelogin`, JSON bodies at
//! `/oauth/token`, `/token/logout`), the redirect pasted back as Anaplan users do. Then
//! `grantty token` in a shell without the secret refreshes with the stored one, and `logout`
//! ends the grant. What the SERVER saw is asserted at every step; nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{ClientRequest, ConfidentialClient, DemoConfig, DemoServer, SeenAuth};
use tokio::io::AsyncWriteExt as _;

use common::isolated::isolated_command;
use common::journey::Running;
use common::secret::{
    assert_secret_only_in_the_secrets_file, expire_access_token, secret_file, stored,
    token_after_expiry,
};
use common::session::{Run, command_in, demo_server};

const PASTE_PROMPT: &str = "Paste the address your browser was sent to:";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The user on the demo's approve page: opens the prelogin `url`, approves; returns `Location`.
async fn approve(url: &str) -> String {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = http.get(url).send().await.unwrap().text().await.unwrap();
    let marker = "name=\"request\" value=\"";
    let start = html.find(marker).expect("approve form") + marker.len();
    let request = &html[start..start + html[start..].find('"').unwrap()];
    let marker = "name=\"form_token\" value=\"";
    let start = html.find(marker).expect("the form's token") + marker.len();
    let form_token = &html[start..start + html[start..].find('"').unwrap()];
    let origin = &url[..url.find("/auth/prelogin").expect("Anaplan's prelogin page")];
    let answer = http
        .post(format!("{origin}/authorize"))
        .form(&[
            ("request", request),
            ("form_token", form_token),
            ("action", "approve"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 302);
    answer.headers()["location"].to_str().unwrap().to_owned()
}

/// `login --provider anaplan … --flow code --client-secret-file FILE`, played to the end.
async fn code_login(server: &DemoServer, state: &std::path::Path, secret_path: &str) -> Run {
    let client = ConfidentialClient::default();
    let host = server.issuer();
    let args = [
        "login",
        "--provider",
        "anaplan",
        "--host",
        &host,
        "--client-id",
        &client.client_id,
        "--flow",
        "code",
        "--redirect-uri",
        &client.redirect_uri,
        "--client-secret-file",
        secret_path,
    ];
    play(state, &args).await
}

/// Runs `args` (a code-flow login) to the end as the user: approves on the demo's page and
/// pastes the address the browser was sent to.
async fn play(state: &std::path::Path, args: &[&str]) -> Run {
    let client = ConfidentialClient::default();
    let mut login = Running::start(isolated_command(state, args), args);
    login.wait_for_stderr(PASTE_PROMPT).await;
    let url = login
        .seen
        .iter()
        .find(|line| line.starts_with("http"))
        .unwrap_or_else(|| panic!("no authorize address: {:?}", login.seen))
        .clone();
    let location = approve(&url).await;
    assert!(
        location.starts_with(&format!("{}?code=", client.redirect_uri)),
        "{location}"
    );
    let mut stdin = login.child.stdin.take().unwrap();
    stdin
        .write_all(format!("{location}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    login.finish().await
}

/// A session signed in with the code flow and a 0600 secret file.
struct SignedIn {
    server: DemoServer,
    secret: String,
    state: tempfile::TempDir,
    /// Holds the secret file.
    _keys: tempfile::TempDir,
    file: std::path::PathBuf,
    login: Run,
}

async fn signed_in() -> SignedIn {
    let server = demo_server(DemoConfig::default()).await;
    let secret = ConfidentialClient::default().secret;
    let state = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let file = secret_file(keys.path(), "anaplan-secret", &secret, 0o600);
    let login = code_login(&server, state.path(), file.to_str().unwrap()).await;
    login.assert_code(0);
    SignedIn {
        server,
        secret,
        state,
        _keys: keys,
        file,
        login,
    }
}

fn at<'a>(seen: &'a [ClientRequest], grant_type: &str) -> Vec<&'a ClientRequest> {
    seen.iter()
        .filter(|r| r.grant_type.as_deref() == Some(grant_type))
        .collect()
}

#[tokio::test]
async fn anaplan_code_flow_exchanges_once_with_the_secret_then_refreshes_and_logs_out_without_it() {
    let SignedIn {
        server,
        state,
        file,
        login,
        _keys,
        ..
    } = signed_in().await;
    assert!(
        login.stderr.contains("Signed in as demo.user@example.com"),
        "{}",
        login.stderr
    );
    assert!(
        !login.stderr.contains("chmod"),
        "a 0600 file gets no warning"
    );
    let seen = server.client_requests();
    let exchanges = at(&seen, "authorization_code");
    assert_eq!(
        exchanges.len(),
        1,
        "the code is exchanged exactly once: {seen:?}"
    );
    let exchange = exchanges[0];
    assert_eq!(exchange.endpoint, "/oauth/token");
    assert_eq!(
        exchange.auth,
        SeenAuth::Post,
        "Anaplan: the secret in the body"
    );
    assert!(exchange.json_body && exchange.secret_matched && exchange.accepted);
    for param in [
        "client_secret",
        "code_verifier",
        "redirect_uri",
        "code",
        "client_id",
    ] {
        assert!(
            exchange.params.iter().any(|p| p == param),
            "{param}: {exchange:?}"
        );
    }
    let signed_in = stored(state.path());
    assert_eq!(
        signed_in.meta.provider.client_secret_source.as_deref(),
        Some(format!("the file {} (--client-secret-file)", file.display()).as_str())
    );

    // Later, in a shell without the secret file or variable (command_in clears the environment).
    std::fs::remove_file(&file).unwrap();
    let (_, refreshed) = token_after_expiry(state.path()).await;
    assert_ne!(
        refreshed.secrets.access_token,
        signed_in.secrets.access_token
    );
    assert_ne!(
        refreshed.secrets.refresh_token, signed_in.secrets.refresh_token,
        "the rotated refresh token was persisted"
    );
    let seen = server.client_requests();
    let refresh_requests = at(&seen, "refresh_token");
    assert_eq!(refresh_requests.len(), 1, "{seen:?}");
    assert_eq!(refresh_requests[0].auth, SeenAuth::Post);
    assert!(
        refresh_requests[0].json_body
            && refresh_requests[0].secret_matched
            && refresh_requests[0].accepted
    );
    assert_eq!(
        server.stats().reuse_detections,
        0,
        "no refresh token was reused"
    );

    let logout = Run::of(command_in(state.path(), &["logout"]), &["logout"]).await;
    logout.assert_code(0);
    assert_eq!(
        server.stats().logouts,
        1,
        "Anaplan's logout ended the grant"
    );
    let seen = server.client_requests();
    let logouts: Vec<_> = seen
        .iter()
        .filter(|r| r.endpoint == "/token/logout")
        .collect();
    assert_eq!(logouts.len(), 1);
    assert_eq!(
        logouts[0].auth,
        SeenAuth::None,
        "logout sends no client secret"
    );
    assert!(!common::secret::has_session(state.path()));
}

#[tokio::test]
async fn the_client_secret_is_nowhere_but_the_secrets_file() {
    // Every part is bound: what `..` leaves out is dropped at once (the server stops).
    let SignedIn {
        server: _server,
        state,
        secret,
        login,
        _keys,
        ..
    } = signed_in().await;
    expire_access_token(state.path());
    let mut runs = vec![login];
    for args in [
        &["token"][..],
        &["refresh"],
        &["status"],
        &["status", "--json"],
        &["profiles", "--json"],
        &["export", "--format", "json"],
    ] {
        let run = Run::of(command_in(state.path(), args), args).await;
        run.assert_code(0);
        runs.push(run);
    }
    let refs: Vec<&Run> = runs.iter().collect();
    assert_secret_only_in_the_secrets_file(state.path(), &secret, &refs);
}

#[tokio::test]
async fn a_wrong_secret_refuses_the_exchange_and_names_the_file() {
    let server = demo_server(DemoConfig::default()).await;
    let state = tempfile::tempdir().unwrap();
    let keys = tempfile::tempdir().unwrap();
    let file = secret_file(keys.path(), "stale-secret", "not-the-secret", 0o600);
    let login = code_login(&server, state.path(), file.to_str().unwrap()).await;
    login.assert_code(5);
    let named = format!("client secret from the file {}", file.display());
    assert!(login.stderr.contains(&named), "{}", login.stderr);
    assert!(!login.stderr.contains("not-the-secret"), "{}", login.stderr);
    let seen = server.client_requests();
    let exchange = at(&seen, "authorization_code");
    assert_eq!(exchange.len(), 1, "sent once, never retried");
    assert!(!exchange[0].secret_matched && !exchange[0].accepted);
    assert!(!common::secret::has_session(state.path()));
}

#[tokio::test]
async fn grantty_login_over_a_browser_session_signs_in_in_the_browser_again() {
    let SignedIn {
        server,
        state,
        file,
        _keys,
        ..
    } = signed_in().await;
    let first = stored(state.path());
    let remembered = first.meta.provider.code_flow.clone().expect("flow kept");
    assert_eq!(
        remembered.redirect_uri.as_deref(),
        Some(ConfidentialClient::default().redirect_uri.as_str())
    );
    assert!(
        remembered
            .authorization_endpoint
            .ends_with("/auth/prelogin"),
        "{remembered:?}"
    );
    // No flags but --force, no secret in reach: everything comes from the stored session.
    std::fs::remove_file(&file).unwrap();
    let args = ["login", "--force"];
    let again = play(state.path(), &args).await;
    again.assert_code(0);
    assert!(
        !again.stderr.contains("enter the code"),
        "no device grant: {}",
        again.stderr
    );
    let seen = server.client_requests();
    let exchanges = at(&seen, "authorization_code");
    assert_eq!(exchanges.len(), 2, "{seen:?}");
    assert!(
        exchanges
            .iter()
            .all(|r| r.auth == SeenAuth::Post && r.secret_matched && r.accepted)
    );
    assert!(at(&seen, DEVICE_GRANT).is_empty(), "{seen:?}");
    let second = stored(state.path());
    assert_ne!(second.secrets.access_token, first.secrets.access_token);
    assert_eq!(second.meta.provider.code_flow, Some(remembered));
    assert_eq!(server.stats().logouts, 1, "the replaced grant was ended");
}
