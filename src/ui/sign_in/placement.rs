//! Where the QR code goes on the waiting screen, chosen from the terminal's size and the code's.
//!
//! In order of preference: beside the text with the full 4-module quiet zone, above the text
//! with it (tall, narrow panes such as a split tmux window or a phone's SSH client), then the
//! same two with a 2-module quiet zone, and finally no QR code, with a hint naming the nearest
//! size that would show one.

use ratatui::layout::Rect;

use super::super::qr::{NARROW_QUIET_ZONE_MODULES, QUIET_ZONE_MODULES};

/// Columns between the QR code and the text beside it.
pub(super) const GAP_COLS: u16 = 2;
/// The narrowest text column worth putting next to a QR code.
const MIN_TEXT_COLS: u16 = 30;
/// Columns kept free right of the text beside the QR code.
pub(super) const RIGHT_MARGIN_COLS: u16 = 1;
/// Rows outside the QR code and its text: the title line and the key bar.
pub(super) const CHROME_ROWS: u16 = 2;
/// The fewest rows under a QR code worth stacking it for: the URL (up to two lines), the
/// copyable code and the countdown.
const MIN_TEXT_BELOW_ROWS: u16 = 4;

/// Where the QR code goes, and its quiet zone in modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Placement {
    /// Left of the text.
    Beside { quiet: u16 },
    /// Centred above the text.
    Above { quiet: u16 },
    /// Not shown: the terminal is too small.
    None,
}

impl Placement {
    /// The quiet zone in modules (0 without a QR code).
    pub(super) fn quiet(self) -> u16 {
        match self {
            Self::Beside { quiet } | Self::Above { quiet } => quiet,
            Self::None => 0,
        }
    }

    /// The smallest terminal (columns, rows) this placement needs for a QR code that takes
    /// `size(quiet)` cells.
    fn needs(self, size: impl Fn(u16) -> (u16, u16)) -> Option<(u16, u16)> {
        match self {
            Self::Beside { quiet } => {
                let (cols, rows) = size(quiet);
                Some((
                    cols + GAP_COLS + MIN_TEXT_COLS + RIGHT_MARGIN_COLS,
                    rows + CHROME_ROWS,
                ))
            }
            Self::Above { quiet } => {
                let (cols, rows) = size(quiet);
                Some((cols, rows + CHROME_ROWS + MIN_TEXT_BELOW_ROWS))
            }
            Self::None => None,
        }
    }
}

/// The placements worth trying, best first.
const PREFERENCE: [Placement; 4] = [
    Placement::Beside {
        quiet: QUIET_ZONE_MODULES,
    },
    Placement::Above {
        quiet: QUIET_ZONE_MODULES,
    },
    Placement::Beside {
        quiet: NARROW_QUIET_ZONE_MODULES,
    },
    Placement::Above {
        quiet: NARROW_QUIET_ZONE_MODULES,
    },
];

/// The best placement that fits `area` for a QR code taking `size(quiet)` cells (columns, rows)
/// with a quiet zone of `quiet` modules.
pub(super) fn choose(size: impl Fn(u16) -> (u16, u16), area: Rect) -> Placement {
    PREFERENCE
        .into_iter()
        .find(|placement| {
            placement
                .needs(&size)
                .is_some_and(|(cols, rows)| cols <= area.width && rows <= area.height)
        })
        .unwrap_or(Placement::None)
}

/// The nearest terminal size to `area` that shows the QR code: each placement's needs, grown
/// from the current size, the one with the fewest cells.
pub(super) fn nearest_size_for_qr(size: impl Fn(u16) -> (u16, u16), area: Rect) -> (u16, u16) {
    PREFERENCE
        .into_iter()
        .filter_map(|placement| placement.needs(&size))
        .map(|(cols, rows)| (cols.max(area.width), rows.max(area.height)))
        .min_by_key(|&(cols, rows)| u32::from(cols) * u32::from(rows))
        .unwrap_or((area.width, area.height))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC example's QR code: 29 modules, so 37×19 cells with a 4-module quiet zone and
    /// 33×17 with a 2-module one.
    fn example(quiet: u16) -> (u16, u16) {
        let side = 29 + 2 * quiet;
        (side, side.div_ceil(2))
    }

    fn at(cols: u16, rows: u16) -> Placement {
        choose(example, Rect::new(0, 0, cols, rows))
    }

    #[test]
    fn wide_terminals_put_the_code_beside_the_text() {
        assert_eq!(at(80, 24), Placement::Beside { quiet: 4 });
        assert_eq!(at(120, 40), Placement::Beside { quiet: 4 });
        assert_eq!(at(66, 19), Placement::Beside { quiet: 2 });
    }

    #[test]
    fn tall_narrow_terminals_stack_the_code_above_the_text() {
        assert_eq!(at(60, 40), Placement::Above { quiet: 4 });
        assert_eq!(at(37, 25), Placement::Above { quiet: 4 });
        assert_eq!(at(40, 23), Placement::Above { quiet: 2 });
    }

    #[test]
    fn small_terminals_get_no_code_and_the_nearest_size_that_would_show_one() {
        assert_eq!(at(40, 12), Placement::None);
        assert_eq!(at(60, 20), Placement::None);
        let nearest = |cols, rows| nearest_size_for_qr(example, Rect::new(0, 0, cols, rows));
        assert_eq!(nearest(40, 12), (40, 23), "stacking needs fewer cells");
        assert_eq!(nearest(64, 20), (66, 20), "two more columns put it beside");
    }
}
