//! Every terminal: ASCII mode for terminals that are not UTF-8 (no byte above 0x7F in any
//! frame, the QR code in reverse-video spaces that read back as the `qrcode` crate's matrix,
//! the user code as plain text), the profile's name and label in the sign-in title, and the
//! code flow's address as an OSC 8 hyperlink that carries exactly the sanitised address.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::screen::{draw_with, screen_text};
use common::{code_fixtures, dashboard_fixtures, fixtures};
use grantty::app::App;
use grantty::charset::Charset;
use grantty::domain::clock::Timestamp;
use grantty::ui::{Theme, UiCache, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::CellDiffOption;
use ratatui::style::Modifier;

fn ascii() -> Theme {
    Theme::color().with_charset(Charset::Ascii)
}

fn snapshot_ascii(name: &str, app: &App, now: Timestamp) {
    for (width, height) in [(80, 24), (40, 12)] {
        let terminal = draw_with(app, ascii(), (width, height), now);
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("ascii_{name}_{width}x{height}"), terminal.backend());
        });
    }
}

/// Every screen the app draws: sign-in, code flow, dashboard.
fn every_screen() -> Vec<(&'static str, App, Timestamp)> {
    let mut all = fixtures::all_screens();
    all.extend(code_fixtures::all());
    for (name, (app, now)) in [
        ("dashboard_fresh", dashboard_fixtures::fresh()),
        ("dashboard_expiring", dashboard_fixtures::expiring()),
        ("dashboard_rotated", dashboard_fixtures::rotated()),
        (
            "dashboard_refresh_ending",
            dashboard_fixtures::refresh_ending(),
        ),
    ] {
        all.push((name, app, now));
    }
    all
}

#[test]
fn snapshots_ascii_mode_of_sign_in_code_flow_and_dashboard() {
    snapshot_ascii(
        "sign_in_waiting",
        &fixtures::waiting(),
        fixtures::waiting_now(),
    );
    snapshot_ascii(
        "sign_in_requesting",
        &fixtures::requesting(),
        common::example::at(0),
    );
    snapshot_ascii(
        "sign_in_approved",
        &fixtures::approved(),
        fixtures::approved_now(),
    );
    snapshot_ascii(
        "code_paste_waiting",
        &code_fixtures::paste_waiting(),
        common::example::at(1),
    );
    snapshot_ascii("code_help", &code_fixtures::help(), common::example::at(3));
    let (app, now) = dashboard_fixtures::fresh();
    snapshot_ascii("dashboard_fresh", &app, now);
}

#[test]
fn no_ascii_mode_frame_holds_a_character_above_0x7f() {
    let sizes = [(80, 24), (40, 12), (60, 40), (120, 40), (200, 60), (20, 5)];
    for (name, app, now) in every_screen() {
        for size in sizes {
            for theme in [ascii(), Theme::no_color().with_charset(Charset::Ascii)] {
                let terminal = draw_with(&app, theme, size, now);
                for (i, cell) in terminal.backend().buffer().content().iter().enumerate() {
                    assert!(
                        cell.symbol().bytes().all(|b| b <= 0x7f),
                        "{name} at {size:?}: cell {i} is {:?}\n{}",
                        cell.symbol(),
                        screen_text(&terminal)
                    );
                }
            }
        }
    }
}

#[test]
fn the_utf8_frames_do_hold_block_characters_so_the_ascii_test_can_fail() {
    let terminal = draw_with(
        &fixtures::waiting(),
        Theme::color(),
        (120, 40),
        fixtures::waiting_now(),
    );
    assert!(screen_text(&terminal).contains('█'));
}

#[test]
fn ascii_mode_draws_the_qr_code_as_reverse_video_module_pairs_matching_the_qrcode_matrix() {
    let app = fixtures::waiting();
    let payload = fixtures::authorization().qr_payload().to_owned();
    let terminal = draw_with(&app, ascii(), (120, 45), fixtures::waiting_now());
    let buffer = terminal.backend().buffer();
    // The reference matrix, from the qrcode crate directly.
    let code = qrcode::QrCode::with_error_correction_level(payload.as_bytes(), qrcode::EcLevel::L)
        .unwrap();
    let side = code.width();
    let reference: Vec<bool> = code
        .to_colors()
        .into_iter()
        .map(|c| c == qrcode::Color::Dark)
        .collect();
    // Find the code: the first reversed cell is the top-left finder's corner module.
    let is_dark = |x: u16, y: u16| buffer[(x, y)].modifier.contains(Modifier::REVERSED);
    let (x0, y0) = buffer
        .area
        .positions()
        .find(|p| is_dark(p.x, p.y))
        .map(|p| (p.x, p.y))
        .expect("a QR code in reverse video");
    let mut drawn = Vec::new();
    for my in 0..side {
        for mx in 0..side {
            let x = x0 + u16::try_from(mx * 2).unwrap();
            let y = y0 + u16::try_from(my).unwrap();
            assert_eq!(
                is_dark(x, y),
                is_dark(x + 1, y),
                "module ({mx}, {my}) is two equal cells"
            );
            assert_eq!(buffer[(x, y)].symbol(), " ");
            drawn.push(is_dark(x, y));
        }
    }
    assert_eq!(
        drawn, reference,
        "the drawn grid is the qrcode crate's module matrix"
    );
    // The plain code instead of block letters.
    assert!(screen_text(&terminal).contains("WDJB-MJHT"));
    assert!(
        !screen_text(&terminal).contains('#'),
        "no block letters made of #"
    );
}

#[test]
fn ascii_mode_without_room_for_the_taller_qr_code_says_so_and_shows_the_address() {
    let terminal = draw_with(
        &fixtures::waiting(),
        ascii(),
        (80, 24),
        fixtures::waiting_now(),
    );
    let text = screen_text(&terminal);
    let buffer = terminal.backend().buffer();
    assert!(
        !buffer
            .content()
            .iter()
            .any(|c| c.modifier.contains(Modifier::REVERSED)
                && c.symbol() == " "
                && c.bg == ratatui::style::Color::White),
        "no partial QR code at 80x24:\n{text}"
    );
    assert!(text.contains("Enlarge the terminal to"), "{text}");
    assert!(text.contains("https://example.com/device"), "{text}");
}

fn with_label(mut app: App, profile: &str, label: Option<&str>) -> App {
    profile.clone_into(&mut app.profile);
    app.profile_label = label.map(str::to_owned);
    app
}

#[test]
fn snapshots_the_sign_in_title_with_profile_and_label() {
    let now = fixtures::waiting_now();
    let app = with_label(fixtures::waiting(), "tenant-a", Some("Tenant A (EU)"));
    for (width, height) in [(80, 24), (40, 12)] {
        let terminal = draw_with(&app, Theme::color(), (width, height), now);
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("sign_in_profile_label_{width}x{height}"), terminal.backend());
        });
    }
    let code = with_label(
        code_fixtures::paste_waiting(),
        "tenant-b",
        Some("Tenant B (US)"),
    );
    let terminal = draw_with(&code, Theme::color(), (80, 24), common::example::at(1));
    insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("code_profile_label_80x24", terminal.backend());
    });
}

#[test]
fn two_tenants_look_different_on_the_sign_in_screen() {
    let now = fixtures::waiting_now();
    let title = |app: &App| {
        let terminal = draw_with(app, Theme::color(), (120, 40), now);
        screen_text(&terminal).lines().next().unwrap().to_owned()
    };
    let a = title(&with_label(
        fixtures::waiting(),
        "tenant-a",
        Some("Tenant A (EU)"),
    ));
    let b = title(&with_label(fixtures::waiting(), "tenant-b", None));
    assert!(
        a.contains("profile tenant-a") && a.contains("Tenant A (EU)"),
        "{a}"
    );
    assert!(b.contains("profile tenant-b"), "{b}");
    assert_ne!(a, b);
}

/// Draws with hyperlinks on, as the real terminal does.
fn draw_linked(app: &App, theme: Theme, size: (u16, u16), now: Timestamp) -> Terminal<TestBackend> {
    let mut cache = UiCache::new(theme).with_hyperlinks(true);
    cache.sync(app);
    let mut terminal = Terminal::new(TestBackend::new(size.0, size.1)).unwrap();
    terminal
        .draw(|frame| render(frame, app, &cache, now))
        .unwrap();
    terminal
}

/// Every OSC 8 target in the buffer, with the text each link shows.
fn links(terminal: &Terminal<TestBackend>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for cell in terminal.backend().buffer().content() {
        let symbol = cell.symbol();
        if let Some(rest) = symbol.strip_prefix("\x1b]8;;") {
            let (url, rest) = rest.split_once("\x1b\\").unwrap();
            let text = rest.strip_suffix("\x1b]8;;\x1b\\").unwrap();
            let width = match cell.diff_option {
                CellDiffOption::ForcedWidth(w) => usize::from(w.get()),
                other => panic!("a link cell without its width: {other:?}"),
            };
            assert_eq!(
                text.chars().count(),
                width,
                "the forced width is the shown text's"
            );
            out.push((url.to_owned(), text.to_owned()));
        }
    }
    out
}

#[test]
fn the_code_flow_address_is_one_osc8_link_per_wrapped_line_to_exactly_the_sanitised_address() {
    let app = code_fixtures::paste_waiting();
    let Some(grantty::app::Screen::Code(code)) = Some(&app.screen) else {
        panic!("a code flow screen");
    };
    let url = code.authorization.url.as_str().to_owned();
    for (size, theme) in [
        ((80, 24), Theme::color()),
        ((40, 12), Theme::no_color()),
        ((120, 40), ascii()),
        // Shortened to a line ending in an ellipsis, which the ASCII pass widens.
        ((40, 12), ascii()),
    ] {
        let terminal = draw_linked(&app, theme, size, common::example::at(1));
        let found = links(&terminal);
        assert!(!found.is_empty(), "no link at {size:?}");
        for (target, _) in &found {
            assert_eq!(target, &url, "every link opens the whole address");
        }
        if size == (80, 24) {
            let shown: String = found.iter().map(|(_, text)| text.as_str()).collect();
            assert_eq!(shown, url, "the wrapped lines together are the address");
        }
    }
    // Without hyperlinks (snapshots, tests), no escape at all.
    let terminal = draw_with(&app, Theme::color(), (80, 24), common::example::at(1));
    assert!(links(&terminal).is_empty());
    assert!(!screen_text(&terminal).contains('\x1b'));
}

#[test]
fn an_address_with_control_characters_is_never_put_in_a_link() {
    let mut app = code_fixtures::paste_waiting();
    if let grantty::app::Screen::Code(code) = &mut app.screen {
        // A URL the parser would never produce, forced in: an ESC that would end the link.
        let bad = "https://example.com/a\x1b]8;;https://evil.example/\x1b\\";
        code.authorization.url = url::Url::parse(bad)
            .unwrap_or_else(|_| url::Url::parse("https://example.com/%1B").unwrap());
    }
    let terminal = draw_linked(&app, Theme::color(), (80, 24), common::example::at(1));
    for cell in terminal.backend().buffer().content() {
        let symbol = cell.symbol();
        // Only our own link escape: exactly its four ESCs, no BEL, no C1.
        if symbol.contains('\x1b') {
            assert!(symbol.starts_with("\x1b]8;;"), "{symbol:?}");
            assert_eq!(symbol.matches('\x1b').count(), 4, "{symbol:?}");
        }
        assert!(
            !symbol.contains('\x07') && !symbol.contains('\u{9b}'),
            "{symbol:?}"
        );
    }
    for (target, _) in links(&terminal) {
        assert!(
            target.bytes().all(|b| (0x21..=0x7e).contains(&b)),
            "{target:?}"
        );
    }
}
