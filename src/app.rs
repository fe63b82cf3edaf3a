//! The application model: plain state, the messages that change it and the effects it asks for.
//!
//! Elm-style: [`update::update`] is the only writer, it takes `now` as a parameter and returns
//! [`Effect`]s for the runtime to perform. Every effect that expects an answer carries a
//! [`RequestId`]; answers whose id is no longer the one expected are dropped, so a poll reply
//! that lands after the user asked for a new code changes nothing.

pub mod code;
mod code_update;
pub mod dashboard;
mod dashboard_update;
mod effect;
pub mod keys;
mod msg;
mod outcomes;
pub mod update;

use crate::domain::clock::{Skew, Timestamp};
use crate::domain::grant::{DeviceAuthorization, GrantFailure, Poller};
use crate::domain::token::{TokenSet, UnverifiedClaims};
use crate::local_time::LocalTime;
use crate::session_service::StoreError;
use std::sync::Arc;

pub use code::{Capture, CodeEnd, CodeEndKind, CodeSignIn, CodeStage};
pub use dashboard::{Dashboard, StorageView};
pub use effect::{Effect, ExportTarget};
pub use keys::Key;
pub use msg::{Exchanged, Msg, RefreshResult, SavedAt, SignInSaved};

/// Identifies one effect and its answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct RequestId(pub u64);

/// Who is asking, shown on the sign-in screen so a user can tell their own prompt from a
/// phishing one. All fields are display-ready (sanitised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderInfo {
    /// Short provider name, e.g. `Anaplan` or `OAuth 2.0`.
    pub name: String,
    /// Host (and port) of the authorization server.
    pub host: String,
    /// The client id.
    pub client_id: String,
    /// Requested scopes, space separated.
    pub scopes: String,
    /// This machine's host name, for "only enter this code if you just ran grantty on …".
    pub local_host: String,
}

#[cfg(test)]
impl ProviderInfo {
    /// Who is asking, in the app's own tests.
    pub(crate) fn example() -> Self {
        Self {
            name: "OAuth 2.0".into(),
            host: "example.com".into(),
            client_id: "c".into(),
            scopes: "openid".into(),
            local_host: "box".into(),
        }
    }
}

/// What is waiting for the user's approval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    /// The device authorization being polled.
    pub auth: DeviceAuthorization,
    /// The polling schedule.
    pub poller: Poller,
    /// Id of the poll in flight, if any.
    pub poll_request: Option<RequestId>,
}

/// A finished sign-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Approved {
    /// The tokens (rendered only through masked previews).
    pub tokens: TokenSet,
    /// Claims read from the ID token, unverified.
    pub claims: Option<UnverifiedClaims>,
    /// The user code that was approved.
    pub user_code: String,
    /// Whether the tokens are stored yet.
    pub saved: SaveState,
}

/// Persisting a fresh sign-in: the dashboard shows tokens only once they are stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SaveState {
    /// Being written to the store.
    Saving,
    /// The store refused; the tokens live only in this process.
    Failed(StoreFailure),
}

/// A store error held in the model: shared, compared by identity (the same failure), shown
/// through its `Display` where it is drawn.
#[derive(Clone, Debug)]
pub struct StoreFailure(pub Arc<StoreError>);

impl PartialEq for StoreFailure {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for StoreFailure {}

impl std::fmt::Display for StoreFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl From<Arc<StoreError>> for StoreFailure {
    fn from(e: Arc<StoreError>) -> Self {
        Self(e)
    }
}

/// What kind of failure an [`ErrorView`] shows: what the exit code is made from (never the
/// words).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ErrorKind {
    /// The server could not be reached (exit 6).
    Unreachable,
    /// The server refused, or answered with something unusable (exit 5).
    #[default]
    Server,
    /// A URL or setting grantty refuses to use (exit 2).
    Usage,
}

/// An error that ended the sign-in, in words for the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorView {
    /// What kind of failure (for the exit code).
    pub kind: ErrorKind,
    /// One line: what failed.
    pub title: String,
    /// The server's or transport's own words, sanitised.
    pub detail: String,
    /// What the user can do next.
    pub hint: String,
}

/// The sign-in screens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Asking the server for a device code.
    Requesting {
        /// When the request went out.
        since: Timestamp,
    },
    /// Showing the code and polling.
    Waiting(Box<Waiting>),
    /// Signed in.
    Approved(Box<Approved>),
    /// The grant ended without tokens: denied, expired or failed.
    Ended {
        /// Why.
        failure: GrantFailure,
        /// The code that was shown, if any.
        user_code: Option<String>,
    },
    /// Getting a code failed (discovery, transport, a refusal).
    Failed(ErrorView),
    /// Signed in and stored: the token dashboard.
    Dashboard(Box<Dashboard>),
    /// The authorization code grant: the address, the input line, the wait, the exchange.
    Code(Box<CodeSignIn>),
    /// The authorization code grant ended without tokens.
    CodeEnded(Box<CodeEnd>),
}

/// What a copy key put on the clipboard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CopyTarget {
    /// The user code.
    UserCode,
    /// The verification URL (complete when available).
    Url,
}

/// A short message under the main content, e.g. "Code sent to the clipboard".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// When it appeared (notices fade after a few seconds).
    pub at: Timestamp,
}

/// The profile used when none is named.
pub const DEFAULT_PROFILE: &str = "default";

/// Seconds a notice stays on screen.
pub const NOTICE_SECS: u64 = 4;

/// Everything the UI shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct App {
    /// Who is asking.
    pub provider: ProviderInfo,
    /// The current screen.
    pub screen: Screen,
    /// A transient notice.
    pub notice: Option<Notice>,
    /// Set once the user asked to leave.
    pub quit: bool,
    /// The profile the session is stored under.
    pub profile: String,
    /// The profile's `label` (sanitised), shown beside its name on the sign-in screens.
    pub profile_label: Option<String>,
    /// The server's clock against ours, from its last device-authorization answer.
    pub clock_skew: Option<Skew>,
    /// Seconds before expiry the dashboard refreshes (the profile's `refresh_skew`).
    pub refresh_skew_secs: u64,
    /// The zone times are shown in (UTC until the runtime sets the user's own).
    pub local_time: LocalTime,
    /// The session a new sign-in will replace (the dashboard's `l`, or `login` over a live
    /// session): cancelling the sign-in returns to it; once the new session is stored, its
    /// grant is revoked at the server so none is left orphaned.
    pub replacing: Option<Box<Dashboard>>,
    /// Set when the user or a signal asked to leave while work that holds tokens was in flight
    /// (a refresh and its save, a sign-in's save): no new work starts, and the loop ends once
    /// that work is done.
    pub leaving: Option<Timestamp>,
    /// Id of the revocation of the replaced session's grant, in flight.
    pending_replaced_revoke: Option<RequestId>,
    /// Id of the sign-in save in flight.
    pending_save: Option<RequestId>,
    /// Id of the device-code request in flight.
    pending_code_request: Option<RequestId>,
    next_request_id: u64,
}

impl App {
    /// A new app that is about to request its first device code (see [`update::start`]).
    pub fn new(provider: ProviderInfo, now: Timestamp) -> Self {
        Self::with_screen(provider, Screen::Requesting { since: now })
    }

    /// An app already showing `screen` (the dashboard of a stored session, tests, snapshots).
    pub fn with_screen(provider: ProviderInfo, screen: Screen) -> Self {
        Self {
            provider,
            screen,
            notice: None,
            quit: false,
            profile: DEFAULT_PROFILE.to_owned(),
            profile_label: None,
            clock_skew: None,
            refresh_skew_secs: crate::domain::upkeep::ACCESS_MARGIN_SECS,
            local_time: LocalTime::utc(),
            replacing: None,
            leaving: None,
            pending_replaced_revoke: None,
            pending_save: None,
            pending_code_request: None,
            next_request_id: 0,
        }
    }

    fn next_request(&mut self) -> RequestId {
        self.next_request_id = self.next_request_id.wrapping_add(1);
        RequestId(self.next_request_id)
    }

    /// The notice to show at `now`, if it has not faded yet.
    pub fn visible_notice(&self, now: Timestamp) -> Option<&Notice> {
        self.notice
            .as_ref()
            .filter(|n| self.leaving.is_some() || n.at.secs_until(now) < NOTICE_SECS)
    }

    /// An app opening on the dashboard of a stored session.
    pub fn with_dashboard(provider: ProviderInfo, dashboard: Dashboard) -> Self {
        let profile = dashboard.session.meta.profile.clone();
        let mut app = Self::with_screen(provider, Screen::Dashboard(Box::new(dashboard)));
        app.profile = profile;
        app
    }

    /// True while work that holds tokens is in flight: a refresh and its save, a sign-in's save,
    /// or the revocation of a replaced session. Quitting waits for it.
    pub fn holds_work(&self) -> bool {
        let board_busy = |d: &Dashboard| d.refresh_request.is_some() || d.unsaved.is_some();
        self.pending_save.is_some()
            || self.pending_replaced_revoke.is_some()
            || matches!(&self.screen, Screen::Code(c) if c.exchanging())
            || matches!(&self.screen, Screen::Dashboard(d) if board_busy(d))
            || self.replacing.as_deref().is_some_and(board_busy)
    }

    /// What `q` does on the sign-in screens, for their key bars: back to the session a new
    /// sign-in would replace, or quit.
    pub fn quit_label(&self) -> &'static str {
        if self.replacing.is_some() && !matches!(self.screen, Screen::Approved(_)) {
            "back to the session"
        } else {
            "quit"
        }
    }

    /// What the screen says while leaving waits for work (see [`App::holds_work`]).
    pub fn leaving_text(&self) -> &'static str {
        let refreshing = |d: &Dashboard| d.refresh_request.is_some();
        if matches!(&self.screen, Screen::Dashboard(d) if refreshing(d))
            || self.replacing.as_deref().is_some_and(refreshing)
        {
            "Finishing the refresh and saving its tokens before exiting…"
        } else if matches!(&self.screen, Screen::Dashboard(d) if d.unsaved.is_some()) {
            "Saving the refreshed tokens before exiting…"
        } else if matches!(&self.screen, Screen::Code(c) if c.exchanging()) {
            "Finishing the code exchange and saving its tokens before exiting…"
        } else if self.pending_save.is_some() {
            "Saving the new tokens before exiting…"
        } else {
            "Finishing the revocation of the replaced session before exiting…"
        }
    }

    /// True once the sign-in reached an end state: stored (dashboard), refused, or stuck
    /// unsaved. Plain mode exits here; the TUI waits for the user.
    pub fn finished(&self) -> bool {
        match &self.screen {
            Screen::Approved(a) => matches!(a.saved, SaveState::Failed(_)),
            Screen::Ended { .. }
            | Screen::Failed(_)
            | Screen::Dashboard(_)
            | Screen::CodeEnded(_) => true,
            Screen::Requesting { .. } | Screen::Waiting(_) | Screen::Code(_) => false,
        }
    }
}
