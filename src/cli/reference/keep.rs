//! What grantty-keep(1) says beyond its options: when `keep` refreshes, how it backs off, the
//! lifespan rule, the events of `--notify` and the exit status of `--once`. Every number comes
//! from the one upkeep policy ([`crate::domain::upkeep`]) or the exit codes, so the page follows
//! the code.

use super::Section;
use crate::domain::clock::format_span;
use crate::domain::upkeep::{
    ACCESS_MARGIN_SECS, LIFESPAN_MARGIN_SECS, LIFESPAN_NOTICE_SECS, MIN_REFRESH_GAP_SECS,
    RECHECK_SECS, RETRY_CAP_SECS, RETRY_FIRST_SECS, SIGN_IN_SOON_SECS,
};
use crate::error::exit;
use crate::oauth::provider::ANAPLAN_DEFAULT_REFRESH_LIFESPAN_SECS;

/// The first `sign-in-soon` stage in hours ("24 h", where [`format_span`] would say "1 d").
fn first_warning() -> String {
    format!("{} h", SIGN_IN_SOON_SECS[0] / 3600)
}

/// grantty-keep(1)'s own sections, in page order.
pub fn sections() -> Vec<Section> {
    vec![schedule(), backoff(), lifespans(), events(), once()]
}

fn schedule() -> Section {
    Section {
        title: "SCHEDULE",
        text: vec![
            format!(
                "keep sleeps until the next thing due for any session it keeps, and wakes at \
                 least every {} to notice new sessions (--all), clock jumps and sessions \
                 signed in or out meanwhile. When it wakes it reads the store again: another \
                 grantty may have refreshed already. The same policy drives the dashboard and \
                 'grantty token'.",
                format_span(RECHECK_SECS)
            ),
            "Every refresh takes the profile's lock, reads the store again and saves the new \
             tokens before anything else sees them, exactly as 'grantty token' does; whoever \
             takes the lock first refreshes, the others find the fresh token."
                .to_owned(),
        ],
        literal: None,
        items: vec![
            (
                "access token".to_owned(),
                format!(
                    "refreshed {} before it expires (at most half its lifetime before).",
                    format_span(ACCESS_MARGIN_SECS)
                ),
            ),
            (
                "refresh token".to_owned(),
                format!(
                    "one that rotates (or may: not known before its first refresh) is \
                     refreshed {} before its planned end (at most a quarter of its lifespan \
                     before); where the lifespan restarts at rotation, that hands out a new \
                     refresh token with a full lifespan. See LIFESPANS.",
                    format_span(LIFESPAN_MARGIN_SECS)
                ),
            ),
            (
                "floor".to_owned(),
                format!(
                    "no automatic refresh sooner than {} after the current access token \
                     arrived or the last attempt that worked, so a server answering \
                     expires_in: 0 is asked twice a minute, not every second.",
                    format_span(MIN_REFRESH_GAP_SECS)
                ),
            ),
        ],
    }
}

fn backoff() -> Section {
    Section {
        title: "BACK-OFF",
        text: vec![format!(
            "A refresh that failed for a passing reason (the provider unreachable, a 5xx, a \
             store that refused the tokens) is tried again after {first}, then {second}, \
             {third} and so on, doubling per failure up to {cap}; the first success resets it. A \
             refusal of the client (invalid_client, unauthorized_client, access_denied: on \
             Anaplan a tenant security admin disabled the client or the user) needs a person \
             and is retried on the same back-off, since an admin may enable the client again. \
             A dead refresh token (invalid_grant) or a session without one is not retried \
             until it is signed in again. Every token is kept in every case.",
            first = format_span(RETRY_FIRST_SECS),
            second = format_span(RETRY_FIRST_SECS * 2),
            third = format_span(RETRY_FIRST_SECS * 4),
            cap = format_span(RETRY_CAP_SECS),
        )],
        literal: None,
        items: Vec::new(),
    }
}

fn lifespans() -> Section {
    Section {
        title: "LIFESPANS",
        text: vec![
            format!(
                "A rotating refresh token (Anaplan's rotatable clients: {ANAPLAN_DEFAULT_REFRESH_LIFESPAN_SECS} s, \
                 {}, by default, set by the tenant admin) has a lifespan, and providers do not \
                 say whether it counts from the sign-in or restarts at each rotation. grantty \
                 plans for the earliest end: sign-in + lifespan. Every screen, 'grantty \
                 status', its --json and keep show that one deadline (a deadline that passed \
                 reads \"ended at ...\").",
                format_span(ANAPLAN_DEFAULT_REFRESH_LIFESPAN_SECS)
            ),
            "When a refresh after that time still succeeds, the server has proved that its \
             lifespan restarts at rotation: grantty records it and plans with the later end \
             (last rotation + lifespan) from then on. A profile's refresh_token_lifespan \
             applies to live sessions, not only to the next sign-in. A refresh token that does \
             not rotate and has a known end cannot be extended: keep says once that a person \
             is needed."
                .to_owned(),
            format!(
                "The dashboard warns {} before the end; keep --notify tells a person ahead of \
                 it (see EVENTS).",
                format_span(LIFESPAN_NOTICE_SECS)
            ),
        ],
        literal: None,
        items: Vec::new(),
    }
}

fn events() -> Section {
    Section {
        title: "EVENTS",
        text: vec![
            "keep --notify CMD runs 'sh -c CMD' once per event and session, with these \
             variables: GRANTTY_EVENT (below), GRANTTY_PROFILE, GRANTTY_DEADLINE (the \
             session's deadline in RFC 3339, UTC, where there is one) and GRANTTY_MESSAGE (one \
             line for a person). No token is ever in its environment. A command that fails or \
             outlives its time limit is reported on stderr and never stops the keeper. keep \
             --json writes the same events as NDJSON on stdout."
                .to_owned(),
        ],
        literal: Some(
            "grantty keep --all --notify \\\n  'echo \"$GRANTTY_MESSAGE\" | mail -s \"grantty $GRANTTY_EVENT: $GRANTTY_PROFILE\" ops@example.com'",
        ),
        items: vec![
            (
                "sign-in-soon".to_owned(),
                format!(
                    "the session's deadline is near: {} and {} before it, or at once when \
                     less is left; sign in again before GRANTTY_DEADLINE.",
                    first_warning(),
                    format_span(SIGN_IN_SOON_SECS[1])
                ),
            ),
            (
                "needs-human".to_owned(),
                "refreshing cannot go on without a person: the client was refused (an admin \
                 disabled it), the refresh token is dead or missing, or the store lost the \
                 tokens. GRANTTY_MESSAGE names the command that fixes it."
                    .to_owned(),
            ),
            (
                "recovered".to_owned(),
                "a session that needed a person refreshes again (the client was enabled \
                 again, or someone signed in)."
                    .to_owned(),
            ),
            (
                "ended".to_owned(),
                "the session is over: its deadline passed, or it was logged out.".to_owned(),
            ),
        ],
    }
}

fn once() -> Section {
    Section {
        title: "EXIT STATUS",
        text: vec![
            "keep runs until SIGTERM, SIGINT or SIGHUP (finishing and saving a refresh that is \
             at the server first), then exits 0; 2 for a bad command line. keep --once, for \
             cron, refreshes what is due, writes one line per session and exits:"
                .to_owned(),
        ],
        literal: Some("*/15 * * * * grantty keep --all --once"),
        items: vec![
            (exit::OK.to_string(), "every session is healthy".to_owned()),
            (
                exit::SIGN_IN_NEEDED.to_string(),
                "a session needs a person (sign in again, or an admin must enable the client), or no session is stored at all"
                    .to_owned(),
            ),
            (
                exit::NETWORK.to_string(),
                "the provider could not be reached; the tokens are unchanged and the next run \
                 tries again"
                    .to_owned(),
            ),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text() -> String {
        let mut all = String::new();
        for s in sections() {
            all.push_str(s.title);
            all.push('\n');
            for p in &s.text {
                all.push_str(p);
                all.push('\n');
            }
            for (t, d) in &s.items {
                for part in [t.as_str(), ": ", d, "\n"] {
                    all.push_str(part);
                }
            }
        }
        all
    }

    #[test]
    fn the_numbers_are_the_policys() {
        let all = text();
        for wanted in [
            format!(
                "refreshed {} before it expires",
                format_span(ACCESS_MARGIN_SECS)
            ),
            format!(
                "refreshed {} before its planned end",
                format_span(LIFESPAN_MARGIN_SECS)
            ),
            format!("sooner than {} after", format_span(MIN_REFRESH_GAP_SECS)),
            format!("again after {}", format_span(RETRY_FIRST_SECS)),
            format!("doubling per failure up to {}", format_span(RETRY_CAP_SECS)),
            format!("least every {}", format_span(RECHECK_SECS)),
            format!("clients: {ANAPLAN_DEFAULT_REFRESH_LIFESPAN_SECS} s, "),
            format!(
                "{} and {} before it",
                first_warning(),
                format_span(SIGN_IN_SOON_SECS[1])
            ),
            format!("{}: every session is healthy", exit::OK),
            format!("{}: a session needs a person", exit::SIGN_IN_NEEDED),
            format!("{}: the provider could not be reached", exit::NETWORK),
        ] {
            assert!(all.contains(&wanted), "{wanted:?} not in:\n{all}");
        }
        // Today's values, so a change of policy is a visible change of the manual too.
        assert!(all.contains("refreshed 5 min before it expires"), "{all}");
        assert!(all.contains("up to 15 min"), "{all}");
    }

    #[test]
    fn every_event_of_notify_is_explained() {
        let events = events();
        let names: Vec<&str> = events.items.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(names, ["sign-in-soon", "needs-human", "recovered", "ended"]);
        for var in [
            "GRANTTY_EVENT",
            "GRANTTY_PROFILE",
            "GRANTTY_DEADLINE",
            "GRANTTY_MESSAGE",
        ] {
            assert!(events.text[0].contains(var), "{var}");
        }
    }
}
