//! Pure rendering of the [`App`] with ratatui.
//!
//! [`render`] borrows the app, a [`UiCache`] and the current time and draws one frame; it
//! performs no IO and reads no clock or environment (the runtime decides the [`Theme`]). The
//! only state kept between frames is the QR code, built once per payload by [`UiCache::sync`].
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
use ratatui::text::{Line, Span};

use crate::app::{App, Screen};
use crate::domain::clock::Timestamp;
use qr::QrMatrix;
pub use theme::{COUNTDOWN_URGENT_SECS, COUNTDOWN_WARN_SECS, Theme};

/// What rendering keeps between frames: the theme and the QR code of the current payload.
#[derive(Clone, Debug)]
pub struct UiCache {
    theme: Theme,
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
}

/// The first line of every screen: `grantty · sign in to <provider>`.
fn title_line(app: &App, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled("grantty", theme.brand),
        Span::styled(format!(" · sign in to {}", app.provider.name), theme.text),
    ])
}
