//! The questions and menus drawn over the dashboard: a centred bordered box, cleared
//! underneath. Any key that is not offered closes it (the update treats it as "no").

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Widget};

use super::super::wrap::wrap_phrases;
use super::keys::offered_now;
use crate::app::Dashboard;
use crate::app::dashboard::Overlay;
use crate::export::Format;
use crate::ui::Theme;

/// The widest the box gets, borders included.
const BOX_MAX_COLS: u16 = 64;
/// Columns between the border and the text, each side.
const PADDING_COLS: u16 = 1;
/// The formats of the export menu, by key.
const FORMATS: [(&str, Format); 7] = [
    ("1", Format::Env),
    ("2", Format::Json),
    ("3", Format::Header),
    ("4", Format::Raw),
    ("5", Format::Netrc),
    ("6", Format::ExecCredential),
    ("7", Format::GitCredential),
];

/// Draws the dashboard's overlay, if any, centred in `area`.
pub(super) fn draw(buf: &mut Buffer, area: Rect, dashboard: &Dashboard, theme: &Theme) {
    let area = area.intersection(buf.area);
    let Some((title, content)) = content(dashboard, theme) else {
        return;
    };
    let bordered = area.width >= 2 * (1 + PADDING_COLS) + 4 && area.height >= 3;
    let chrome = if bordered { 2 * (1 + PADDING_COLS) } else { 0 };
    let box_cols = area.width.min(BOX_MAX_COLS);
    let text_cols = usize::from(box_cols.saturating_sub(chrome));
    let lines = wrap_phrases_per_row(&content, text_cols);
    let text_rows = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let box_rows = text_rows
        .saturating_add(if bordered { 2 } else { 0 })
        .min(area.height);
    let outer = Rect::new(
        area.x + (area.width - box_cols) / 2,
        area.y + (area.height - box_rows) / 2,
        box_cols,
        box_rows,
    );
    Clear.render(outer, buf);
    let inner = if bordered {
        let block = Block::bordered()
            .title(Line::styled(format!(" {title} "), theme.caution))
            .border_style(theme.dim);
        let inner = block.inner(outer);
        block.render(outer, buf);
        Rect::new(
            inner.x + PADDING_COLS,
            inner.y,
            inner.width.saturating_sub(2 * PADDING_COLS),
            inner.height,
        )
    } else {
        outer
    };
    for (line, y) in lines.iter().zip(inner.top()..inner.bottom()) {
        buf.set_line(inner.x, y, line, inner.width);
    }
}

/// Each row of `rows` is a list of phrases wrapped on its own.
fn wrap_phrases_per_row(rows: &[Vec<Line<'static>>], max: usize) -> Vec<Line<'static>> {
    rows.iter()
        .flat_map(|phrases| {
            if phrases.is_empty() {
                vec![Line::default()]
            } else {
                wrap_phrases(phrases, max)
            }
        })
        .collect()
}

/// The box's title and its rows of phrases.
fn content(
    dashboard: &Dashboard,
    theme: &Theme,
) -> Option<(&'static str, Vec<Vec<Line<'static>>>)> {
    let key = |k: &str| Span::styled(k.to_owned(), theme.key);
    let words = |text: &str| -> Vec<Line<'static>> {
        text.split(' ').map(|w| Line::raw(w.to_owned())).collect()
    };
    let yes_no = Line::from(vec![key("y"), Span::raw(" / "), key("n")]);
    let cancel = Line::from(vec![key("Esc"), Span::raw(" cancel")]);
    let host = &dashboard.session.meta.provider.host;
    Some(match dashboard.overlay {
        Overlay::None => return None,
        Overlay::Help => {
            let rows: Vec<Vec<Line<'static>>> = offered_now(dashboard)
                .filter(|k| !k.help.is_empty())
                .map(|k| {
                    let mut row = vec![Line::from(key(&format!("{:<3}", k.key.name())))];
                    row.extend(words(k.help));
                    row
                })
                .collect();
            ("Keys · any key closes", rows)
        }
        Overlay::ConfirmRevoke => {
            let mut row = words(&format!(
                "Revoke this session at {host} and delete it here?"
            ));
            row.push(yes_no);
            ("Revoke", vec![row])
        }
        Overlay::ConfirmSignIn => {
            let mut row = words(&format!(
                "Sign in again? This session stays until the new one is stored; then its grant is revoked at {host}."
            ));
            row.push(yes_no);
            ("Sign in again", vec![row])
        }
        Overlay::ConfirmCopyToken => {
            let mut row = words(
                "Copy the access token to the clipboard (OSC 52)? The token will be in your clipboard.",
            );
            row.push(yes_no);
            ("Copy token", vec![row])
        }
        Overlay::ConfirmCopyExport { format } => {
            let holds = if crate::export::holds_refresh_token(format) {
                "It holds the refresh token"
            } else {
                "It holds the access token"
            };
            let mut row = words(&format!(
                "Copy the {} export to the clipboard (OSC 52)? {holds}, which will be in your clipboard.",
                format.name()
            ));
            row.push(yes_no);
            ("Copy export", vec![row])
        }
        Overlay::Export { format: None } => {
            // One flowing row, as the destination menu: seven formats still leave the
            // header and the countdown visible at 40×12.
            let mut row: Vec<Line<'static>> = FORMATS
                .iter()
                .map(|(k, format)| {
                    Line::from(vec![key(k), Span::raw(format!(" {} ·", format.name()))])
                })
                .collect();
            row.push(cancel);
            ("Export", vec![words("Export the tokens as:"), row])
        }
        Overlay::Export {
            format: Some(format),
        } => {
            let option = |k: &str, what: &str, last: bool| {
                let tail = if last { "" } else { " ·" };
                Line::from(vec![key(k), Span::raw(format!(" {what}{tail}"))])
            };
            let row = vec![
                Line::raw(format!("{}:", format.name())),
                option("f", "write a 0600 file", false),
                option("c", "copy to clipboard", false),
                cancel,
            ];
            ("Export", vec![row])
        }
    })
}
