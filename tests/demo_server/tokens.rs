//! Refresh rotation, reuse detection, revocation, auto decisions and shutdown.

use grantty::demo::{AutoDecision, Decision, DemoConfig};
use reqwest::StatusCode;
use serde_json::Value;

use super::{CLIENT, Demo, error_code};

/// The claims of an unsigned demo ID token.
pub(crate) fn jwt_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    let mut bits = 0u32;
    let mut bit_count = 0;
    let mut bytes = Vec::new();
    for c in payload.bytes() {
        let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        let sextet = alphabet.iter().position(|a| *a == c).unwrap();
        bits = (bits << 6) | u32::try_from(sextet).unwrap();
        bit_count += 6;
        if bit_count >= 8 {
            bit_count -= 8;
            bytes.push(u8::try_from((bits >> bit_count) & 0xFF).unwrap());
        }
    }
    serde_json::from_slice(&bytes).unwrap()
}

impl Demo {
    async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        let form = [
            ("grant_type", "refresh_token"),
            ("client_id", CLIENT),
            ("refresh_token", refresh_token),
        ];
        self.post_form("/token", &form).await
    }

    async fn userinfo(&self, access_token: &str) -> StatusCode {
        let request = self
            .http
            .get(self.url("/userinfo"))
            .bearer_auth(access_token);
        request.send().await.unwrap().status()
    }

    async fn revoke(&self, token: &str, hint: &str) -> (StatusCode, String) {
        let form = [
            ("token", token),
            ("token_type_hint", hint),
            ("client_id", CLIENT),
        ];
        let reply = self
            .http
            .post(self.url("/revoke"))
            .form(&form)
            .send()
            .await
            .unwrap();
        (reply.status(), reply.text().await.unwrap())
    }
}

fn str_of<'a>(body: &'a Value, key: &str) -> &'a str {
    body[key]
        .as_str()
        .unwrap_or_else(|| panic!("no {key} in {body}"))
}

#[tokio::test]
async fn refresh_rotates_the_refresh_token_and_issues_a_new_access_token() {
    let demo = Demo::start(DemoConfig::default()).await;
    let first = demo.sign_in().await;
    demo.clock.advance_secs(2000);
    let (status, second) = demo.refresh(str_of(&first, "refresh_token")).await;
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_ne!(
        str_of(&second, "refresh_token"),
        str_of(&first, "refresh_token")
    );
    assert_ne!(
        str_of(&second, "access_token"),
        str_of(&first, "access_token")
    );
    assert_eq!(second["refresh_token_expires_in"], 43_000);
    assert_eq!(
        demo.userinfo(str_of(&second, "access_token")).await,
        StatusCode::OK
    );
    demo.clock.advance_secs(100);
    assert_eq!(
        demo.userinfo(str_of(&first, "access_token")).await,
        StatusCode::UNAUTHORIZED,
        "expired"
    );
    assert_eq!(demo.server.stats().refreshes, 1);
}

#[tokio::test]
async fn reusing_a_rotated_refresh_token_revokes_the_whole_family() {
    let demo = Demo::start(DemoConfig::default()).await;
    let first = demo.sign_in().await;
    let (_, second) = demo.refresh(str_of(&first, "refresh_token")).await;
    let (status, reuse) = demo.refresh(str_of(&first, "refresh_token")).await;
    assert_eq!(
        (status, error_code(&reuse)),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    let (_, after) = demo.refresh(str_of(&second, "refresh_token")).await;
    assert_eq!(
        error_code(&after),
        "invalid_grant",
        "the newest refresh token must die too"
    );
    assert_eq!(
        demo.userinfo(str_of(&second, "access_token")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(demo.server.stats().reuse_detections, 1);
}

#[tokio::test]
async fn without_rotation_the_same_refresh_token_keeps_working() {
    let config = DemoConfig {
        rotate_refresh_tokens: false,
        ..DemoConfig::default()
    };
    let demo = Demo::start(config).await;
    let first = demo.sign_in().await;
    assert!(first.get("refresh_token_expires_in").is_none());
    let refresh_token = str_of(&first, "refresh_token");
    for _ in 0..3 {
        demo.clock.advance_secs(60);
        let (status, next) = demo.refresh(refresh_token).await;
        assert_eq!(status, StatusCode::OK, "{next}");
        assert!(next.get("refresh_token").is_none(), "{next}");
        assert!(str_of(&next, "access_token").starts_with("demo-at-"));
    }
}

#[tokio::test]
async fn revoking_the_refresh_token_revokes_its_access_tokens() {
    let demo = Demo::start(DemoConfig::default()).await;
    let tokens = demo.sign_in().await;
    let access_token = str_of(&tokens, "access_token");
    assert_eq!(demo.userinfo(access_token).await, StatusCode::OK);
    let (status, body) = demo
        .revoke(str_of(&tokens, "refresh_token"), "refresh_token")
        .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, ""));
    assert_eq!(demo.userinfo(access_token).await, StatusCode::UNAUTHORIZED);
    let (_, refreshed) = demo.refresh(str_of(&tokens, "refresh_token")).await;
    assert_eq!(error_code(&refreshed), "invalid_grant");
    assert_eq!(
        demo.revoke("demo-rt-unknown", "refresh_token").await.0,
        StatusCode::OK
    );
    assert_eq!(demo.server.stats().revocations, 1);
}

#[tokio::test]
async fn revoking_an_access_token_leaves_the_refresh_token_usable() {
    let demo = Demo::start(DemoConfig::default()).await;
    let tokens = demo.sign_in().await;
    let (status, _) = demo
        .revoke(str_of(&tokens, "access_token"), "access_token")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        demo.userinfo(str_of(&tokens, "access_token")).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        demo.refresh(str_of(&tokens, "refresh_token")).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn auto_decision_approves_once_its_delay_has_passed() {
    let auto_decision = Some(AutoDecision {
        after_secs: 8,
        decision: Decision::Approve,
    });
    let demo = Demo::start(DemoConfig {
        auto_decision,
        ..DemoConfig::default()
    })
    .await;
    let auth = demo.authorize().await;
    let device_code = str_of(&auth, "device_code");
    assert_eq!(
        error_code(&demo.poll(device_code).await.1),
        "authorization_pending"
    );
    demo.clock.advance_secs(8);
    assert_eq!(demo.poll(device_code).await.0, StatusCode::OK);
    let decided = demo
        .server
        .decide(str_of(&auth, "user_code"), Decision::Deny);
    assert!(
        decided.is_err(),
        "an auto-approved code cannot be denied afterwards"
    );
}

#[tokio::test]
async fn shutdown_stops_serving() {
    let demo = Demo::start(DemoConfig::default()).await;
    let url = demo.url("/.well-known/oauth-authorization-server");
    assert!(demo.http.get(&url).send().await.is_ok());
    let fresh = reqwest::Client::new();
    demo.server.shutdown().await;
    assert!(
        fresh.get(&url).send().await.is_err(),
        "still answering after shutdown"
    );
}
