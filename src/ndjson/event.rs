//! The event schema of `--json` (version [`SCHEMA_VERSION`]) and its one-line encoding.

use std::io::Write;

use serde::Serialize;

use crate::domain::clock::Timestamp;

/// Version of the event schema; bumped only when a field changes meaning or disappears.
pub const SCHEMA_VERSION: u8 = 1;

/// One event. Field names follow RFC 8628 where it has one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A device code was issued: show `user_code` and `verification_uri` (RFC 8628 §3.2).
    CodeIssued {
        /// Where the user goes.
        verification_uri: String,
        /// What the user types there.
        user_code: String,
        /// The URI with the code included, when the server sent one.
        verification_uri_complete: Option<String>,
        /// Seconds the code lives, as the server said.
        expires_in: u64,
        /// When the code expires (unix seconds).
        expires_at: i64,
        /// Seconds between polls.
        interval: u64,
        /// The OAuth client asking.
        client_id: String,
        /// The authorization server (host and port).
        host: String,
    },
    /// Waiting for the user: after `code_issued`, and again when polling is back to
    /// `authorization_pending` after a `slow_down` or a retry.
    Pending,
    /// The server said `slow_down`; polls now wait `interval` seconds (RFC 8628 §3.5).
    SlowDown {
        /// The interval now in force.
        interval: u64,
    },
    /// A poll failed in a way that is retried: a transport error, a 5xx or a 429.
    Retrying {
        /// `transport`, `unavailable` (5xx) or `rate_limited` (429).
        reason: &'static str,
        /// The HTTP status, when there was one.
        status: Option<u16>,
        /// What happened, in words.
        message: String,
        /// Seconds until the next poll.
        wait: u64,
    },
    /// The user approved; the tokens are being stored. Never carries a token.
    Approved {
        /// The ID token's `sub` (unverified), if any.
        subject: Option<String>,
        /// The ID token's `email` (unverified), if any.
        email: Option<String>,
        /// When the access token expires (unix seconds), if the server said.
        expires_at: Option<i64>,
    },
    /// The session is stored; the sign-in succeeded (exit code 0 follows).
    Stored {
        /// Where the secrets are kept, in words.
        storage: String,
        /// The profile it is stored under.
        profile: String,
    },
    /// The user denied the sign-in (`access_denied`; exit code 3).
    Denied {
        /// The server's `error_description`, if any.
        description: Option<String>,
    },
    /// The code expired before approval (exit code 4).
    Expired {
        /// True when the server said `expired_token`, false when the local deadline passed.
        by_server: bool,
    },
    /// The sign-in failed otherwise (a non-zero exit code follows).
    Error {
        /// What failed and what to do, in words.
        message: String,
    },
    /// A signal ended the sign-in before it finished (exit code 130).
    Cancelled,
}

/// One line: the envelope around an event.
#[derive(Serialize)]
struct Line<'a, E: Serialize> {
    v: u8,
    #[serde(flatten)]
    event: &'a E,
    time: i64,
}

/// Writes `event` (an internally tagged enum: `"event": name`) stamped with `now` as one line in
/// the envelope every event shares, and flushes it. `grantty keep --json` writes its own events
/// through this.
pub fn write_line(
    out: &mut impl Write,
    event: &impl Serialize,
    now: Timestamp,
) -> std::io::Result<()> {
    let line = Line {
        v: SCHEMA_VERSION,
        event,
        time: now.as_unix_secs(),
    };
    serde_json::to_writer(&mut *out, &line)?;
    out.write_all(b"\n")?;
    out.flush()
}
