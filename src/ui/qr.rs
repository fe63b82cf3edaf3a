//! The QR code of the verification URL, drawn with half blocks.
//!
//! One terminal cell holds one module across and two modules down (`▀`, `▄`, `█` or a space),
//! always black on white. The light quiet zone around the symbol is part of the drawing: the
//! caller chooses how wide it is, and when the module count is odd the extra half row is light
//! too, so the quiet zone is never narrower than asked for.

use qrcode::{EcLevel, QrCode};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;

/// The quiet zone the QR specification asks for, in modules.
pub const QUIET_ZONE_MODULES: u16 = 4;
/// The narrower quiet zone used when the full one does not fit; most scanners still cope.
pub const NARROW_QUIET_ZONE_MODULES: u16 = 2;

/// A QR code's module matrix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrMatrix {
    width: u16,
    dark: Vec<bool>,
}

impl QrMatrix {
    /// Encodes `payload`, or `None` when it is too long for any QR version.
    ///
    /// Error correction level L: a terminal screen is not a scratched label, and the smaller
    /// symbol fits more terminals (`qrencode` makes the same choice).
    pub fn encode(payload: &str) -> Option<Self> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::L).ok()?;
        let width = u16::try_from(code.width()).ok()?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|color| color == qrcode::Color::Dark)
            .collect();
        Some(Self { width, dark })
    }

    /// Modules per side, without the quiet zone.
    pub fn modules(&self) -> u16 {
        self.width
    }

    /// Cells (columns, rows) the code takes with a quiet zone of `quiet` modules.
    pub fn size_in_cells(&self, quiet: u16) -> (u16, u16) {
        let side = self.width.saturating_add(quiet.saturating_mul(2));
        (side, side.div_ceil(2))
    }

    /// Whether the module at (`x`, `y`) is dark; coordinates outside the symbol are light.
    fn is_dark(&self, x: i32, y: i32) -> bool {
        let side = i32::from(self.width);
        if !(0..side).contains(&x) || !(0..side).contains(&y) {
            return false;
        }
        // Both are in 0..side, so the index is in bounds and non-negative.
        let index = usize::try_from(y * side + x).unwrap_or(usize::MAX);
        self.dark.get(index).copied().unwrap_or(false)
    }

    /// Draws the code with a quiet zone of `quiet` modules, its top-left cell at `area`'s
    /// top-left corner. Cells outside `area` (and the buffer) are skipped.
    pub fn draw(&self, buf: &mut Buffer, area: Rect, quiet: u16, style: Style) {
        let (cols, rows) = self.size_in_cells(quiet);
        let area = area.intersection(buf.area);
        let quiet = i32::from(quiet);
        for row in 0..rows.min(area.height) {
            for col in 0..cols.min(area.width) {
                let x = i32::from(col) - quiet;
                let top = i32::from(row) * 2 - quiet;
                let symbol = match (self.is_dark(x, top), self.is_dark(x, top + 1)) {
                    (true, true) => "█",
                    (true, false) => "▀",
                    (false, true) => "▄",
                    (false, false) => " ",
                };
                if let Some(cell) = buf.cell_mut((area.x + col, area.y + row)) {
                    cell.set_symbol(symbol).set_style(style);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Color;

    const PAYLOAD: &str = "https://example.com/device?user_code=WDJB-MJHT";

    #[test]
    fn example_payload_is_version_3_at_level_l() {
        let qr = QrMatrix::encode(PAYLOAD).unwrap();
        assert_eq!(qr.modules(), 29);
        assert_eq!(qr.size_in_cells(QUIET_ZONE_MODULES), (37, 19));
        assert_eq!(qr.size_in_cells(NARROW_QUIET_ZONE_MODULES), (33, 17));
    }

    #[test]
    fn quiet_zone_is_light_and_finder_corner_dark() {
        let qr = QrMatrix::encode(PAYLOAD).unwrap();
        let area = Rect::new(0, 0, 37, 19);
        let mut buf = Buffer::empty(area);
        let style = Style::new().fg(Color::Black).bg(Color::White);
        qr.draw(&mut buf, area, QUIET_ZONE_MODULES, style);
        for x in 0..37 {
            assert_eq!(buf[(x, 0)].symbol(), " ");
            assert_eq!(buf[(x, 1)].symbol(), " ");
            assert_eq!(
                buf[(x, 18)].symbol(),
                " ",
                "bottom row, including the extra half"
            );
        }
        // Module (0, 0) of the symbol is the finder pattern's dark corner: row 2, column 4.
        assert_eq!(buf[(4, 2)].symbol(), "█");
        assert_eq!(buf[(4, 2)].bg, Color::White);
    }

    #[test]
    fn drawing_into_a_small_buffer_clips_instead_of_panicking() {
        let qr = QrMatrix::encode(PAYLOAD).unwrap();
        let mut buf = Buffer::empty(Rect::new(0, 0, 5, 3));
        qr.draw(
            &mut buf,
            Rect::new(2, 1, 40, 40),
            QUIET_ZONE_MODULES,
            Style::new(),
        );
    }

    #[test]
    fn oversized_payload_has_no_code() {
        assert_eq!(QrMatrix::encode(&"x".repeat(5000)), None);
    }
}
