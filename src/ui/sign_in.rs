//! The sign-in screens: asking for a code, then showing it while polling.
//!
//! The waiting screen puts the QR code on the left and the text on the right when the frame is
//! large enough for the code with a 4-module quiet zone, or failing that a 2-module one. Without
//! room for either it shows text only, plus a hint with the size that would fit the QR code. The
//! text degrades by importance (see [`layout`](super::layout)): the user code, the URL and the
//! countdown stay longest; poll details, then who is asking, give way first.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::big_text::{big_rows, spaced};
use super::countdown::{clock_skew, code_expiry, poll_status};
use super::layout::{Section, fit_and_draw};
use super::qr::{NARROW_QUIET_ZONE_MODULES, QUIET_ZONE_MODULES, QrMatrix};
use super::wrap::{key_bar, labelled, width, wrap, wrap_phrases};
use super::{Theme, UiCache, title_line};
use crate::app::{App, Waiting};
use crate::domain::clock::Timestamp;

/// Columns between the QR code and the text.
const GAP_COLS: u16 = 2;
/// The narrowest text column worth putting next to a QR code.
const MIN_TEXT_COLS: u16 = 30;
/// Columns kept free right of the text.
const RIGHT_MARGIN_COLS: u16 = 1;
/// Rows outside the QR code and its text: the title line and the key bar.
const CHROME_ROWS: u16 = 2;
/// Frames at least this wide get a one-column margin.
const MARGIN_FROM_COLS: u16 = 60;
/// Width of the label column in "who is asking".
const LABEL_COLS: usize = 8;

// What giving up each piece of content costs; the cheapest goes first.
const POLL_TO_ONE_LINE: u8 = 10;
/// The plain code under the block letters: a cross-check for anyone reading it aloud.
const CODE_UNDER_BIG: u8 = 12;
const SPACING: u8 = 15;
const QR_HINT: u8 = 18;
const POLL: u8 = 20;
const CLOCK_SKEW: u8 = 22;
const WHO_TO_ONE_LINE: u8 = 25;
const TITLE: u8 = 28;
const CODE_LABEL: u8 = 29;
const URL_LABEL: u8 = 30;
const NOTICE: u8 = 35;
const WHO_TO_WARNING: u8 = 40;
const BIG_CODE: u8 = 50;
const WARNING: u8 = 55;
const KEYS: u8 = 60;
const COUNTDOWN: u8 = 85;
const URL: u8 = 90;

/// "Requesting a code from example.com… 3 s".
pub(super) fn requesting(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    cache: &UiCache,
    since: Timestamp,
    now: Timestamp,
) {
    let theme = cache.theme();
    let area = with_margin(area);
    let max = usize::from(area.width);
    let message = [
        Line::raw(format!("Requesting a code from {}…", app.provider.host)),
        Line::styled(format!("{} s", since.secs_until(now)), theme.dim),
    ];
    let sections = [
        Section::new(vec![title_line(app, theme)]).or_drop(TITLE),
        Section::new(wrap_phrases(&message, max)).gap(),
        Section::new(vec![key_bar(&[("q", app.quit_label())], theme.key, max)])
            .or_drop(KEYS)
            .gap()
            .pinned(),
    ];
    fit_and_draw(buf, area, &sections, SPACING);
}

/// The code, the URL, the QR code, who is asking and the poll state.
pub(super) fn waiting(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    waiting: &Waiting,
    cache: &UiCache,
    now: Timestamp,
) {
    let theme = cache.theme();
    let qr = cache.qr_for(waiting.auth.qr_payload());
    match qr.and_then(|qr| quiet_zone_that_fits(qr, area).map(|quiet| (qr, quiet))) {
        Some((qr, quiet)) => with_qr(buf, area, app, waiting, theme, (qr, quiet), now),
        None => text_only(buf, area, app, waiting, theme, qr.map(size_for_qr), now),
    }
}

/// The widest quiet zone with which the QR code and a text column fit in `area`.
fn quiet_zone_that_fits(qr: &QrMatrix, area: Rect) -> Option<u16> {
    [QUIET_ZONE_MODULES, NARROW_QUIET_ZONE_MODULES]
        .into_iter()
        .find(|&quiet| {
            let (cols, rows) = qr.size_in_cells(quiet);
            cols + GAP_COLS + MIN_TEXT_COLS + RIGHT_MARGIN_COLS <= area.width
                && rows + CHROME_ROWS <= area.height
        })
}

/// The smallest terminal (columns, rows) that shows the QR code.
fn size_for_qr(qr: &QrMatrix) -> (u16, u16) {
    let (cols, rows) = qr.size_in_cells(NARROW_QUIET_ZONE_MODULES);
    (
        cols + GAP_COLS + MIN_TEXT_COLS + RIGHT_MARGIN_COLS,
        rows + CHROME_ROWS,
    )
}

fn with_qr(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    waiting: &Waiting,
    theme: &Theme,
    (qr, quiet): (&QrMatrix, u16),
    now: Timestamp,
) {
    let (cols, rows) = qr.size_in_cells(quiet);
    let max = usize::from(area.width.saturating_sub(1));
    buf.set_line(
        area.x + 1,
        area.y,
        &title_line(app, theme),
        area.width.saturating_sub(1),
    );
    buf.set_line(
        area.x + 1,
        area.bottom() - 1,
        &keys(app, theme, max),
        area.width.saturating_sub(1),
    );
    // Centred between the title and the key bar.
    let top = area.y + 1 + (area.height - CHROME_ROWS - rows) / 2;
    qr.draw(buf, Rect::new(area.x, top, cols, rows), quiet, theme.qr);
    let text = Rect::new(
        area.x + cols + GAP_COLS,
        top,
        area.width - cols - GAP_COLS - RIGHT_MARGIN_COLS,
        area.bottom() - 1 - top,
    );
    let sections = body(app, waiting, theme, usize::from(text.width), now, true);
    fit_and_draw(buf, text, &sections, SPACING);
}

fn text_only(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    waiting: &Waiting,
    theme: &Theme,
    qr_size: Option<(u16, u16)>,
    now: Timestamp,
) {
    let area = with_margin(area);
    let max = usize::from(area.width);
    let mut sections = vec![Section::new(vec![title_line(app, theme)]).or_drop(TITLE)];
    sections.extend(body(app, waiting, theme, max, now, false));
    if let Some((cols, rows)) = qr_size {
        let hint = format!("Enlarge the terminal to {cols}×{rows} for a QR code");
        sections.push(
            Section::new(wrap(&hint, theme.dim, max))
                .or_drop(QR_HINT)
                .gap(),
        );
    }
    sections.push(
        Section::new(vec![keys(app, theme, max)])
            .or_drop(KEYS)
            .gap()
            .pinned(),
    );
    fit_and_draw(buf, area, &sections, SPACING);
}

fn with_margin(area: Rect) -> Rect {
    if area.width >= MARGIN_FROM_COLS {
        Rect::new(area.x + 1, area.y, area.width - 2, area.height)
    } else {
        area
    }
}

fn keys(app: &App, theme: &Theme, max: usize) -> Line<'static> {
    key_bar(
        &[
            ("c", "copy code"),
            ("u", "copy URL"),
            ("q", app.quit_label()),
        ],
        theme.key,
        max,
    )
}

/// Everything but the title and the keys, `max` columns wide.
fn body(
    app: &App,
    waiting: &Waiting,
    theme: &Theme,
    max: usize,
    now: Timestamp,
    beside_qr: bool,
) -> Vec<Section> {
    let auth = &waiting.auth;
    let label = if beside_qr {
        "Scan the QR code or open"
    } else {
        "Open this page on any device:"
    };
    let url = wrap(&auth.verification_uri, theme.url, max);
    let mut url_rich = wrap(label, theme.text, max);
    url_rich.extend(url.iter().cloned());

    let mut sections = vec![
        Section::new(url_rich).or(URL_LABEL, url).or_drop(URL).gap(),
        code_section(&auth.user_code, theme, max),
        Section::new(vec![code_expiry(auth.expires_at, now, theme, max)]).or_drop(COUNTDOWN),
    ];
    // Right under the deadline it puts in perspective; only when the skew is notable.
    let skew = clock_skew(app.clock_skew, theme, max);
    sections.extend(skew.map(|lines| Section::new(lines).or_drop(CLOCK_SKEW)));
    sections.push(who_section(app, theme, max).gap());
    let (poll, one_line) = poll_status(waiting, theme, max, now);
    sections.push(
        Section::new(poll)
            .or(POLL_TO_ONE_LINE, vec![one_line])
            .or_drop(POLL)
            .gap(),
    );
    if let Some(notice) = app.visible_notice(now) {
        sections.push(
            Section::new(wrap(&notice.text, theme.notice, max))
                .or_drop(NOTICE)
                .gap(),
        );
    }
    sections
}

/// The user code in block letters, or spaced out, or plain: whatever fits.
fn code_section(code: &str, theme: &Theme, max: usize) -> Section {
    let label = wrap("and enter this code:", theme.text, max);
    let spaced = spaced(code);
    let small_text = if width(&spaced) <= max {
        spaced.as_str()
    } else {
        code
    };
    let small = wrap(small_text, theme.code, max);
    let big: Option<Vec<Line<'static>>> =
        big_rows(code)
            .filter(|rows| width(&rows[0]) <= max)
            .map(|rows| {
                rows.into_iter()
                    .map(|row| Line::styled(row, theme.code))
                    .collect()
            });
    let with_label = |lines: &[Line<'static>]| [label.clone(), lines.to_vec()].concat();
    match big {
        Some(big) => Section::new(with_label(&[big.clone(), small.clone()].concat()))
            .or(CODE_UNDER_BIG, with_label(&big))
            .or(CODE_LABEL, big)
            .or(BIG_CODE, small),
        None => Section::new(with_label(&small)).or(CODE_LABEL, small),
    }
}

/// Who is asking: server, client, scopes, and the anti-phishing line.
fn who_section(app: &App, theme: &Theme, max: usize) -> Section {
    let provider = &app.provider;
    let warning_text = format!(
        "Only enter this code if you just ran grantty on {}.",
        provider.local_host
    );
    let warning = wrap(&warning_text, theme.caution, max);
    let row = |label: &str, value: &str| {
        labelled(
            label,
            LABEL_COLS,
            &[Line::raw(value.to_owned())],
            theme.dim,
            max,
        )
    };
    let mut rich = row("Server", &provider.host);
    rich.extend(row("Client", &provider.client_id));
    if !provider.scopes.trim().is_empty() {
        rich.extend(row("Scopes", &provider.scopes));
    }
    rich.extend(warning.iter().cloned());
    let mut one_line = wrap(
        &format!("{} · {}", provider.host, provider.client_id),
        theme.dim,
        max,
    );
    one_line.extend(warning.iter().cloned());
    Section::new(rich)
        .or(WHO_TO_ONE_LINE, one_line)
        .or(WHO_TO_WARNING, warning)
        .or_drop(WARNING)
}
