//! A demo server left running stays small: what expired is forgotten (driven by the demo
//! clock, a minute after expiry), revoked grant families go, and the request log is capped.

use grantty::demo::DemoConfig;
use reqwest::StatusCode;
use serde_json::Value;

use super::{CLIENT, DEVICE_GRANT, Demo, error_code};

/// Seconds after which the server has forgotten an entry that expired (its grace is 60 s).
const PAST_THE_GRACE_SECS: u64 = 61;

fn description(body: &Value) -> &str {
    body["error_description"].as_str().unwrap_or("<none>")
}

impl Demo {
    async fn refresh_with(&self, refresh_token: &str) -> (StatusCode, Value) {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh_token),
        ];
        self.post_form("/token", &form).await
    }
}

#[tokio::test]
async fn expired_device_codes_and_tokens_are_forgotten() {
    let demo = Demo::start(DemoConfig {
        device_code_lifetime_secs: 60,
        access_token_lifetime_secs: 60,
        refresh_token_lifetime_secs: Some(120),
        ..DemoConfig::default()
    })
    .await;
    let tokens = demo.sign_in().await;
    let pending = demo.authorize().await;
    let logged = demo.server.client_requests().len();
    assert!(demo.server.held_entries() > logged);

    demo.clock.advance_secs(120 + PAST_THE_GRACE_SECS);
    let (_, body) = demo.poll(pending["device_code"].as_str().unwrap()).await;
    assert_eq!(error_code(&body), "invalid_grant");
    assert_eq!(description(&body), "unknown device_code", "{body}");
    let (_, body) = demo
        .refresh_with(tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(description(&body), "unknown refresh_token", "{body}");
    assert_eq!(
        demo.server.held_entries(),
        demo.server.client_requests().len(),
        "only the request log is left"
    );
}

#[tokio::test]
async fn an_expired_device_code_still_says_so_within_the_grace() {
    let demo = Demo::start(DemoConfig::default()).await;
    let auth = demo.authorize().await;
    demo.clock.advance_secs(600 + PAST_THE_GRACE_SECS - 2);
    let (_, body) = demo.poll(auth["device_code"].as_str().unwrap()).await;
    assert_eq!(error_code(&body), "expired_token");
}

#[tokio::test]
async fn a_revoked_grant_family_is_forgotten_with_its_tokens() {
    let demo = Demo::start(DemoConfig::default()).await;
    let tokens = demo.sign_in().await;
    let first = tokens["refresh_token"].as_str().unwrap();
    let (status, _) = demo.refresh_with(first).await;
    assert_eq!(status, StatusCode::OK);
    let before = demo.server.held_entries();
    // Reuse of the rotated token revokes the family.
    let (_, body) = demo.refresh_with(first).await;
    assert_eq!(error_code(&body), "invalid_grant");
    demo.clock.advance_secs(2);
    let (_, body) = demo.refresh_with(first).await;
    assert_eq!(description(&body), "unknown refresh_token", "{body}");
    // Two access tokens, two refresh tokens and the family went; three requests were logged.
    assert_eq!(demo.server.held_entries(), before - 5 + 2);
}

#[tokio::test]
async fn the_request_log_keeps_the_last_thousand_clipped() {
    let demo = Demo::start(DemoConfig::default()).await;
    let junk: Vec<(String, String)> = (0..100)
        .map(|i| (format!("junk{i}"), "x".repeat(40)))
        .collect();
    for i in 0..1_050 {
        let client = format!("client-{i}");
        let mut form = vec![
            ("grant_type".to_owned(), DEVICE_GRANT.to_owned()),
            ("client_id".to_owned(), client),
            ("device_code".to_owned(), "demo-dc-unknown".to_owned()),
        ];
        form.extend(junk.iter().cloned());
        let reply = demo
            .http
            .post(demo.url("/token"))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::BAD_REQUEST);
    }
    let log = demo.server.client_requests();
    assert_eq!(log.len(), 1_000);
    assert_eq!(log[0].client_id.as_deref(), Some("client-50"));
    assert_eq!(log[999].client_id.as_deref(), Some("client-1049"));
    assert!(log.iter().all(|request| request.params.len() <= 32));
}
