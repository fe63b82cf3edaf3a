//! The QR code of the verification URL, drawn with half blocks, or in ASCII mode with spaces.
//!
//! One terminal cell holds one module across and two modules down (`▀`, `▄`, `█` or a space),
//! always black on white. A terminal that is not UTF-8 gets no block characters: there each
//! module is two cells across and one row down, all spaces, the dark ones in reverse video
//! (black), so the code is square on screen and scans from the terminal's pixels; it needs
//! twice the columns and rows. The light quiet zone around the symbol is part of the drawing: the
//! caller chooses how wide it is, and when the module count is odd the extra half row is light
//! too, so the quiet zone is never narrower than asked for.

use qrcode::{EcLevel, QrCode};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use crate::charset::Charset;

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

    /// Cells (columns, rows) the code takes with a quiet zone of `quiet` modules, drawn with
    /// the characters of `charset`: half blocks, or two reverse-video spaces per module.
    pub fn size_for(&self, quiet: u16, charset: Charset) -> (u16, u16) {
        match charset {
            Charset::Utf8 => self.size_in_cells(quiet),
            Charset::Ascii => {
                let side = self.width.saturating_add(quiet.saturating_mul(2));
                (side.saturating_mul(2), side)
            }
        }
    }

    /// Whether the module at (`x`, `y`) is dark; coordinates outside the symbol are light.
    pub fn is_dark(&self, x: i32, y: i32) -> bool {
        let side = i32::from(self.width);
        if !(0..side).contains(&x) || !(0..side).contains(&y) {
            return false;
        }
        // Both are in 0..side, so the index is in bounds and non-negative.
        let index = usize::try_from(y * side + x).unwrap_or(usize::MAX);
        self.dark.get(index).copied().unwrap_or(false)
    }

    /// Draws the code as [`draw`](Self::draw) does, with the characters of `charset`.
    pub fn draw_for(
        &self,
        buf: &mut Buffer,
        area: Rect,
        quiet: u16,
        style: Style,
        charset: Charset,
    ) {
        match charset {
            Charset::Utf8 => self.draw(buf, area, quiet, style),
            Charset::Ascii => self.draw_ascii(buf, area, quiet, style),
        }
    }

    /// Two spaces per module, one row per module: light modules in `style`, dark ones in
    /// `style` reversed.
    fn draw_ascii(&self, buf: &mut Buffer, area: Rect, quiet: u16, style: Style) {
        let (cols, rows) = self.size_for(quiet, Charset::Ascii);
        let area = area.intersection(buf.area);
        let quiet = i32::from(quiet);
        let dark = style.add_modifier(Modifier::REVERSED);
        for row in 0..rows.min(area.height) {
            for col in 0..cols.min(area.width) {
                let x = i32::from(col / 2) - quiet;
                let y = i32::from(row) - quiet;
                let cell_style = if self.is_dark(x, y) { dark } else { style };
                if let Some(cell) = buf.cell_mut((area.x + col, area.y + row)) {
                    cell.set_symbol(" ").set_style(cell_style);
                }
            }
        }
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

/// Black on bright white, whatever the terminal's theme (SGR 30;107).
const TEXT_STYLE_ON: &str = "\x1b[30;107m";
/// Reverse video on and off (SGR 7 and 27): a dark module in ASCII mode.
const TEXT_DARK_ON: &str = "\x1b[7m";
const TEXT_DARK_OFF: &str = "\x1b[27m";
const TEXT_STYLE_OFF: &str = "\x1b[0m";
/// Columns kept free left of a QR code printed as text.
pub const TEXT_INDENT_COLS: u16 = 2;

/// How a QR code printed as text lines looks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TextQr {
    /// Half blocks, or reverse-video spaces.
    pub charset: Charset,
    /// Explicit black on white; without it (`NO_COLOR`) the terminal's own colours.
    pub color: bool,
}

/// Why a QR code is not printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoTextQr {
    /// The payload is too long for any QR version.
    TooLong,
    /// The terminal is smaller than the code needs: (columns, rows) it would need.
    TooSmall { cols: u16, rows: u16 },
}

impl QrMatrix {
    /// The code as text lines for a terminal of `terminal` (columns, rows, and the rows the text
    /// around the code takes, which must stay on the screen with it): a 4-module quiet zone when
    /// it fits, else 2, each line indented by [`TEXT_INDENT_COLS`]. Half blocks in UTF-8; two
    /// spaces per module in ASCII, dark ones in reverse video.
    pub fn text_lines(
        &self,
        terminal: (u16, u16, u16),
        look: TextQr,
    ) -> Result<Vec<String>, NoTextQr> {
        let needs = |quiet| {
            let (cols, rows) = self.size_for(quiet, look.charset);
            (
                cols.saturating_add(TEXT_INDENT_COLS),
                rows.saturating_add(terminal.2),
            )
        };
        let Some(quiet) = [QUIET_ZONE_MODULES, NARROW_QUIET_ZONE_MODULES]
            .into_iter()
            .find(|&q| needs(q).0 <= terminal.0 && needs(q).1 <= terminal.1)
        else {
            let (cols, rows) = needs(NARROW_QUIET_ZONE_MODULES);
            return Err(NoTextQr::TooSmall { cols, rows });
        };
        let (cols, rows) = self.size_for(quiet, look.charset);
        let area = Rect::new(0, 0, cols, rows);
        let mut buf = Buffer::empty(area);
        self.draw_for(&mut buf, area, quiet, Style::new(), look.charset);
        let (on, off) = if look.color {
            (TEXT_STYLE_ON, TEXT_STYLE_OFF)
        } else {
            ("", "")
        };
        let indent = " ".repeat(usize::from(TEXT_INDENT_COLS));
        Ok((0..rows)
            .map(|y| {
                let mut line = format!("{indent}{on}");
                let mut dark = false;
                for x in 0..cols {
                    let cell = &buf[(x, y)];
                    let reversed = cell.modifier.contains(Modifier::REVERSED);
                    if reversed != dark {
                        line.push_str(if reversed {
                            TEXT_DARK_ON
                        } else {
                            TEXT_DARK_OFF
                        });
                        dark = reversed;
                    }
                    line.push_str(cell.symbol());
                }
                if dark {
                    line.push_str(TEXT_DARK_OFF);
                }
                line.push_str(off);
                line
            })
            .collect())
    }
}

/// The QR code of `payload` as text lines for a terminal of `terminal` (columns, rows, rows of
/// text around the code), or why there is none.
pub fn text_lines(
    payload: &str,
    terminal: (u16, u16, u16),
    look: TextQr,
) -> Result<Vec<String>, NoTextQr> {
    QrMatrix::encode(payload)
        .ok_or(NoTextQr::TooLong)?
        .text_lines(terminal, look)
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

    /// Reads the modules back from an ASCII drawing: a module is dark when both of its cells
    /// are reversed spaces.
    fn read_back(buf: &Buffer, quiet: u16, modules: u16) -> Vec<bool> {
        let mut dark = Vec::new();
        for y in 0..modules {
            for x in 0..modules {
                let cells =
                    [(x + quiet) * 2, (x + quiet) * 2 + 1].map(|col| &buf[(col, y + quiet)]);
                assert!(cells.iter().all(|c| c.symbol() == " "));
                let reversed = cells.map(|c| c.modifier.contains(Modifier::REVERSED));
                assert_eq!(reversed[0], reversed[1], "a module is two equal cells");
                dark.push(reversed[0]);
            }
        }
        dark
    }

    #[test]
    fn ascii_drawing_is_the_qrcode_module_matrix_cell_by_cell() {
        let qr = QrMatrix::encode(PAYLOAD).unwrap();
        assert_eq!(qr.size_for(QUIET_ZONE_MODULES, Charset::Ascii), (74, 37));
        let area = Rect::new(0, 0, 74, 37);
        let mut buf = Buffer::empty(area);
        let style = Style::new().fg(Color::Black).bg(Color::White);
        qr.draw_for(&mut buf, area, QUIET_ZONE_MODULES, style, Charset::Ascii);
        // The reference: the qrcode crate's own matrix, independently of QrMatrix.
        let reference = QrCode::with_error_correction_level(PAYLOAD.as_bytes(), EcLevel::L)
            .unwrap()
            .to_colors()
            .into_iter()
            .map(|c| c == qrcode::Color::Dark)
            .collect::<Vec<_>>();
        assert_eq!(read_back(&buf, QUIET_ZONE_MODULES, 29), reference);
        for cell in buf.content() {
            assert!(cell.symbol().is_ascii());
            assert_eq!((cell.fg, cell.bg), (Color::Black, Color::White));
        }
        // The quiet zone is light all round.
        for col in 0..74 {
            for row in (0..4).chain(33..37) {
                assert!(!buf[(col, row)].modifier.contains(Modifier::REVERSED));
            }
        }
    }

    #[test]
    fn text_lines_fit_the_terminal_or_say_what_they_need() {
        let utf8 = TextQr {
            charset: Charset::Utf8,
            color: true,
        };
        let lines = text_lines(PAYLOAD, (80, 24, 4), utf8).unwrap();
        assert_eq!(lines.len(), 19);
        assert!(lines[0].starts_with("  \x1b[30;107m") && lines[0].ends_with("\x1b[0m"));
        assert!(lines.iter().any(|l| l.contains('█')));
        // 19 rows + 4 around: 23 rows needed with the full quiet zone, 21 with the narrow one.
        assert_eq!(text_lines(PAYLOAD, (80, 21, 4), utf8).unwrap().len(), 17);
        assert_eq!(
            text_lines(PAYLOAD, (80, 20, 4), utf8),
            Err(NoTextQr::TooSmall { cols: 35, rows: 21 })
        );
        assert_eq!(
            text_lines(PAYLOAD, (34, 40, 4), utf8),
            Err(NoTextQr::TooSmall { cols: 35, rows: 21 })
        );
    }

    #[test]
    fn ascii_text_lines_are_reverse_video_spaces_and_scan_as_the_matrix() {
        let look = TextQr {
            charset: Charset::Ascii,
            color: false,
        };
        assert_eq!(
            text_lines(PAYLOAD, (80, 24, 4), look),
            Err(NoTextQr::TooSmall { cols: 68, rows: 37 })
        );
        let lines = text_lines(PAYLOAD, (80, 41, 4), look).unwrap();
        assert_eq!(lines.len(), 37);
        let qr = QrMatrix::encode(PAYLOAD).unwrap();
        for (y, line) in lines.iter().enumerate() {
            assert!(line.bytes().all(|b| b <= 0x7f));
            // Decode the line as a terminal would: spaces, dark while reverse video is on.
            let mut dark = false;
            let mut cells = Vec::new();
            let mut rest = line.strip_prefix("  ").unwrap();
            while !rest.is_empty() {
                if let Some(r) = rest.strip_prefix("\x1b[7m") {
                    (dark, rest) = (true, r);
                } else if let Some(r) = rest.strip_prefix("\x1b[27m") {
                    (dark, rest) = (false, r);
                } else if let Some(r) = rest.strip_prefix("\x1b[0m") {
                    rest = r;
                } else {
                    assert!(rest.starts_with(' '));
                    cells.push(dark);
                    rest = &rest[1..];
                }
            }
            assert_eq!(cells.len(), 74);
            for (x, pair) in cells.chunks(2).enumerate() {
                let module =
                    qr.is_dark(i32::try_from(x).unwrap() - 4, i32::try_from(y).unwrap() - 4);
                assert_eq!(pair, [module, module], "module ({x}, {y})");
            }
        }
    }

    #[test]
    fn oversized_payload_has_no_code() {
        assert_eq!(QrMatrix::encode(&"x".repeat(5000)), None);
    }
}
