//! `NO_COLOR` in a real terminal backend: the QR code still reaches the terminal black on white.
//!
//! crossterm drops every colour sequence when `NO_COLOR` is set, whatever the theme asks for, so
//! this is checked in the bytes a `CrosstermBackend` writes, in a child process started with
//! `NO_COLOR=1` (the variable is process-wide and read once).

#![allow(clippy::unwrap_used)]

use crate::common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::fixtures;
use grantty::ui::{Theme, UiCache, render};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

const CHILD: &str = "GRANTTY_TEST_NO_COLOR_CHILD";

/// The bytes of one 80×24 frame of the waiting screen in the no-colour theme.
fn frame_bytes() -> Vec<u8> {
    grantty::tui::keep_qr_colours();
    let app = fixtures::waiting();
    let mut cache = UiCache::new(Theme::no_color());
    cache.sync(&app);
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, 80, 24)),
    };
    let bytes = Shared::default();
    let mut terminal =
        Terminal::with_options(CrosstermBackend::new(bytes.clone()), options).unwrap();
    terminal
        .draw(|frame| render(frame, &app, &cache, fixtures::waiting_now()))
        .unwrap();
    bytes.0.lock().unwrap().clone()
}

/// A writer whose bytes stay readable after the terminal took it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn no_color_child_writes_a_frame() {
    if std::env::var_os(CHILD).is_none() {
        return; // run only as the child of the test below
    }
    let bytes = frame_bytes();
    // ratatui writes the QR's style as one sequence: black (0) on white (15).
    let qr = b"38;5;0;48;5;15m";
    let black_fg = contains(&bytes, qr);
    let white_bg = black_fg;
    // Any other colour (`38;5;N` or `48;5;N` not part of that sequence) would break NO_COLOR.
    let text = String::from_utf8_lossy(&bytes).replace("38;5;0;48;5;15m", "");
    let other_colour = text.contains("38;5;") || text.contains("48;5;");
    println!("black_fg={black_fg} white_bg={white_bg} other_colour={other_colour}");
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The child test's name as libtest lists it: its module path without the crate's name.
fn child_test_name() -> String {
    let (_harness, module) = module_path!().split_once("::").unwrap();
    format!("{module}::no_color_child_writes_a_frame")
}

#[test]
fn no_color_keeps_the_qr_code_black_on_white_in_the_terminal() {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &child_test_name(), "--nocapture"])
        .env(CHILD, "1")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("black_fg=true white_bg=true other_colour=false"),
        "{stdout}"
    );
}
