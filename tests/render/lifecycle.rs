//! Snapshots of the dashboard in the states the session service's outcomes lead to (refused,
//! dead refresh token, unsaved tokens) at 80×24 and 40×12, and the rules they must keep: the
//! access token's countdown stays on screen, and the next step is named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::lifecycle_fixtures as lf;
use common::screen::{SIZES, draw, screen_text};
use grantty::app::App;
use grantty::domain::clock::Timestamp;

fn snapshot(name: &str, (app, now): &(App, Timestamp)) {
    common::screen::snapshot(name, app, &SIZES, *now);
}

#[test]
fn snapshots_lifecycle_states() {
    snapshot("dashboard_refused", &lf::refused());
    snapshot("dashboard_refresh_token_dead", &lf::refresh_token_dead());
    snapshot("dashboard_unsaved", &lf::unsaved());
}

#[test]
fn every_lifecycle_state_keeps_the_access_countdown_and_names_the_next_step() {
    for (name, (app, now), next_step) in [
        ("refused", lf::refused(), "refused to refresh"),
        (
            "dead",
            lf::refresh_token_dead(),
            "sign in again before 14:14:55",
        ),
        ("unsaved", lf::unsaved(), "not saved"),
    ] {
        for (w, h) in SIZES {
            let text = screen_text(&draw(&app, (w, h), now)).to_lowercase();
            assert!(
                text.contains("left"),
                "{name} {w}x{h}: no countdown\n{text}"
            );
            assert!(
                text.contains(next_step) || (w < 80 && name == "refused"),
                "{name} {w}x{h}: no {next_step:?}\n{text}"
            );
        }
    }
}
