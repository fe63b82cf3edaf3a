//! What `login --flow code` prints on stderr, and the one line it reads from stdin.
//!
//! The QR code of the authorize URL is drawn with [`QrMatrix`] into a buffer and printed as
//! text lines: explicit black on white (SGR 30;107) with a light quiet zone so it scans on dark
//! themes, plain blocks under `NO_COLOR`, and only when stderr is a terminal wide enough for it.
//! The pasted line is read on a thread (stdin has no async reader here), capped in length and
//! bounded in time.

use std::io::{BufRead as _, IsTerminal as _, Read as _, Write};
use std::time::Duration;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use url::Url;

use super::{CALLBACK_WAIT_SECS, fail};
use crate::domain::text::{SHORT_MAX_CHARS, sanitize};
use crate::error::{Error, exit};
use crate::oauth::pkce::{
    AuthorizationCode, AuthorizationRequest, CALLBACK_MAX_BYTES, CallbackError,
};
use crate::ui::qr::{NARROW_QUIET_ZONE_MODULES, QUIET_ZONE_MODULES, QrMatrix};

/// Black on bright white, whatever the terminal's theme.
const QR_STYLE_ON: &str = "\x1b[30;107m";
const QR_STYLE_OFF: &str = "\x1b[0m";
/// Columns kept free left of the QR code.
const QR_INDENT: &str = "  ";

/// Who is asking, for the anti-phishing line.
pub(super) struct Asking {
    /// Host of the authorization endpoint.
    pub host: String,
    /// The client id.
    pub client_id: String,
    /// Requested scopes.
    pub scopes: String,
    /// This machine's name.
    pub local_host: String,
}

/// Writes one line and flushes.
pub(super) fn line(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    writeln!(out, "{text}")?;
    out.flush()
}

/// The address, its QR code when the terminal fits it, and who is asking.
pub(super) fn introduce(out: &mut impl Write, url: &str, asking: &Asking) -> std::io::Result<()> {
    writeln!(out, "To sign in, open this address in a browser:")?;
    writeln!(out, "{url}")?;
    let width = std::io::stderr()
        .is_terminal()
        .then(|| crossterm::terminal::size().ok())
        .flatten()
        .map(|(cols, _)| cols);
    let color = !crate::tui::no_color_requested();
    for row in width
        .and_then(|w| qr_lines(url, w, color))
        .unwrap_or_default()
    {
        writeln!(out, "{row}")?;
    }
    writeln!(
        out,
        "Asked by client {} of {} for the scopes {}. Only continue if you just ran grantty on {}.",
        sanitize(&asking.client_id, SHORT_MAX_CHARS),
        asking.host,
        sanitize(&asking.scopes, 300),
        asking.local_host,
    )?;
    out.flush()
}

/// The QR code of `payload` as text lines for a terminal `width` columns wide: a 4-module quiet
/// zone when it fits, else 2, else `None`.
pub(super) fn qr_lines(payload: &str, width: u16, color: bool) -> Option<Vec<String>> {
    let qr = QrMatrix::encode(payload)?;
    let indent = u16::try_from(QR_INDENT.len()).unwrap_or(u16::MAX);
    let quiet = [QUIET_ZONE_MODULES, NARROW_QUIET_ZONE_MODULES]
        .into_iter()
        .find(|&q| qr.size_in_cells(q).0.saturating_add(indent) <= width)?;
    let (cols, rows) = qr.size_in_cells(quiet);
    let area = Rect::new(0, 0, cols, rows);
    let mut buf = Buffer::empty(area);
    qr.draw(&mut buf, area, quiet, Style::new());
    let (on, off) = if color {
        (QR_STYLE_ON, QR_STYLE_OFF)
    } else {
        ("", "")
    };
    Some(
        (0..rows)
            .map(|y| {
                let cells: String = (0..cols).map(|x| buf[(x, y)].symbol()).collect();
                format!("{QR_INDENT}{on}{cells}{off}")
            })
            .collect(),
    )
}

/// Tells the user where the browser will go and asks for the address.
pub(super) fn ask_paste(out: &mut impl Write, redirect_uri: &Url) -> std::io::Result<()> {
    writeln!(
        out,
        "After you approve, the browser is sent to {redirect_uri}. Whether or not that page loads, copy the whole address from the browser's address bar."
    )?;
    writeln!(out, "Paste the address your browser was sent to:")?;
    out.flush()
}

/// Reads one non-blank line from stdin (at most [`CALLBACK_MAX_BYTES`]) and parses it against
/// `request` (its `state`, and `iss` when promised); end of input cancels (130), silence for
/// `wait` expires (4).
pub(super) async fn read_paste(
    request: &AuthorizationRequest,
    wait: Duration,
) -> Result<Result<AuthorizationCode, CallbackError>, Error> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let _ = tx.send(read_line(&mut std::io::stdin().lock()));
    });
    let line = match tokio::time::timeout(wait, rx).await {
        Ok(Ok(line)) => line?,
        Ok(Err(_)) => return Err(fail(exit::FAILURE, "reading stdin failed")),
        Err(_) => {
            return Err(fail(
                exit::EXPIRED,
                format!(
                    "nothing was pasted within {} minutes. Run grantty login --flow code again",
                    CALLBACK_WAIT_SECS / 60
                ),
            ));
        }
    };
    match line {
        Some(line) => Ok(request.check_callback(&line)),
        None => Err(fail(
            exit::CANCELLED,
            "no address was pasted (end of input); sign-in cancelled",
        )),
    }
}

/// One non-blank line, `None` at end of input, `TooLong` past the cap.
fn read_line(input: &mut impl std::io::BufRead) -> std::io::Result<Option<String>> {
    loop {
        let mut bytes = Vec::new();
        let cap = u64::try_from(CALLBACK_MAX_BYTES + 1).unwrap_or(u64::MAX);
        let n = input.by_ref().take(cap).read_until(b'\n', &mut bytes)?;
        if n == 0 {
            return Ok(None);
        }
        if bytes.len() > CALLBACK_MAX_BYTES {
            // Longer than any real redirect: hand it on so the parser says so.
            return Ok(Some("x".repeat(CALLBACK_MAX_BYTES + 1)));
        }
        let text = String::from_utf8_lossy(&bytes).trim().to_owned();
        if !text.is_empty() {
            return Ok(Some(text));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "https://example.com/authorize?client_id=c&state=s";

    #[test]
    fn qr_has_a_light_quiet_zone_and_explicit_colours() {
        let rows = qr_lines(URL, 80, true).unwrap();
        let first = rows.first().unwrap();
        assert!(
            first.starts_with("  \x1b[30;107m") && first.ends_with("\x1b[0m"),
            "{first:?}"
        );
        let inner = first
            .trim_start_matches("  \x1b[30;107m")
            .trim_end_matches("\x1b[0m");
        assert!(
            inner.chars().all(|c| c == ' '),
            "the top row is quiet zone: {inner:?}"
        );
        assert!(rows.iter().any(|r| r.contains('█')));
    }

    #[test]
    fn no_color_gives_plain_blocks_and_narrow_terminals_get_no_code() {
        let rows = qr_lines(URL, 80, false).unwrap();
        assert!(rows.iter().all(|r| !r.contains('\x1b')));
        let width = u16::try_from(rows[0].chars().count()).unwrap();
        let narrow = qr_lines(URL, width - 1, false).expect("a 2-module quiet zone fits");
        assert_eq!(narrow[0].chars().count() + 4, usize::from(width));
        assert_eq!(qr_lines(URL, 20, true), None);
    }

    #[test]
    fn pasted_lines_skip_blanks_and_are_capped() {
        let mut input =
            std::io::Cursor::new(b"\n  \nhttp://127.0.0.1/cb?code=a&state=s\nnext\n".to_vec());
        assert_eq!(
            read_line(&mut input).unwrap().as_deref(),
            Some("http://127.0.0.1/cb?code=a&state=s")
        );
        let mut empty = std::io::Cursor::new(Vec::new());
        assert_eq!(read_line(&mut empty).unwrap(), None);
        let mut huge = std::io::Cursor::new(vec![b'a'; CALLBACK_MAX_BYTES * 2]);
        let long = read_line(&mut huge).unwrap().unwrap();
        assert_eq!(
            crate::oauth::pkce::parse_callback(&long, "s"),
            Err(CallbackError::TooLong)
        );
    }
}
