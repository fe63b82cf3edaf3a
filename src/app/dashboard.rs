//! The token dashboard's model: the stored session, the refresh schedule, the event log, and the
//! confirm/export overlays. Updated only through [`super::update`]. When to refresh, how to back
//! off and what to do with unsaved tokens is [`crate::domain::upkeep`]'s to say; the dashboard
//! only remembers its attempts ([`Attempts`]) and asks.

use crate::domain::clock::Timestamp;
use crate::domain::session::{Session, SessionState};
use crate::domain::upkeep::{
    self, ACCESS_MARGIN_SECS, Attempts, MIN_REFRESH_GAP_SECS, UnsavedStep, Why,
};
use crate::export::Format;
use crate::oauth::wire::ErrorCode;
use crate::session_service::EndReason;

use super::{RequestId, StoreFailure};

/// Access tokens that live less than this are shown as very short-lived: they are refreshed at
/// the floor ([`MIN_REFRESH_GAP_SECS`]), not at half their life.
pub const SHORT_LIVED_SECS: u64 = 2 * MIN_REFRESH_GAP_SECS;
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
    /// Logged out by the user: deleted here, but the refresh token could not be revoked (an
    /// Anaplan session; the log says how long it stays usable).
    DeletedHere,
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

/// Refreshed tokens the store would not take, held in memory until a retry saves them or they
/// are kept aside, as [`upkeep::unsaved_step`] says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsaved {
    /// Why the last save failed.
    pub reason: StoreFailure,
    /// Failed saves so far, the refresh's own included.
    pub failed_saves: u32,
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
    /// Its automatic refreshes: failures, back-off, floor.
    pub attempts: Attempts,
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
            attempts: Attempts::default(),
            refresh_skew_secs: ACCESS_MARGIN_SECS,
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

    /// The automatic refresh to start at `now`, if one is due: why (a lifespan refresh is
    /// forced, the access token being still good).
    pub fn refresh_due(&self, now: Timestamp) -> Option<Why> {
        let idle = self.ended.is_none()
            && !matches!(self.standing, Standing::Dead { .. })
            && self.unsaved.is_none()
            && self.refresh_request.is_none()
            && self.revoke_request.is_none();
        let (at, why) = self.next_refresh().filter(|_| idle)?;
        (now >= at).then_some(why)
    }

    /// When the next automatic refresh starts and why, as the upkeep policy says.
    pub fn next_refresh(&self) -> Option<(Timestamp, Why)> {
        upkeep::refresh_at(&self.session, self.refresh_skew_secs, &self.attempts)
    }

    /// Counts one more failed refresh and schedules the next attempt; returns the wait.
    pub fn back_off(&mut self, now: Timestamp) -> u64 {
        self.attempts.failed(now)
    }

    /// When to warn that the refresh token ends: its expiry, once within
    /// [`upkeep::LIFESPAN_NOTICE_SECS`].
    /// `None` once the refresh token no longer works: the session's one deadline is then the
    /// access token's expiry, which the banner gives.
    pub fn refresh_token_warning(&self, now: Timestamp) -> Option<Timestamp> {
        if self.refresh_token_dead() {
            return None;
        }
        upkeep::refresh_token_ends_soon(&self.session, now)
    }

    /// True once the refresh token no longer works (refused with `invalid_grant`, or stored as
    /// ended).
    pub fn refresh_token_dead(&self) -> bool {
        matches!(self.standing, Standing::Dead { .. })
            || matches!(self.session.meta.state, SessionState::Ended { .. })
    }

    /// Holds refreshed tokens the store would not take (they are in `session`), and schedules
    /// the next save; returns when that is.
    pub fn hold_unsaved(&mut self, reason: StoreFailure, now: Timestamp) -> Timestamp {
        let failed_saves = self.unsaved.as_ref().map_or(0, |u| u.failed_saves) + 1;
        let retry_at = upkeep::unsaved_step(failed_saves).due_at(now);
        self.unsaved = Some(Unsaved {
            reason,
            failed_saves,
            retry_at,
            request: None,
            last_try: false,
        });
        retry_at
    }

    /// Whether the next save of unsaved tokens keeps them aside (the fallback file) rather than
    /// asking the store again.
    pub fn keeps_aside_next(&self) -> bool {
        self.unsaved.as_ref().is_some_and(|u| {
            matches!(
                upkeep::unsaved_step(u.failed_saves),
                UnsavedStep::KeepAsideAfterMs(_)
            )
        })
    }
}
