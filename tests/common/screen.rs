//! Drawing the app into a test terminal, snapshotting it into the top-level `snapshots/`, and
//! reading the buffer back as text.

use grantty::app::App;
use grantty::domain::clock::Timestamp;
use grantty::ui::{Theme, UiCache, render};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

/// The sizes every screen is snapshotted at: the classic terminal, the smallest supported, a
/// tall narrow pane (a split tmux window, a phone) and a large window.
pub const SIZES: [(u16, u16); 4] = [(80, 24), (40, 12), (60, 40), (120, 40)];

/// Draws `app` at `now` into a `width`×`height` test terminal.
pub fn draw_with(
    app: &App,
    theme: Theme,
    (width, height): (u16, u16),
    now: Timestamp,
) -> Terminal<TestBackend> {
    let mut cache = UiCache::new(theme);
    cache.sync(app);
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| render(frame, app, &cache, now))
        .unwrap();
    terminal
}

/// Draws with the colour theme.
pub fn draw(app: &App, size: (u16, u16), now: Timestamp) -> Terminal<TestBackend> {
    draw_with(app, Theme::color(), size, now)
}

/// Snapshots `app` at each size as `<name>_<w>x<h>`.
pub fn snapshot(name: &str, app: &App, sizes: &[(u16, u16)], now: Timestamp) {
    for &(width, height) in sizes {
        let terminal = draw(app, (width, height), now);
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
        });
    }
}

/// The buffer's rows as text.
pub fn rows(buffer: &Buffer) -> Vec<String> {
    let area = buffer.area;
    (area.top()..area.bottom())
        .map(|y| {
            (area.left()..area.right())
                .map(|x| buffer[(x, y)].symbol())
                .collect()
        })
        .collect()
}

/// The whole screen as text.
pub fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    rows(terminal.backend().buffer()).join("\n")
}

/// Cells (x, y) where `needle` starts.
pub fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    rows(buffer).iter().enumerate().find_map(|(y, row)| {
        let byte = row.find(needle)?;
        let x = row[..byte].chars().count();
        Some((u16::try_from(x).ok()?, u16::try_from(y).ok()?))
    })
}

/// Asserts `app` drawn with the `NO_COLOR` theme at `size` has no colour but the QR code's
/// black on white; `name` names the screen in the failure.
pub fn assert_colourless_but_qr(name: &str, app: &App, size: (u16, u16), now: Timestamp) {
    use ratatui::style::Color;
    let terminal = draw_with(app, Theme::no_color(), size, now);
    let buffer = terminal.backend().buffer();
    for p in buffer.area.positions() {
        let colours = (buffer[p].fg, buffer[p].bg);
        assert!(
            colours == (Color::Reset, Color::Reset) || colours == (Color::Black, Color::White),
            "{name} at {size:?}: {colours:?} at {p:?}"
        );
    }
}
