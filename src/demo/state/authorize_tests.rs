//! The demo's authorization code grant, sans IO: approve, deny, PKCE and single use.

use super::*;
use crate::demo::DemoConfig;

const T0: u64 = 1_700_000_000_000;
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
const REDIRECT: &str = "http://127.0.0.1:4711/callback";

fn params(pairs: &[(&str, &str)]) -> Params {
    let mut ser = url::form_urlencoded::Serializer::new(String::new());
    ser.extend_pairs(pairs);
    Params::from_form(ser.finish().as_bytes()).unwrap()
}

fn request(state: &mut DemoState, extra: &[(&str, &str)]) -> Authorize {
    let mut pairs = vec![
        ("response_type", "code"),
        ("client_id", "cli"),
        ("redirect_uri", REDIRECT),
        ("state", "st"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    for (k, v) in extra {
        pairs.retain(|(key, _)| key != k);
        pairs.push((k, v));
    }
    state.authorize(&params(&pairs), T0)
}

fn query(location: &str) -> HashMap<String, String> {
    Url::parse(location)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// A demo state with one approved request; returns the code.
fn approved() -> (DemoState, String) {
    let mut state = DemoState::new(DemoConfig::default(), "http://127.0.0.1:1".into());
    let Authorize::Consent(view) = request(&mut state, &[]) else {
        panic!("no consent page")
    };
    let location = state
        .decide_authorization(&view.request_id, Decision::Approve, T0)
        .unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    let q = query(&location);
    assert_eq!(q["state"], "st");
    assert_eq!(q["iss"], "http://127.0.0.1:1", "RFC 9207");
    (state, q["code"].clone())
}

fn redeem(
    state: &mut DemoState,
    code: &str,
    verifier: &str,
    redirect: &str,
) -> Result<TokenResponse, OAuthError> {
    let p = params(&[
        ("grant_type", "authorization_code"),
        ("client_id", "cli"),
        ("code", code),
        ("redirect_uri", redirect),
        ("code_verifier", verifier),
    ]);
    state.redeem_code(&p, T0 + 1_000)
}

#[test]
fn a_code_is_redeemed_once_and_reuse_revokes_its_tokens() {
    let (mut state, code) = approved();
    let tokens = redeem(&mut state, &code, VERIFIER, REDIRECT).unwrap();
    assert!(tokens.refresh_token.is_some());
    assert!(state.access_token_active(&tokens.access_token, T0 + 2_000));
    let again = redeem(&mut state, &code, VERIFIER, REDIRECT).unwrap_err();
    assert_eq!(again.code, ErrorCode::InvalidGrant);
    assert!(!state.access_token_active(&tokens.access_token, T0 + 2_000));
    assert_eq!(state.stats().authorization_code_redemptions, 1);
    assert_eq!(state.stats().reuse_detections, 1);
}

#[test]
fn a_wrong_verifier_spends_the_code() {
    let (mut state, code) = approved();
    let wrong = redeem(&mut state, &code, &"x".repeat(43), REDIRECT).unwrap_err();
    assert!(wrong.description.contains("PKCE"), "{wrong:?}");
    assert_eq!(
        redeem(&mut state, &code, VERIFIER, REDIRECT)
            .unwrap_err()
            .code,
        ErrorCode::InvalidGrant
    );
}

#[test]
fn the_redirect_uri_must_be_repeated_exactly() {
    let (mut state, code) = approved();
    let err = redeem(
        &mut state,
        &code,
        VERIFIER,
        "http://127.0.0.1:4712/callback",
    )
    .unwrap_err();
    assert!(err.description.contains("redirect_uri"), "{err:?}");
}

#[test]
fn codes_expire() {
    let (mut state, code) = approved();
    let p = params(&[
        ("grant_type", "authorization_code"),
        ("client_id", "cli"),
        ("code", &code),
        ("redirect_uri", REDIRECT),
        ("code_verifier", VERIFIER),
    ]);
    let late = T0 + secs_to_ms(AUTHORIZATION_CODE_LIFETIME_SECS);
    assert_eq!(
        state.redeem_code(&p, late).unwrap_err().code,
        ErrorCode::InvalidGrant
    );
}

#[test]
fn deny_redirects_with_access_denied_and_the_state() {
    let mut state = DemoState::new(DemoConfig::default(), "http://127.0.0.1:1".into());
    let Authorize::Consent(view) = request(&mut state, &[]) else {
        panic!("no consent page")
    };
    let q = query(
        &state
            .decide_authorization(&view.request_id, Decision::Deny, T0)
            .unwrap(),
    );
    assert_eq!(q["error"], "access_denied");
    assert_eq!(q["state"], "st");
    assert!(!q.contains_key("code"));
    assert!(
        state
            .decide_authorization(&view.request_id, Decision::Approve, T0)
            .is_err(),
        "decided once"
    );
}

#[test]
fn bad_requests_are_refused_or_bounced_as_rfc_6749_says() {
    let mut state = DemoState::new(DemoConfig::default(), "http://127.0.0.1:1".into());
    for redirect in ["https://example.com/cb", "http://192.0.2.1/cb", "not a url"] {
        assert!(
            matches!(
                request(&mut state, &[("redirect_uri", redirect)]),
                Authorize::Refuse(_)
            ),
            "{redirect}"
        );
    }
    for extra in [
        ("code_challenge_method", "plain"),
        ("code_challenge", "short"),
        ("response_type", "token"),
    ] {
        let Authorize::Redirect(location) = request(&mut state, &[extra]) else {
            panic!("{extra:?} was not bounced")
        };
        let q = query(&location);
        assert!(
            q["error"] == "invalid_request" || q["error"] == "unsupported_response_type",
            "{q:?}"
        );
        assert_eq!(q["state"], "st");
    }
}
