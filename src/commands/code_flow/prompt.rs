//! What `login --flow code` prints on stderr, and the one line it reads from stdin.
//!
//! The QR code of the authorize URL is printed as text lines (see
//! [`StderrTerminal::qr_lines`]): explicit black on white with a light quiet zone so it scans on
//! dark themes, plain blocks under `NO_COLOR`, reverse-video spaces in a terminal that is not
//! UTF-8, and only when stderr is a terminal wide and tall enough for it; else one line says so.
//! The pasted line is read on a thread (stdin has no async reader here), capped in length and
//! bounded in time.

use std::io::{BufRead as _, Read as _, Write};
use std::time::Duration;

use url::Url;

use super::{CALLBACK_WAIT_SECS, fail};
use crate::console::StderrTerminal;
use crate::domain::text::{SHORT_MAX_CHARS, hyperlink, sanitize};
use crate::error::{Error, exit};
use crate::oauth::pkce::{
    AuthorizationCode, AuthorizationRequest, CALLBACK_MAX_BYTES, CallbackError,
};

/// Rows printed after the introduction: whether a browser opened, where it will go (two lines),
/// the prompt and the line being typed.
const AFTER_INTRO_ROWS: u16 = 5;

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

/// Writes one line (in ASCII when the terminal is not UTF-8) and flushes.
pub(super) fn line(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    writeln!(out, "{}", StderrTerminal::now().text(text))?;
    out.flush()
}

/// The address, its QR code when the terminal fits it (else one line saying it does not), and
/// who is asking; in ASCII when the terminal is not UTF-8.
pub(super) fn introduce(
    out: &mut impl Write,
    url: &str,
    asking: &Asking,
    terminal: StderrTerminal,
) -> std::io::Result<()> {
    const INTRO: &str = "To sign in, open this address in a browser:";
    writeln!(out, "{INTRO}")?;
    // One click opens it whole, however the terminal wraps it (OSC 8); only on a terminal.
    let link = terminal.size.and_then(|_| hyperlink(url, url));
    writeln!(out, "{}", link.as_deref().unwrap_or(url))?;
    let who = format!(
        "Asked by client {} of {} for the scopes {}. Only continue if you just ran grantty on {}.",
        sanitize(&asking.client_id, SHORT_MAX_CHARS),
        asking.host,
        sanitize(&asking.scopes, 300),
        asking.local_host,
    );
    // The address and everything after the code (who asks, whether a browser opened, where it
    // goes, the prompt and the input line) stay on screen with it.
    let text_rows = terminal
        .rows_of(&[INTRO, url, &who])
        .saturating_add(AFTER_INTRO_ROWS);
    for row in terminal.qr_lines(url, text_rows) {
        writeln!(out, "{row}")?;
    }
    writeln!(out, "{}", terminal.text(&who))?;
    out.flush()
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
