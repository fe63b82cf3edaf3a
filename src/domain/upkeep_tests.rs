use super::*;
use crate::domain::secret::{AccessToken, RefreshToken};
use crate::domain::session::ProviderRecord;
use crate::domain::token::TokenSet;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_000_000 + secs)
}

fn session(lifetime_secs: u64, refresh: bool, lifespan: Option<u64>) -> Session {
    let provider = ProviderRecord {
        kind: "generic".into(),
        host: "auth.example.com".into(),
        client_id: "c".into(),
        scope: "openid offline_access".into(),
        device_authorization_endpoint: "https://auth.example.com/device".into(),
        token_endpoint: "https://auth.example.com/token".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: None,
        logout_endpoint: None,
        refresh_token_lifespan_secs: lifespan,
        client_auth: None,
        client_secret_source: None,
    };
    let tokens = TokenSet {
        access_token: AccessToken::new("a1"),
        token_type: "Bearer".into(),
        expires_at: Some(at(0).plus_secs(lifetime_secs)),
        refresh_token: refresh.then(|| RefreshToken::new("r1")),
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: at(0),
    };
    Session::new("p", provider, tokens, at(0))
}

#[test]
fn the_access_token_is_refreshed_one_second_inside_the_margin() {
    let s = session(2100, true, None);
    let due = next(&s, &Watch::default());
    assert_eq!(
        due,
        Some((at(2100 - 300 + 1), Action::Refresh(Why::AccessExpiring)))
    );
    // And `grantty token`'s own check agrees that it is due then, and not a second earlier.
    assert!(s.needs_refresh(at(1801), s.refresh_margin(KEEP_MARGIN_SECS)));
    assert!(!s.needs_refresh(at(1800), s.refresh_margin(KEEP_MARGIN_SECS)));
}

#[test]
fn a_short_lived_token_is_refreshed_at_half_its_life() {
    let s = session(6, true, None);
    assert_eq!(
        next(&s, &Watch::default()),
        Some((at(4), Action::Refresh(Why::AccessExpiring)))
    );
}

#[test]
fn nothing_is_due_before_the_deadline_and_the_wake_up_is_the_deadline() {
    let s = session(2100, true, None);
    let watch = Watch::default();
    let early = plan([(&s, &watch)], at(1000));
    assert!(early.due.is_empty());
    assert_eq!(
        early.wake_at,
        at(1801).min(at(1000).plus_secs(RECHECK_SECS))
    );
    let later = plan([(&s, &watch)], at(1801));
    assert_eq!(later.due, vec![(0, Action::Refresh(Why::AccessExpiring))]);
}

#[test]
fn the_wake_up_is_capped_so_new_sessions_are_noticed() {
    let s = session(86_400, true, None);
    let watch = Watch::default();
    assert_eq!(
        plan([(&s, &watch)], at(0)).wake_at,
        at(0).plus_secs(RECHECK_SECS)
    );
}

#[test]
fn a_possibly_rotating_token_is_refreshed_before_its_lifespan_ends() {
    // Anaplan: access tokens of 35 min would be refreshed anyway; make them long so the
    // lifespan is what matters.
    let s = session(100_000, true, Some(43_000));
    assert_eq!(
        next(&s, &Watch::default()),
        Some((at(43_000 - 3600), Action::Refresh(Why::LifespanEnding)))
    );
}

#[test]
fn a_fixed_refresh_token_gets_one_notice_before_its_lifespan_ends() {
    let mut s = session(100_000, true, None);
    s.meta.refresh.kind = RefreshKind::Fixed;
    s.meta.refresh.expires_at = Some(at(50_000));
    let mut watch = Watch::default();
    let notice = Notice::LifespanEnds { at: at(50_000) };
    assert_eq!(
        next(&s, &watch),
        Some((at(50_000 - 3600), Action::Notify(notice)))
    );
    watch.noticed = Some(notice);
    assert_eq!(
        next(&s, &watch),
        Some((at(100_000 - 300 + 1), Action::Refresh(Why::AccessExpiring))),
        "refreshing still renews the access token"
    );
}

#[test]
fn a_session_without_refresh_token_needs_a_human_at_once_and_only_once() {
    let s = session(2100, false, None);
    let mut watch = Watch::default();
    let first = plan([(&s, &watch)], at(5));
    assert_eq!(
        first.due,
        vec![(
            0,
            Action::Notify(Notice::NoRefreshToken {
                access_ends: Some(at(2100))
            })
        )]
    );
    watch.noticed = Some(Notice::NoRefreshToken {
        access_ends: Some(at(2100)),
    });
    assert_eq!(
        next(&s, &watch),
        None,
        "nothing to refresh, nothing more to say"
    );
}

#[test]
fn failures_back_off_exponentially_up_to_the_cap() {
    let got: Vec<u64> = (1..=8).map(backoff_secs).collect();
    assert_eq!(got, [15, 30, 60, 120, 240, 480, 900, 900]);
    let s = session(2100, true, None);
    let mut watch = Watch::default();
    assert_eq!(watch.failed(at(1801)), 15);
    assert_eq!(
        next(&s, &watch),
        Some((at(1816), Action::Refresh(Why::Retry)))
    );
    assert_eq!(watch.failed(at(1816)), 30);
    watch.succeeded(at(1850));
    assert_eq!(watch.failures, 0);
    assert_eq!(watch.retry_at, None);
}

#[test]
fn an_attempt_that_found_nothing_to_do_is_not_repeated_within_the_second() {
    let s = session(2100, true, None);
    let mut watch = Watch::default();
    watch.succeeded(at(1801));
    let plan = plan([(&s, &watch)], at(1801));
    assert!(plan.due.is_empty(), "no busy loop on the same second");
    assert_eq!(plan.wake_at, at(1802));
}

#[test]
fn a_halted_session_waits_for_a_new_sign_in() {
    let mut s = session(2100, true, None);
    let mut watch = Watch::default();
    watch.halt(&s);
    assert_eq!(next(&s, &watch), None);
    watch.observe(&s);
    assert_eq!(next(&s, &watch), None, "same session: still halted");
    s.meta.signed_in_at = at(3000);
    watch.observe(&s);
    assert!(next(&s, &watch).is_some(), "a new sign-in is kept again");
}

#[test]
fn the_earliest_session_decides_the_wake_up() {
    let a = session(2100, true, None);
    let b = session(900, true, None);
    let (wa, wb) = (Watch::default(), Watch::default());
    let plan = plan([(&a, &wa), (&b, &wb)], at(10));
    assert!(plan.due.is_empty());
    assert_eq!(plan.wake_at, at(900 - 300 + 1));
}
