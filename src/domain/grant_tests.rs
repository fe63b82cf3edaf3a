//! Table tests of the polling rules (RFC 8628 §3.5).

use super::*;
use crate::domain::secret::AccessToken;

const T0: i64 = 1_000_000;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(T0 + secs)
}

fn auth(interval_secs: u64, expires_in: u64) -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: DeviceCode::new("dc"),
        user_code: "WDJB-MJHT".into(),
        verification_uri: "https://example.com/device".into(),
        verification_uri_complete: None,
        issued_at: at(0),
        expires_at: at(0).plus_secs(expires_in),
        interval_secs,
    }
}

fn tokens() -> TokenSet {
    TokenSet {
        access_token: AccessToken::new("at"),
        token_type: "Bearer".into(),
        expires_at: None,
        refresh_token: None,
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: at(0),
    }
}

fn server_error(code: &str) -> ServerError {
    ServerError {
        status: 400,
        code: code.into(),
        description: None,
    }
}

/// Sends a poll at `now` (asserting it is due) and applies `reply`.
fn poll(p: &mut Poller, now: Timestamp, reply: PollReply) -> PollOutcome {
    assert_eq!(p.due(now), PollDue::PollNow, "poll not due at {now:?}");
    p.poll_sent();
    p.on_reply(reply, now)
}

#[test]
fn first_poll_waits_one_interval() {
    let p = Poller::new(&auth(5, 600), at(0));
    assert_eq!(p.due(at(4)), PollDue::Wait);
    assert_eq!(p.due(at(5)), PollDue::PollNow);
}

#[test]
fn absent_or_zero_interval_never_polls_in_a_loop() {
    let p = Poller::new(&auth(0, 600), at(0));
    assert_eq!(p.interval_secs(), 1);
    assert_eq!(p.due(at(0)), PollDue::Wait);
}

#[test]
fn pending_keeps_polling_at_the_interval_plus_margin() {
    let mut p = Poller::new(&auth(5, 600), at(0));
    assert_eq!(
        poll(&mut p, at(5), PollReply::Pending),
        PollOutcome::Continue
    );
    assert_eq!(p.next_poll_at(), at(5 + 5).plus_secs(POLL_MARGIN_SECS));
    assert_eq!(p.last_answer(), Some(&(at(5), LastAnswer::Pending)));
}

#[test]
fn never_two_polls_in_flight() {
    let mut p = Poller::new(&auth(5, 600), at(0));
    p.poll_sent();
    assert_eq!(p.due(at(100)), PollDue::Wait);
}

#[test]
fn slow_down_twice_gives_fifteen_seconds() {
    let mut p = Poller::new(&auth(5, 600), at(0));
    poll(
        &mut p,
        at(5),
        PollReply::SlowDown {
            interval_secs: None,
        },
    );
    assert_eq!(p.interval_secs(), 10);
    poll(
        &mut p,
        at(16),
        PollReply::SlowDown {
            interval_secs: None,
        },
    );
    assert_eq!(p.interval_secs(), 15);
    assert_eq!(p.next_poll_at(), at(16 + 15 + 1));
    // The larger interval stays for the later pending answers too.
    poll(&mut p, at(32), PollReply::Pending);
    assert_eq!(p.interval_secs(), 15);
}

#[test]
fn slow_down_honours_a_larger_server_interval_but_not_a_smaller_one() {
    let mut p = Poller::new(&auth(5, 600), at(0));
    poll(
        &mut p,
        at(5),
        PollReply::SlowDown {
            interval_secs: Some(30),
        },
    );
    assert_eq!(p.interval_secs(), 30);
    poll(
        &mut p,
        at(36),
        PollReply::SlowDown {
            interval_secs: Some(2),
        },
    );
    assert_eq!(p.interval_secs(), 35);
}

#[test]
fn ending_answers_stop_polling() {
    let table = [
        (
            PollReply::Approved(Box::new(tokens())),
            PollOutcome::Approved(Box::new(tokens())),
        ),
        (
            PollReply::Denied {
                description: Some("no".into()),
            },
            PollOutcome::Ended(GrantFailure::Denied {
                description: Some("no".into()),
            }),
        ),
        (
            PollReply::Expired,
            PollOutcome::Ended(GrantFailure::Expired { by_server: true }),
        ),
        (
            PollReply::Error(server_error("invalid_client")),
            PollOutcome::Ended(GrantFailure::Server(server_error("invalid_client"))),
        ),
        (
            PollReply::Unparseable {
                status: 200,
                body_excerpt: "<html>".into(),
            },
            PollOutcome::Ended(GrantFailure::Unparseable {
                status: 200,
                body_excerpt: "<html>".into(),
            }),
        ),
    ];
    for (reply, want) in table {
        let mut p = Poller::new(&auth(5, 600), at(0));
        assert_eq!(poll(&mut p, at(5), reply.clone()), want, "for {reply:?}");
    }
}

#[test]
fn local_deadline_ends_polling_even_if_the_server_never_says_so() {
    let mut p = Poller::new(&auth(5, 12), at(0));
    poll(&mut p, at(5), PollReply::Pending);
    assert_eq!(p.due(at(11)), PollDue::PollNow);
    assert_eq!(p.due(at(12)), PollDue::Expired);
}

#[test]
fn transport_errors_back_off_doubling_up_to_the_cap() {
    let mut p = Poller::new(&auth(5, 3600), at(0));
    let mut now = 5;
    let mut waits = Vec::new();
    for _ in 0..6 {
        poll(
            &mut p,
            at(now),
            PollReply::Transport {
                message: "timed out".into(),
            },
        );
        let wait = at(now).secs_until(p.next_poll_at()) - POLL_MARGIN_SECS;
        waits.push(wait);
        now += i64::try_from(wait + POLL_MARGIN_SECS).unwrap();
    }
    assert_eq!(waits, [10, 20, 40, 60, 60, 60]);
    // A normal answer resets the back-off.
    poll(&mut p, at(now), PollReply::Pending);
    poll(&mut p, at(now + 6), PollReply::Unavailable { status: 503 });
    assert_eq!(
        p.last_answer().map(|(_, a)| a.clone()),
        Some(LastAnswer::Unavailable {
            status: 503,
            wait_secs: 10
        })
    );
}

#[test]
fn retry_after_is_honoured_capped_and_never_below_the_interval() {
    let cases = [
        (Some(30), 30),
        (Some(1), 5),
        (Some(100_000), RETRY_AFTER_CAP_SECS),
        (None, 10),
    ];
    for (retry_after_secs, want) in cases {
        let mut p = Poller::new(&auth(5, 3600), at(0));
        poll(&mut p, at(5), PollReply::RateLimited { retry_after_secs });
        assert_eq!(
            p.last_answer().map(|(_, a)| a.clone()),
            Some(LastAnswer::RateLimited { wait_secs: want }),
            "Retry-After {retry_after_secs:?}"
        );
        assert_eq!(p.next_poll_at(), at(5).plus_secs(want + POLL_MARGIN_SECS));
    }
}

#[test]
fn invalid_grant_after_a_lost_reply_is_reported_as_such() {
    let mut p = Poller::new(&auth(5, 600), at(0));
    poll(
        &mut p,
        at(5),
        PollReply::Transport {
            message: "connection reset".into(),
        },
    );
    let outcome = poll(
        &mut p,
        at(16),
        PollReply::Error(server_error("invalid_grant")),
    );
    assert_eq!(
        outcome,
        PollOutcome::Ended(GrantFailure::LostReply(server_error("invalid_grant")))
    );
}

#[test]
fn invalid_grant_without_a_lost_reply_is_a_plain_server_error() {
    let mut p = Poller::new(&auth(5, 600), at(0));
    let outcome = poll(
        &mut p,
        at(5),
        PollReply::Error(server_error("invalid_grant")),
    );
    assert_eq!(
        outcome,
        PollOutcome::Ended(GrantFailure::Server(server_error("invalid_grant")))
    );
}

#[test]
fn polls_sent_saturates_instead_of_overflowing() {
    let mut p = Poller::new(&auth(5, 600), at(0));
    p.polls_sent = u32::MAX;
    p.poll_sent();
    assert_eq!(p.polls_sent, u32::MAX);
}
