//! Snapshots of every screen at fixed sizes, and the rendering rules that a snapshot of symbols
//! cannot show: colours, secrets kept off screen, QR caching, and tiny terminals.

use crate::common;

use common::example::{self, at};
use common::fixtures;
use common::screen::{
    SIZES, assert_colourless_but_qr, draw, draw_with, find, screen_text, snapshot,
};
use grantty::domain::clock::Skew;
use grantty::ui::{Theme, UiCache, big_text, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

#[test]
fn snapshots_sign_in_waiting() {
    snapshot(
        "sign_in_waiting",
        &fixtures::waiting(),
        &[(80, 24), (40, 12), (100, 30), (60, 40), (120, 40)],
        fixtures::waiting_now(),
    );
}

#[test]
fn snapshots_sign_in_waiting_with_notice() {
    let now = fixtures::waiting_now();
    snapshot(
        "sign_in_waiting_notice",
        &fixtures::waiting_with_notice(now),
        &[(80, 24)],
        now,
    );
}

#[test]
fn snapshots_sign_in_after_slow_down() {
    snapshot(
        "sign_in_after_slow_down",
        &fixtures::after_slow_down(),
        &SIZES,
        at(20),
    );
}

#[test]
fn snapshots_sign_in_narrow_no_qr() {
    snapshot(
        "sign_in_narrow_no_qr",
        &fixtures::waiting(),
        &[(60, 20)],
        fixtures::waiting_now(),
    );
}

#[test]
fn snapshots_sign_in_transport_backoff() {
    snapshot(
        "sign_in_transport_backoff",
        &fixtures::transport_backoff(),
        &[(80, 24)],
        at(25),
    );
}

#[test]
fn snapshots_sign_in_requesting() {
    snapshot("sign_in_requesting", &fixtures::requesting(), &SIZES, at(0));
}

#[test]
fn snapshots_sign_in_approved() {
    snapshot(
        "sign_in_approved_minimal",
        &fixtures::approved_minimal(),
        &[(80, 24)],
        fixtures::approved_now(),
    );
    snapshot(
        "sign_in_approved",
        &fixtures::approved(),
        &SIZES,
        fixtures::approved_now(),
    );
}

#[test]
fn snapshots_sign_in_expired() {
    snapshot(
        "sign_in_expired",
        &fixtures::expired(),
        &SIZES,
        at(fixtures::EXPIRES_IN_SECS),
    );
}

#[test]
fn snapshots_sign_in_denied() {
    snapshot("sign_in_denied", &fixtures::denied(), &SIZES, at(60));
}

#[test]
fn snapshots_sign_in_error() {
    snapshot(
        "sign_in_error_server",
        &fixtures::server_error(),
        &SIZES,
        at(60),
    );
    snapshot("sign_in_error_failed", &fixtures::failed(), &SIZES, at(0));
}

#[test]
fn snapshots_sign_in_lost_reply() {
    snapshot(
        "sign_in_lost_reply",
        &fixtures::lost_reply(),
        &[(80, 24)],
        at(60),
    );
}

#[test]
fn snapshots_sign_in_clock_skew() {
    let mut app = fixtures::waiting();
    app.clock_skew = Some(Skew::from_secs(42));
    let now = fixtures::waiting_now();
    snapshot("sign_in_clock_skew", &app, &[(80, 24)], now);
    let text = screen_text(&draw(&app, (80, 24), now));
    assert!(
        text.contains("Server clock: 42 s ahead of this machine"),
        "{text}"
    );
}

#[test]
fn a_clock_skew_under_five_seconds_changes_nothing_on_screen() {
    let now = fixtures::waiting_now();
    let plain = fixtures::waiting();
    for secs in [4, -4] {
        let mut app = fixtures::waiting();
        app.clock_skew = Some(Skew::from_secs(secs));
        for size in [(80, 24), (40, 12)] {
            assert_eq!(
                draw(&app, size, now).backend().buffer(),
                draw(&plain, size, now).backend().buffer(),
                "skew {secs} at {size:?}"
            );
        }
    }
}

#[test]
fn qr_quiet_zone_is_light_and_dark_modules_black_in_both_themes() {
    for theme in [Theme::color(), Theme::no_color()] {
        let terminal = draw_with(
            &fixtures::waiting(),
            theme.clone(),
            (80, 24),
            fixtures::waiting_now(),
        );
        let buffer = terminal.backend().buffer();
        let qr_cells: Vec<(u16, u16)> = buffer
            .area
            .positions()
            .filter(|&p| buffer[p].bg == Color::White)
            .map(|p| (p.x, p.y))
            .collect();
        let (left, top) = (
            qr_cells.iter().map(|c| c.0).min().unwrap(),
            qr_cells.iter().map(|c| c.1).min().unwrap(),
        );
        let (right, bottom) = (
            qr_cells.iter().map(|c| c.0).max().unwrap(),
            qr_cells.iter().map(|c| c.1).max().unwrap(),
        );
        // Version 3 (29 modules) plus 4 light modules on each side: 37 columns, 19 rows.
        assert_eq!((right - left + 1, bottom - top + 1), (37, 19), "{theme:?}");
        assert_eq!(
            qr_cells.len(),
            37 * 19,
            "the QR code is one solid light block"
        );
        for x in left..=right {
            for y in top..=bottom {
                let cell = &buffer[(x, y)];
                assert_eq!(cell.fg, Color::Black, "({x}, {y})");
                // 4 modules = 4 columns at the sides, 2 rows at the top and bottom.
                let in_quiet_zone = x < left + 4 || x > right - 4 || y < top + 2 || y > bottom - 2;
                if in_quiet_zone {
                    assert_eq!(cell.symbol(), " ", "quiet zone at ({x}, {y}) must be light");
                }
            }
        }
        // The top-left finder pattern starts with a full dark cell.
        assert_eq!(buffer[(left + 4, top + 2)].symbol(), "█");
    }
}

#[test]
fn no_color_theme_draws_no_colour_except_the_qr_code() {
    for (name, app, now) in fixtures::all_screens() {
        for size in [(80, 24), (40, 12), (100, 30)] {
            assert_colourless_but_qr(name, &app, size, now);
        }
    }
}

#[test]
fn full_tokens_never_reach_the_screen() {
    let app = fixtures::approved();
    for size in [
        (80, 24),
        (40, 12),
        (100, 30),
        (60, 20),
        (200, 60),
        (20, 5),
        (300, 3),
    ] {
        let text = screen_text(&draw(&app, size, fixtures::approved_now()));
        for secret in [
            example::ACCESS_TOKEN,
            example::REFRESH_TOKEN,
            example::ID_TOKEN,
        ] {
            assert!(!text.contains(secret), "{size:?}");
            // Not even a wrapped piece of one.
            assert!(!text.contains(&secret[5..17]), "{size:?}");
        }
    }
    let text = screen_text(&draw(&app, (80, 24), fixtures::approved_now()));
    assert!(
        text.contains("fake…0123"),
        "masked access token preview\n{text}"
    );
    assert!(
        text.contains("fake…fedc"),
        "masked refresh token preview\n{text}"
    );
}

#[test]
fn device_code_never_reaches_the_screen() {
    for (name, app, now) in fixtures::all_screens() {
        for size in [(80, 24), (40, 12), (100, 30), (60, 20), (200, 60), (20, 5)] {
            let text = screen_text(&draw(&app, size, now));
            assert!(!text.contains("GmRhmhcx"), "{name} at {size:?}");
        }
    }
}

#[test]
fn user_code_and_url_are_both_shown_even_with_a_complete_uri() {
    let big = big_text::big_rows(fixtures::USER_CODE).unwrap();
    for size in SIZES {
        let terminal = draw(&fixtures::waiting(), size, fixtures::waiting_now());
        let text = screen_text(&terminal);
        assert!(
            text.contains(fixtures::VERIFICATION_URI),
            "{size:?}\n{text}"
        );
        let code_shown =
            big.iter().all(|row| text.contains(row.as_str())) || text.contains(fixtures::USER_CODE);
        assert!(code_shown, "{size:?}\n{text}");
    }
}

#[test]
fn countdown_turns_yellow_then_red() {
    let app = fixtures::waiting();
    let expires = fixtures::EXPIRES_IN_SECS;
    let style_at = |theme: Theme, secs_left: u64, shown: &str| {
        let terminal = draw_with(&app, theme, (80, 24), at(expires - secs_left));
        let buffer = terminal.backend().buffer().clone();
        let pos = find(&buffer, &format!("expires in {shown}")).unwrap();
        let cell = &buffer[(pos.0 + 11, pos.1)];
        (cell.fg, cell.modifier)
    };
    assert_eq!(style_at(Theme::color(), 61, "1:01").0, Color::Reset);
    assert_eq!(style_at(Theme::color(), 60, "1:00").0, Color::Yellow);
    assert_eq!(style_at(Theme::color(), 21, "0:21").0, Color::Yellow);
    assert_eq!(style_at(Theme::color(), 20, "0:20").0, Color::Red);
    let (fg, modifier) = style_at(Theme::no_color(), 20, "0:20");
    assert_eq!(fg, Color::Reset);
    assert!(modifier.contains(Modifier::REVERSED | Modifier::BOLD));
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (_, app, now) in fixtures::all_screens() {
        for size in [(1, 1), (10, 3), (20, 5), (0, 0), (3, 40), (120, 4)] {
            draw(&app, size, now);
        }
    }
}

#[test]
fn tiny_terminals_show_the_code_first() {
    let text = screen_text(&draw(
        &fixtures::waiting(),
        (10, 3),
        fixtures::waiting_now(),
    ));
    assert!(text.contains(fixtures::USER_CODE), "{text}");
}

#[test]
fn qr_code_is_built_once_per_payload() {
    let mut cache = UiCache::new(Theme::color());
    let app = fixtures::waiting();
    cache.sync(&app);
    cache.sync(&app);
    cache.sync(&fixtures::after_slow_down());
    assert_eq!(cache.qr_builds(), 1, "same payload, same QR code");
    cache.sync(&fixtures::approved());
    assert_eq!(cache.qr_builds(), 1, "screens without a QR code build none");
    let mut other = fixtures::waiting();
    if let grantty::app::Screen::Waiting(waiting) = &mut other.screen {
        waiting.auth.verification_uri_complete =
            Some("https://example.com/device?user_code=BCDF-GHJK".to_owned());
    }
    cache.sync(&other);
    cache.sync(&other);
    assert_eq!(cache.qr_builds(), 2, "a new payload, one new QR code");
}

#[test]
fn qr_code_shows_at_80x24_and_a_hint_replaces_it_when_too_small() {
    let wide = screen_text(&draw(
        &fixtures::waiting(),
        (80, 24),
        fixtures::waiting_now(),
    ));
    assert!(!wide.contains("Enlarge"), "{wide}");
    let narrow = screen_text(&draw(
        &fixtures::waiting(),
        (60, 20),
        fixtures::waiting_now(),
    ));
    assert!(
        narrow.contains("Enlarge the terminal to 66×20 for a QR code"),
        "{narrow}"
    );
    let fits_narrow_zone = draw(&fixtures::waiting(), (66, 19), fixtures::waiting_now());
    let buffer = fits_narrow_zone.backend().buffer();
    let light = buffer
        .area
        .positions()
        .filter(|&p| buffer[p].bg == Color::White)
        .count();
    assert_eq!(light, 33 * 17, "2-module quiet zone at the advertised size");
}

#[test]
fn stale_qr_cache_draws_no_qr_code() {
    let mut cache = UiCache::new(Theme::color());
    cache.sync(&fixtures::waiting());
    let mut other = fixtures::waiting();
    if let grantty::app::Screen::Waiting(waiting) = &mut other.screen {
        waiting.auth.verification_uri_complete = None;
    }
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|frame| render(frame, &other, &cache, fixtures::waiting_now()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .area
            .positions()
            .all(|p| buffer[p].bg != Color::White)
    );
}
