//! The user code: in block letters to read from across the room, and always also as one plain
//! string (`WDJB-MJHT`) that a mouse selection copies whole, beside the letters when there is
//! room, else under them. A terminal that is not UTF-8 gets the plain string alone.

use ratatui::text::{Line, Span};

use super::super::big_text::big_rows;
use super::super::wrap::{width, wrap};
use super::{BIG_CODE, CODE_LABEL};
use crate::ui::Theme;

/// Columns between the block letters and the plain code beside them.
const BESIDE_GAP_COLS: usize = 3;

/// The label, the block letters and the plain code; without the label; the plain code alone.
pub(super) fn section(code: &str, theme: &Theme, max: usize) -> super::Section {
    let label = wrap("and enter this code:", theme.text, max);
    let plain = wrap(code, theme.code, max);
    // Block letters are block characters: a terminal that is not UTF-8 gets the plain code.
    let big = big_rows(code).filter(|rows| width(&rows[0]) <= max && !theme.charset.is_ascii());
    let Some(rows) = big else {
        return super::Section::new([label, plain.clone()].concat()).or(CODE_LABEL, plain);
    };
    let beside = width(&rows[0]) + BESIDE_GAP_COLS + width(code) <= max;
    let mut big: Vec<Line<'static>> = rows
        .into_iter()
        .map(|row| Line::styled(row, theme.code))
        .collect();
    if beside {
        // On the middle row, where the eye lands after reading the letters.
        if let Some(middle) = big.get_mut(1) {
            middle.push_span(Span::raw(" ".repeat(BESIDE_GAP_COLS)));
            middle.push_span(Span::styled(code.to_owned(), theme.code));
        }
    } else {
        big.extend(plain.iter().cloned());
    }
    super::Section::new([label, big.clone()].concat())
        .or(CODE_LABEL, big)
        .or(BIG_CODE, plain)
}
