//! Wire tests: request encoding, and parsing of JSON and form answers with every known quirk.

use super::*;
use crate::domain::clock::Skew;
use crate::domain::grant::PollReply;
use crate::domain::token_chars::TokenField;

fn now() -> Timestamp {
    Timestamp::from_unix_secs(1_000_000)
}

fn json(status: u16, body: &str) -> HttpResponse {
    HttpResponse {
        status,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    }
}

const DEVICE_OK: &str = r#"{"device_code":"GmRhmhcxhwAzkoEqiMEg_DnyEysNkuNhszIySk9eS",
 "user_code":"WDJB-MJHT","verification_uri":"https://example.com/device",
 "verification_uri_complete":"https://example.com/device?user_code=WDJB-MJHT",
 "expires_in":1800,"interval":5}"#;

#[test]
fn form_request_for_generic_providers() {
    let p = Provider::generic(
        "my client",
        Some("openid email"),
        "https://idp.example.com/device",
        "https://idp.example.com/token",
        None,
    )
    .unwrap();
    let req = device_authorization_request(&p);
    assert_eq!(req.content_type, Some("application/x-www-form-urlencoded"));
    assert_eq!(
        String::from_utf8(req.body).unwrap(),
        "client_id=my+client&scope=openid+email"
    );
    let req = device_token_request(&p, &DeviceCode::new("dc&1"));
    assert_eq!(
        String::from_utf8(req.body).unwrap(),
        "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Adevice_code&device_code=dc%261&client_id=my+client"
    );
}

#[test]
fn json_request_for_anaplan() {
    let p = Provider::anaplan("us1a.app.anaplan.com", "abc", None).unwrap();
    let req = device_token_request(&p, &DeviceCode::new("dc"));
    assert_eq!(req.content_type, Some("application/json"));
    let body: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(body["grant_type"], DEVICE_CODE_GRANT);
    assert_eq!(body["device_code"], "dc");
    assert_eq!(body["client_id"], "abc");
    assert!(
        !format!("{req:?}").contains("dc\""),
        "Debug must not print the body"
    );
}

#[test]
fn parses_the_rfc_example_device_authorization() {
    let auth = parse_device_authorization(&json(200, DEVICE_OK), now()).unwrap();
    assert_eq!(auth.user_code, "WDJB-MJHT");
    assert_eq!(auth.verification_uri, "https://example.com/device");
    assert_eq!(
        auth.qr_payload(),
        "https://example.com/device?user_code=WDJB-MJHT"
    );
    assert_eq!(auth.expires_at, now().plus_secs(1800));
    assert_eq!(auth.interval_secs, 5);
}

#[test]
fn tolerates_google_names_string_numbers_and_missing_interval() {
    let body = r#"{"device_code":"d","user_code":"ABCD-EFGH","verification_url":"https://www.google.com/device","expires_in":"1800"}"#;
    let auth = parse_device_authorization(&json(200, body), now()).unwrap();
    assert_eq!(auth.verification_uri, "https://www.google.com/device");
    assert_eq!(auth.verification_uri_complete, None);
    assert_eq!(auth.expires_at, now().plus_secs(1800));
    assert_eq!(auth.interval_secs, DEFAULT_INTERVAL_SECS);
    let body = r#"{"device_code":"d","user_code":"A","verification_uri":"https://x.example","expires_in":600,"interval":"7"}"#;
    assert_eq!(
        parse_device_authorization(&json(200, body), now())
            .unwrap()
            .interval_secs,
        7
    );
}

#[test]
fn parses_form_encoded_answers() {
    let resp = HttpResponse {
        status: 200,
        content_type: Some("application/x-www-form-urlencoded".into()),
        body: b"device_code=d&user_code=ABCD-EFGH&verification_uri=https%3A%2F%2Fgithub.com%2Flogin%2Fdevice&expires_in=899&interval=5".to_vec(),
        ..HttpResponse::default()
    };
    let auth = parse_device_authorization(&resp, now()).unwrap();
    assert_eq!(auth.verification_uri, "https://github.com/login/device");
    let poll = HttpResponse {
        body: b"error=authorization_pending&error_description=pending".to_vec(),
        ..resp
    };
    assert_eq!(parse_poll(&poll, now()), PollReply::Pending);
}

#[test]
fn refuses_verification_uris_that_are_not_plain_http() {
    for uri in [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "https://example.com/\u{1b}]52;c;eA==\u{7}",
        "not a url",
        "http://accounts.example.com/device",
        "https://accounts.example.com@evil.example/device",
        "https://user:pw@accounts.example.com/device",
        "https://accounts.example.com/device activate",
        "https://accounts.example.com/de\u{061c}vice",
    ] {
        let body = serde_json::json!({"device_code":"d","user_code":"U","verification_uri":uri,"expires_in":600}).to_string();
        let err = parse_device_authorization(&json(200, &body), now()).unwrap_err();
        assert!(matches!(err, AuthError::Parse { .. }), "{uri}: {err:?}");
        assert!(!err.to_string().contains('\u{1b}'));
    }
}

#[test]
fn verification_uris_are_shown_normalised_and_loopback_may_use_http() {
    let body = serde_json::json!({"device_code":"d","user_code":"U","expires_in":600,
        "verification_uri":"HTTPS://Accounts.Example.COM:443/device",
        "verification_uri_complete":"http://127.0.0.1:8080/device?user_code=U"})
    .to_string();
    let auth = parse_device_authorization(&json(200, &body), now()).unwrap();
    assert_eq!(auth.verification_uri, "https://accounts.example.com/device");
    assert_eq!(
        auth.verification_uri_complete.as_deref(),
        Some("http://127.0.0.1:8080/device?user_code=U")
    );
}

#[test]
fn tokens_outside_vschar_refuse_the_whole_answer() {
    let tokens = [
        (
            "access_token",
            "at\u{1b}]52;c;cm0=\u{7}",
            TokenField::Access,
        ),
        (
            "refresh_token",
            "rt\nmachine evil.example password x",
            TokenField::Refresh,
        ),
        ("id_token", "a.b.c\r\nx", TokenField::Id),
    ];
    for (field, value, want) in tokens {
        let mut body = serde_json::json!({"access_token":"at","refresh_token":"rt","id_token":"a.b.c","token_type":"Bearer"});
        body[field] = value.into();
        let resp = json(200, &body.to_string());
        match parse_token_response(&resp, now()) {
            Err(AuthError::BadToken(bad)) => assert_eq!(bad.field, want),
            other => panic!("{field}: {other:?}"),
        }
        match parse_poll(&resp, now()) {
            PollReply::Unparseable {
                status: 200,
                body_excerpt,
            } => {
                assert!(body_excerpt.contains(field), "{body_excerpt}");
                assert!(!body_excerpt.contains("evil") && !body_excerpt.contains('\u{1b}'));
            }
            other => panic!("{field}: {other:?}"),
        }
    }
}

#[test]
fn sanitises_user_code_and_error_descriptions() {
    let body = r#"{"device_code":"d","user_code":"WDJB\u001b[2J-MJHT","verification_uri":"https://example.com/device","expires_in":600}"#;
    assert_eq!(
        parse_device_authorization(&json(200, body), now())
            .unwrap()
            .user_code,
        "WDJB-MJHT"
    );
    let reply = parse_poll(
        &json(
            400,
            r#"{"error":"access_denied","error_description":"no\u001b]0;title\u0007pe"}"#,
        ),
        now(),
    );
    assert_eq!(
        reply,
        PollReply::Denied {
            description: Some("nope".into())
        }
    );
}

#[test]
fn device_authorization_errors_are_typed() {
    let err = parse_device_authorization(
        &json(
            401,
            r#"{"error":"invalid_client","error_description":"Unknown client"}"#,
        ),
        now(),
    )
    .unwrap_err();
    assert!(matches!(&err, AuthError::Server(e) if e.code == "invalid_client" && e.status == 401));
    let html = HttpResponse {
        status: 502,
        content_type: Some("text/html".into()),
        body: b"<html><body>Bad Gateway</body></html>".to_vec(),
        ..HttpResponse::default()
    };
    let err = parse_device_authorization(&html, now()).unwrap_err();
    assert!(
        matches!(&err, AuthError::Parse { status: 502, body_excerpt, .. } if body_excerpt.contains("Bad Gateway"))
    );
    let err = parse_device_authorization(&json(200, r#"{"user_code":"U"}"#), now()).unwrap_err();
    assert!(err.to_string().contains("no device_code"));
}

#[test]
fn poll_answers_are_classified_by_error_code_not_status() {
    let table: &[(u16, &str, PollReply)] = &[
        (
            400,
            r#"{"error":"authorization_pending"}"#,
            PollReply::Pending,
        ),
        (
            403,
            r#"{"error":"authorization_pending"}"#,
            PollReply::Pending,
        ),
        (
            200,
            r#"{"error":"authorization_pending"}"#,
            PollReply::Pending,
        ),
        (
            400,
            r#"{"error":"slow_down"}"#,
            PollReply::SlowDown {
                interval_secs: None,
            },
        ),
        (
            200,
            r#"{"error":"slow_down","interval":10}"#,
            PollReply::SlowDown {
                interval_secs: Some(10),
            },
        ),
        (
            429,
            r#"{"error":"slow_down"}"#,
            PollReply::SlowDown {
                interval_secs: None,
            },
        ),
        (
            403,
            r#"{"error":"access_denied"}"#,
            PollReply::Denied { description: None },
        ),
        (400, r#"{"error":"expired_token"}"#, PollReply::Expired),
        (503, "", PollReply::Unavailable { status: 503 }),
        (
            400,
            r#"{"error":"temporarily_unavailable"}"#,
            PollReply::Unavailable { status: 400 },
        ),
        (
            500,
            r#"{"error":"server_error"}"#,
            PollReply::Unavailable { status: 500 },
        ),
        (
            502,
            "<html>bad gateway</html>",
            PollReply::Unavailable { status: 502 },
        ),
        (
            429,
            "",
            PollReply::RateLimited {
                retry_after_secs: None,
            },
        ),
        (
            404,
            "",
            PollReply::Unparseable {
                status: 404,
                body_excerpt: String::new(),
            },
        ),
        (
            200,
            "<html>login</html>",
            PollReply::Unparseable {
                status: 200,
                body_excerpt: "<html>login</html>".into(),
            },
        ),
    ];
    for (status, body, want) in table {
        assert_eq!(
            &parse_poll(&json(*status, body), now()),
            want,
            "{status} {body}"
        );
    }
    let other = parse_poll(
        &json(
            400,
            r#"{"error":"invalid_grant","error_description":"used"}"#,
        ),
        now(),
    );
    assert!(
        matches!(other, PollReply::Error(e) if e.code == "invalid_grant" && e.description.as_deref() == Some("used"))
    );
}

#[test]
fn approved_poll_carries_tokens_with_absolute_expiry() {
    let body = r#"{"access_token":"at","token_type":"bearer","expires_in":"2100","refresh_token":"rt","scope":"openid email","id_token":"a.b.c","refresh_token_expires_in":43000}"#;
    let PollReply::Approved(tokens) = parse_poll(&json(200, body), now()) else {
        panic!("not approved")
    };
    assert_eq!(tokens.access_token.expose(), "at");
    assert_eq!(tokens.token_type, "bearer");
    assert_eq!(tokens.expires_at, Some(now().plus_secs(2100)));
    assert_eq!(
        tokens.refresh_token_expires_at,
        Some(now().plus_secs(43_000))
    );
    assert_eq!(tokens.scope.as_deref(), Some("openid email"));
}

#[test]
fn retry_after_as_seconds_or_http_date() {
    let resp = HttpResponse {
        status: 429,
        retry_after: Some("30".into()),
        ..HttpResponse::default()
    };
    assert_eq!(
        parse_poll(&resp, now()),
        PollReply::RateLimited {
            retry_after_secs: Some(30)
        }
    );
    assert_eq!(
        parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
        Some(Timestamp::from_unix_secs(784_111_777))
    );
    let at = Timestamp::from_unix_secs(784_111_777 - 45);
    assert_eq!(
        retry_after_secs("Sun, 06 Nov 1994 08:49:37 GMT", at, Skew::default()),
        Some(45)
    );
    assert_eq!(retry_after_secs("soon", at, Skew::default()), None);
    assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
}

/// 1994-11-06T08:49:37Z, the RFC's example date, as unix seconds.
const EXAMPLE_DATE_SECS: i64 = 784_111_777;

#[test]
fn retry_after_date_is_measured_on_the_server_clock() {
    // The server is 60 s ahead: its 08:49:37 is our 08:48:37, 45 s from our now.
    let local_now = Timestamp::from_unix_secs(EXAMPLE_DATE_SECS - 60 - 45);
    let date = "Sun, 06 Nov 1994 08:49:37 GMT";
    assert_eq!(
        retry_after_secs(date, local_now, Skew::from_secs(60)),
        Some(45)
    );
    assert_eq!(
        retry_after_secs(date, local_now, Skew::default()),
        Some(105)
    );
    // Already past on the server's clock, though still ahead on ours: retry now.
    assert_eq!(
        retry_after_secs(date, local_now, Skew::from_secs(200)),
        Some(0)
    );
    // Delta-seconds are relative: no correction.
    assert_eq!(
        retry_after_secs("30", local_now, Skew::from_secs(60)),
        Some(30)
    );
}

#[test]
fn rate_limit_reply_corrects_its_retry_date_by_its_own_date() {
    let local_now = Timestamp::from_unix_secs(EXAMPLE_DATE_SECS - 600);
    let resp = HttpResponse {
        status: 429,
        date: Some("Sun, 06 Nov 1994 08:49:07 GMT".into()),
        retry_after: Some("Sun, 06 Nov 1994 08:49:37 GMT".into()),
        ..HttpResponse::default()
    };
    assert_eq!(server_skew(&resp, local_now), Some(Skew::from_secs(570)));
    assert_eq!(
        parse_poll(&resp, local_now),
        PollReply::RateLimited {
            retry_after_secs: Some(30)
        }
    );
}

#[test]
fn skew_needs_a_readable_date() {
    let at = Timestamp::from_unix_secs(EXAMPLE_DATE_SECS + 3);
    let with = |date: Option<&str>| HttpResponse {
        date: date.map(Into::into),
        ..HttpResponse::default()
    };
    assert_eq!(
        server_skew(&with(Some("Sun, 06 Nov 1994 08:49:37 GMT")), at),
        Some(Skew::from_secs(-3))
    );
    assert_eq!(server_skew(&with(None), at), None);
    assert_eq!(server_skew(&with(Some("yesterday")), at), None);
}

#[test]
fn huge_numbers_are_capped() {
    let body = r#"{"device_code":"d","user_code":"U","verification_uri":"https://x.example","expires_in":99999999999999,"interval":1e300}"#;
    let auth = parse_device_authorization(&json(200, body), now()).unwrap();
    assert_eq!(auth.expires_at, now().plus_secs(MAX_SERVER_SECS));
    assert_eq!(auth.interval_secs, MAX_SERVER_SECS);
}
