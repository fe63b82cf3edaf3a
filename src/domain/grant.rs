//! The RFC 8628 device grant as a pure state machine.
//!
//! [`Poller`] decides *when* to poll the token endpoint and what each answer means; it never
//! sends anything itself. Invariants:
//! - at most one poll is in flight, and the next one is scheduled from the moment the previous
//!   answer arrived, so the client never polls faster than the current interval (§3.5);
//! - `slow_down` adds five seconds for this and every later poll, or takes the server's larger
//!   interval (§3.5);
//! - transport errors and 5xx answers back off exponentially up to [`POLL_BACKOFF_CAP_SECS`]; a
//!   429 waits for its `Retry-After`;
//! - the local deadline from `expires_in` ends polling even if the server never says so;
//! - once the grant ends (approved, denied, expired, failed) nothing more is polled, so a device
//!   code is redeemed at most once.

use super::clock::Timestamp;
use super::secret::DeviceCode;
use super::token::TokenSet;

/// Interval when the server sends none (RFC 8628 §3.2).
pub const DEFAULT_INTERVAL_SECS: u64 = 5;
/// What each `slow_down` adds to the interval (RFC 8628 §3.5).
pub const SLOW_DOWN_STEP_SECS: u64 = 5;
/// Longest wait between polls after transport errors or 5xx answers.
pub const POLL_BACKOFF_CAP_SECS: u64 = 60;
/// Longest `Retry-After` honoured; a larger one would outlive any device code anyway.
pub const RETRY_AFTER_CAP_SECS: u64 = 600;
/// Added to every wait: our clock has whole seconds, a server may count milliseconds, and one
/// second of margin means it never sees a poll that is early by a fraction.
pub const POLL_MARGIN_SECS: u64 = 1;

/// A validated device authorization response (RFC 8628 §3.2), sanitised for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// The `device_code`: sent back when polling, never shown.
    pub device_code: DeviceCode,
    /// The `user_code` to show, exactly as the server formatted it (sanitised).
    pub user_code: String,
    /// The `verification_uri` (an http(s) URL, sanitised).
    pub verification_uri: String,
    /// The `verification_uri_complete`, when the server sent a usable one.
    pub verification_uri_complete: Option<String>,
    /// When the response arrived.
    pub issued_at: Timestamp,
    /// `issued_at + expires_in`: the local deadline for polling.
    pub expires_at: Timestamp,
    /// The initial polling interval.
    pub interval_secs: u64,
}

impl DeviceAuthorization {
    /// What the QR code encodes: the complete URI when there is one (§3.3.1).
    pub fn qr_payload(&self) -> &str {
        self.verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri)
    }
}

/// A server error answer, as parsed from the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerError {
    /// HTTP status of the answer.
    pub status: u16,
    /// The `error` code (sanitised).
    pub code: String,
    /// The `error_description` (sanitised), if any.
    pub description: Option<String>,
}

/// One answer to a token poll, as `oauth::wire` classifies it (RFC 8628 §3.5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollReply {
    /// Tokens: the user approved.
    Approved(Box<TokenSet>),
    /// `authorization_pending`.
    Pending,
    /// `slow_down`, with the server's new interval if it sent one.
    SlowDown {
        /// A new `interval` in the same answer, if any.
        interval_secs: Option<u64>,
    },
    /// `access_denied`.
    Denied {
        /// `error_description`, if any.
        description: Option<String>,
    },
    /// `expired_token`.
    Expired,
    /// HTTP 429 without an RFC error code.
    RateLimited {
        /// `Retry-After` in seconds, if the server sent a usable one.
        retry_after_secs: Option<u64>,
    },
    /// HTTP 5xx without an RFC error code: retry later.
    Unavailable {
        /// The HTTP status.
        status: u16,
    },
    /// The request failed before an answer arrived (connect, timeout, reset).
    Transport {
        /// What went wrong, for the screen.
        message: String,
    },
    /// Any other error code: polling stops (§3.5).
    Error(ServerError),
    /// An answer that is neither tokens nor an error object.
    Unparseable {
        /// HTTP status.
        status: u16,
        /// The start of the body, sanitised.
        body_excerpt: String,
    },
}

/// The last answer that did not end the grant, for the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LastAnswer {
    /// `authorization_pending`.
    Pending,
    /// `slow_down`, with the interval now in force.
    SlowDown {
        /// The new interval.
        interval_secs: u64,
    },
    /// A 429.
    RateLimited {
        /// How long we wait before the next poll.
        wait_secs: u64,
    },
    /// A 5xx.
    Unavailable {
        /// HTTP status.
        status: u16,
        /// How long we wait before the next poll.
        wait_secs: u64,
    },
    /// A transport error.
    Transport {
        /// What went wrong.
        message: String,
        /// How long we wait before the next poll.
        wait_secs: u64,
    },
}

/// How a grant ended, other than with tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GrantFailure {
    /// The user said no (`access_denied`).
    Denied {
        /// The server's description, if any.
        description: Option<String>,
    },
    /// The code expired: the server said `expired_token`, or our own deadline passed.
    Expired {
        /// True when the server said so, false when the local deadline ended it.
        by_server: bool,
    },
    /// The server answered with an error that ends polling.
    Server(ServerError),
    /// The server's answer could not be understood.
    Unparseable {
        /// HTTP status.
        status: u16,
        /// The start of the body, sanitised.
        body_excerpt: String,
    },
    /// `invalid_grant` right after a poll whose answer was lost: the server may have issued
    /// tokens that never reached us and then refused the code's second use.
    LostReply(ServerError),
}

/// What [`Poller::on_reply`] concluded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PollOutcome {
    /// Keep polling; the next poll is scheduled.
    Continue,
    /// The user approved; here are the tokens.
    Approved(Box<TokenSet>),
    /// The grant is over.
    Ended(GrantFailure),
}

/// What the poller wants at a given moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PollDue {
    /// Nothing until `at` (or until the in-flight poll answers).
    Wait,
    /// Send a poll now.
    PollNow,
    /// The local deadline passed.
    Expired,
}

/// The polling schedule and its history for one device authorization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Poller {
    interval_secs: u64,
    next_poll_at: Timestamp,
    deadline: Timestamp,
    consecutive_failures: u32,
    in_flight: bool,
    reply_may_be_lost: bool,
    polls_sent: u32,
    last_answer: Option<(Timestamp, LastAnswer)>,
}

impl Poller {
    /// Starts the schedule for `auth`: the first poll waits one interval.
    pub fn new(auth: &DeviceAuthorization, now: Timestamp) -> Self {
        let interval_secs = auth.interval_secs.max(1);
        Self {
            interval_secs,
            next_poll_at: now.plus_secs(interval_secs),
            deadline: auth.expires_at,
            consecutive_failures: 0,
            in_flight: false,
            reply_may_be_lost: false,
            polls_sent: 0,
            last_answer: None,
        }
    }

    /// The interval in force (grows with `slow_down`).
    pub fn interval_secs(&self) -> u64 {
        self.interval_secs
    }

    /// When the next poll goes out (meaningless while one is in flight).
    pub fn next_poll_at(&self) -> Timestamp {
        self.next_poll_at
    }

    /// The local deadline.
    pub fn deadline(&self) -> Timestamp {
        self.deadline
    }

    /// Whether a poll awaits its answer.
    pub fn in_flight(&self) -> bool {
        self.in_flight
    }

    /// How many polls were sent.
    pub fn polls_sent(&self) -> u32 {
        self.polls_sent
    }

    /// The last non-final answer and when it came.
    pub fn last_answer(&self) -> Option<&(Timestamp, LastAnswer)> {
        self.last_answer.as_ref()
    }

    /// What to do at `now`.
    pub fn due(&self, now: Timestamp) -> PollDue {
        if now >= self.deadline {
            PollDue::Expired
        } else if !self.in_flight && now >= self.next_poll_at {
            PollDue::PollNow
        } else {
            PollDue::Wait
        }
    }

    /// Records that a poll went out.
    pub fn poll_sent(&mut self) {
        self.in_flight = true;
        self.polls_sent = self.polls_sent.saturating_add(1);
    }

    /// Applies the answer to the poll in flight.
    pub fn on_reply(&mut self, reply: PollReply, now: Timestamp) -> PollOutcome {
        self.in_flight = false;
        let lost_before = std::mem::take(&mut self.reply_may_be_lost);
        let wait_secs = match reply {
            PollReply::Approved(tokens) => return PollOutcome::Approved(tokens),
            PollReply::Denied { description } => {
                return PollOutcome::Ended(GrantFailure::Denied { description });
            }
            PollReply::Expired => {
                return PollOutcome::Ended(GrantFailure::Expired { by_server: true });
            }
            PollReply::Error(err) if lost_before && err.code == "invalid_grant" => {
                return PollOutcome::Ended(GrantFailure::LostReply(err));
            }
            PollReply::Error(err) => return PollOutcome::Ended(GrantFailure::Server(err)),
            PollReply::Unparseable {
                status,
                body_excerpt,
            } => {
                return PollOutcome::Ended(GrantFailure::Unparseable {
                    status,
                    body_excerpt,
                });
            }
            PollReply::Pending => {
                self.consecutive_failures = 0;
                self.last_answer = Some((now, LastAnswer::Pending));
                self.interval_secs
            }
            PollReply::SlowDown { interval_secs } => {
                self.consecutive_failures = 0;
                let stepped = self.interval_secs.saturating_add(SLOW_DOWN_STEP_SECS);
                self.interval_secs = interval_secs.map_or(stepped, |server| server.max(stepped));
                self.last_answer = Some((
                    now,
                    LastAnswer::SlowDown {
                        interval_secs: self.interval_secs,
                    },
                ));
                self.interval_secs
            }
            PollReply::RateLimited { retry_after_secs } => {
                let wait_secs = match retry_after_secs {
                    Some(secs) => secs.min(RETRY_AFTER_CAP_SECS).max(self.interval_secs),
                    None => self.backoff_secs(),
                };
                self.last_answer = Some((now, LastAnswer::RateLimited { wait_secs }));
                wait_secs
            }
            PollReply::Unavailable { status } => {
                let wait_secs = self.backoff_secs();
                self.last_answer = Some((now, LastAnswer::Unavailable { status, wait_secs }));
                wait_secs
            }
            PollReply::Transport { message } => {
                // The request may have reached the server and redeemed the code.
                self.reply_may_be_lost = true;
                let wait_secs = self.backoff_secs();
                self.last_answer = Some((now, LastAnswer::Transport { message, wait_secs }));
                wait_secs
            }
        };
        self.next_poll_at = now.plus_secs(wait_secs.saturating_add(POLL_MARGIN_SECS));
        PollOutcome::Continue
    }

    /// The next back-off wait: the interval doubled per consecutive failure, capped.
    fn backoff_secs(&mut self) -> u64 {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        let factor = 1u64 << self.consecutive_failures.min(16);
        self.interval_secs
            .saturating_mul(factor)
            .min(POLL_BACKOFF_CAP_SECS)
            .max(self.interval_secs)
    }
}

#[cfg(test)]
#[path = "grant_tests.rs"]
mod tests;
