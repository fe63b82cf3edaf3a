//! The confidential client over HTTP: its secret is required on the device authorization,
//! token and revocation endpoints, by Basic or in the body, and the server records how each
//! request authenticated.

use grantty::demo::{ConfidentialClient, DemoConfig, SeenAuth};
use reqwest::StatusCode;
use serde_json::Value;

use super::{DEVICE_GRANT, Demo, error_code};

fn client() -> ConfidentialClient {
    ConfidentialClient::default()
}

impl Demo {
    async fn device_authorization_as(
        &self,
        auth: SeenAuth,
        secret: &str,
    ) -> (StatusCode, Value, Option<String>) {
        let c = client();
        let mut form = vec![("client_id", c.client_id.as_str())];
        let mut request = self.http.post(self.url("/device_authorization"));
        match auth {
            SeenAuth::Basic => request = request.basic_auth(&c.client_id, Some(secret)),
            SeenAuth::Post => form.push(("client_secret", secret)),
            SeenAuth::None => {}
        }
        let reply = request.form(&form).send().await.unwrap();
        let status = reply.status();
        let challenge = reply
            .headers()
            .get("www-authenticate")
            .map(|v| v.to_str().unwrap().to_owned());
        (status, reply.json().await.unwrap_or(Value::Null), challenge)
    }
}

#[tokio::test]
async fn the_confidential_client_authenticates_by_basic_or_post_and_is_recorded() {
    let demo = Demo::start(DemoConfig::default()).await;
    let secret = client().secret;
    for auth in [SeenAuth::Basic, SeenAuth::Post] {
        let (status, body, _) = demo.device_authorization_as(auth, &secret).await;
        assert_eq!(status, StatusCode::OK, "{auth:?}: {body}");
    }
    let seen: Vec<(SeenAuth, bool, bool)> = demo
        .server
        .client_requests()
        .iter()
        .map(|r| (r.auth, r.secret_matched, r.accepted))
        .collect();
    assert_eq!(
        seen,
        [(SeenAuth::Basic, true, true), (SeenAuth::Post, true, true)]
    );
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_401_invalid_client() {
    let demo = Demo::start(DemoConfig::default()).await;
    let (status, body, challenge) = demo.device_authorization_as(SeenAuth::Basic, "wrong").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    assert!(challenge.unwrap().starts_with("Basic"));
    let (status, body, _) = demo.device_authorization_as(SeenAuth::None, "").await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    // The token endpoint too: a poll without the secret is refused before the code is looked at.
    let c = client();
    let (status, body) = demo
        .post_form(
            "/token",
            &[
                ("grant_type", DEVICE_GRANT),
                ("client_id", &c.client_id),
                ("device_code", "demo-dc-unknown"),
            ],
        )
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
    assert_eq!(demo.server.stats().client_auth_failures, 3);
    assert!(demo.server.client_requests().iter().all(|r| !r.accepted));
}

#[tokio::test]
async fn a_method_the_server_does_not_advertise_is_refused() {
    let demo = Demo::start(DemoConfig {
        client_auth_methods: vec!["client_secret_post".into()],
        ..DemoConfig::default()
    })
    .await;
    let meta = demo
        .get_json("/.well-known/oauth-authorization-server")
        .await;
    assert_eq!(
        meta["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_post"])
    );
    let secret = client().secret;
    let (status, _, _) = demo.device_authorization_as(SeenAuth::Basic, &secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = demo.device_authorization_as(SeenAuth::Post, &secret).await;
    assert_eq!(status, StatusCode::OK);
}
