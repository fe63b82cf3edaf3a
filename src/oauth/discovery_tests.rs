//! Tests of `discovery`.

use super::*;

fn doc(body: &str) -> HttpResponse {
    HttpResponse {
        status: 200,
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    }
}

#[test]
fn well_known_urls_follow_rfc8414_then_oidc() {
    let urls = discovery_urls("https://idp.example.com/tenant/").unwrap();
    assert_eq!(
        urls[0].as_str(),
        "https://idp.example.com/.well-known/oauth-authorization-server/tenant"
    );
    assert_eq!(
        urls[1].as_str(),
        "https://idp.example.com/tenant/.well-known/openid-configuration"
    );
    let urls = discovery_urls("http://127.0.0.1:9000").unwrap();
    assert_eq!(
        urls[0].as_str(),
        "http://127.0.0.1:9000/.well-known/oauth-authorization-server"
    );
    assert!(discovery_urls("http://idp.example.com").is_err());
}

#[test]
fn metadata_without_device_endpoint_names_the_flags_to_use() {
    let meta = parse_metadata(&doc(r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token"}"#), "https://idp.example.com").unwrap();
    let err = Provider::from_metadata(&meta, "c", None).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("add --device-endpoint URL next to --issuer"),
        "{text}"
    );
}

#[test]
fn metadata_gives_a_form_encoded_provider() {
    let meta = parse_metadata(&doc(r#"{"issuer":"https://idp.example.com/","token_endpoint":"https://idp.example.com/token","device_authorization_endpoint":"https://idp.example.com/device","revocation_endpoint":"https://idp.example.com/revoke"}"#), "https://idp.example.com").unwrap();
    let p = Provider::from_metadata(&meta, "c", Some("openid")).unwrap();
    assert_eq!(
        p.device_authorization_endpoint.as_str(),
        "https://idp.example.com/device"
    );
    assert_eq!(
        p.revocation_endpoint.as_ref().map(Url::as_str),
        Some("https://idp.example.com/revoke")
    );
    assert_eq!(p.authorization_endpoint, None);
    assert_eq!(p.client_auth, ClientAuth::Basic);
}

#[test]
fn a_server_offering_only_client_secret_post_gets_post() {
    let body = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token","device_authorization_endpoint":"https://idp.example.com/device","token_endpoint_auth_methods_supported":["none","client_secret_post"]}"#;
    let meta = parse_metadata(&doc(body), "https://idp.example.com").unwrap();
    let p = Provider::from_metadata(&meta, "c", None).unwrap();
    assert_eq!(p.client_auth, ClientAuth::Post);
}

#[test]
fn each_given_endpoint_replaces_only_its_discovered_one() {
    let body = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token","revocation_endpoint":"https://idp.example.com/revoke","userinfo_endpoint":"https://idp.example.com/me"}"#;
    let meta = parse_metadata(&doc(body), "https://idp.example.com").unwrap();
    let overrides = EndpointOverrides {
        device_authorization_endpoint: Some("https://idp.example.com/o/device/".into()),
        ..EndpointOverrides::default()
    };
    let p = Provider::from_metadata(&overrides.apply(meta.clone()), "c", None).unwrap();
    assert_eq!(
        p.device_authorization_endpoint.as_str(),
        "https://idp.example.com/o/device/"
    );
    assert_eq!(p.token_endpoint.as_str(), "https://idp.example.com/token");
    assert_eq!(
        p.revocation_endpoint.as_ref().map(Url::as_str),
        Some("https://idp.example.com/revoke")
    );
    assert_eq!(
        p.userinfo_endpoint.as_ref().map(Url::as_str),
        Some("https://idp.example.com/me")
    );
    let token = EndpointOverrides {
        token_endpoint: Some("https://other.example.com/t".into()),
        ..overrides
    };
    let p = Provider::from_metadata(&token.apply(meta), "c", None).unwrap();
    assert_eq!(p.token_endpoint.as_str(), "https://other.example.com/t");
}

#[test]
fn a_given_endpoint_is_checked_like_every_endpoint() {
    let insecure = EndpointOverrides {
        revocation_endpoint: Some("http://idp.example.com/revoke".into()),
        ..EndpointOverrides::default()
    };
    let err = insecure.check().unwrap_err();
    assert!(matches!(err, EndpointError::Insecure { .. }), "{err}");
    assert!(err.to_string().contains("--revocation-endpoint"), "{err}");
    let loopback = EndpointOverrides {
        device_authorization_endpoint: Some("http://127.0.0.1:9/device".into()),
        ..EndpointOverrides::default()
    };
    assert!(loopback.check().is_ok());
    assert!(loopback.without_discovery("http://127.0.0.1:9").is_none());
}

#[test]
fn discovered_authorization_endpoint_is_kept_and_checked() {
    let body = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token","device_authorization_endpoint":"https://idp.example.com/device","authorization_endpoint":"https://idp.example.com/authorize"}"#;
    let meta = parse_metadata(&doc(body), "https://idp.example.com").unwrap();
    let p = Provider::from_metadata(&meta, "c", None).unwrap();
    assert_eq!(
        p.authorization_endpoint.as_ref().map(Url::as_str),
        Some("https://idp.example.com/authorize")
    );
    let insecure = body.replace(
        "https://idp.example.com/authorize",
        "http://idp.example.com/a",
    );
    let meta = parse_metadata(&doc(&insecure), "https://idp.example.com").unwrap();
    assert!(matches!(
        Provider::from_metadata(&meta, "c", None),
        Err(EndpointError::Insecure { .. })
    ));
}

#[test]
fn issuer_mismatch_and_insecure_endpoints_are_refused() {
    let err = parse_metadata(&doc(r#"{"issuer":"https://evil.example.com","token_endpoint":"https://evil.example.com/t"}"#), "https://idp.example.com").unwrap_err();
    assert!(err.to_string().contains("not the"));
    let meta = parse_metadata(&doc(r#"{"issuer":"https://idp.example.com","token_endpoint":"http://idp.example.com/t","device_authorization_endpoint":"https://idp.example.com/d"}"#), "https://idp.example.com").unwrap();
    assert!(matches!(
        Provider::from_metadata(&meta, "c", None),
        Err(EndpointError::Insecure { .. })
    ));
}

#[test]
fn huge_hostile_endpoint_strings_are_capped_and_stripped_in_errors() {
    let endpoint = format!(
        "http://idp.example.com/\u{1b}]0;pwned\u{7}{}",
        "a".repeat(900_000)
    );
    let body = serde_json::json!({"issuer":"https://idp.example.com","token_endpoint":endpoint,
        "device_authorization_endpoint":"https://idp.example.com/d"})
    .to_string();
    let meta = parse_metadata(&doc(&body), "https://idp.example.com").unwrap();
    let text = Provider::from_metadata(&meta, "c", None)
        .unwrap_err()
        .to_string();
    assert!(text.len() < 1000, "{} bytes", text.len());
    assert!(
        !text.contains('\u{1b}') && !text.contains("\\u{1b}") && !text.contains("pwned\\u"),
        "{text}"
    );
}

#[test]
fn an_advertised_rfc9207_flag_makes_the_issuer_the_expected_iss() {
    let base = r#""issuer":"https://idp.example.com/","token_endpoint":"https://idp.example.com/token","device_authorization_endpoint":"https://idp.example.com/device""#;
    let issuer = "https://idp.example.com";
    let with = |flag: &str| {
        let meta = parse_metadata(&doc(&format!("{{{base}{flag}}}")), issuer).unwrap();
        Provider::from_metadata(&meta, "c", None)
            .unwrap()
            .authorization_response_iss
    };
    // The document's own spelling, compared as a plain string (RFC 9207 §2.4).
    assert_eq!(
        with(r#","authorization_response_iss_parameter_supported":true"#),
        Some("https://idp.example.com/".to_owned())
    );
    assert_eq!(
        with(r#","authorization_response_iss_parameter_supported":false"#),
        None
    );
    assert_eq!(
        with(r#","authorization_response_iss_parameter_supported":"yes""#),
        None
    );
    assert_eq!(with(""), None);
}
