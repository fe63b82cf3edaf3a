//! The waiting screen in every terminal shape: where the QR code goes, the copyable user code,
//! the QR code's colours under `NO_COLOR`, and times in the local zone.

use crate::common;

use common::dashboard_fixtures as fx;
use common::fixtures::{self, USER_CODE, VERIFICATION_URI};
use common::screen::{SIZES, draw, draw_with, find, screen_text};
use grantty::app::App;
use grantty::local_time::LocalTime;
use grantty::ui::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Position;
use ratatui::style::Color;

/// Central European Time with its daylight-saving rule, as a POSIX `TZ` string: the same on
/// every machine, with or without a time-zone database.
const BERLIN: &str = "CET-1CEST,M3.5.0,M10.5.0/3";

/// Cells drawn black on white: the QR code and its quiet zone.
fn qr_cells(buffer: &Buffer) -> Vec<Position> {
    buffer
        .area
        .positions()
        .filter(|&p| buffer[p].fg == Color::Black && buffer[p].bg == Color::White)
        .collect()
}

fn waiting(size: (u16, u16)) -> Terminal<TestBackend> {
    draw(&fixtures::waiting(), size, fixtures::waiting_now())
}

#[test]
fn a_tall_narrow_pane_shows_the_qr_code_above_the_url_and_code() {
    let terminal = waiting((60, 40));
    let buffer = terminal.backend().buffer();
    let text = screen_text(&terminal);
    let qr = qr_cells(buffer);
    assert_eq!(qr.len(), 37 * 19, "full quiet zone\n{text}");
    assert!(!text.contains("Enlarge"), "{text}");
    let qr_bottom = qr.iter().map(|p| p.y).max().unwrap();
    let (_, url_row) = find(buffer, VERIFICATION_URI).unwrap();
    let (_, code_row) = find(buffer, USER_CODE).unwrap();
    assert!(url_row > qr_bottom && code_row > url_row, "{text}");
    let left = qr.iter().map(|p| p.x).min().unwrap();
    assert_eq!(left, (60 - 37) / 2, "centred");
}

#[test]
fn wide_terminals_keep_the_qr_code_beside_the_text() {
    for size in [(80, 24), (120, 40)] {
        let terminal = waiting(size);
        let buffer = terminal.backend().buffer();
        let qr = qr_cells(buffer);
        assert_eq!(qr.len(), 37 * 19, "{size:?}");
        let qr_right = qr.iter().map(|p| p.x).max().unwrap();
        let (url_col, _) = find(buffer, VERIFICATION_URI).unwrap();
        assert!(url_col > qr_right, "{size:?}\n{}", screen_text(&terminal));
    }
}

#[test]
fn without_room_the_hint_names_the_nearest_size_that_shows_the_qr_code() {
    assert!(qr_cells(waiting((40, 12)).backend().buffer()).is_empty());
    let text = screen_text(&waiting((40, 20)));
    assert!(text.contains("Enlarge the terminal to 40×23"), "{text}");
    let at_hint = waiting((40, 23));
    assert_eq!(qr_cells(at_hint.backend().buffer()).len(), 33 * 17);
}

#[test]
fn the_user_code_is_one_copyable_string_at_every_size() {
    for size in SIZES.into_iter().chain([(100, 30), (66, 19), (30, 8)]) {
        let text = screen_text(&waiting(size));
        assert!(text.contains(USER_CODE), "{size:?}\n{text}");
        assert!(!text.contains("W D J B"), "{size:?}\n{text}");
    }
}

#[test]
fn no_color_keeps_the_qr_code_black_on_white() {
    for size in [(80, 24), (60, 40)] {
        let color = draw_with(
            &fixtures::waiting(),
            Theme::color(),
            size,
            fixtures::waiting_now(),
        );
        let plain = draw_with(
            &fixtures::waiting(),
            Theme::no_color(),
            size,
            fixtures::waiting_now(),
        );
        let qr = qr_cells(plain.backend().buffer());
        assert_eq!(qr.len(), 37 * 19, "{size:?}");
        assert_eq!(qr, qr_cells(color.backend().buffer()), "{size:?}");
        let buffer = plain.backend().buffer();
        let coloured_outside_qr = buffer
            .area
            .positions()
            .filter(|p| !qr.contains(p))
            .any(|p| (buffer[p].fg, buffer[p].bg) != (Color::Reset, Color::Reset));
        assert!(
            !coloured_outside_qr,
            "{size:?}: no colour but the QR code's"
        );
    }
}

fn in_zone(mut app: App, zone: &LocalTime) -> App {
    app.local_time = zone.clone();
    app
}

#[test]
fn times_are_shown_in_the_local_zone_with_its_abbreviation() {
    // The fixtures sign in on 2026-11-23 at 13:14:15 UTC: 14:14:15 in Berlin's winter time.
    let berlin = LocalTime::posix(BERLIN).unwrap();
    let app = in_zone(fixtures::waiting(), &berlin);
    let text = screen_text(&draw(&app, (80, 24), fixtures::waiting_now()));
    assert!(text.contains("(at 14:24:15 CET)"), "{text}");
    assert!(!text.contains("UTC"), "{text}");
    let (app, now) = fx::rotated_in(&berlin);
    let text = screen_text(&draw(&app, (120, 40), now));
    assert!(text.contains("Events (CET)"), "{text}");
    assert!(!text.contains("UTC"), "{text}");
    // The last access token expires at 16:59:55 UTC; the next refresh starts once it has less
    // than 5 min left.
    assert!(text.contains("next at 17:54:56 CET"), "{text}");
    common::screen::snapshot("dashboard_rotated_berlin", &app, &[(80, 24)], now);
}
