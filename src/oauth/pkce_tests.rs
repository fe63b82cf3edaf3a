#![allow(deprecated)] // ring's fixed-output generators live in its deprecated `test` module

use ring::test::rand::FixedSliceRandom;

use super::*;

/// RFC 7636 Appendix B: the verifier's 32 octets.
const RFC7636_OCTETS: [u8; 32] = [
    116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
    105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
];
const RFC7636_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const RFC7636_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn generic() -> Provider {
    Provider::generic(
        "cli",
        Some("openid offline_access"),
        "https://idp.example.com/device",
        "https://idp.example.com/token",
        None,
    )
    .unwrap()
}

fn request(provider: &Provider) -> AuthorizationRequest {
    AuthorizationRequest::new(
        provider,
        &Url::parse("https://idp.example.com/authorize").unwrap(),
        Url::parse("http://127.0.0.1:4711/callback").unwrap(),
        Pkce::from_verifier(RFC7636_VERIFIER),
        "st-1".into(),
    )
}

#[test]
fn s256_matches_the_rfc7636_appendix_b_vector() {
    assert_eq!(s256_challenge(RFC7636_VERIFIER), RFC7636_CHALLENGE);
    let rng = FixedSliceRandom {
        bytes: &RFC7636_OCTETS,
    };
    let pkce = Pkce::generate(&rng).unwrap();
    assert_eq!(pkce.verifier.expose(), RFC7636_VERIFIER);
    assert_eq!(pkce.challenge, RFC7636_CHALLENGE);
}

#[test]
fn fresh_verifiers_and_states_differ_and_have_rfc_lengths() {
    let rng = ring::rand::SystemRandom::new();
    let (a, b) = (Pkce::generate(&rng).unwrap(), Pkce::generate(&rng).unwrap());
    assert_ne!(a.verifier, b.verifier);
    assert_eq!(a.verifier.expose().len(), 43, "RFC 7636 §4.1 minimum");
    assert_ne!(random_state(&rng).unwrap(), random_state(&rng).unwrap());
    assert!(
        !format!("{a:?}").contains(a.verifier.expose()),
        "Debug is redacted"
    );
}

#[test]
fn authorization_url_carries_the_challenge_not_the_verifier() {
    let req = request(&generic());
    let pairs: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    assert_eq!(get("response_type"), Some("code"));
    assert_eq!(get("client_id"), Some("cli"));
    assert_eq!(get("redirect_uri"), Some("http://127.0.0.1:4711/callback"));
    assert_eq!(get("scope"), Some("openid offline_access"));
    assert_eq!(get("state"), Some("st-1"));
    assert_eq!(get("code_challenge"), Some(RFC7636_CHALLENGE));
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(
        get("prompt"),
        Some("consent"),
        "OIDC Core §11 for offline_access"
    );
    assert!(!req.url.as_str().contains(RFC7636_VERIFIER));
}

#[test]
fn anaplan_gets_its_prelogin_page_without_prompt_and_a_json_exchange() {
    let anaplan = Provider::anaplan("us1a.app.anaplan.com", "c", None).unwrap();
    let endpoint = anaplan.authorization_endpoint.clone().unwrap();
    assert_eq!(
        endpoint.as_str(),
        "https://us1a.app.anaplan.com/auth/prelogin"
    );
    let req = AuthorizationRequest::new(
        &anaplan,
        &endpoint,
        Url::parse("https://example.com/callback").unwrap(),
        Pkce::from_verifier(RFC7636_VERIFIER),
        "s".into(),
    );
    assert!(req.url.query_pairs().all(|(k, _)| k != "prompt"));
    let exchange = req.exchange_request(&anaplan, &AuthorizationCode("c0de".into()));
    let body: serde_json::Value = serde_json::from_slice(&exchange.body).unwrap();
    assert_eq!(body["grant_type"], "authorization_code");
    assert_eq!(body["redirect_uri"], "https://example.com/callback");
    assert_eq!(
        exchange.url.as_str(),
        "https://us1a.app.anaplan.com/oauth/token"
    );
}

#[test]
fn exchange_sends_code_verifier_and_the_same_redirect_uri() {
    let provider = generic();
    let req = request(&provider);
    let exchange = req.exchange_request(&provider, &AuthorizationCode("c0de".into()));
    assert_eq!(
        String::from_utf8(exchange.body).unwrap(),
        format!(
            "grant_type=authorization_code&code=c0de&redirect_uri=http%3A%2F%2F127.0.0.1%3A4711%2Fcallback&client_id=cli&code_verifier={RFC7636_VERIFIER}"
        )
    );
}

#[test]
fn a_whole_address_or_its_query_gives_the_code() {
    for input in [
        "http://127.0.0.1:1/callback?code=abc&state=st-1&iss=http%3A%2F%2Fidp",
        "  ?state=st-1&code=abc\n",
        "code=abc&state=st-1",
    ] {
        let code = parse_callback(input, "st-1").unwrap();
        assert_eq!(code.expose(), "abc", "{input}");
    }
    assert!(!format!("{:?}", parse_callback("code=abc&state=st-1", "st-1")).contains("abc"));
}

#[test]
fn state_is_checked_before_the_code_or_error_is_believed() {
    let cb = |q: &str| parse_callback(&format!("http://127.0.0.1/cb?{q}"), "st-1");
    assert_eq!(
        cb("code=abc&state=other"),
        Err(CallbackError::StateMismatch)
    );
    assert_eq!(cb("code=abc"), Err(CallbackError::MissingState));
    assert_eq!(
        cb("error=access_denied&state=other"),
        Err(CallbackError::StateMismatch)
    );
    assert!(
        cb("code=abc&state=other")
            .unwrap_err()
            .to_string()
            .contains("nothing was exchanged")
    );
}

#[test]
fn error_callbacks_are_typed_and_sanitised() {
    let denied = parse_callback(
        "http://127.0.0.1/cb?error=access_denied&error_description=User%20said%20%1B%5B31mno&state=s",
        "s",
    );
    assert_eq!(
        denied,
        Err(CallbackError::Denied {
            description: Some("User said no".into())
        })
    );
    let other = parse_callback("error=invalid_scope%07&state=s", "s").unwrap_err();
    assert_eq!(
        other,
        CallbackError::Server {
            code: "invalid_scope".into(),
            description: None
        }
    );
}

#[test]
fn junk_repeats_and_oversized_input_are_refused() {
    assert_eq!(
        parse_callback("hello", "s"),
        Err(CallbackError::NotACallback)
    );
    assert_eq!(
        parse_callback("https://example.com/", "s"),
        Err(CallbackError::NotACallback)
    );
    assert_eq!(
        parse_callback("code=a&code=b&state=s", "s"),
        Err(CallbackError::Repeated("code".into()))
    );
    let long = format!("code=a&state=s&pad={}", "x".repeat(CALLBACK_MAX_BYTES));
    assert_eq!(parse_callback(&long, "s"), Err(CallbackError::TooLong));
}

#[test]
fn a_promised_iss_is_checked_after_state_and_before_code_or_error() {
    let mut provider = generic();
    provider.authorization_response_iss = Some("https://idp.example.com".into());
    let req = request(&provider);
    assert_eq!(req.issuer.as_deref(), Some("https://idp.example.com"));
    let ours = "iss=https%3A%2F%2Fidp.example.com";
    let code = req.check_callback(&format!("code=c0de&state=st-1&{ours}"));
    assert_eq!(code.unwrap().expose(), "c0de");
    assert_eq!(
        req.check_callback("code=c0de&state=st-1"),
        Err(CallbackError::MissingIssuer)
    );
    assert_eq!(
        req.check_callback("code=c0de&state=st-1&iss="),
        Err(CallbackError::MissingIssuer)
    );
    for other in [
        "https%3A%2F%2Fevil.example",
        "https%3A%2F%2Fidp.example.com%2F",
    ] {
        assert_eq!(
            req.check_callback(&format!("code=c0de&state=st-1&iss={other}")),
            Err(CallbackError::IssuerMismatch),
            "{other}"
        );
    }
    // A denial from another server does not end the sign-in as a denial either.
    assert_eq!(
        req.check_callback("error=access_denied&state=st-1&iss=https%3A%2F%2Fevil.example"),
        Err(CallbackError::IssuerMismatch)
    );
    // State first: a forged state is refused as such, whatever its iss.
    assert_eq!(
        req.check_callback(&format!("code=c0de&state=forged&{ours}")),
        Err(CallbackError::StateMismatch)
    );
    // Repeated iss is refused like any repeated parameter.
    assert!(matches!(
        req.check_callback(&format!("code=c0de&state=st-1&{ours}&{ours}")),
        Err(CallbackError::Repeated(_))
    ));
}

#[test]
fn without_the_promise_iss_is_not_required() {
    let req = request(&generic());
    assert_eq!(req.issuer, None);
    assert!(req.check_callback("code=c0de&state=st-1").is_ok());
    assert!(
        req.check_callback("code=c0de&state=st-1&iss=https%3A%2F%2Fanything.example")
            .is_ok()
    );
}
