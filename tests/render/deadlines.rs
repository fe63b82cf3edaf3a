//! The session's one deadline on the dashboard. A rotating refresh token with a configured
//! lifespan (Anaplan's) is planned to end at sign-in + lifespan; once the server has refused it
//! (`invalid_grant`), its lifespan is no deadline any more: the screen gives one time to sign in
//! again by (the access token's expiry), not three. The ID token's `exp` follows refreshes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::dashboard_fixtures::{app, dashboard};
use common::example::{SIGNED_IN, at};
use common::screen::{draw, screen_text};
use grantty::app::update::update;
use grantty::app::{App, Effect, Key, Msg};
use grantty::domain::clock::Timestamp;
use grantty::session_service::{EndReason, RefreshFailed};

/// The Anaplan-like lifespan: its end (sign-in + 1 h 30 min) is within the 2 h notice.
const LIFESPAN_SECS: u64 = 5400;
/// When `r` is pressed: 25 minutes after the sign-in.
const PRESSED: u64 = SIGNED_IN + 1500;

/// A session whose lifespan is planned from sign-in, refused with `invalid_grant` at `r`.
fn ended() -> (App, Timestamp) {
    let mut d = dashboard();
    d.session.meta.provider.refresh_token_lifespan_secs = Some(LIFESPAN_SECS);
    let stored = Box::new(d.session.clone());
    let mut app = app(d);
    let effects = update(&mut app, Msg::Key(Key::Char('r')), at(PRESSED));
    let [Effect::Refresh { request, .. }] = effects.as_slice() else {
        panic!("r did not start a refresh: {effects:?}");
    };
    let answer = Err(RefreshFailed::Dead {
        reason: EndReason::RefreshRejected {
            description: None,
            interrupted: false,
        },
        session: stored,
    });
    let msg = Msg::Refreshed {
        request: *request,
        result: Box::new(answer),
    };
    update(&mut app, msg, at(PRESSED + 1));
    (app, at(PRESSED + 6))
}

/// Every time of day on the screen (`HH:MM` or `HH:MM:SS`), as `HH:MM`; a countdown
/// (`34:54 left`) is not one.
fn times(text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut found = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let word = word.trim_matches(|c: char| !(c.is_ascii_digit() || c == ':'));
        let parts: Vec<&str> = word.split(':').collect();
        let clock = parts.len() >= 2 && parts.iter().all(|p| p.len() == 2);
        if clock && words.get(i + 1) != Some(&"left") {
            found.push(format!("{}:{}", parts[0], parts[1]));
        }
    }
    found
}

#[test]
fn an_ended_session_shows_one_deadline() {
    let (app, now) = ended();
    let text = screen_text(&draw(&app, (80, 24), now));
    // Events are stamped with their own times; the deadlines are above them.
    let above_events = text.split("Events").next().unwrap();
    let mut deadlines = times(above_events);
    deadlines.sort();
    deadlines.dedup();
    assert_eq!(deadlines, ["14:14"], "one deadline:\n{text}");
    assert!(text.contains("sign in again before 14:14:55"), "{text}");
    assert!(text.contains("no longer works"), "{text}");
    common::screen::snapshot("dashboard_ended_one_deadline", &app, &[(80, 24)], now);
}

#[test]
fn a_live_rotating_session_warns_before_sign_in_plus_lifespan() {
    let mut d = dashboard();
    d.session.meta.provider.refresh_token_lifespan_secs = Some(LIFESPAN_SECS);
    let app = app(d);
    let text = screen_text(&draw(&app, (80, 24), at(PRESSED)));
    // Sign-in at 13:14:55 UTC + 1 h 30 min.
    assert!(text.contains("Sign in again before 14:44"), "{text}");
    assert!(text.contains("(at 14:44:55 UTC)"), "{text}");
}
