//! Messages on stderr that never panic. `eprintln!` panics when the write fails, and a
//! terminal that vanished (an SSH connection dropped) fails every write with EIO: a message
//! printed then must not take down a process that still has tokens to save. Everything the
//! commands say on stderr goes through [`say!`](crate::say); a message that cannot be written
//! is dropped. In a terminal that is not UTF-8 (see [`Charset`]) the lines are written in
//! ASCII.

use std::io::{IsTerminal as _, Write as _};

use crate::charset::{Charset, to_ascii};
use crate::ui::qr::TextQr;

/// Writes `text` and a newline to stderr in one write, ignoring failure.
pub fn say_line(text: std::fmt::Arguments<'_>) {
    let line = format!("{text}\n");
    let line = match Charset::from_env() {
        Charset::Ascii => to_ascii(&line).into_owned(),
        Charset::Utf8 => line,
    };
    let _ = std::io::stderr().lock().write_all(line.as_bytes());
}

/// What lines printed on stderr can use: the terminal's size, its characters and colours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StderrTerminal {
    /// Columns and rows; `None` when stderr is not a terminal (a pipe, a file, a log).
    pub size: Option<(u16, u16)>,
    /// How a QR code is drawn there.
    pub look: TextQr,
}

impl StderrTerminal {
    /// Stderr as it is now: its size when it is a terminal, the locale's charset, and colour
    /// unless `NO_COLOR` is set.
    pub fn now() -> Self {
        let size = std::io::stderr()
            .is_terminal()
            .then(|| crossterm::terminal::size().ok())
            .flatten()
            .filter(|&(cols, rows)| cols > 0 && rows > 0);
        Self {
            size,
            look: TextQr {
                charset: Charset::from_env(),
                color: !crate::tui::no_color_requested(),
            },
        }
    }

    /// Not a terminal: no QR code, UTF-8 text.
    pub fn none() -> Self {
        Self {
            size: None,
            look: TextQr {
                charset: Charset::Utf8,
                color: false,
            },
        }
    }

    /// `text` in the characters this terminal shows.
    pub fn text<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        match self.look.charset {
            Charset::Ascii => to_ascii(text),
            Charset::Utf8 => std::borrow::Cow::Borrowed(text),
        }
    }

    /// Rows `lines` take on this terminal, wrapped at its width.
    pub fn rows_of(&self, lines: &[&str]) -> u16 {
        let cols = self.size.map_or(80, |(cols, _)| usize::from(cols.max(1)));
        let rows: usize = lines
            .iter()
            .map(|line| line.chars().count().div_ceil(cols).max(1))
            .sum();
        u16::try_from(rows).unwrap_or(u16::MAX)
    }

    /// The QR code of `payload` as lines to print, when it fits this terminal together with
    /// `text_rows` rows of text that must stay on the screen with it (see [`rows_of`]); else one
    /// line saying it does not; nothing when stderr is not a terminal.
    ///
    /// [`rows_of`]: Self::rows_of
    pub fn qr_lines(&self, payload: &str, text_rows: u16) -> Vec<String> {
        use crate::ui::qr::{NoTextQr, text_lines};
        let Some((cols, rows)) = self.size else {
            return Vec::new();
        };
        match text_lines(payload, (cols, rows, text_rows), self.look) {
            Ok(lines) => lines,
            Err(NoTextQr::TooSmall { cols, rows }) => {
                vec![
                    self.text(&crate::words::qr_too_small(cols, rows))
                        .into_owned(),
                ]
            }
            Err(NoTextQr::TooLong) => Vec::new(),
        }
    }
}

/// `eprintln!` that cannot panic: a line on stderr, dropped when stderr is gone.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::console::say_line(format_args!($($arg)*))
    };
}
