//! Snapshots of every dashboard state at 80×24 and 40×12, and the rules a snapshot of symbols
//! cannot show: the countdown's colours, secrets kept off screen, the refresh-token and
//! plaintext warnings, and tiny terminals.

use crate::common;

use common::dashboard_fixtures::{self as fx, with_board};
use common::example::{ACCESS_LIFETIME_SECS, ACCESS_TOKEN, ID_TOKEN, REFRESH_TOKEN, SIGNED_IN, at};
use common::screen::{SIZES, draw, draw_with, find, screen_text};
use grantty::app::App;
use grantty::app::dashboard::Overlay;
use grantty::domain::clock::{Skew, Timestamp};
use grantty::ui::Theme;
use ratatui::style::{Color, Modifier};

/// Snapshots a fixture's `(app, now)` at each size.
fn snapshot(name: &str, (app, now): &(App, Timestamp), sizes: &[(u16, u16)]) {
    common::screen::snapshot(name, app, sizes, *now);
}

#[test]
fn snapshots_dashboard_states() {
    snapshot("dashboard_fresh", &fx::fresh(), &SIZES);
    snapshot("dashboard_expiring", &fx::expiring(), &SIZES);
    snapshot("dashboard_rotated", &fx::rotated(), &SIZES);
    snapshot("dashboard_refresh_ending", &fx::refresh_ending(), &SIZES);
    snapshot("dashboard_refresh_failed", &fx::refresh_failed(), &SIZES);
    snapshot("dashboard_refreshing", &fx::refreshing(), &[(80, 24)]);
    snapshot("dashboard_session_ended", &fx::session_ended(), &SIZES);
    snapshot("dashboard_revoked", &fx::revoked(), &SIZES);
    snapshot(
        "dashboard_plaintext_storage",
        &fx::plaintext_storage(),
        &SIZES,
    );
}

#[test]
fn snapshots_dashboard_overlays() {
    snapshot("dashboard_export_menu", &fx::export_menu(), &SIZES);
    snapshot(
        "dashboard_export_destination",
        &fx::export_destination(),
        &[(80, 24)],
    );
    let revoke = fx::with_overlay(Overlay::ConfirmRevoke);
    snapshot("dashboard_revoke_confirm", &revoke, &SIZES);
    let copy = fx::with_overlay(Overlay::ConfirmCopyToken);
    snapshot("dashboard_copy_confirm", &copy, &[(80, 24)]);
    let copy_export = fx::with_overlay(Overlay::ConfirmCopyExport {
        format: grantty::export::Format::Json,
    });
    snapshot("dashboard_copy_export_confirm", &copy_export, &SIZES);
}

#[test]
fn full_tokens_never_reach_the_screen() {
    let sizes = [
        (80, 24),
        (40, 12),
        (100, 30),
        (60, 20),
        (200, 60),
        (20, 5),
        (300, 3),
    ];
    for (name, app, now) in fx::all_dashboards() {
        for size in sizes {
            let text = screen_text(&draw(&app, size, now));
            for secret in [ACCESS_TOKEN, REFRESH_TOKEN, ID_TOKEN] {
                assert!(!text.contains(secret), "{name} at {size:?}");
                // Not even a wrapped piece of one.
                assert!(!text.contains(&secret[5..17]), "{name} at {size:?}");
            }
        }
    }
    let (app, now) = fx::fresh();
    let text = screen_text(&draw(&app, (80, 24), now));
    assert!(text.contains("fake…0123"), "masked access token\n{text}");
    assert!(text.contains("fake…fedc"), "masked refresh token\n{text}");
}

/// The colour and modifiers of the first digit of the access countdown.
fn countdown_style(theme: Theme, secs_left: u64) -> Option<(Color, Modifier)> {
    let (app, _) = fx::fresh();
    let expires = SIGNED_IN + ACCESS_LIFETIME_SECS;
    let terminal = draw_with(&app, theme, (80, 24), at(expires - secs_left));
    let buffer = terminal.backend().buffer();
    let clock = format!("{}:{:02} left", secs_left / 60, secs_left % 60);
    let (x, y) = find(buffer, &clock)?;
    let cell = &buffer[(x, y)];
    Some((cell.fg, cell.modifier))
}

#[test]
fn access_countdown_turns_yellow_under_five_minutes_and_red_under_one() {
    let fg = |secs_left| countdown_style(Theme::color(), secs_left).unwrap().0;
    assert_eq!(fg(600), Color::Reset);
    assert_eq!(fg(300), Color::Reset);
    assert_eq!(fg(299), Color::Yellow);
    assert_eq!(fg(60), Color::Yellow);
    assert_eq!(fg(59), Color::Red);
    assert_eq!(fg(5), Color::Red);
}

#[test]
fn access_countdown_has_no_colour_in_the_no_colour_theme() {
    for secs_left in [600, 200, 30] {
        let (fg, _) = countdown_style(Theme::no_color(), secs_left).unwrap();
        assert_eq!(fg, Color::Reset, "{secs_left} s left");
    }
    let (_, urgent) = countdown_style(Theme::no_color(), 30).unwrap();
    assert!(urgent.contains(Modifier::BOLD | Modifier::REVERSED));
}

#[test]
fn no_colour_theme_draws_no_colour_on_any_dashboard() {
    for (name, app, now) in fx::all_dashboards() {
        for size in SIZES {
            let terminal = draw_with(&app, Theme::no_color(), size, now);
            let buffer = terminal.backend().buffer();
            for p in buffer.area.positions() {
                let colours = (buffer[p].fg, buffer[p].bg);
                assert_eq!(
                    colours,
                    (Color::Reset, Color::Reset),
                    "{name} {size:?} {p:?}"
                );
            }
        }
    }
}

/// The fresh dashboard with a refresh token ending `secs` from now.
fn refresh_token_ending_in(secs: u64) -> String {
    let (mut app, now) = fx::fresh();
    with_board(&mut app, |d| {
        d.session.meta.refresh.expires_at = Some(now.plus_secs(secs));
    });
    screen_text(&draw(&app, (80, 24), now))
}

#[test]
fn refresh_token_warning_shows_within_two_hours_only() {
    let (_, now) = fx::fresh();
    let ends = now.plus_secs(2 * 3600).utc_hms();
    let soon = refresh_token_ending_in(2 * 3600);
    let expected = format!("Sign in again before {} UTC", &ends[..5]);
    assert!(soon.contains(&expected), "{expected}\n{soon}");
    let later = refresh_token_ending_in(10 * 3600);
    assert!(!later.contains("Sign in again before"), "{later}");
}

#[test]
fn refresh_token_warning_survives_40x12() {
    let (app, now) = fx::refresh_ending();
    let text = screen_text(&draw(&app, (40, 12), now));
    assert!(text.contains("Sign in again before"), "{text}");
    assert!(text.contains("fixed"), "{text}");
}

#[test]
fn plaintext_warning_shows_only_for_plaintext_storage() {
    for size in SIZES {
        let (app, now) = fx::plaintext_storage();
        let text = screen_text(&draw(&app, size, now));
        assert!(
            text.contains("Tokens are in a plaintext file"),
            "{size:?}\n{text}"
        );
        let (app, now) = fx::fresh();
        let text = screen_text(&draw(&app, size, now));
        assert!(!text.contains("plaintext"), "{size:?}\n{text}");
    }
}

#[test]
fn after_the_end_only_sign_in_and_quit_are_offered() {
    for (app, now) in [fx::session_ended(), fx::revoked()] {
        for size in SIZES {
            let text = screen_text(&draw(&app, size, now));
            assert!(
                text.contains("l sign in again · ? keys · q quit"),
                "{size:?}\n{text}"
            );
            assert!(!text.contains("r refresh"), "{size:?}\n{text}");
        }
    }
}

#[test]
fn countdown_and_keys_survive_40x12() {
    for (name, app, now) in fx::all_dashboards() {
        let text = screen_text(&draw(&app, (40, 12), now));
        if name == "help" {
            continue; // the key list covers the screen until any key closes it
        }
        assert!(text.contains("q quit"), "{name}\n{text}");
        let ended = name == "session_ended" || name == "revoked";
        assert!(ended || text.contains(" left"), "{name}\n{text}");
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (_, app, now) in fx::all_dashboards() {
        for size in [(1, 1), (10, 3), (20, 5), (0, 0), (3, 40), (120, 4), (5, 2)] {
            draw(&app, size, now);
        }
    }
}

#[test]
fn a_token_living_seconds_is_shown_as_very_short_lived() {
    let (mut app, _) = fx::fresh();
    with_board(&mut app, |d| {
        d.session.meta.access_expires_at = Some(at(SIGNED_IN + 5));
    });
    let text = screen_text(&draw(&app, (80, 24), at(SIGNED_IN + 2)));
    assert!(
        text.contains("very short-lived (5 s)") && text.contains("at most every 30 s"),
        "{text}"
    );
    assert!(
        text.contains("(in 28 s)"),
        "the schedule shows the 30 s floor, not \"due now\": {text}"
    );
    let (app, now) = fx::fresh();
    let text = screen_text(&draw(&app, (80, 24), now));
    assert!(!text.contains("short-lived"), "{text}");
}

#[test]
fn the_id_token_exp_is_shown_on_the_local_clock() {
    let (mut app, now) = fx::fresh();
    let exp_row = |app: &App| {
        let text = screen_text(&draw(app, (80, 24), now));
        text.lines()
            .find_map(|l| l.split("exp ").nth(1).map(|rest| rest[..12].to_owned()))
            .unwrap()
    };
    // The claim says 14:14:55 on the server's clock.
    assert_eq!(exp_row(&app), "14:14:55 UTC");
    fx::with_board(&mut app, |d| {
        d.session.meta.clock_skew = Some(Skew::from_secs(120));
    });
    assert_eq!(exp_row(&app), "14:12:55 UTC");
}
