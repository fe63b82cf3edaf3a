//! Device authorization, polling rules and the verification page over HTTP.

use grantty::demo::{Decision, DemoConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{CLIENT, DEVICE_GRANT, Demo, error_code, tokens};

#[tokio::test]
async fn device_authorization_accepts_form_and_json_with_the_same_shape() {
    let demo = Demo::start(DemoConfig::default()).await;
    let form = demo
        .http
        .post(demo.url("/device_authorization"))
        .form(&[("client_id", CLIENT)]);
    let json_body = json!({ "client_id": CLIENT, "scope": "openid" });
    let anaplan = demo
        .http
        .post(demo.url("/oauth/device/code"))
        .json(&json_body);
    for request in [form, anaplan] {
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status(), StatusCode::OK);
        assert_eq!(reply.headers()["cache-control"], "no-store");
        let body: Value = reply.json().await.unwrap();
        let user_code = body["user_code"].as_str().unwrap();
        assert!(
            body["device_code"]
                .as_str()
                .unwrap()
                .starts_with("demo-dc-")
        );
        assert_eq!(user_code.len(), 9);
        assert!(
            user_code
                .chars()
                .all(|c| c == '-' || "BCDFGHJKLMNPQRSTVWXZ".contains(c))
        );
        assert_eq!(body["verification_uri"], json!(demo.url("/device")));
        let complete = demo.url(&format!("/device?user_code={user_code}"));
        assert_eq!(body["verification_uri_complete"], json!(complete));
        assert_eq!(
            (body["expires_in"].as_u64(), body["interval"].as_u64()),
            (Some(600), Some(5))
        );
    }
    assert_eq!(demo.server.stats().device_authorizations, 2);
}

#[tokio::test]
async fn device_authorization_without_client_id_is_refused() {
    let demo = Demo::start(DemoConfig::default()).await;
    let (status, body) = demo
        .post_form("/device_authorization", &[("scope", "openid")])
        .await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_client")
    );
}

#[tokio::test]
async fn approving_on_the_page_turns_pending_into_tokens() {
    let demo = Demo::start(DemoConfig::default()).await;
    let auth = demo.authorize().await;
    let (user_code, device_code) = (
        auth["user_code"].as_str().unwrap(),
        auth["device_code"].as_str().unwrap(),
    );
    let (status, body) = demo.poll(device_code).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "authorization_pending")
    );

    let page_url = auth["verification_uri_complete"].as_str().unwrap();
    let page = demo
        .http
        .get(page_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            r#"<input type="hidden" name="user_code" value="{user_code}">"#
        )),
        "{page}"
    );
    assert!(page.contains(r#"<form method="post" action="/device">"#) && page.contains(CLIENT));
    assert!(page.contains(r#"value="approve""#) && page.contains(r#"value="deny""#));
    let typed = user_code.to_lowercase().replace('-', "");
    let (status, result) = demo.decide_on_page(&typed, "approve").await;
    assert_eq!(status, StatusCode::OK);
    assert!(result.contains("Device approved"), "{result}");

    demo.clock.advance_secs(5);
    let reply = demo
        .http
        .post(demo.url("/oauth/token"))
        .json(
            &json!({ "grant_type": DEVICE_GRANT, "client_id": CLIENT, "device_code": device_code }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["cache-control"], "no-store");
    let tokens: Value = reply.json().await.unwrap();
    assert!(
        tokens["access_token"]
            .as_str()
            .unwrap()
            .starts_with("demo-at-")
    );
    assert!(
        tokens["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("demo-rt-")
    );
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 2100);
    assert_eq!(tokens["refresh_token_expires_in"], 43_000);
    assert_eq!(tokens["scope"], "openid profile email offline_access");
    let claims = tokens::jwt_claims(tokens["id_token"].as_str().unwrap());
    assert_eq!(
        (claims["aud"].as_str(), claims["sub"].as_str()),
        (Some(CLIENT), Some("demo-user"))
    );
    assert_eq!(claims["iss"], json!(demo.server.issuer()));
    let counters = demo.server.stats();
    assert_eq!(
        (counters.token_requests, counters.device_code_redemptions),
        (2, 1)
    );
}

#[tokio::test]
async fn polling_too_fast_slows_down_by_five_seconds_each_time() {
    let demo = Demo::start(DemoConfig::default()).await;
    let auth = demo.authorize().await;
    let device_code = auth["device_code"].as_str().unwrap();
    assert_eq!(
        error_code(&demo.poll(device_code).await.1),
        "authorization_pending"
    );
    for expected in [10, 15] {
        let (status, body) = demo.poll(device_code).await;
        assert_eq!(
            (status, error_code(&body)),
            (StatusCode::BAD_REQUEST, "slow_down")
        );
        assert_eq!(body["interval"], expected);
    }
    demo.clock.advance_ms(14_999);
    assert_eq!(
        error_code(&demo.poll(device_code).await.1),
        "slow_down",
        "15 s interval not honoured"
    );
    demo.clock.advance_secs(20);
    assert_eq!(
        error_code(&demo.poll(device_code).await.1),
        "authorization_pending"
    );
    assert_eq!(demo.server.stats().slow_downs, 3);
}

#[tokio::test]
async fn denying_on_the_page_makes_polls_access_denied() {
    let demo = Demo::start(DemoConfig::default()).await;
    let auth = demo.authorize().await;
    let (status, page) = demo
        .decide_on_page(auth["user_code"].as_str().unwrap(), "deny")
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Device denied"), "{page}");
    let (status, body) = demo.poll(auth["device_code"].as_str().unwrap()).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "access_denied")
    );
}

#[tokio::test]
async fn device_code_expires_when_the_clock_passes_its_lifetime() {
    let demo = Demo::start(DemoConfig::default()).await;
    let auth = demo.authorize().await;
    demo.clock.advance_secs(600);
    let (_, body) = demo.poll(auth["device_code"].as_str().unwrap()).await;
    assert_eq!(error_code(&body), "expired_token");
    let page = demo
        .http
        .get(auth["verification_uri_complete"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.unwrap().contains("has expired"));
}

#[tokio::test]
async fn device_code_is_single_use() {
    let demo = Demo::start(DemoConfig::default()).await;
    let auth = demo.authorize().await;
    demo.server
        .decide(auth["user_code"].as_str().unwrap(), Decision::Approve)
        .unwrap();
    let device_code = auth["device_code"].as_str().unwrap();
    assert_eq!(demo.poll(device_code).await.0, StatusCode::OK);
    demo.clock.advance_secs(10);
    let (status, body) = demo.poll(device_code).await;
    assert_eq!(
        (status, error_code(&body)),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
}

#[tokio::test]
async fn unknown_codes_and_grant_types_are_refused() {
    let demo = Demo::start(DemoConfig::default()).await;
    let page = demo
        .http
        .get(demo.url("/device?user_code=BCDF-GHJK"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        error_code(&demo.poll("demo-dc-unknown").await.1),
        "invalid_grant"
    );
    let (_, body) = demo
        .post_form("/token", &[("grant_type", "password")])
        .await;
    assert_eq!(error_code(&body), "unsupported_grant_type");
    let (_, body) = demo
        .post_form(
            "/token",
            &[("grant_type", DEVICE_GRANT), ("client_id", CLIENT)],
        )
        .await;
    assert_eq!(error_code(&body), "invalid_request");
}
