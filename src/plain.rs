//! Plain-text mode for pipes, wrappers and `--plain`: the prompt is printed once and each change
//! of state is one line on stderr, so a sign-in inside a kubectl plugin, an IDE or CI never looks
//! hung. Driven by the same `update` as the TUI.

use std::io::Write;

use crate::app::{App, Screen};
use crate::console::StderrTerminal;
use crate::domain::clock::{Timestamp, format_countdown};
use crate::domain::grant::{GrantFailure, LastAnswer};
use crate::runtime::Frontend;

/// Writes lines to `out` (stderr in the binary, a buffer in tests).
pub struct Plain<W: Write> {
    out: W,
    shown_code: Option<String>,
    last_line: Option<String>,
    /// The dashboard events already printed (the opening one is said by the status line).
    events_shown: Vec<crate::app::dashboard::Event>,
    /// Where the lines go: a QR code only when it is a terminal the code fits, ASCII when it is
    /// not UTF-8.
    terminal: StderrTerminal,
}

impl<W: Write> Plain<W> {
    /// A plain frontend writing to `out`.
    pub fn new(out: W) -> Self {
        Self {
            out,
            shown_code: None,
            last_line: None,
            events_shown: Vec::new(),
            terminal: StderrTerminal::none(),
        }
    }

    /// The same frontend writing for `terminal`: the device code's QR code when it fits (else
    /// one line saying it does not), and ASCII in a terminal that is not UTF-8.
    #[must_use]
    pub fn on_terminal(mut self, terminal: StderrTerminal) -> Self {
        self.terminal = terminal;
        self
    }

    /// The writer, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write> Frontend for Plain<W> {
    fn draw(&mut self, app: &App, now: Timestamp) -> std::io::Result<()> {
        let mut lines = Vec::new();
        if let Screen::Waiting(w) = &app.screen
            && self.shown_code.as_deref() != Some(w.auth.user_code.as_str())
        {
            self.shown_code = Some(w.auth.user_code.clone());
            lines.push(format!(
                "To sign in, open {} and enter the code {}",
                w.auth.verification_uri, w.auth.user_code
            ));
            if let Some(complete) = &w.auth.verification_uri_complete {
                lines.push(format!(
                    "Or open this link, which includes the code: {complete}"
                ));
            }
            let asked = format!(
                "Asked by client {} of {}. Only enter the code if you just ran grantty on {}. It expires in {} (at {}).",
                app.provider.client_id,
                app.provider.host,
                app.provider.local_host,
                format_countdown(now.secs_until(w.auth.expires_at)),
                app.local_time.time_of_day(w.auth.expires_at),
            );
            // The code, its address and who asks stay on screen with the QR code, and so do
            // the status line under them and the line the cursor is on.
            let text: Vec<&str> = lines
                .iter()
                .map(String::as_str)
                .chain([asked.as_str()])
                .collect();
            let text_rows = self.terminal.rows_of(&text).saturating_add(2);
            lines.extend(self.terminal.qr_lines(w.auth.qr_payload(), text_rows));
            lines.push(asked);
        }
        let line = match app.leaving {
            Some(_) if !app.quit => app.leaving_text().to_owned(),
            _ => status_line(app, now),
        };
        if self.last_line.as_deref() != Some(line.as_str()) {
            lines.push(line.clone());
            self.last_line = Some(line);
        }
        if let Screen::Dashboard(d) = &app.screen {
            // Events after the opening one: a revocation of a replaced session, a refresh
            // finished while leaving.
            for event in d.events.iter().skip(1) {
                if !self.events_shown.contains(event) {
                    lines.push(event.text.clone());
                    self.events_shown.push(event.clone());
                }
            }
        }
        for line in lines {
            writeln!(self.out, "{}", self.terminal.text(&line))?;
        }
        self.out.flush()
    }

    fn copy(&mut self, _text: &str) -> std::io::Result<()> {
        Ok(())
    }

    fn exits_when_finished(&self) -> bool {
        true
    }
}

/// An error's title, detail and hint on one line.
pub fn error_line(e: &crate::app::ErrorView) -> String {
    format!("{}: {}. {}", e.title, e.detail, e.hint)
}

/// One line describing the state; it changes only when something happened (no countdowns).
pub fn status_line(app: &App, now: Timestamp) -> String {
    match &app.screen {
        Screen::Requesting { .. } => format!("Requesting a code from {}…", app.provider.host),
        Screen::Waiting(w) => match w.poller.last_answer().map(|(_, a)| a) {
            None => format!(
                "Waiting for approval (checking every {} s)…",
                w.poller.interval_secs()
            ),
            Some(LastAnswer::Pending) => {
                "Waiting for approval: the server says authorization_pending".to_owned()
            }
            Some(LastAnswer::SlowDown { interval_secs }) => {
                format!("The server asked to slow down: now checking every {interval_secs} s")
            }
            Some(LastAnswer::RateLimited { wait_secs }) => {
                format!("Rate-limited (HTTP 429): next check in {wait_secs} s")
            }
            Some(LastAnswer::Unavailable { status, wait_secs }) => {
                format!("Server unavailable (HTTP {status}): retrying in {wait_secs} s")
            }
            Some(LastAnswer::Transport { message, wait_secs }) => {
                format!("Network error: {message}; retrying in {wait_secs} s")
            }
        },
        Screen::Approved(a) => match &a.saved {
            crate::app::SaveState::Saving => "Approved; storing the tokens…".to_owned(),
            crate::app::SaveState::Failed(e) => {
                format!(
                    "Approved, but the tokens could not be stored, so they end with this run: {e}"
                )
            }
        },
        Screen::Ended { failure, .. } => failure_line(failure),
        Screen::Failed(e) => error_line(e),
        Screen::Code(c) if c.exchanging() => "Exchanging the code…".to_owned(),
        Screen::Code(_) => "Waiting for the address the browser was sent to…".to_owned(),
        Screen::CodeEnded(end) => error_line(&end.view),
        Screen::Dashboard(d) => match &d.ended {
            Some(crate::app::dashboard::Ended::Revoked) => {
                "Signed out: the session was revoked.".to_owned()
            }
            Some(crate::app::dashboard::Ended::DeletedHere) => {
                "Signed out here: the session was deleted; its refresh token could not be revoked."
                    .to_owned()
            }
            Some(crate::app::dashboard::Ended::SignedOutElsewhere) => {
                format!("Sign in again: {}.", crate::words::SIGNED_OUT_ELSEWHERE)
            }
            None => dashboard_line(app, d, now),
        },
    }
}

/// One line for a live session.
fn dashboard_line(app: &App, d: &crate::app::Dashboard, now: Timestamp) -> String {
    let meta = &d.session.meta;
    let who = meta.claims.as_ref().and_then(|c| {
        c.email
            .clone()
            .or_else(|| c.name.clone())
            .or_else(|| c.subject.clone())
    });
    let expiry = meta.access_expires_at.map_or_else(
        || "no expiry given".to_owned(),
        |at| {
            format!(
                "valid for {} (until {})",
                format_countdown(now.secs_until(at)),
                app.local_time.time_of_day(at)
            )
        },
    );
    // The session's one deadline, when the refresh token has one.
    let ends = meta
        .refresh_token_ends()
        .map(|at| {
            let when = app.local_time.time_of_day(at);
            if at <= now {
                format!(", ended at {when}")
            } else {
                format!(", ends {when}")
            }
        })
        .unwrap_or_default();
    format!(
        "Signed in{} at {}. Access token {expiry}; refresh token: {}{ends}. Stored in {}.",
        // The claim comes from an ID token whose signature nobody checked.
        who.map(|w| format!(" as {w} (unverified)"))
            .unwrap_or_default(),
        app.provider.host,
        if meta.has_refresh_token {
            meta.refresh.kind.as_str()
        } else {
            "none"
        },
        d.storage.description,
    )
}

/// One line for how a grant ended.
pub fn failure_line(failure: &GrantFailure) -> String {
    match failure {
        GrantFailure::Denied { description } => format!(
            "Access denied{}.",
            description
                .as_ref()
                .map(|d| format!(": {d}"))
                .unwrap_or_default()
        ),
        GrantFailure::Expired { by_server: true } => {
            "The code expired (the server said expired_token). Run grantty again for a new one."
                .to_owned()
        }
        GrantFailure::Expired { by_server: false } => {
            "The code expired before it was approved. Run grantty again for a new one.".to_owned()
        }
        GrantFailure::Server(e) => format!(
            "The server ended the sign-in: {}{}",
            e.code,
            e.description
                .as_ref()
                .map(|d| format!(" ({d})"))
                .unwrap_or_default()
        ),
        GrantFailure::Unparseable {
            status,
            body_excerpt,
        } => {
            format!("The server gave an answer that is not OAuth (HTTP {status}): {body_excerpt:?}")
        }
        GrantFailure::LostReply(e) => format!(
            "A reply was lost on the network and the server then refused the code ({}): it may have been used once already. Start again.",
            e.code
        ),
    }
}
