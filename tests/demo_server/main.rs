//! The demo authorization server over real HTTP on 127.0.0.1: discovery, the device
//! grant, the verification page, refresh rotation and revocation.
//!
//! Time moves with `DemoClock::manual`, never with sleeps.

// Marks the whole file as test code, so clippy's allow-unwrap-in-tests covers the fixtures.
#![cfg(test)]

mod bounded;
mod confidential;
mod device;
mod forms;
mod serve;
mod tokens;
mod unpredictable;

use std::net::SocketAddr;

use grantty::demo::{DemoClock, DemoConfig, DemoError, DemoServer};
use reqwest::StatusCode;
use serde_json::{Value, json};

const T0: u64 = 1_700_000_000_000;
const CLIENT: &str = "grantty-cli";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// A started server, its clock and an HTTP client.
struct Demo {
    server: DemoServer,
    clock: DemoClock,
    http: reqwest::Client,
}

impl Demo {
    async fn start(config: DemoConfig) -> Self {
        // reqwest is built with `rustls-no-provider`; plain http still needs a provider installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let clock = DemoClock::manual(T0);
        let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
        let server = DemoServer::start(config, clock.clone(), addr)
            .await
            .unwrap();
        let http = reqwest::Client::builder().build().unwrap();
        Self {
            server,
            clock,
            http,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.issuer())
    }

    /// `GET path`, its body as JSON.
    async fn get_json(&self, path: &str) -> Value {
        let reply = self.http.get(self.url(path)).send().await.unwrap();
        reply.json().await.unwrap()
    }

    async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
        let reply = self
            .http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .unwrap();
        let status = reply.status();
        (status, reply.json().await.unwrap_or(Value::Null))
    }

    /// A form-encoded device authorization for `CLIENT`.
    async fn authorize(&self) -> Value {
        let (status, body) = self
            .post_form("/device_authorization", &[("client_id", CLIENT)])
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    async fn poll(&self, device_code: &str) -> (StatusCode, Value) {
        let form = [
            ("grant_type", DEVICE_GRANT),
            ("client_id", CLIENT),
            ("device_code", device_code),
        ];
        self.post_form("/token", &form).await
    }

    /// The user on the verification page: opens it for `user_code`, presses `action`.
    async fn decide_on_page(&self, user_code: &str, action: &str) -> (StatusCode, String) {
        let page = self.device_page(user_code).await;
        let form_token = form_token(&page).unwrap_or_default();
        let form = [
            ("user_code", user_code),
            ("form_token", form_token.as_str()),
            ("action", action),
        ];
        let reply = self
            .http
            .post(self.url("/device"))
            .form(&form)
            .send()
            .await
            .unwrap();
        (reply.status(), reply.text().await.unwrap())
    }

    /// The verification page for `user_code`.
    async fn device_page(&self, user_code: &str) -> String {
        self.http
            .get(self.url(&format!("/device?user_code={user_code}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// Authorizes, approves on the page and redeems: the first token response.
    async fn sign_in(&self) -> Value {
        let auth = self.authorize().await;
        let (status, _) = self
            .decide_on_page(auth["user_code"].as_str().unwrap(), "approve")
            .await;
        assert_eq!(status, StatusCode::OK);
        let (status, tokens) = self.poll(auth["device_code"].as_str().unwrap()).await;
        assert_eq!(status, StatusCode::OK, "{tokens}");
        tokens
    }
}

fn error_code(body: &Value) -> &str {
    body["error"].as_str().unwrap_or("<none>")
}

#[tokio::test]
async fn metadata_advertises_the_endpoints_at_both_well_known_paths() {
    let demo = Demo::start(DemoConfig::default()).await;
    let issuer = demo.server.issuer();
    assert_eq!(issuer, format!("http://{}", demo.server.local_addr()));
    for path in [
        "/.well-known/oauth-authorization-server",
        "/.well-known/openid-configuration",
    ] {
        let meta = demo.get_json(path).await;
        assert_eq!(meta["issuer"], json!(issuer));
        assert_eq!(
            meta["device_authorization_endpoint"],
            json!(format!("{issuer}/device_authorization"))
        );
        assert_eq!(meta["token_endpoint"], json!(format!("{issuer}/token")));
        assert_eq!(
            meta["revocation_endpoint"],
            json!(format!("{issuer}/revoke"))
        );
        assert_eq!(
            meta["grant_types_supported"],
            json!([DEVICE_GRANT, "refresh_token", "authorization_code"])
        );
        assert_eq!(
            meta["token_endpoint_auth_methods_supported"],
            json!(["none", "client_secret_basic", "client_secret_post"])
        );
        assert_eq!(meta["response_types_supported"], json!(["code"]));
        assert_eq!(
            meta["authorization_endpoint"],
            json!(format!("{issuer}/authorize"))
        );
        assert_eq!(meta["code_challenge_methods_supported"], json!(["S256"]));
    }
}

#[tokio::test]
async fn start_refuses_non_loopback_addresses() {
    for addr in ["0.0.0.0:0", "192.0.2.10:8080", "[::]:0"] {
        let addr: SocketAddr = addr.parse().unwrap();
        let result = DemoServer::start(DemoConfig::default(), DemoClock::manual(T0), addr).await;
        assert!(
            matches!(result, Err(DemoError::NonLoopback { .. })),
            "{addr}: {result:?}"
        );
    }
}

/// The form token a page's form carries, if it has one.
fn form_token(html: &str) -> Option<String> {
    let marker = r#"name="form_token" value=""#;
    let start = html.find(marker)? + marker.len();
    let end = start + html[start..].find('"')?;
    Some(html[start..end].to_owned())
}
