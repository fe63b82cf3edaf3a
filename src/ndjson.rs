//! NDJSON events for `grantty login --json`: one JSON object per line on stdout, written when the
//! sign-in changes state, so IDEs, kubectl plugins and agents can relay the code to their user
//! instead of stalling. Driven by the same `update` as the TUI and plain mode.
//!
//! Invariants: every line is one complete object with `"v"` ([`SCHEMA_VERSION`]), `"event"` and
//! `"time"` (unix seconds); `pending` is written once per change, not per poll; no event carries
//! a token (`approved` has the subject, email and expiry only), and the device code never
//! appears. The schema is documented in the README ("Integrations").

use std::io::Write;

use crate::app::dashboard::Ended;
use crate::app::{App, SaveState, Screen};
use crate::domain::clock::Timestamp;
use crate::domain::grant::{GrantFailure, LastAnswer};
use crate::plain::{Plain, failure_line};
use crate::runtime::Frontend;

mod event;

pub use event::{Event, SCHEMA_VERSION, write_line};

/// Where polling stands, to write `pending`/`slow_down`/`retrying` once per change.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    Pending,
    Answer(Timestamp, LastAnswer),
}

/// Writes events to `out` (stdout in the binary, a buffer in tests).
pub struct Ndjson<W: Write> {
    out: W,
    user_code: Option<String>,
    phase: Option<Phase>,
    approved: bool,
    finished: bool,
}

impl<W: Write> Ndjson<W> {
    /// An event writer on `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            user_code: None,
            phase: None,
            approved: false,
            finished: false,
        }
    }

    /// The writer, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }

    /// Writes one event line stamped with `now`, and flushes it.
    pub fn emit(&mut self, event: &Event, now: Timestamp) -> std::io::Result<()> {
        event::write_line(&mut self.out, event, now)
    }

    /// Writes `cancelled` unless the sign-in already ended (called when a signal stopped it).
    pub fn cancelled(&mut self, now: Timestamp) -> std::io::Result<()> {
        self.finish(&Event::Cancelled, now)
    }

    /// Writes the one final event.
    fn finish(&mut self, event: &Event, now: Timestamp) -> std::io::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        self.emit(event, now)
    }

    fn approve(&mut self, event: &Event, now: Timestamp) -> std::io::Result<()> {
        if self.approved {
            return Ok(());
        }
        self.approved = true;
        self.emit(event, now)
    }
}

impl<W: Write> Frontend for Ndjson<W> {
    fn draw(&mut self, app: &App, now: Timestamp) -> std::io::Result<()> {
        match &app.screen {
            Screen::Requesting { .. } => {
                // A new code is on its way: its events start afresh.
                self.phase = None;
                self.approved = false;
                self.finished = false;
            }
            Screen::Waiting(w) => {
                if self.user_code.as_deref() != Some(w.auth.user_code.as_str()) {
                    self.user_code = Some(w.auth.user_code.clone());
                    self.phase = None;
                    let auth = &w.auth;
                    self.emit(
                        &Event::CodeIssued {
                            verification_uri: auth.verification_uri.clone(),
                            user_code: auth.user_code.clone(),
                            verification_uri_complete: auth.verification_uri_complete.clone(),
                            expires_in: auth.issued_at.secs_until(auth.expires_at),
                            expires_at: auth.expires_at.as_unix_secs(),
                            interval: w.poller.interval_secs(),
                            client_id: app.provider.client_id.clone(),
                            host: app.provider.host.clone(),
                        },
                        now,
                    )?;
                }
                let phase = match w.poller.last_answer() {
                    None | Some((_, LastAnswer::Pending)) => Phase::Pending,
                    Some((at, answer)) => Phase::Answer(*at, answer.clone()),
                };
                if self.phase.as_ref() != Some(&phase) {
                    let event = phase_event(&phase, app, now);
                    self.phase = Some(phase);
                    self.emit(&event, now)?;
                }
            }
            Screen::Approved(a) => {
                let claims = a.claims.as_ref();
                self.approve(
                    &Event::Approved {
                        subject: claims.and_then(|c| c.subject.clone()),
                        email: claims.and_then(|c| c.email.clone()),
                        expires_at: a.tokens.expires_at.map(Timestamp::as_unix_secs),
                    },
                    now,
                )?;
                if let SaveState::Failed(e) = &a.saved {
                    let message = format!(
                        "approved, but the tokens could not be stored, so they end with this run: {e}"
                    );
                    self.finish(&Event::Error { message }, now)?;
                }
            }
            Screen::Dashboard(d) => {
                let meta = &d.session.meta;
                let claims = meta.claims.as_ref();
                self.approve(
                    &Event::Approved {
                        subject: claims.and_then(|c| c.subject.clone()),
                        email: claims.and_then(|c| c.email.clone()),
                        expires_at: meta.access_expires_at.map(Timestamp::as_unix_secs),
                    },
                    now,
                )?;
                let event = match &d.ended {
                    None | Some(Ended::Revoked | Ended::DeletedHere) => Event::Stored {
                        storage: d.storage.description.clone(),
                        profile: meta.profile.clone(),
                    },
                    Some(Ended::SignedOutElsewhere) => Event::Error {
                        message: format!("sign in again: {}", crate::words::SIGNED_OUT_ELSEWHERE),
                    },
                };
                self.finish(&event, now)?;
            }
            Screen::Ended { failure, .. } => {
                let event = match failure {
                    GrantFailure::Denied { description } => Event::Denied {
                        description: description.clone(),
                    },
                    GrantFailure::Expired { by_server } => Event::Expired {
                        by_server: *by_server,
                    },
                    other => Event::Error {
                        message: failure_line(other),
                    },
                };
                self.finish(&event, now)?;
            }
            Screen::Failed(e) => {
                let message = crate::plain::error_line(e);
                self.finish(&Event::Error { message }, now)?;
            }
            // The code flow runs on screen only; its line mode writes no NDJSON.
            Screen::Code(_) => {}
            Screen::CodeEnded(end) => {
                let message = crate::plain::error_line(&end.view);
                self.finish(&Event::Error { message }, now)?;
            }
        }
        Ok(())
    }

    fn copy(&mut self, _text: &str) -> std::io::Result<()> {
        Ok(())
    }

    fn exits_when_finished(&self) -> bool {
        true
    }
}

/// The event for a new polling phase.
fn phase_event(phase: &Phase, app: &App, now: Timestamp) -> Event {
    let message = || crate::plain::status_line(app, now);
    match phase {
        Phase::Pending | Phase::Answer(_, LastAnswer::Pending) => Event::Pending,
        Phase::Answer(_, LastAnswer::SlowDown { interval_secs }) => Event::SlowDown {
            interval: *interval_secs,
        },
        Phase::Answer(_, LastAnswer::RateLimited { wait_secs }) => Event::Retrying {
            reason: "rate_limited",
            status: Some(429),
            message: message(),
            wait: *wait_secs,
        },
        Phase::Answer(_, LastAnswer::Unavailable { status, wait_secs }) => Event::Retrying {
            reason: "unavailable",
            status: Some(*status),
            message: message(),
            wait: *wait_secs,
        },
        Phase::Answer(_, LastAnswer::Transport { wait_secs, .. }) => Event::Retrying {
            reason: "transport",
            status: None,
            message: message(),
            wait: *wait_secs,
        },
    }
}

/// `--json`: events on one writer (stdout) and the human lines of [`Plain`] on another (stderr),
/// so a user whose wrapper passes stderr through still sees the prompt.
pub struct WithHumanLines<W: Write, E: Write> {
    /// The NDJSON events.
    pub events: Ndjson<W>,
    /// The human lines.
    pub lines: Plain<E>,
}

impl<W: Write, E: Write> Frontend for WithHumanLines<W, E> {
    fn draw(&mut self, app: &App, now: Timestamp) -> std::io::Result<()> {
        self.events.draw(app, now)?;
        self.lines.draw(app, now)
    }

    fn copy(&mut self, _text: &str) -> std::io::Result<()> {
        Ok(())
    }

    fn exits_when_finished(&self) -> bool {
        true
    }
}
