//! The token dashboard's model: the stored session, the refresh schedule, the event log, and the
//! confirm/export overlays. Updated only through [`super::update`].

use crate::domain::clock::Timestamp;
use crate::domain::session::Session;
use crate::export::Format;
use crate::oauth::wire::ErrorCode;
use crate::session_service::EndReason;

use super::{RequestId, StoreFailure};

/// Refresh this long before the access token expires, unless configured otherwise.
pub const DEFAULT_REFRESH_SKEW_SECS: u64 = 300;
/// First wait after a failed refresh; doubles per failure.
pub const REFRESH_RETRY_BASE_SECS: u64 = 15;
/// Longest wait between refresh attempts after failures.
pub const REFRESH_RETRY_CAP_SECS: u64 = 600;
/// No automatic refresh sooner than this after the last token arrived (sign-in or refresh): a
/// server answering `expires_in: 0` would otherwise be asked, and the store rewritten, every tick.
pub const MIN_AUTO_REFRESH_GAP_SECS: u64 = 30;
/// Access tokens that live less than this are shown as very short-lived.
pub const SHORT_LIVED_SECS: u64 = 60;
/// Warn this long before the refresh token itself ends.
pub const REFRESH_TOKEN_WARN_SECS: u64 = 2 * 3600;
/// Seconds between attempts to save refreshed tokens the store refused.
pub const UNSAVED_RETRY_SECS: u64 = 5;
/// Events kept in the log.
pub const EVENT_LOG_LEN: usize = 100;

/// How an event reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventLevel {
    /// Something worked.
    Info,
    /// Something to look at.
    Warn,
    /// Something failed.
    Error,
}

/// One line of the event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// How it reads.
    pub level: EventLevel,
    /// What happened (no secrets).
    pub text: String,
}

/// Where the secrets are kept, as the store describes itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageView {
    /// One honest line, e.g. "kernel keyring (keyutils) — lost at reboot".
    pub description: String,
    /// True for the plaintext file: the dashboard shows a warning.
    pub plaintext: bool,
}

/// A modal question or menu over the dashboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// Nothing.
    None,
    /// "Revoke the session at the server and delete it here? y/n".
    ConfirmRevoke,
    /// "Copy the access token to the clipboard? y/n".
    ConfirmCopyToken,
    /// "Copy the <format> export to the clipboard? y/n", asked like `c` is: some exports hold
    /// the refresh and ID tokens.
    ConfirmCopyExport {
        /// The chosen format.
        format: Format,
    },
    /// "Sign in again? This session stays until the new one is stored, then its grant is
    /// revoked. y/n".
    ConfirmSignIn,
    /// The export menu; once a format is picked, the destination is asked.
    Export {
        /// The chosen format, if any.
        format: Option<Format>,
    },
    /// The list of keys (`?`).
    Help,
}

/// The session is over: why, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Revoked by the user.
    Revoked,
    /// The session left the store under this dashboard (a logout elsewhere): nothing to keep.
    SignedOutElsewhere,
}

/// Whether the session can still refresh.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// Refreshing works, or has not failed for a lasting reason.
    Active,
    /// The server refused the client: every token is kept, the access token is still served,
    /// and refreshing is retried with back-off and on `r`.
    Refused {
        /// The server's error code, e.g. `invalid_client`.
        code: ErrorCode,
        /// The server's description (sanitised), if it gave one.
        description: Option<String>,
        /// Since when, for a session opened already refused (this run saw no refusal yet).
        since: Option<Timestamp>,
    },
    /// The refresh token is dead: no more refreshing; the access token works until it expires.
    Dead {
        /// Why, when this run saw it happen (a session opened already ended has none).
        reason: Option<EndReason>,
    },
}

/// Refreshed tokens the store would not take, held in memory until a retry saves them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsaved {
    /// Why the last save failed.
    pub reason: StoreFailure,
    /// When to try again.
    pub retry_at: Timestamp,
    /// The save in flight, if any.
    pub request: Option<RequestId>,
    /// The save in flight is the last one (on quit, with the fallback file).
    pub last_try: bool,
}

/// The dashboard.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dashboard {
    /// The stored session (rendered only through masked previews).
    pub session: Session,
    /// Where it is stored.
    pub storage: StorageView,
    /// The event log, oldest first.
    pub events: Vec<Event>,
    /// The refresh in flight, if any.
    pub refresh_request: Option<RequestId>,
    /// The revoke in flight, if any.
    pub revoke_request: Option<RequestId>,
    /// No automatic refresh before this (after failures).
    pub retry_at: Option<Timestamp>,
    /// Consecutive refresh failures.
    pub failures: u32,
    /// Refresh this many seconds before expiry.
    pub refresh_skew_secs: u64,
    /// The overlay.
    pub overlay: Overlay,
    /// Set when the session is over.
    pub ended: Option<Ended>,
    /// How many events the log is scrolled back from the newest (0: the newest are shown, and
    /// new ones come into view as they arrive).
    pub event_scroll: usize,
    /// Whether the session can still refresh.
    pub standing: Standing,
    /// Refreshed tokens not saved yet (they are in `session`).
    pub unsaved: Option<Unsaved>,
}

impl Dashboard {
    /// A dashboard for `session`, with one opening event.
    pub fn new(session: Session, storage: StorageView, now: Timestamp, opening: &str) -> Self {
        let mut dashboard = Self {
            session,
            storage,
            events: Vec::new(),
            refresh_request: None,
            revoke_request: None,
            retry_at: None,
            failures: 0,
            refresh_skew_secs: DEFAULT_REFRESH_SKEW_SECS,
            overlay: Overlay::None,
            ended: None,
            event_scroll: 0,
            standing: Standing::Active,
            unsaved: None,
        };
        dashboard.log(now, EventLevel::Info, opening.to_owned());
        dashboard
    }

    /// Appends to the event log, dropping the oldest past [`EVENT_LOG_LEN`].
    pub fn log(&mut self, at: Timestamp, level: EventLevel, text: String) {
        self.events.push(Event { at, level, text });
        if self.events.len() > EVENT_LOG_LEN {
            self.events.remove(0);
        }
    }

    /// Scrolls the event log `older` (↑) or newer (↓) by one event; the oldest event stays on
    /// screen.
    pub fn scroll_events(&mut self, older: bool) {
        let most = self.events.len().saturating_sub(1);
        self.event_scroll = if older {
            (self.event_scroll + 1).min(most)
        } else {
            self.event_scroll.saturating_sub(1)
        };
    }

    /// True when an automatic refresh should start at `now`.
    pub fn refresh_due(&self, now: Timestamp) -> bool {
        self.ended.is_none()
            && !matches!(self.standing, Standing::Dead { .. })
            && self.unsaved.is_none()
            && self.refresh_request.is_none()
            && self.revoke_request.is_none()
            && self.session.meta.has_refresh_token
            && self.retry_at.is_none_or(|at| now >= at)
            && now >= self.refresh_floor()
            && self
                .session
                .needs_refresh(now, self.session.refresh_margin(self.refresh_skew_secs))
    }

    /// The earliest time of the next automatic refresh: [`MIN_AUTO_REFRESH_GAP_SECS`] after
    /// the current access token arrived.
    pub fn refresh_floor(&self) -> Timestamp {
        self.session
            .meta
            .access_issued_at
            .plus_secs(MIN_AUTO_REFRESH_GAP_SECS)
    }

    /// The wait before the next attempt after `failures` consecutive failures.
    pub fn retry_wait_secs(failures: u32) -> u64 {
        REFRESH_RETRY_BASE_SECS
            .saturating_mul(1 << failures.saturating_sub(1).min(10))
            .min(REFRESH_RETRY_CAP_SECS)
    }

    /// Counts one more failed refresh and schedules the next attempt; returns the wait.
    pub fn back_off(&mut self, now: Timestamp) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let wait = Self::retry_wait_secs(self.failures);
        self.retry_at = Some(now.plus_secs(wait));
        wait
    }

    /// When to warn that the refresh token ends: its expiry, once within [`REFRESH_TOKEN_WARN_SECS`].
    pub fn refresh_token_warning(&self, now: Timestamp) -> Option<Timestamp> {
        let ends = self.session.meta.refresh.expires_at?;
        (now.secs_until(ends) <= REFRESH_TOKEN_WARN_SECS).then_some(ends)
    }
}
