//! Snapshots of the code flow screen (`login --flow code` in a terminal) in every state at
//! 80×24 and 40×12, the QR code where it fits, and the rules a snapshot cannot show.

use crate::common;

use common::code_fixtures;
use common::example::{STATE, VERIFIER, at};
use common::screen::{assert_colourless_but_qr, draw, screen_text, snapshot};
use ratatui::style::Modifier;

#[test]
fn snapshots_every_code_flow_state() {
    for (name, app, now) in code_fixtures::all() {
        snapshot(name, &app, &[(80, 24), (40, 12)], now);
    }
}

#[test]
fn snapshots_the_qr_code_where_it_fits() {
    snapshot(
        "code_paste_waiting_qr",
        &code_fixtures::paste_waiting(),
        &[(120, 40), (80, 42)],
        at(1),
    );
}

#[test]
fn the_qr_code_is_drawn_when_it_fits_and_a_hint_names_the_size_when_not() {
    let small = screen_text(&draw(&code_fixtures::paste_waiting(), (80, 24), at(1)));
    assert!(!small.contains('█'), "{small}");
    assert!(small.contains("Enlarge the terminal to"), "{small}");
    let large = screen_text(&draw(&code_fixtures::paste_waiting(), (120, 40), at(1)));
    assert!(large.contains('█'), "{large}");
    assert!(large.contains("Scan the QR code"), "{large}");
}

#[test]
fn the_input_line_and_countdown_survive_the_smallest_terminal() {
    let text = screen_text(&draw(&code_fixtures::typed(), (40, 12), at(30)));
    assert!(text.contains("› http://127.0.0.1/callback?co"), "{text}");
    assert!(text.contains("9:30"), "{text}");
    let error = screen_text(&draw(&code_fixtures::bad_paste(), (40, 12), at(45)));
    assert!(error.contains("Not accepted"), "{error}");
}

#[test]
fn the_cursor_is_a_reversed_cell_in_the_input_line() {
    let terminal = draw(&code_fixtures::typed(), (80, 24), at(30));
    let buffer = terminal.backend().buffer();
    let reversed: Vec<_> = buffer
        .area
        .positions()
        .filter(|&p| buffer[p].modifier.contains(Modifier::REVERSED))
        .map(|p| buffer[p].symbol().to_owned())
        .collect();
    // The cursor sits on the `e` of `code=` (moved two left from the end).
    assert_eq!(reversed, ["e"]);
}

#[test]
fn a_long_address_is_shortened_around_the_cursor() {
    let text = screen_text(&draw(&code_fixtures::long_input(), (80, 24), at(30)));
    let line = text
        .lines()
        .find(|l| l.contains('›'))
        .expect("the input line");
    assert!(line.contains("› …"), "{line}");
    assert!(
        line.trim_end().ends_with(&format!("state={STATE}")),
        "{line}"
    );
}

#[test]
fn the_pkce_verifier_never_reaches_the_screen() {
    for (name, app, now) in code_fixtures::all() {
        for size in [(80, 24), (40, 12), (120, 40)] {
            let text = screen_text(&draw(&app, size, now));
            assert!(!text.contains(VERIFIER), "{name} {size:?}");
            assert!(!text.contains(&VERIFIER[..12]), "{name} {size:?}");
        }
    }
}

#[test]
fn no_color_draws_no_colour_except_the_qr_code() {
    for (name, app, now) in code_fixtures::all() {
        for size in [(80, 24), (40, 12), (120, 40)] {
            assert_colourless_but_qr(name, &app, size, now);
        }
    }
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (_, app, now) in code_fixtures::all() {
        for size in [(1, 1), (10, 3), (20, 5), (0, 0), (3, 40), (120, 4)] {
            draw(&app, size, now);
        }
    }
}
