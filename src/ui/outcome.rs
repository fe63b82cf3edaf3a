//! The end screens: signed in, ended without tokens, or failed before a code was shown.
//!
//! Tokens appear only as masked previews; the full values never reach the buffer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::layout::{Section, fit_and_draw};
use super::wrap::{key_bar, labelled, wrap};
use super::{Theme, UiCache, title_line};
use crate::app::{App, Approved, ErrorView};
use crate::domain::clock::{Timestamp, format_countdown};
use crate::domain::grant::{GrantFailure, ServerError};

/// Frames at least this wide get a one-column margin.
const MARGIN_FROM_COLS: u16 = 60;
/// Width of the label column on the signed-in screen.
const LABEL_COLS: usize = 15;

// What giving up each piece of content costs; the cheapest goes first.
const TOKEN_TYPE: u8 = 10;
const ACCESS_PREVIEW: u8 = 12;
const SPACING: u8 = 15;
const HINT_SHORT: u8 = 18;
const TITLE: u8 = 20;
const SUBJECT: u8 = 22;
const SCOPES: u8 = 25;
const HINT: u8 = 30;
const REFRESH: u8 = 35;
const DETAIL_SHORT: u8 = 40;
const WHO: u8 = 45;
const KEYS: u8 = 60;
const ACCESS: u8 = 70;

/// Whether the tokens are stored yet: the dashboard follows once they are.
fn saving_section(approved: &Approved, theme: &Theme, max: usize) -> Section {
    let (text, style) = match &approved.saved {
        crate::app::SaveState::Saving => ("Storing the tokens…".to_owned(), theme.dim),
        crate::app::SaveState::Failed(e) => (
            format!("Could not store the tokens, so they end with this run: {e}"),
            theme.failure,
        ),
    };
    Section::new(wrap(&text, style, max))
        .or_drop(DETAIL_SHORT)
        .gap()
}

/// "Signed in": who, what was granted, and when the access token expires.
pub(super) fn approved(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    approved: &Approved,
    cache: &UiCache,
    now: Timestamp,
) {
    let theme = cache.theme();
    let area = with_margin(area);
    let max = usize::from(area.width);
    let tokens = &approved.tokens;
    // Each line of the value is a phrase that stays on one screen line when it can.
    let row = |label: &str, value: Vec<Line<'static>>| {
        labelled(label, LABEL_COLS, &value, theme.dim, max)
    };

    let mut sections = vec![
        Section::new(vec![title_line(app, theme, max)]).or_drop(TITLE),
        Section::new(wrap(
            &format!("✓ Signed in to {}", app.provider.host),
            theme.success,
            max,
        ))
        .gap(),
    ];
    sections.push(saving_section(approved, theme, max));
    let who = match &approved.claims {
        Some(claims) => {
            let person = match (&claims.name, &claims.email) {
                (Some(name), Some(email)) => format!("{name} <{email}>"),
                (Some(one), None) | (None, Some(one)) => one.clone(),
                (None, None) => "(no name or email)".to_owned(),
            };
            let mut lines = row("Who", vec![Span::raw(person).into()]);
            let short = lines.clone();
            if let Some(subject) = &claims.subject {
                lines.extend(row(
                    "",
                    vec![Span::styled(format!("subject {subject}"), theme.dim).into()],
                ));
            }
            let note = row(
                "",
                vec![Span::styled("from the ID token, unverified", theme.dim).into()],
            );
            lines.extend(note.iter().cloned());
            Section::new(lines)
                .or(SUBJECT, [short, note].concat())
                .or_drop(WHO)
                .gap()
        }
        None => Section::new(row(
            "Who",
            vec![Span::styled("unknown (no ID token)", theme.dim).into()],
        ))
        .or_drop(WHO)
        .gap(),
    };
    sections.push(who);
    let scope = match &tokens.scope {
        Some(scope) => Span::raw(scope.clone()),
        None => Span::styled("as requested", theme.dim),
    };
    sections.push(Section::new(row("Scopes", vec![scope.into()])).or_drop(SCOPES));
    let token_type = vec![Span::raw(tokens.token_type.clone()).into()];
    sections.push(Section::new(row("Token type", token_type)).or_drop(TOKEN_TYPE));
    let access = match tokens.expires_at {
        Some(at) => {
            let left = now.secs_until(at);
            let when = Span::styled(
                format!("(at {})", app.local_time.time_of_day(at)),
                theme.dim,
            );
            let countdown = Span::styled(format_countdown(left), theme.countdown(left));
            if left == 0 {
                vec![Span::styled("expired", theme.urgent).into(), when.into()]
            } else {
                vec![
                    Line::from(vec![Span::raw("expires in "), countdown]),
                    when.into(),
                ]
            }
        }
        None => vec![Span::styled("expiry not given by the server", theme.dim).into()],
    };
    let mut access = row("Access token", access);
    let expiry_only = access.clone();
    access.extend(row(
        "",
        vec![Span::styled(tokens.access_token.masked(), theme.dim).into()],
    ));
    sections.push(
        Section::new(access)
            .or(ACCESS_PREVIEW, expiry_only)
            .or_drop(ACCESS),
    );
    let refresh = match &tokens.refresh_token {
        Some(token) => vec![Span::raw(format!("yes · {}", token.masked())).into()],
        None => vec![Span::raw("no").into()],
    };
    sections.push(Section::new(row("Refresh token", refresh)).or_drop(REFRESH));
    sections.push(keys(&[("q", "quit")], theme, max));
    fit_and_draw(buf, area, &sections, SPACING);
}

/// The grant ended without tokens.
pub(super) fn ended(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    failure: &GrantFailure,
    user_code: Option<&str>,
    cache: &UiCache,
) {
    let host = &app.provider.host;
    let code = user_code.map_or_else(|| "The code".to_owned(), |code| format!("The code {code}"));
    let (heading, detail, hint) = match failure {
        GrantFailure::Denied { description } => (
            "Access denied".to_owned(),
            with_server_words(
                format!("{host} says the sign-in was declined."),
                description.as_deref(),
            ),
            "If that was a mistake, press n for a new code.".to_owned(),
        ),
        GrantFailure::Expired { by_server: true } => (
            "The code expired".to_owned(),
            format!(
                "{host} says {} expired before anyone approved it.",
                lower_first(&code)
            ),
            "Press n for a new code.".to_owned(),
        ),
        GrantFailure::Expired { by_server: false } => (
            "The code expired".to_owned(),
            format!(
                "{code} reached its expiry time before anyone approved it, so grantty stopped asking {host}."
            ),
            "Press n for a new code.".to_owned(),
        ),
        GrantFailure::Server(err) => (
            "The server ended the sign-in".to_owned(),
            server_error(host, err),
            hint_for(&err.code).to_owned(),
        ),
        GrantFailure::Unparseable {
            status,
            body_excerpt,
        } => (
            "Unexpected answer from the server".to_owned(),
            format!(
                "{host} answered HTTP {status} with something that is not an OAuth reply: “{body_excerpt}”"
            ),
            "Check the provider's token endpoint, then press n to try again.".to_owned(),
        ),
        GrantFailure::LostReply(err) => (
            "The sign-in reply was lost".to_owned(),
            format!(
                "A network error hid {host}'s answer to one poll. When grantty asked again, the server \
                 refused to accept the same code twice ({}). It may have signed you in, but the tokens \
                 never arrived.",
                match &err.description {
                    Some(words) => format!("{}: “{words}”", err.code),
                    None => err.code.clone(),
                }
            ),
            "Nothing was saved. Press n to start again with a new code.".to_owned(),
        ),
    };
    let view = ErrorView {
        kind: crate::app::ErrorKind::default(),
        title: heading,
        detail,
        hint,
    };
    message(
        buf,
        area,
        app,
        &view,
        &[("n", "new code"), ("q", app.quit_label())],
        cache.theme(),
    );
}

/// Getting a code failed.
pub(super) fn failed(buf: &mut Buffer, area: Rect, app: &App, view: &ErrorView, cache: &UiCache) {
    message(
        buf,
        area,
        app,
        view,
        &[("n", "try again"), ("q", app.quit_label())],
        cache.theme(),
    );
}

/// A heading in the failure style, a detail paragraph and a hint.
pub(super) fn message(
    buf: &mut Buffer,
    area: Rect,
    app: &App,
    view: &ErrorView,
    key_list: &[(&str, &str)],
    theme: &Theme,
) {
    let area = with_margin(area);
    let max = usize::from(area.width);
    let sections = [
        Section::new(vec![title_line(app, theme, max)]).or_drop(TITLE),
        Section::new(wrap(&format!("✗ {}", view.title), theme.failure, max)).gap(),
        Section::new(wrap(&view.detail, theme.text, max))
            .or_shorter(DETAIL_SHORT, 1, max)
            .gap(),
        Section::new(wrap(&view.hint, theme.text, max))
            .or_shorter(HINT_SHORT, 1, max)
            .or_drop(HINT)
            .gap(),
        keys(key_list, theme, max),
    ];
    fit_and_draw(buf, area, &sections, SPACING);
}

fn keys(key_list: &[(&str, &str)], theme: &Theme, max: usize) -> Section {
    Section::new(vec![key_bar(key_list, theme.key, max)])
        .or_drop(KEYS)
        .gap()
        .pinned()
}

fn with_margin(area: Rect) -> Rect {
    if area.width >= MARGIN_FROM_COLS {
        Rect::new(area.x + 1, area.y, area.width - 2, area.height)
    } else {
        area
    }
}

fn with_server_words(sentence: String, description: Option<&str>) -> String {
    match description {
        Some(words) if !words.trim().is_empty() => format!("{sentence} Its message: “{words}”"),
        _ => sentence,
    }
}

fn server_error(host: &str, err: &ServerError) -> String {
    let sentence = format!(
        "{host} answered HTTP {} with error “{}”.",
        err.status, err.code
    );
    with_server_words(sentence, err.description.as_deref())
}

/// What to try after a server error code (RFC 6749 §5.2).
fn hint_for(code: &str) -> &'static str {
    match code {
        "invalid_client" | "unauthorized_client" => {
            "Check the client id and that the device grant is enabled for it, then press n."
        }
        "invalid_scope" => "Check the requested scopes, then press n to try again.",
        _ => "Press n to try again; if it happens again, check the provider settings.",
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_lowercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_words_are_quoted_only_when_present() {
        assert_eq!(with_server_words("No.".into(), None), "No.");
        assert_eq!(with_server_words("No.".into(), Some(" ")), "No.");
        assert_eq!(
            with_server_words("No.".into(), Some("user said no")),
            "No. Its message: “user said no”"
        );
    }
}
