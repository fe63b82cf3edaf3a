//! The verification and approve pages' forms: each page carries its own single-use token, and a
//! POST from another origin, without the token or with another page's is refused with 403.

use grantty::demo::DemoConfig;
use reqwest::StatusCode;

use super::{Demo, error_code, form_token};

const EVIL: &str = "http://evil.example";

impl Demo {
    /// POSTs the verification form for `user_code` with `form_token` and `origin`.
    async fn post_device_form(
        &self,
        user_code: &str,
        form_token: Option<&str>,
        origin: Option<&str>,
    ) -> StatusCode {
        let mut form = vec![("user_code", user_code), ("action", "approve")];
        form.extend(form_token.map(|token| ("form_token", token)));
        let mut request = self.http.post(self.url("/device")).form(&form);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send().await.unwrap().status()
    }

    /// Whether the device code is still waiting for the user.
    async fn still_pending(&self, device_code: &str) -> bool {
        self.clock.advance_secs(10);
        error_code(&self.poll(device_code).await.1) == "authorization_pending"
    }

    /// Opens an approve page for a code-flow request; returns its request id and form token.
    async fn approve_page(&self) -> (String, String) {
        let query = "client_id=grantty-demo&response_type=code&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb\
            &code_challenge_method=S256&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&state=s";
        let page = self
            .http
            .get(self.url(&format!("/authorize?{query}")))
            .send()
            .await
            .unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.unwrap();
        let marker = r#"name="request" value=""#;
        let start = html.find(marker).unwrap() + marker.len();
        let request = html[start..start + html[start..].find('"').unwrap()].to_owned();
        (request, form_token(&html).unwrap())
    }

    async fn post_approve_form(
        &self,
        request: &str,
        form_token: Option<&str>,
        origin: Option<&str>,
    ) -> StatusCode {
        let mut form = vec![("request", request), ("action", "approve")];
        form.extend(form_token.map(|token| ("form_token", token)));
        let mut post = self.http.post(self.url("/authorize")).form(&form);
        if let Some(origin) = origin {
            post = post.header("origin", origin);
        }
        post.send().await.unwrap().status()
    }
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_cross_origin_device_approval_is_refused() {
    let demo = Demo::start(DemoConfig::default()).await;
    let auth = demo.authorize().await;
    let (user_code, device_code) = (
        auth["user_code"].as_str().unwrap(),
        auth["device_code"].as_str().unwrap(),
    );
    let token = form_token(&demo.device_page(user_code).await).unwrap();
    for origin in [EVIL, "null", "http://127.0.0.1:1"] {
        let status = demo
            .post_device_form(user_code, Some(&token), Some(origin))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "Origin: {origin}");
    }
    assert!(demo.still_pending(device_code).await);
    let own = demo.server.issuer();
    let status = demo
        .post_device_form(user_code, Some(&token), Some(&own))
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_device_form_without_or_with_a_wrong_token_is_refused() {
    let demo = Demo::start(DemoConfig::default()).await;
    let (auth, other) = (demo.authorize().await, demo.authorize().await);
    let (user_code, device_code) = (
        auth["user_code"].as_str().unwrap(),
        auth["device_code"].as_str().unwrap(),
    );
    let other_token = form_token(&demo.device_page(other["user_code"].as_str().unwrap()).await);
    let stale = form_token(&demo.device_page(user_code).await).unwrap();
    let token = form_token(&demo.device_page(user_code).await).unwrap();
    assert_ne!(stale, token, "each page shown has its own token");
    for wrong in [
        None,
        Some(""),
        Some("demo-ft-00000000000000000000000000000000"),
        other_token.as_deref(),
        Some(stale.as_str()),
    ] {
        let status = demo.post_device_form(user_code, wrong, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{wrong:?}");
    }
    assert!(demo.still_pending(device_code).await);
    assert_eq!(
        demo.post_device_form(user_code, Some(&token), None).await,
        StatusCode::OK
    );
    demo.clock.advance_secs(10);
    assert_eq!(demo.poll(device_code).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_approve_page_refuses_another_origin_and_a_missing_or_wrong_token() {
    let demo = Demo::start(DemoConfig::default()).await;
    let demo = Demo {
        http: no_redirects(),
        ..demo
    };
    let (request, token) = demo.approve_page().await;
    let (_, other_token) = demo.approve_page().await;
    let refused = [
        (Some(token.as_str()), Some(EVIL)),
        (None, None),
        (Some(""), None),
        (Some(other_token.as_str()), None),
    ];
    for (form_token, origin) in refused {
        let status = demo.post_approve_form(&request, form_token, origin).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{form_token:?} {origin:?}");
    }
    let own = demo.server.issuer();
    let status = demo
        .post_approve_form(&request, Some(&token), Some(&own))
        .await;
    assert_eq!(status, StatusCode::FOUND);
    // Single use: the page's token went with its decision.
    let status = demo.post_approve_form(&request, Some(&token), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
