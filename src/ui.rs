//! Pure rendering of the [`App`] with ratatui.
//!
//! [`render`] borrows the app, a [`UiCache`] and the current time and draws one frame; it
//! performs no IO and reads no clock or environment (the runtime decides the [`Theme`]). The
//! only state kept between frames is the QR code, built once per payload by [`UiCache::sync`].
//! In ASCII mode (a terminal that is not UTF-8, see [`Charset`]) the screens draw the QR code
//! and the user code without block characters, and a last pass over the frame replaces every
//! other character outside ASCII (box drawing, `·`, `…`, arrows, server text) by its stand-in,
//! so no cell holds a byte above 0x7F.
//! Secrets reach the screen only as masked previews, and the device code never does.

pub mod big_text;
mod code_flow;
mod countdown;
mod dashboard;
mod layout;
mod outcome;
pub mod qr;
mod sign_in;
mod theme;
mod wrap;

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::text::{Line, Span};

use crate::app::{App, Screen};
use crate::charset::{Charset, ascii_symbol};
use crate::domain::clock::Timestamp;
use crate::domain::text::hyperlink;
use qr::QrMatrix;
use std::num::NonZeroU16;
pub use theme::{COUNTDOWN_URGENT_SECS, COUNTDOWN_WARN_SECS, Theme};

/// What rendering keeps between frames: the theme and the QR code of the current payload.
#[derive(Clone, Debug)]
pub struct UiCache {
    theme: Theme,
    hyperlinks: bool,
    qr: Option<CachedQr>,
    qr_builds: u64,
}

#[derive(Clone, Debug)]
struct CachedQr {
    payload: String,
    matrix: Option<QrMatrix>,
}

impl UiCache {
    /// An empty cache drawing with `theme`.
    pub fn new(theme: Theme) -> Self {
        Self {
            theme,
            hyperlinks: false,
            qr: None,
            qr_builds: 0,
        }
    }

    /// Brings the cache up to date with `app`: encodes the QR code when the payload to show
    /// changed, and only then. Call it after every `update`, before [`render`].
    pub fn sync(&mut self, app: &App) {
        let payload = match &app.screen {
            Screen::Waiting(waiting) => waiting.auth.qr_payload(),
            Screen::Code(code) => code.authorization.url.as_str(),
            _ => return,
        };
        if self.qr.as_ref().is_some_and(|qr| qr.payload == payload) {
            return;
        }
        self.qr_builds += 1;
        self.qr = Some(CachedQr {
            payload: payload.to_owned(),
            matrix: QrMatrix::encode(payload),
        });
    }

    /// The same cache drawing the code flow's address as an OSC 8 hyperlink when `on` (a real
    /// terminal; never in snapshots, whose cells would hold the escape).
    #[must_use]
    pub fn with_hyperlinks(mut self, on: bool) -> Self {
        self.hyperlinks = on;
        self
    }

    /// The theme.
    pub fn theme(&self) -> &Theme {
        &self.theme
    }

    /// How many times a QR code was encoded (it should be once per payload).
    pub fn qr_builds(&self) -> u64 {
        self.qr_builds
    }

    /// The QR code of `payload`, if the cache holds exactly that one: a stale code for an
    /// earlier URL is never drawn.
    fn qr_for(&self, payload: &str) -> Option<&QrMatrix> {
        self.qr
            .as_ref()
            .filter(|qr| qr.payload == payload)
            .and_then(|qr| qr.matrix.as_ref())
    }
}

/// Draws `app` as it stands at `now` into the whole frame.
pub fn render(frame: &mut Frame, app: &App, cache: &UiCache, now: Timestamp) {
    let area = frame.area();
    let buf = frame.buffer_mut();
    match &app.screen {
        Screen::Requesting { since } => sign_in::requesting(buf, area, app, cache, *since, now),
        Screen::Waiting(waiting) => sign_in::waiting(buf, area, app, waiting, cache, now),
        Screen::Approved(approved) => outcome::approved(buf, area, app, approved, cache, now),
        Screen::Ended { failure, user_code } => {
            outcome::ended(buf, area, app, failure, user_code.as_deref(), cache);
        }
        Screen::Failed(view) => outcome::failed(buf, area, app, view, cache),
        Screen::Dashboard(dashboard) => dashboard::render(buf, area, app, dashboard, cache, now),
        Screen::Code(code) => code_flow::screen(buf, area, app, code, cache, now),
        Screen::CodeEnded(end) => code_flow::ended(buf, area, app, end, cache),
    }
    if cache.theme.charset == Charset::Ascii {
        to_ascii_cells(buf);
    }
    // Last: the link's cells hold its escape, which the ASCII pass must not touch.
    if let Screen::Code(code) = &app.screen
        && cache.hyperlinks
    {
        link_cells(buf, code.authorization.url.as_str(), cache.theme.url);
    }
}

/// Makes every run of cells drawn in the `url_style` one OSC 8 hyperlink to `url`: the run's
/// text goes into its first cell inside the escape, with that cell's width forced to the run's
/// length, so ratatui's diff writes the run as one piece and skips the cells it covers. Each
/// wrapped line of the address is one run and links to the whole address. Nothing is linked
/// when `url` cannot go into an escape safely (see [`hyperlink`]).
fn link_cells(buf: &mut Buffer, url: &str, url_style: ratatui::style::Style) {
    use ratatui::buffer::CellDiffOption;
    let area = buf.area;
    let is_url = |cell: &ratatui::buffer::Cell| {
        url_style.fg.is_none_or(|fg| cell.fg == fg)
            && cell.modifier == url_style.add_modifier
            && cell.symbol() != " "
    };
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            if !is_url(&buf[(x, y)]) {
                x += 1;
                continue;
            }
            let start = x;
            let mut text = String::new();
            while x < area.right() && is_url(&buf[(x, y)]) {
                text.push_str(buf[(x, y)].symbol());
                x += 1;
            }
            let (Some(link), Some(width)) = (hyperlink(url, &text), NonZeroU16::new(x - start))
            else {
                continue;
            };
            buf[(start, y)]
                .set_symbol(&link)
                .set_diff_option(CellDiffOption::ForcedWidth(width));
        }
    }
}

/// Replaces every cell's symbol outside printable ASCII by its one-character stand-in; an
/// ellipsis becomes `...` where the two cells after it are blank.
fn to_ascii_cells(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        let mut x = area.left();
        while x < area.right() {
            let symbol = buf[(x, y)].symbol().to_owned();
            if symbol.is_ascii() {
                x += 1;
                continue;
            }
            let blank_after = |n: u16| {
                (1..=n).all(|i| {
                    x.checked_add(i)
                        .filter(|&col| col < area.right())
                        .is_some_and(|col| buf[(col, y)].symbol() == " ")
                })
            };
            if symbol == "…" && blank_after(2) {
                let style = buf[(x, y)].style();
                for i in 0..3 {
                    buf[(x + i, y)].set_symbol(".").set_style(style);
                }
                x += 3;
                continue;
            }
            let mut stand_in = String::new();
            for ch in symbol.chars().filter(|c| !is_zero_width(*c)).take(1) {
                stand_in.push(ascii_symbol(ch));
            }
            if stand_in.is_empty() {
                stand_in.push(' ');
            }
            buf[(x, y)].set_symbol(&stand_in);
            x += 1;
        }
    }
}

/// Combining marks and other zero-width characters that ride on the character before them in
/// one cell.
fn is_zero_width(ch: char) -> bool {
    matches!(ch, '\u{300}'..='\u{36f}' | '\u{200b}'..='\u{200f}' | '\u{fe00}'..='\u{fe0f}')
}

/// The first line of every sign-in screen: `grantty · sign in to <provider> · profile <name>`
/// and the profile's label, so that two tenants never look the same; without the provider
/// when that is wider than `max` columns (the profile matters more than the provider's name).
fn title_line(app: &App, theme: &Theme, max: usize) -> Line<'static> {
    let mut profile = vec![Span::styled(
        format!(" · profile {}", app.profile),
        theme.text,
    )];
    if let Some(label) = &app.profile_label {
        profile.push(Span::styled(format!(" · {label}"), theme.caution));
    }
    let full = Line::from(
        [
            vec![
                Span::styled("grantty", theme.brand),
                Span::styled(format!(" · sign in to {}", app.provider.name), theme.text),
            ],
            profile.clone(),
        ]
        .concat(),
    );
    if full.width() <= max {
        return full;
    }
    Line::from([vec![Span::styled("grantty", theme.brand)], profile].concat())
}
