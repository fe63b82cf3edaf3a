use super::*;
use crate::domain::secret::{AccessToken, RefreshToken};
use crate::domain::session::ProviderRecord;
use crate::domain::token::TokenSet;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_000_000 + secs)
}

fn session(lifetime_secs: u64, refresh: bool, lifespan: Option<u64>) -> Session {
    session_at(lifetime_secs, refresh, lifespan, at(0))
}

fn session_issued(lifetime_secs: u64, issued: Timestamp) -> Session {
    session_at(lifetime_secs, true, None, issued)
}

fn session_at(
    lifetime_secs: u64,
    refresh: bool,
    lifespan: Option<u64>,
    issued: Timestamp,
) -> Session {
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
        expires_at: Some(issued.plus_secs(lifetime_secs)),
        refresh_token: refresh.then(|| RefreshToken::new("r1")),
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: issued,
    };
    Session::new("p", provider, tokens, issued)
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
    assert!(s.needs_refresh(at(1801), s.refresh_margin(ACCESS_MARGIN_SECS)));
    assert!(!s.needs_refresh(at(1800), s.refresh_margin(ACCESS_MARGIN_SECS)));
}

#[test]
fn the_access_token_margin_is_half_its_life_and_never_sooner_than_the_floor() {
    // (lifetime, refresh at): the margin is capped at half the lifetime; tokens living less
    // than twice the floor are refreshed at the floor, `expires_in: 0` included.
    let table = [
        (0, 30),
        (1, 30),
        (6, 30),
        (58, 30),
        (59, 31),
        (60, 31),
        (100, 51),
        (700, 401),
        (2100, 1801),
    ];
    for (lifetime, expected) in table {
        let s = session(lifetime, true, None);
        assert_eq!(
            refresh_at(&s, ACCESS_MARGIN_SECS, &Attempts::default()),
            Some((at(expected), Why::AccessExpiring)),
            "lifetime {lifetime} s"
        );
    }
}

#[test]
fn a_token_already_expired_at_receipt_waits_for_the_floor() {
    let mut s = session(0, true, None);
    s.meta.access_expires_at = Some(at(-3600));
    assert_eq!(
        refresh_at(&s, ACCESS_MARGIN_SECS, &Attempts::default()),
        Some((at(30), Why::AccessExpiring))
    );
}

#[test]
fn a_server_answering_expires_in_0_is_asked_twice_a_minute() {
    // keep's loop, sped up: wake at the planned time, refresh, get another 0-second token.
    let mut s = session(0, true, None);
    let mut watch = Watch::default();
    let mut now = at(0);
    let mut refreshes = Vec::new();
    while now < at(300) {
        let p = plan([(&s, &watch)], now);
        if p.due.is_empty() {
            assert!(p.wake_at > now, "no busy loop at {now:?}");
            now = p.wake_at;
            continue;
        }
        refreshes.push(now.as_unix_secs() - at(0).as_unix_secs());
        watch.succeeded(now);
        s = session_issued(0, now);
    }
    assert_eq!(refreshes, [30, 60, 90, 120, 150, 180, 210, 240, 270]);
}

#[test]
fn an_attempt_that_worked_sets_the_floor_even_when_the_token_did_not_change() {
    let s = session(2100, true, None);
    let mut attempts = Attempts::default();
    attempts.succeeded(at(1801));
    assert_eq!(
        refresh_at(&s, ACCESS_MARGIN_SECS, &attempts),
        Some((at(1801 + 30), Why::AccessExpiring))
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
    let notice = Notice::SignInLifespanEnds { at: at(43_000) };
    assert_eq!(
        next(&s, &Watch::default()),
        Some((at(43_000 - 7200), Action::Notify(notice))),
        "first a person hears that it may end at sign-in + lifespan"
    );
    let watch = Watch {
        noticed: Some(notice),
        ..Watch::default()
    };
    assert_eq!(
        next(&s, &watch),
        Some((at(43_000 - 3600), Action::Refresh(Why::LifespanEnding)))
    );
}

#[test]
fn a_rotating_lifespan_planned_from_sign_in_gets_a_notice_and_a_restarting_one_does_not() {
    let mut s = session(2100, true, Some(43_000));
    s.meta.refresh.kind = RefreshKind::Rotating;
    s.meta.refresh.issued_at = at(40_000);
    s.meta.access_issued_at = at(40_000);
    s.meta.access_expires_at = Some(at(42_100));
    assert_eq!(deadline(&s), Some(at(43_000)), "sign-in + lifespan");
    let due = plan([(&s, &Watch::default())], at(41_000));
    assert_eq!(
        due.due,
        vec![(
            0,
            Action::Notify(Notice::SignInLifespanEnds { at: at(43_000) })
        )]
    );
    s.meta.refresh.lifespan_start = crate::domain::session::LifespanStart::Rotation;
    assert_eq!(deadline(&s), Some(at(83_000)), "last rotation + lifespan");
    assert!(plan([(&s, &Watch::default())], at(41_000)).due.is_empty());
    assert_eq!(ends_for_good(&s), None);
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
        Some((at(50_000 - 7200), Action::Notify(notice)))
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
fn failures_back_off_exponentially_up_to_the_one_cap() {
    let got: Vec<u64> = (1..=8).map(backoff_secs).collect();
    assert_eq!(got, [15, 30, 60, 120, 240, 480, 900, 900]);
    assert_eq!(backoff_secs(0), RETRY_FIRST_SECS);
    assert_eq!(backoff_secs(u32::MAX), RETRY_CAP_SECS);
    let s = session(2100, true, None);
    let mut watch = Watch::default();
    assert_eq!(watch.failed(at(1801)), 15);
    assert_eq!(
        next(&s, &watch),
        Some((at(1816), Action::Refresh(Why::Retry)))
    );
    assert_eq!(watch.failed(at(1816)), 30);
    watch.succeeded(at(1850));
    assert_eq!(watch.attempts.failures, 0);
    assert_eq!(watch.attempts.retry_at, None);
}

#[test]
fn a_retry_is_never_sooner_than_the_floor() {
    // A failure right after the token arrived: the back-off's 15 s is stretched to the floor.
    let s = session(0, true, None);
    let mut attempts = Attempts::default();
    attempts.failed(at(1));
    assert_eq!(
        refresh_at(&s, ACCESS_MARGIN_SECS, &attempts),
        Some((at(30), Why::Retry))
    );
}

#[test]
fn an_attempt_that_found_nothing_to_do_is_not_repeated_before_the_floor() {
    let s = session(2100, true, None);
    let mut watch = Watch::default();
    watch.succeeded(at(1801));
    let plan = plan([(&s, &watch)], at(1801));
    assert!(plan.due.is_empty(), "no busy loop");
    assert_eq!(plan.wake_at, at(1801 + 30));
}

#[test]
fn the_refresh_token_warning_starts_at_the_one_notice_threshold() {
    // (end, now, warned): from 2 h before the known end, and after it.
    let table = [
        (None, 0, false),
        (Some(43_000), 0, false),
        (Some(43_000), 43_000 - 7201, false),
        (Some(43_000), 43_000 - 7200, true),
        (Some(43_000), 50_000, true),
    ];
    for (end, now, warned) in table {
        let mut s = session(2100, true, None);
        s.meta.refresh.expires_at = end.map(at);
        let got = refresh_token_ends_soon(&s, at(now));
        assert_eq!(got.is_some(), warned, "end {end:?}, now {now}");
        assert_eq!(got, end.map(at).filter(|_| warned));
    }
}

#[test]
fn unsaved_tokens_are_saved_again_three_times_then_kept_aside() {
    let table = [
        (0, UnsavedStep::RetryAfterMs(250)),
        (1, UnsavedStep::RetryAfterMs(250)),
        (2, UnsavedStep::RetryAfterMs(500)),
        (3, UnsavedStep::RetryAfterMs(1000)),
        (4, UnsavedStep::KeepAsideAfterMs(0)),
        (5, UnsavedStep::KeepAsideAfterMs(15_000)),
        (6, UnsavedStep::KeepAsideAfterMs(30_000)),
        (u32::MAX, UnsavedStep::KeepAsideAfterMs(900_000)),
    ];
    for (failed_saves, step) in table {
        assert_eq!(unsaved_step(failed_saves), step, "after {failed_saves}");
    }
    let retries = (1..=SAVE_RETRIES)
        .filter(|n| matches!(unsaved_step(*n), UnsavedStep::RetryAfterMs(_)))
        .count();
    assert_eq!(retries, 3);
}

#[test]
fn a_driver_counting_seconds_rounds_an_unsaved_pause_up() {
    assert_eq!(UnsavedStep::RetryAfterMs(250).due_at(at(0)), at(1));
    assert_eq!(UnsavedStep::RetryAfterMs(1000).due_at(at(0)), at(1));
    assert_eq!(UnsavedStep::KeepAsideAfterMs(0).due_at(at(0)), at(0));
    assert_eq!(UnsavedStep::KeepAsideAfterMs(15_000).due_at(at(0)), at(15));
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

#[test]
fn held_tokens_are_saved_with_back_off_and_never_refreshed_over() {
    // The refresh's save, three retries and the fallback file failed: five failed saves.
    let s = session(0, true, None);
    let mut watch = Watch::default();
    assert_eq!(watch.hold(SAVE_RETRIES + 2, at(40)), 15);
    assert_eq!(next(&s, &watch), Some((at(55), Action::SaveHeld)));
    let p = plan([(&s, &watch)], at(54));
    assert!(p.due.is_empty(), "no refresh over held tokens: {p:?}");
    assert_eq!(p.wake_at, at(55));
    assert_eq!(watch.hold(SAVE_RETRIES + 3, at(55)), 30, "doubling");
    watch.held = None;
    assert!(matches!(next(&s, &watch), Some((_, Action::Refresh(_)))));
}

#[test]
fn failures_are_met_by_kind_refusals_told_once_then_backed_off() {
    let s = session(2100, true, None);
    let now = at(0);
    let cases = [
        (Failure::Gone, Reaction::Forget),
        (
            Failure::Lasting,
            Reaction::NeedsPerson {
                retry_in_secs: None,
            },
        ),
        (
            Failure::Refused,
            Reaction::NeedsPerson {
                retry_in_secs: Some(RETRY_FIRST_SECS),
            },
        ),
        (
            Failure::Passing,
            Reaction::Retry {
                in_secs: RETRY_FIRST_SECS,
            },
        ),
    ];
    for (failure, expected) in cases {
        let mut watch = Watch::default();
        assert_eq!(
            watch.after_failure(failure, &s, now),
            expected,
            "{failure:?}"
        );
    }

    // A lasting failure halts: nothing is planned until the session changes.
    let mut watch = Watch::default();
    watch.after_failure(Failure::Lasting, &s, now);
    assert_eq!(next(&s, &watch), None);

    // A refusal is told once; later ones are retried with the growing back-off.
    let mut watch = Watch::default();
    let first = watch.after_failure(Failure::Refused, &s, now);
    assert!(matches!(first, Reaction::NeedsPerson { .. }));
    let second = watch.after_failure(Failure::Refused, &s, now);
    assert_eq!(
        second,
        Reaction::Retry {
            in_secs: 2 * RETRY_FIRST_SECS
        }
    );
}
