//! The authorization code grant as a screen of the app (`login --flow code` in a terminal).
//!
//! The state is plain data like the device grant's: the authorization request (its `state`
//! and PKCE verifier, redacted in `Debug`), the deadline for the answer, how the answer comes
//! back (a pasted address, or a loopback listener after a browser was opened), the input line
//! and, once an answer is in, the one code exchange in flight. [`super::update`] drives it;
//! checking a pasted address is the sans-IO [`parse_callback`](crate::oauth::pkce::parse_callback).

use super::{ErrorView, RequestId};
use crate::domain::clock::Timestamp;
use crate::domain::text::sanitize;
use crate::oauth::pkce::{AuthorizationRequest, CALLBACK_MAX_BYTES};

/// How long grantty waits for the browser or the pasted address: enough for an SSO login with
/// a second factor; the code itself is exchanged the moment it arrives.
pub const CALLBACK_WAIT_SECS: u64 = 600;

/// How the browser's answer comes back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Capture {
    /// The user pastes the address; `note` says why no browser was opened (or that it was).
    Paste {
        /// E.g. "Not opening a browser here: over SSH".
        note: String,
    },
    /// A browser was opened and a one-shot listener waits on `127.0.0.1:port`.
    Listening {
        /// The listener's port.
        port: u16,
        /// Whether the browser started, e.g. "Opened your browser on that address."
        note: String,
    },
    /// The listener received the browser's answer.
    Answered,
}

/// Where the sign-in stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeStage {
    /// Waiting for the address (pasted or from the listener).
    Waiting,
    /// The one exchange of the code is in flight.
    Exchanging {
        /// Id of the exchange.
        request: RequestId,
    },
}

/// The code flow screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSignIn {
    /// The authorization request: address, `state`, redirect URI, PKCE.
    pub authorization: Box<AuthorizationRequest>,
    /// When the wait for the answer ends ([`CALLBACK_WAIT_SECS`] after the start).
    pub deadline: Timestamp,
    /// How the answer comes back.
    pub capture: Capture,
    /// The input line.
    pub input: Input,
    /// Why the last address was not accepted, in words.
    pub error: Option<String>,
    /// Waiting or exchanging.
    pub stage: CodeStage,
    /// The `?` list of keys is shown.
    pub help: bool,
}

impl CodeSignIn {
    /// A sign-in that starts waiting at `now`.
    pub fn new(authorization: AuthorizationRequest, capture: Capture, now: Timestamp) -> Self {
        Self {
            authorization: Box::new(authorization),
            deadline: now.plus_secs(CALLBACK_WAIT_SECS),
            capture,
            input: Input::default(),
            error: None,
            stage: CodeStage::Waiting,
            help: false,
        }
    }

    /// Where the screen stands, for its keys.
    pub fn keys(&self) -> super::keys::CodeKeys {
        use super::keys::CodeKeys;
        if self.exchanging() {
            CodeKeys::Exchanging
        } else if self.input.is_empty() {
            CodeKeys::Empty
        } else {
            CodeKeys::Typing
        }
    }

    /// True while the code exchange is in flight.
    pub fn exchanging(&self) -> bool {
        matches!(self.stage, CodeStage::Exchanging { .. })
    }
}

/// Why a code-flow sign-in ended without tokens; `main` picks the exit code from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeEndKind {
    /// The user or the server said no (`error=access_denied`).
    Denied,
    /// No answer within [`CALLBACK_WAIT_SECS`].
    Expired,
    /// The server refused the exchange or answered with something unusable.
    Refused,
    /// The token endpoint could not be reached (or was unavailable).
    Unreachable,
}

/// A code-flow sign-in that ended without tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeEnd {
    /// Why, for the exit code.
    pub kind: CodeEndKind,
    /// In words.
    pub view: ErrorView,
}

/// An editable line of text: at most [`CALLBACK_MAX_BYTES`], free of control characters and
/// escape sequences (pasted text is sanitised before it is kept), with a cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Input {
    text: String,
    /// The cursor, in characters from the start.
    cursor: usize,
}

impl Input {
    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The cursor, in characters from the start.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// True when nothing has been typed or pasted.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// Inserts `raw` at the cursor, sanitised; returns false when the cap cut it short.
    pub fn insert(&mut self, raw: &str) -> bool {
        // Never cut by `sanitize` (a string has no more characters than bytes): the cap below
        // is in bytes and marks no cut with `…`.
        let clean = sanitize(raw, raw.len());
        let mut whole = true;
        let at = self.byte_at(self.cursor);
        let mut added = String::new();
        for c in clean.chars() {
            if self.text.len() + added.len() + c.len_utf8() > CALLBACK_MAX_BYTES {
                whole = false;
                break;
            }
            added.push(c);
        }
        self.text.insert_str(at, &added);
        self.cursor += added.chars().count();
        whole
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            let at = self.byte_at(self.cursor - 1);
            self.text.remove(at);
            self.cursor -= 1;
        }
    }

    /// Moves the cursor one character left.
    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    /// Moves the cursor one character right.
    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.text.chars().count());
    }

    /// Moves the cursor to the start.
    pub fn home(&mut self) {
        self.cursor = 0;
    }

    /// Moves the cursor to the end.
    pub fn end(&mut self) {
        self.cursor = self.text.chars().count();
    }

    /// Empties the line.
    pub fn clear(&mut self) {
        self.text.clear();
        self.cursor = 0;
    }

    /// The part to show in `cols` columns (one kept for the cursor at the end): the whole
    /// text when it fits, else a window around the cursor marked with `…` where it is cut.
    /// Returns the text and the cursor's column in it.
    pub fn window(&self, cols: usize) -> (String, usize) {
        let chars: Vec<char> = self.text.chars().collect();
        let room = cols.saturating_sub(1).max(1);
        if chars.len() <= room {
            return (chars.iter().collect(), self.cursor);
        }
        // Keep the cursor visible, leaving a column for each `…`.
        let inner = room.saturating_sub(2).max(1);
        let start = self.cursor.saturating_sub(inner).min(chars.len() - inner);
        let end = (start + inner).min(chars.len());
        let mut shown = String::new();
        let mut cursor = self.cursor - start;
        if start > 0 {
            shown.push('…');
            cursor += 1;
        }
        shown.extend(&chars[start..end]);
        if end < chars.len() {
            shown.push('…');
        }
        (shown, cursor)
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editing_moves_the_cursor_and_keeps_text_clean() {
        let mut input = Input::default();
        assert!(input.insert("http://h/cb?code=a"));
        input.home();
        input.right();
        input.insert("x");
        assert_eq!(input.text(), "hxttp://h/cb?code=a");
        input.backspace();
        input.end();
        input.backspace();
        assert_eq!(input.text(), "http://h/cb?code=");
        input.left();
        input.left();
        input.insert("é");
        assert_eq!(input.text(), "http://h/cb?codée=");
        assert_eq!(input.cursor(), 16);
        input.clear();
        assert!(input.is_empty());
        input.insert("\x1b[31mred\x1b[0m\r\n");
        assert_eq!(
            input.text(),
            "red",
            "escapes and newlines never reach the line"
        );
    }

    #[test]
    fn the_line_is_capped() {
        let mut input = Input::default();
        assert!(!input.insert(&"a".repeat(CALLBACK_MAX_BYTES + 10)));
        assert_eq!(input.text().len(), CALLBACK_MAX_BYTES);
        assert!(!input.insert("b"));
        assert_eq!(input.text().len(), CALLBACK_MAX_BYTES);
    }

    #[test]
    fn a_long_line_shows_a_window_around_the_cursor() {
        let mut input = Input::default();
        input.insert("abcdefghijklmnopqrstuvwxyz");
        let (shown, cursor) = input.window(10);
        assert_eq!(shown, "…tuvwxyz");
        assert_eq!(cursor, 8);
        input.home();
        let (shown, cursor) = input.window(10);
        assert_eq!(shown, "abcdefg…");
        assert_eq!(cursor, 0);
        input.insert("");
        let mut short = Input::default();
        short.insert("abc");
        assert_eq!(short.window(10), ("abc".to_owned(), 3));
    }
}
