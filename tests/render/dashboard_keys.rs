//! The dashboard's event log scrolling, the `?` key list drawn from the key table, and the
//! refresh token's wording.

use crate::common;

use common::dashboard_fixtures::{self as fx, with_board};
use common::screen::{SIZES, draw, screen_text, snapshot};
use grantty::app::dashboard::Overlay;
use grantty::app::keys::{DASHBOARD_KEYS, Key};
use grantty::app::update::update;
use grantty::app::{App, Msg, Screen};
use grantty::domain::clock::Timestamp;
use grantty::export::Format;

fn press(app: &mut App, key: Key, now: Timestamp) {
    update(app, Msg::Key(key), now);
}

fn text(app: &App, size: (u16, u16), now: Timestamp) -> String {
    screen_text(&draw(app, size, now))
}

#[test]
fn the_event_log_shows_the_newest_and_scrolls_with_the_arrows() {
    let (mut app, now) = fx::many_events();
    let newest = "(check #30)";
    for size in SIZES {
        assert!(text(&app, size, now).contains(newest), "{size:?}");
    }
    for _ in 0..5 {
        press(&mut app, Key::Up, now);
    }
    let scrolled = text(&app, (80, 24), now);
    assert!(!scrolled.contains(newest), "{scrolled}");
    assert!(scrolled.contains("(check #25)"), "{scrolled}");
    assert!(scrolled.contains("5 newer below, ↓"), "{scrolled}");
    snapshot(
        "dashboard_events_scrolled",
        &app,
        &[(80, 24), (60, 40)],
        now,
    );
    for _ in 0..5 {
        press(&mut app, Key::Down, now);
    }
    let back = text(&app, (80, 24), now);
    assert!(
        back.contains(newest) && !back.contains("newer below"),
        "{back}"
    );
    for _ in 0..100 {
        press(&mut app, Key::Up, now);
    }
    let top = text(&app, (120, 40), now);
    assert!(
        top.contains("Signed in; tokens stored"),
        "the oldest stays\n{top}"
    );
}

#[test]
fn question_mark_lists_the_offered_keys_from_the_key_table() {
    let (mut app, now) = fx::fresh();
    press(&mut app, Key::Char('?'), now);
    let shown = text(&app, (80, 24), now);
    assert!(shown.contains("Keys"), "{shown}");
    for binding in DASHBOARD_KEYS.iter().filter(|b| !b.help.is_empty()) {
        let row = format!("{:<3} {}", binding.key.name(), binding.help);
        assert!(shown.contains(&row), "{row}\n{shown}");
    }
    snapshot("dashboard_help", &app, &SIZES, now);
    let small = text(&app, (40, 12), now);
    for binding in DASHBOARD_KEYS.iter().filter(|b| !b.help.is_empty()) {
        let row = format!("{:<3} {}", binding.key.name(), binding.help);
        assert!(small.contains(&row), "whole at 40×12: {row}\n{small}");
    }
    press(&mut app, Key::Char('z'), now);
    let closed = text(&app, (80, 24), now);
    assert!(!closed.contains("this list"), "any key closes it\n{closed}");
    let Screen::Dashboard(d) = &app.screen else {
        panic!("still the dashboard");
    };
    assert!(!app.quit && d.ended.is_none());
}

#[test]
fn the_key_bar_offers_help() {
    for (name, app, now) in fx::all_dashboards() {
        let shown = text(&app, (80, 24), now);
        assert!(shown.contains("? keys"), "{name}\n{shown}");
    }
}

#[test]
fn rotations_read_as_counted_times() {
    let (app, now) = fx::rotated_once();
    let once = text(&app, (120, 40), now);
    assert!(once.contains("rotated 1 time (at 14:09:55 UTC)"), "{once}");
    let (app, now) = fx::rotated();
    let thrice = text(&app, (120, 40), now);
    assert!(thrice.contains("rotated 3 times (last at"), "{thrice}");
}

#[test]
fn an_unknown_kind_says_so_and_the_lifespan_counts_from_sign_in() {
    let (app, now) = fx::with_lifespan_unknown_kind();
    let shown = text(&app, (80, 24), now);
    assert!(
        shown.contains("kind unknown until the first refresh"),
        "{shown}"
    );
    // 43,000 s from sign-in, seen 10 min later: 11 h 46 min left (11 h 56 min 40 s - 10 min).
    assert!(
        shown.contains("ends in 11 h 46 min if it rotates"),
        "{shown}"
    );
    snapshot("dashboard_lifespan_unknown_kind", &app, &[(80, 24)], now);
    let (mut app, now) = fx::with_lifespan_unknown_kind();
    with_board(&mut app, |d| {
        d.session.meta.provider.refresh_token_lifespan_secs = None;
    });
    let without = text(&app, (80, 24), now);
    assert!(without.contains("lifespan unknown"), "{without}");
}

#[test]
fn export_menu_keys_5_to_7_pick_the_wrapper_formats() {
    for (key, format) in [
        ('5', Format::Netrc),
        ('6', Format::ExecCredential),
        ('7', Format::GitCredential),
    ] {
        let (mut app, now) = fx::export_menu();
        update(&mut app, Msg::Key(Key::Char(key)), now);
        let Screen::Dashboard(d) = &app.screen else {
            panic!("left the dashboard");
        };
        let picked = Overlay::Export {
            format: Some(format),
        };
        assert_eq!(d.overlay, picked, "key {key}");
    }
}
