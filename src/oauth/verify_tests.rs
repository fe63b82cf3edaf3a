use super::*;

fn anaplan(host: &str) -> VerifyEndpoint {
    let provider = Provider::anaplan(host, "c", None).unwrap();
    VerifyEndpoint::for_provider(&provider).unwrap().unwrap()
}

fn userinfo() -> VerifyEndpoint {
    VerifyEndpoint::UserInfo(Url::parse("https://idp.example.com/userinfo").unwrap())
}

fn answer(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    }
}

#[test]
fn anaplan_validates_at_auth_anaplan_com_only_for_anaplan_hosts() {
    assert_eq!(
        anaplan("eu3.app.anaplan.com").url().as_str(),
        "https://auth.anaplan.com/token/validate"
    );
    assert_eq!(
        anaplan("http://127.0.0.1:4000").url().as_str(),
        "http://127.0.0.1:4000/token/validate"
    );
    assert_eq!(
        anaplan("evilanaplan.com").url().as_str(),
        "https://evilanaplan.com/token/validate"
    );
}

#[test]
fn the_request_carries_the_token_in_the_providers_scheme_and_debug_hides_it() {
    let token = AccessToken::new("at-123");
    let request = anaplan("eu3.app.anaplan.com").request(&token);
    assert_eq!(
        request.authorization.as_deref(),
        Some("AnaplanAuthToken at-123")
    );
    assert_eq!(request.method, wire::Method::Get);
    assert!(!format!("{request:?}").contains("at-123"));
    let request = userinfo().request(&token);
    assert_eq!(request.authorization.as_deref(), Some("Bearer at-123"));
}

#[test]
fn a_generic_provider_without_userinfo_cannot_be_checked() {
    let provider = Provider::generic(
        "c",
        None,
        "https://idp.example.com/d",
        "https://idp.example.com/t",
        None,
    )
    .unwrap();
    assert_eq!(VerifyEndpoint::for_provider(&provider).unwrap(), None);
}

#[test]
fn anaplans_answer_gives_expiry_in_milliseconds_and_the_user() {
    let body = r#"{"status":"SUCCESS","statusMessage":"Token validated",
        "tokenInfo":{"expiresAt":1795439655123,"tokenId":"t1","tokenValue":"secret-value"},
        "userInfo":{"userGuid":"8a80","userId":"ana@example.com","customerGuid":"8a81"}}"#;
    let accepted = anaplan("eu3.app.anaplan.com")
        .parse(&answer(200, body))
        .unwrap();
    assert_eq!(
        accepted.valid_until,
        Some(Timestamp::from_unix_secs(1_795_439_655))
    );
    assert_eq!(accepted.user.as_deref(), Some("ana@example.com"));
    let seconds = body.replace("1795439655123", "1795439655");
    let accepted = anaplan("eu3.app.anaplan.com")
        .parse(&answer(200, &seconds))
        .unwrap();
    assert_eq!(
        accepted.valid_until,
        Some(Timestamp::from_unix_secs(1_795_439_655))
    );
}

#[test]
fn a_401_is_a_refusal_with_the_servers_reason_sanitised() {
    let body = r#"{"status":"FAILURE_BAD_CREDENTIAL","statusMessage":"Token \u001b]0;pwned\u0007expired"}"#;
    let err = anaplan("eu3.app.anaplan.com")
        .parse(&answer(401, body))
        .unwrap_err();
    let VerifyFailed::Refused {
        host,
        status,
        reason,
    } = &err
    else {
        panic!("not a refusal: {err:?}");
    };
    assert_eq!((host.as_str(), *status), ("auth.anaplan.com", 401));
    let reason = reason.as_deref().unwrap();
    assert!(
        reason.starts_with("Token ") && !reason.contains('\u{1b}'),
        "{reason:?}"
    );
    let bare = userinfo().parse(&answer(401, "")).unwrap_err();
    assert!(
        matches!(bare, VerifyFailed::Refused { reason: None, .. }),
        "{bare:?}"
    );
}

#[test]
fn garbage_is_a_typed_error_that_never_quotes_the_body() {
    let endpoint = anaplan("eu3.app.anaplan.com");
    for body in [
        "<html>secret-value</html>",
        r#"{"tokenInfo":"secret-value"}"#,
        r#"{"tokenInfo":{"expiresAt":"soon","tokenValue":"secret-value"}}"#,
        r#"{"tokenInfo":{"expiresAt":-5,"tokenValue":"secret-value"}}"#,
    ] {
        let err = endpoint.parse(&answer(200, body)).unwrap_err();
        assert!(
            matches!(err, VerifyFailed::BadAnswer { .. }),
            "{body}: {err:?}"
        );
        assert!(!err.to_string().contains("secret-value"), "{err}");
    }
    let err = endpoint.parse(&answer(403, "{}")).unwrap_err();
    assert!(
        matches!(err, VerifyFailed::BadAnswer { status: 403, .. }),
        "{err:?}"
    );
    let err = endpoint.parse(&answer(503, "")).unwrap_err();
    assert!(
        matches!(err, VerifyFailed::Unavailable { status: 503, .. }),
        "{err:?}"
    );
}

#[test]
fn userinfo_names_the_user_capped_and_a_signed_answer_is_accepted() {
    let long = format!(
        r#"{{"sub":"s1","email":"{}@example.com"}}"#,
        "a".repeat(5000)
    );
    let accepted = userinfo().parse(&answer(200, &long)).unwrap();
    assert!(accepted.user.unwrap().chars().count() <= SHORT_MAX_CHARS);
    let accepted = userinfo().parse(&answer(200, r#"{"sub":"s1"}"#)).unwrap();
    assert_eq!(accepted.user.as_deref(), Some("s1"));
    let jwt = HttpResponse {
        content_type: Some("application/jwt".into()),
        ..answer(200, "eyJ.eyJ.sig")
    };
    assert_eq!(
        userinfo().parse(&jwt).unwrap(),
        Accepted {
            valid_until: None,
            user: None
        }
    );
}

#[test]
fn a_userinfo_endpoint_at_another_origin_gets_no_request() {
    let mut provider = Provider::generic(
        "c",
        None,
        "https://idp.example.com/d",
        "https://idp.example.com/t",
        None,
    )
    .unwrap();
    provider.userinfo_endpoint = Some(Url::parse("https://idp.example.com/userinfo").unwrap());
    assert!(matches!(
        VerifyEndpoint::for_provider(&provider),
        Ok(Some(VerifyEndpoint::UserInfo(_)))
    ));
    for elsewhere in [
        "https://collector.example.net/userinfo",
        "http://idp.example.com/userinfo",
        "https://idp.example.com:8443/userinfo",
    ] {
        provider.userinfo_endpoint = Some(Url::parse(elsewhere).unwrap());
        let refused = VerifyEndpoint::for_provider(&provider).unwrap_err();
        assert!(
            matches!(refused, VerifyFailed::ForeignOrigin { ref token, .. } if token == "https://idp.example.com"),
            "{elsewhere}: {refused:?}"
        );
    }
}
