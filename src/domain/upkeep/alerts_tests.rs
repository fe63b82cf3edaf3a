use super::*;
use crate::domain::secret::{AccessToken, RefreshToken};
use crate::domain::session::ProviderRecord;
use crate::domain::token::TokenSet;
use crate::domain::upkeep::Failure;

const HOUR: u64 = 3600;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_000_000 + secs)
}

fn hours(h: i64) -> Timestamp {
    at(h * 3600)
}

/// A session signed in at `at(0)` whose refresh token (if any) ends `ends_in` after that.
fn session(refresh: bool, ends_in: Option<u64>, kind: RefreshKind) -> Session {
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
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    };
    let tokens = TokenSet {
        access_token: AccessToken::new("a1"),
        token_type: "Bearer".into(),
        expires_at: Some(at(2100)),
        refresh_token: refresh.then(|| RefreshToken::new("r1")),
        refresh_token_expires_at: ends_in.map(|s| at(0).plus_secs(s)),
        scope: None,
        id_token: None,
        issued_at: at(0),
    };
    let mut s = Session::new("p", provider, tokens, at(0));
    s.meta.refresh.kind = kind;
    s.meta.refresh.expires_at = ends_in.map(|s| at(0).plus_secs(s));
    s
}

fn kinds(alerts: &[Alert]) -> Vec<AlertKind> {
    alerts.iter().map(|a| a.kind).collect()
}

#[test]
fn sign_in_soon_is_given_24_hours_and_2_hours_before_the_end_once_each() {
    let s = session(true, Some(72 * HOUR), RefreshKind::Fixed);
    let end = hours(72);
    let mut a = Alerts::default();
    assert!(a.on_tick(&s, hours(0)).is_empty());
    assert_eq!(a.next_at(&s, hours(0)), Some(hours(48)));
    assert!(a.on_tick(&s, hours(47)).is_empty());
    let soon = a.on_tick(&s, hours(48));
    assert_eq!(
        soon,
        [Alert {
            kind: AlertKind::SignInSoon,
            deadline: Some(end)
        }]
    );
    assert!(
        a.on_tick(&s, hours(49)).is_empty(),
        "not repeated each tick"
    );
    assert_eq!(a.next_at(&s, hours(49)), Some(hours(70)));
    assert_eq!(kinds(&a.on_tick(&s, hours(70))), [AlertKind::SignInSoon]);
    assert!(a.on_tick(&s, hours(71)).is_empty());
    assert_eq!(a.next_at(&s, hours(71)), Some(end), "then the end itself");
}

#[test]
fn sign_in_soon_is_given_at_once_and_only_once_when_less_is_left() {
    let s = session(true, Some(HOUR), RefreshKind::Fixed);
    let mut a = Alerts::default();
    assert_eq!(kinds(&a.on_tick(&s, at(0))), [AlertKind::SignInSoon]);
    assert!(a.on_tick(&s, at(60)).is_empty());
    let s = session(true, Some(10 * HOUR), RefreshKind::Rotating);
    let mut a = Alerts::default();
    assert_eq!(kinds(&a.on_tick(&s, at(0))), [AlertKind::SignInSoon]);
    assert_eq!(
        a.next_at(&s, at(0)),
        Some(hours(8)),
        "the 2 h stage is still to come"
    );
}

#[test]
fn an_end_that_moves_forward_at_each_rotation_does_not_repeat_the_warning() {
    let mut s = session(true, Some(12 * HOUR), RefreshKind::Rotating);
    let mut a = Alerts::default();
    assert_eq!(kinds(&a.on_tick(&s, at(0))), [AlertKind::SignInSoon]);
    for hour in 1..40 {
        s.meta.refresh.expires_at = Some(hours(hour + 12));
        assert!(a.on_tick(&s, hours(hour)).is_empty(), "hour {hour}");
    }
    // A lifespan restarted well beyond a day re-arms both stages.
    s.meta.refresh.expires_at = Some(hours(40 + 30));
    assert!(a.on_tick(&s, hours(40)).is_empty());
    assert_eq!(kinds(&a.on_tick(&s, hours(46))), [AlertKind::SignInSoon]);
}

#[test]
fn a_session_that_cannot_outlive_its_end_has_ended_then() {
    let s = session(true, Some(HOUR), RefreshKind::Fixed);
    let mut a = Alerts::default();
    a.on_tick(&s, at(0));
    assert_eq!(kinds(&a.on_tick(&s, hours(1))), [AlertKind::Ended]);
    assert!(a.on_tick(&s, hours(2)).is_empty());
    assert_eq!(a.next_at(&s, hours(2)), None, "nothing more to wake for");
    // Without a refresh token the access token's expiry is the end.
    let s = session(false, None, RefreshKind::None);
    let mut a = Alerts::default();
    assert_eq!(kinds(&a.on_tick(&s, at(0))), [AlertKind::SignInSoon]);
    assert_eq!(a.next_at(&s, at(0)), Some(at(2100)));
    assert_eq!(kinds(&a.on_tick(&s, at(2100))), [AlertKind::Ended]);
}

#[test]
fn a_rotating_session_past_its_planned_end_waits_for_the_server() {
    let s = session(true, Some(HOUR), RefreshKind::Rotating);
    let mut a = Alerts::default();
    a.on_tick(&s, at(0));
    assert!(a.on_tick(&s, hours(2)).is_empty());
    assert_eq!(a.next_at(&s, hours(2)), None, "no wake-up in the past");
    let ended = a.after_failure(Failure::Lasting, &s).unwrap();
    assert_eq!(ended.kind, AlertKind::Ended);
    assert_eq!(ended.deadline, Some(hours(1)));
}

#[test]
fn a_refusal_needs_a_person_once_and_a_success_recovers_it_once() {
    let s = session(true, None, RefreshKind::Rotating);
    let mut a = Alerts::default();
    assert!(a.on_tick(&s, at(0)).is_empty());
    assert_eq!(a.next_at(&s, at(0)), None, "no end known");
    assert_eq!(
        a.after_failure(Failure::Refused, &s).map(|a| a.kind),
        Some(AlertKind::NeedsHuman)
    );
    assert_eq!(a.after_failure(Failure::Refused, &s), None, "said once");
    assert_eq!(a.after_failure(Failure::Passing, &s), None);
    let mut refused = s.clone();
    refused.meta.state = SessionState::RefreshRefused {
        code: "invalid_client".into(),
        since: at(1),
    };
    assert!(
        a.on_tick(&refused, at(2)).is_empty(),
        "the stored state too"
    );
    assert_eq!(
        a.after_success(&s).map(|a| a.kind),
        Some(AlertKind::Recovered)
    );
    assert_eq!(a.after_success(&s), None, "recovered once");
    // Failing again after recovering is said again.
    assert_eq!(
        a.after_failure(Failure::Refused, &s).map(|a| a.kind),
        Some(AlertKind::NeedsHuman)
    );
}

#[test]
fn passing_failures_and_gone_sessions_alert_nobody() {
    let s = session(true, None, RefreshKind::Rotating);
    let mut a = Alerts::default();
    a.on_tick(&s, at(0));
    assert_eq!(a.after_failure(Failure::Passing, &s), None);
    assert_eq!(a.after_failure(Failure::Gone, &s), None);
    assert_eq!(a.after_success(&s), None, "nothing to recover from");
}

#[test]
fn ended_is_said_once_and_a_new_sign_in_recovers() {
    let s = session(true, None, RefreshKind::Rotating);
    let mut a = Alerts::default();
    a.on_tick(&s, at(0));
    assert_eq!(
        a.after_failure(Failure::Lasting, &s).map(|a| a.kind),
        Some(AlertKind::Ended)
    );
    let mut ended = s.clone();
    ended.meta.state = SessionState::Ended {
        code: Some("invalid_grant".into()),
        at: at(1),
        interrupted: false,
    };
    assert!(a.on_tick(&ended, at(2)).is_empty());
    assert_eq!(
        a.after_failure(Failure::Refused, &s),
        None,
        "ended is worse"
    );
    assert_eq!(a.tokens_missing(), None);
    let mut again = session(true, Some(HOUR), RefreshKind::Rotating);
    again.meta.signed_in_at = at(100);
    assert_eq!(
        kinds(&a.on_tick(&again, at(100))),
        [AlertKind::Recovered, AlertKind::SignInSoon]
    );
}

#[test]
fn a_stored_ended_session_is_ended_at_the_first_look() {
    let mut s = session(true, None, RefreshKind::Rotating);
    s.meta.state = SessionState::Ended {
        code: Some("invalid_grant".into()),
        at: at(1),
        interrupted: false,
    };
    let mut a = Alerts::default();
    assert_eq!(kinds(&a.on_tick(&s, at(2))), [AlertKind::Ended]);
    assert!(a.on_tick(&s, at(3)).is_empty());
}

#[test]
fn the_event_names_are_the_hooks() {
    let names: Vec<&str> = [
        AlertKind::SignInSoon,
        AlertKind::NeedsHuman,
        AlertKind::Recovered,
        AlertKind::Ended,
    ]
    .iter()
    .map(|k| k.as_str())
    .collect();
    assert_eq!(names, ["sign-in-soon", "needs-human", "recovered", "ended"]);
}

#[test]
fn the_keeper_wakes_for_the_next_warning() {
    use crate::domain::upkeep::{Watch, plan};
    // A refresh token that does not rotate and needs no refresh for 3 days.
    let mut s = session(true, Some(72 * HOUR), RefreshKind::Fixed);
    s.meta.access_expires_at = None;
    let mut watch = Watch::default();
    watch.alerts.on_tick(&s, hours(47));
    let wake = plan([(&s, &watch)], hours(47)).wake_at;
    assert_eq!(
        wake,
        hours(47).plus_secs(crate::domain::upkeep::RECHECK_SECS)
    );
    let wake = plan([(&s, &watch)], at(48 * 3600 - 60)).wake_at;
    assert_eq!(
        wake,
        hours(48),
        "woken for the 24 h warning, not the recheck"
    );
}
