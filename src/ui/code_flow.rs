//! The code flow screen (`login --flow code` in a terminal): the authorize address as text and
//! QR code (placed like the device sign-in's, through [`sign_in::with_qr`]), how the answer
//! comes back, the input line for the pasted address, the countdown to the end of the wait and
//! who is asking. Its end screen is the sign-in's failure message.
//!
//! The input line is drawn sanitised (it never holds control characters) and shortened to a
//! window around the cursor; the cursor is a reversed cell, so rendering stays pure.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};

use super::countdown::deadline;
use super::dashboard::keys::bar_section;
use super::layout::{Section, fit_and_draw};
use super::sign_in::{who_section, with_margin, with_qr};
use super::wrap::{labelled, wrap};
use super::{Theme, UiCache, title_line};
use crate::app::keys::{CODE_KEYS, code_offered};
use crate::app::{App, Capture, CodeEnd, CodeSignIn};
use crate::domain::clock::Timestamp;

// What giving up each piece of content costs; the cheapest goes first.
const SPACING: u8 = 15;
const REDIRECT: u8 = 17;
const URL_LABEL: u8 = 24;
const TITLE: u8 = 28;
const CAPTURE: u8 = 30;
const LISTENER: u8 = 48;
const URL_SHORT: u8 = 32;
const NOTICE: u8 = 35;
const PROMPT: u8 = 45;
const KEYS_TO_ONE_LINE: u8 = 50;
const URL: u8 = 52;
const KEYS: u8 = 60;
const ERROR: u8 = 70;
const COUNTDOWN: u8 = 85;
const INPUT: u8 = 95;

/// Draws the code flow screen.
pub(super) fn screen(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    code: &CodeSignIn,
    cache: &UiCache,
    now: Timestamp,
) {
    let theme = cache.theme();
    if code.help {
        return help(buf, area, app, theme);
    }
    let state = code.keys();
    let keys = |max| {
        let offered = CODE_KEYS.iter().filter(|b| code_offered(b, state));
        bar_section(offered, theme.key, max, (KEYS_TO_ONE_LINE, KEYS))
    };
    let body = |max, qr_shown| body(app, code, theme, max, now, qr_shown);
    with_qr(
        buf,
        (area, app, cache),
        code.authorization.url.as_str(),
        &keys,
        &body,
    );
}

fn body(
    app: &App,
    code: &CodeSignIn,
    theme: &Theme,
    max: usize,
    now: Timestamp,
    qr_shown: bool,
) -> Vec<Section> {
    let label = if qr_shown {
        "Scan the QR code or open this address in a browser:"
    } else {
        "Open this address in a browser:"
    };
    let url = wrap(code.authorization.url.as_str(), theme.url, max);
    let mut url_rich = wrap(label, theme.text, max);
    url_rich.extend(url.iter().cloned());
    let mut sections = vec![
        Section::new(url_rich)
            .or(URL_LABEL, url)
            .or_shorter(URL_SHORT, 1, max)
            .or_drop(URL)
            .gap(),
        Section::new(wrap(&capture_text(&code.capture), theme.dim, max))
            .or_drop(match code.capture {
                // The listener's state is how the user learns the answer came in.
                Capture::Listening { .. } | Capture::Answered => LISTENER,
                Capture::Paste { .. } => CAPTURE,
            })
            .gap(),
    ];
    sections.extend(answer_sections(app, code, theme, max));
    // The deadline is for the answer; once it is in, the exchange has its own timeout.
    sections.extend((!code.exchanging()).then(|| {
        Section::new(vec![deadline(
            ("Answer needed within ", "within ", "The wait has ended"),
            code.deadline,
            now,
            (theme, &app.local_time),
            max,
        )])
        .or_drop(COUNTDOWN)
    }));
    let warning = format!(
        "Only continue if you just ran grantty on {}.",
        app.provider.local_host
    );
    sections.push(who_section(app, theme, max, &warning).gap());
    if let Some(notice) = app.visible_notice(now) {
        sections.push(
            Section::new(wrap(&notice.text, theme.notice, max))
                .or_drop(NOTICE)
                .gap(),
        );
    }
    sections
}

/// How the answer comes back, in words.
fn capture_text(capture: &Capture) -> String {
    match capture {
        Capture::Paste { note } => note.clone(),
        Capture::Listening { port, note } => {
            format!("{note} Waiting for the browser on 127.0.0.1:{port}…")
        }
        Capture::Answered => "Answer received from the browser.".to_owned(),
    }
}

/// The prompt, the input line and why the last address was refused; or the exchange.
fn answer_sections(app: &App, code: &CodeSignIn, theme: &Theme, max: usize) -> Vec<Section> {
    if code.exchanging() {
        let text = format!("Exchanging the code at {}…", app.provider.host);
        return vec![Section::new(wrap(&text, theme.text, max)).gap()];
    }
    let redirect = format!(
        "After you approve, the browser goes to {}. Whether or not that page loads, copy the whole address from its address bar.",
        code.authorization.redirect_uri
    );
    let prompt = wrap(
        "Paste the address your browser was sent to, then press Enter:",
        theme.text,
        max,
    );
    let mut sections = vec![
        Section::new(wrap(&redirect, theme.dim, max)).or_drop(REDIRECT),
        Section::new(prompt).or_drop(PROMPT),
        Section::new(vec![input_line(code, theme, max)]).or_drop(INPUT),
    ];
    if let Some(error) = &code.error {
        sections.push(
            Section::new(wrap(error, theme.failure, max))
                .or_shorter(ERROR, 1, max)
                .or_drop(ERROR),
        );
    }
    sections
}

/// `› http://…` with the cursor as a reversed cell.
fn input_line(code: &CodeSignIn, theme: &Theme, max: usize) -> Line<'static> {
    const PROMPT_MARK: &str = "› ";
    let (shown, cursor) = code
        .input
        .window(max.saturating_sub(PROMPT_MARK.chars().count()));
    let chars: Vec<char> = shown.chars().collect();
    let before: String = chars[..cursor.min(chars.len())].iter().collect();
    let at: String = chars.get(cursor).map_or(" ".to_owned(), char::to_string);
    let after: String = chars.get(cursor + 1..).unwrap_or_default().iter().collect();
    let cursor_style = Style::new().add_modifier(Modifier::REVERSED);
    Line::from(vec![
        Span::styled(PROMPT_MARK, theme.key),
        Span::raw(before),
        Span::styled(at, cursor_style),
        Span::raw(after),
    ])
}

/// The `?` list: every key of the table with what it does.
fn help(buf: &mut Buffer, area: Rect, app: &App, theme: &Theme) {
    let area = with_margin(area);
    let max = usize::from(area.width);
    let mut lines = Vec::new();
    for binding in CODE_KEYS.iter().filter(|b| !b.help.is_empty()) {
        lines.extend(labelled(
            &binding.key.name(),
            8,
            &[Line::raw(binding.help)],
            theme.key,
            max,
        ));
    }
    lines.extend(wrap(
        "Typing or pasting fills the input line; ←/→, Home, End and Backspace edit it.",
        theme.dim,
        max,
    ));
    let sections = [
        Section::new(vec![title_line(app, theme, max)]).or_drop(TITLE),
        Section::new(lines).or_shorter(KEYS, 1, max).gap(),
        Section::new(wrap("Any key closes this list", theme.dim, max))
            .or_drop(KEYS)
            .gap()
            .pinned(),
    ];
    fit_and_draw(buf, area, &sections, SPACING);
}

/// The code flow ended without tokens: the failure message, with `q`.
pub(super) fn ended(buf: &mut Buffer, area: Rect, app: &App, end: &CodeEnd, cache: &UiCache) {
    super::outcome::message(buf, area, app, &end.view, &[("q", "quit")], cache.theme());
}
