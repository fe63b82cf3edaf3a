//! The sign-in screens: asking for a code, then showing it while polling.
//!
//! The waiting screen places the QR code by the terminal's shape (see [`placement`]): beside
//! the text on wide terminals, above it on tall narrow ones, or not at all, with a hint naming
//! the nearest size that would show it. The text degrades by importance (see
//! [`layout`](super::layout)): the user code, the URL and the countdown stay longest; poll
//! details, then who is asking, give way first.

mod code;
mod placement;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::countdown::{clock_skew, code_expiry, poll_status};
use super::layout::{Section, fit_and_draw};
use super::wrap::{key_bar, labelled, wrap, wrap_phrases};
use super::{Theme, UiCache, title_line};
use crate::app::{App, Waiting};
use crate::domain::clock::Timestamp;
use placement::{CHROME_ROWS, GAP_COLS, Placement, RIGHT_MARGIN_COLS};

/// Frames at least this wide get a one-column margin.
const MARGIN_FROM_COLS: u16 = 60;
/// Width of the label column in "who is asking".
const LABEL_COLS: usize = 8;

// What giving up each piece of content costs; the cheapest goes first.
const POLL_TO_ONE_LINE: u8 = 10;
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
        Section::new(vec![title_line(app, theme, max)]).or_drop(TITLE),
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
    with_qr(
        buf,
        (area, app, cache),
        waiting.auth.qr_payload(),
        &|max| Section::new(vec![keys(app, theme, max)]).or_drop(KEYS),
        &|max, qr_shown| body(app, waiting, theme, max, now, qr_shown),
    );
}

/// Draws a screen around the QR code of `payload`, placed by the terminal's shape: the title,
/// the text `body(columns, qr_shown)` beside or under the code, and the key bar `keys(columns)`
/// at the bottom. Without room for the code, the text alone with a hint naming the nearest
/// size that would show it. The code flow's screen draws through here too.
pub(super) fn with_qr(
    buf: &mut Buffer,
    (area, app, cache): (Rect, &App, &UiCache),
    payload: &str,
    keys: &dyn Fn(usize) -> Section,
    body: &dyn Fn(usize, bool) -> Vec<Section>,
) {
    let theme = cache.theme();
    let Some(qr) = cache.qr_for(payload) else {
        return text_only(buf, (area, app, theme), None, keys, body);
    };
    let charset = theme.charset;
    let size = |quiet| qr.size_for(quiet, charset);
    let placement = placement::choose(size, area);
    let Some((qr_area, text, indent)) = areas(placement, area, size(placement.quiet())) else {
        let hint = placement::nearest_size_for_qr(size, area);
        return text_only(buf, (area, app, theme), Some(hint), keys, body);
    };
    chrome(buf, area, app, theme, indent, keys);
    qr.draw_for(buf, qr_area, placement.quiet(), theme.qr, charset);
    let sections = body(usize::from(text.width), true);
    fit_and_draw(buf, text, &sections, SPACING);
}

/// Where the QR code (`cols` × `rows` cells) and the text go for `placement`, and how far the
/// title and key bar are indented. Beside: the code on the left, centred between the title and
/// the key bar, the text right of it. Above: the code centred under the title, the text under
/// it across the width.
fn areas(placement: Placement, area: Rect, (cols, rows): (u16, u16)) -> Option<(Rect, Rect, u16)> {
    match placement {
        Placement::Beside { .. } => {
            let top = area.y + 1 + (area.height - CHROME_ROWS - rows) / 2;
            let text = Rect::new(
                area.x + cols + GAP_COLS,
                top,
                area.width - cols - GAP_COLS - RIGHT_MARGIN_COLS,
                area.bottom() - 1 - top,
            );
            Some((Rect::new(area.x, top, cols, rows), text, 1))
        }
        Placement::Above { .. } => {
            let body = with_margin(area);
            let top = area.y + 1 + rows;
            let text = Rect::new(
                body.x,
                top,
                body.width,
                area.bottom().saturating_sub(1 + top),
            );
            let qr_left = area.x + (area.width - cols) / 2;
            Some((
                Rect::new(qr_left, area.y + 1, cols, rows),
                text,
                body.x - area.x,
            ))
        }
        Placement::None => None,
    }
}

/// The title on the first row and the key bar on the last, `indent` columns in (one line of
/// the key bar: the richest variant that is a single line).
fn chrome(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    theme: &Theme,
    indent: u16,
    keys: &dyn Fn(usize) -> Section,
) {
    let cols = area.width.saturating_sub(indent);
    let max = usize::from(area.width.saturating_sub(1));
    buf.set_line(
        area.x + indent,
        area.y,
        &title_line(app, theme, usize::from(cols)),
        cols,
    );
    let bar = Rect::new(area.x + indent, area.bottom() - 1, cols, 1);
    fit_and_draw(buf, bar, &[keys(max).pinned()], SPACING);
}

fn text_only(
    buf: &mut Buffer,
    (area, app, theme): (Rect, &App, &Theme),
    qr_size: Option<(u16, u16)>,
    keys: &dyn Fn(usize) -> Section,
    body: &dyn Fn(usize, bool) -> Vec<Section>,
) {
    let area = with_margin(area);
    let max = usize::from(area.width);
    let mut sections = vec![Section::new(vec![title_line(app, theme, max)]).or_drop(TITLE)];
    sections.extend(body(max, false));
    if let Some((cols, rows)) = qr_size {
        let hint = format!("Enlarge the terminal to {cols}×{rows} for a QR code");
        sections.push(
            Section::new(wrap(&hint, theme.dim, max))
                .or_drop(QR_HINT)
                .gap(),
        );
    }
    sections.push(keys(max).gap().pinned());
    fit_and_draw(buf, area, &sections, SPACING);
}

pub(super) fn with_margin(area: Rect) -> Rect {
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
    qr_shown: bool,
) -> Vec<Section> {
    let auth = &waiting.auth;
    let label = if qr_shown {
        "Scan the QR code or open"
    } else {
        "Open this page on any device:"
    };
    let url = wrap(&auth.verification_uri, theme.url, max);
    let mut url_rich = wrap(label, theme.text, max);
    url_rich.extend(url.iter().cloned());

    let mut sections = vec![
        Section::new(url_rich).or(URL_LABEL, url).or_drop(URL).gap(),
        code::section(&auth.user_code, theme, max),
        Section::new(vec![code_expiry(
            auth.expires_at,
            now,
            (theme, &app.local_time),
            max,
        )])
        .or_drop(COUNTDOWN),
    ];
    // Right under the deadline it puts in perspective; only when the skew is notable.
    let skew = clock_skew(app.clock_skew, theme, max);
    sections.extend(skew.map(|lines| Section::new(lines).or_drop(CLOCK_SKEW)));
    let warning = format!(
        "Only enter this code if you just ran grantty on {}.",
        app.provider.local_host
    );
    sections.push(who_section(app, theme, max, &warning).gap());
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

/// Who is asking: server, client, scopes, and the anti-phishing `warning`.
pub(super) fn who_section(app: &App, theme: &Theme, max: usize, warning: &str) -> Section {
    let provider = &app.provider;
    let warning = wrap(warning, theme.caution, max);
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
