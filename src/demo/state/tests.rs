//! Unit tests of the sans-IO demo state: polling rules, decisions, rotation and revocation.

use super::*;
use crate::demo::AutoDecision;

const T0: u64 = 1_700_000_000_000;

fn state(config: DemoConfig) -> DemoState {
    DemoState::new(config, "http://127.0.0.1:1".to_owned())
}

/// A state with one device authorization for client `cli`, made at `T0`.
fn authorized(config: DemoConfig) -> (DemoState, DeviceAuthorization) {
    let mut state = state(config);
    let auth = state.device_authorization("cli", None, T0).unwrap();
    (state, auth)
}

fn approved_tokens(config: DemoConfig) -> (DemoState, TokenResponse) {
    let (mut state, auth) = authorized(config);
    state
        .decide(&auth.user_code, Decision::Approve, T0)
        .unwrap();
    let tokens = state.poll("cli", &auth.device_code, T0).unwrap();
    (state, tokens)
}

fn code(result: Result<TokenResponse, OAuthError>) -> ErrorCode {
    result.unwrap_err().code
}

#[test]
fn poll_spacing_is_measured_in_milliseconds_against_the_interval() {
    assert!(!polled_too_soon(None, T0, 5));
    assert!(polled_too_soon(Some(T0), T0 + 4_999, 5));
    assert!(!polled_too_soon(Some(T0), T0 + 5_000, 5));
    assert!(
        polled_too_soon(Some(T0 + 10), T0, 5),
        "a clock that went back counts as no time elapsed"
    );
}

#[test]
fn states_started_alike_give_different_codes_and_tokens() {
    let (_, first) = approved_tokens(DemoConfig::default());
    let (_, second) = approved_tokens(DemoConfig::default());
    assert_ne!(first.access_token, second.access_token);
    assert_ne!(first.refresh_token, second.refresh_token);
    let (_, a) = authorized(DemoConfig::default());
    let (_, b) = authorized(DemoConfig::default());
    assert_ne!(a.user_code, b.user_code);
    assert_ne!(a.device_code, b.device_code);
}

#[test]
fn first_poll_right_after_authorization_is_pending_not_slow_down() {
    let (mut state, auth) = authorized(DemoConfig::default());
    assert_eq!(
        code(state.poll("cli", &auth.device_code, T0)),
        ErrorCode::AuthorizationPending
    );
}

#[test]
fn each_early_poll_adds_five_seconds_to_the_interval() {
    let (mut state, auth) = authorized(DemoConfig::default());
    let _ = state.poll("cli", &auth.device_code, T0);
    let first = state
        .poll("cli", &auth.device_code, T0 + 1_000)
        .unwrap_err();
    assert_eq!(
        (first.code, first.interval),
        (ErrorCode::SlowDown, Some(10))
    );
    let second = state
        .poll("cli", &auth.device_code, T0 + 2_000)
        .unwrap_err();
    assert_eq!(
        (second.code, second.interval),
        (ErrorCode::SlowDown, Some(15))
    );
    // 14.999 s later is still too soon for a 15 s interval; 15 s after that is fine.
    assert_eq!(
        code(state.poll("cli", &auth.device_code, T0 + 16_999)),
        ErrorCode::SlowDown
    );
    assert_eq!(
        code(state.poll("cli", &auth.device_code, T0 + 16_999 + 20_000)),
        ErrorCode::AuthorizationPending
    );
    assert_eq!(state.stats().slow_downs, 3);
}

#[test]
fn approved_device_code_is_redeemed_once() {
    let (mut state, auth) = authorized(DemoConfig::default());
    state.decide("wdjb", Decision::Approve, T0).unwrap_err();
    state
        .decide(
            &auth.user_code.to_lowercase().replace('-', ""),
            Decision::Approve,
            T0,
        )
        .unwrap();
    let tokens = state.poll("cli", &auth.device_code, T0).unwrap();
    assert!(tokens.access_token.starts_with("demo-at-"));
    assert!(
        tokens
            .refresh_token
            .as_deref()
            .is_some_and(|rt| rt.starts_with("demo-rt-"))
    );
    assert_eq!(
        (tokens.expires_in, tokens.scope.as_str()),
        (2100, DEFAULT_SCOPE)
    );
    assert_eq!(tokens.refresh_token_expires_in, Some(43_000));
    let again = state.poll("cli", &auth.device_code, T0 + 60_000);
    assert_eq!(code(again), ErrorCode::InvalidGrant);
    assert_eq!(state.stats().device_code_redemptions, 1);
}

#[test]
fn denied_device_code_polls_access_denied() {
    let (mut state, auth) = authorized(DemoConfig::default());
    state.decide(&auth.user_code, Decision::Deny, T0).unwrap();
    assert_eq!(
        code(state.poll("cli", &auth.device_code, T0)),
        ErrorCode::AccessDenied
    );
    let err = state
        .decide(&auth.user_code, Decision::Approve, T0)
        .unwrap_err();
    assert!(matches!(err, DemoError::AlreadyDecided { .. }), "{err:?}");
}

#[test]
fn device_code_expires_after_its_lifetime() {
    let (mut state, auth) = authorized(DemoConfig::default());
    let end = T0 + 600_000;
    assert_eq!(
        code(state.poll("cli", &auth.device_code, end - 1)),
        ErrorCode::AuthorizationPending
    );
    assert_eq!(
        code(state.poll("cli", &auth.device_code, end)),
        ErrorCode::ExpiredToken
    );
    let err = state
        .decide(&auth.user_code, Decision::Approve, end)
        .unwrap_err();
    assert!(matches!(err, DemoError::ExpiredUserCode { .. }), "{err:?}");
}

#[test]
fn auto_decision_applies_once_its_delay_has_passed() {
    let decision = Some(AutoDecision {
        after_secs: 3,
        decision: Decision::Approve,
    });
    let (mut state, auth) = authorized(DemoConfig {
        auto_decision: decision,
        ..DemoConfig::default()
    });
    assert_eq!(
        code(state.poll("cli", &auth.device_code, T0 + 2_999)),
        ErrorCode::AuthorizationPending
    );
    assert!(state.poll("cli", &auth.device_code, T0 + 7_999).is_ok());
}

#[test]
fn device_code_of_another_client_or_unknown_is_invalid_grant() {
    let (mut state, auth) = authorized(DemoConfig::default());
    assert_eq!(
        code(state.poll("other", &auth.device_code, T0)),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code(state.poll("cli", "demo-dc-nope", T0)),
        ErrorCode::InvalidGrant
    );
}

#[test]
fn rotation_issues_a_new_refresh_token_and_reuse_revokes_the_family() {
    let (mut state, first) = approved_tokens(DemoConfig::default());
    let rt1 = first.refresh_token.unwrap();
    let second = state.refresh(Some("cli"), &rt1, T0 + 1_000).unwrap();
    let rt2 = second.refresh_token.clone().unwrap();
    assert_ne!(rt1, rt2);
    assert_ne!(first.access_token, second.access_token);
    assert!(state.access_token_active(&second.access_token, T0 + 1_000));

    assert_eq!(
        code(state.refresh(None, &rt1, T0 + 2_000)),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code(state.refresh(None, &rt2, T0 + 2_000)),
        ErrorCode::InvalidGrant
    );
    assert!(!state.access_token_active(&second.access_token, T0 + 2_000));
    assert_eq!(
        (state.stats().refreshes, state.stats().reuse_detections),
        (1, 1)
    );
}

#[test]
fn without_rotation_the_refresh_token_stays_valid_and_is_not_returned() {
    let config = DemoConfig {
        rotate_refresh_tokens: false,
        ..DemoConfig::default()
    };
    let (mut state, first) = approved_tokens(config);
    assert_eq!(first.refresh_token_expires_in, None);
    let rt = first.refresh_token.unwrap();
    for i in 1..=3 {
        let next = state.refresh(Some("cli"), &rt, T0 + i * 1_000).unwrap();
        assert_eq!(next.refresh_token, None);
    }
}

#[test]
fn expired_or_foreign_refresh_token_is_invalid_grant() {
    let config = DemoConfig {
        refresh_token_lifetime_secs: Some(60),
        ..DemoConfig::default()
    };
    let (mut state, tokens) = approved_tokens(config);
    let rt = tokens.refresh_token.unwrap();
    assert_eq!(
        code(state.refresh(Some("other"), &rt, T0)),
        ErrorCode::InvalidGrant
    );
    assert_eq!(
        code(state.refresh(None, &rt, T0 + 60_000)),
        ErrorCode::InvalidGrant
    );
}

#[test]
fn a_lifetime_counted_from_sign_in_ends_every_rotated_token_at_the_same_time() {
    let config = DemoConfig {
        refresh_token_lifetime_secs: Some(60),
        refresh_token_lifetime_from: crate::demo::LifetimeStart::SignIn,
        announce_refresh_token_lifetime: false,
        ..DemoConfig::default()
    };
    let (mut state, tokens) = approved_tokens(config);
    assert_eq!(tokens.refresh_token_expires_in, None, "not announced");
    let mut rt = tokens.refresh_token.unwrap();
    for at in [20_000, 40_000, 59_000] {
        rt = state
            .refresh(None, &rt, T0 + at)
            .unwrap()
            .refresh_token
            .unwrap();
    }
    assert_eq!(
        code(state.refresh(None, &rt, T0 + 60_000)),
        ErrorCode::InvalidGrant,
        "a token rotated a second earlier ends at sign-in + lifetime"
    );
}

#[test]
fn a_lifetime_counted_from_issue_restarts_at_each_rotation() {
    let config = DemoConfig {
        refresh_token_lifetime_secs: Some(60),
        ..DemoConfig::default()
    };
    let (mut state, tokens) = approved_tokens(config);
    let mut rt = tokens.refresh_token.unwrap();
    for at in [50_000, 100_000, 150_000] {
        let next = state.refresh(None, &rt, T0 + at).unwrap();
        assert_eq!(next.refresh_token_expires_in, Some(60));
        rt = next.refresh_token.unwrap();
    }
}

#[test]
fn revoking_a_refresh_token_revokes_its_access_tokens() {
    let (mut state, tokens) = approved_tokens(DemoConfig::default());
    let rt = tokens.refresh_token.unwrap();
    assert!(state.access_token_active(&tokens.access_token, T0));
    state.revoke(None, &rt).unwrap();
    assert!(!state.access_token_active(&tokens.access_token, T0));
    assert_eq!(code(state.refresh(None, &rt, T0)), ErrorCode::InvalidGrant);
    assert_eq!(state.stats().revocations, 1);
}

#[test]
fn revoking_an_access_token_leaves_the_refresh_token() {
    let (mut state, tokens) = approved_tokens(DemoConfig::default());
    state.revoke(Some("cli"), &tokens.access_token).unwrap();
    assert!(!state.access_token_active(&tokens.access_token, T0));
    assert!(
        state
            .refresh(None, &tokens.refresh_token.unwrap(), T0)
            .is_ok()
    );
    state.revoke(None, "unknown-token").unwrap();
    assert_eq!(state.stats().revocations, 1);
}
