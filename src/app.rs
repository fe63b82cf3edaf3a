//! The application model: plain state, the messages that change it and the effects it asks for.
//!
//! Elm-style: [`update::update`] is the only writer, it takes `now` as a parameter and returns
//! [`Effect`]s for the runtime to perform. Every effect that expects an answer carries a
//! [`RequestId`]; answers whose id is no longer the one expected are dropped, so a poll reply
//! that lands after the user asked for a new code changes nothing.

pub mod dashboard;
mod dashboard_update;
pub mod keys;
pub mod update;

use crate::domain::clock::{Skew, Timestamp};
use crate::domain::grant::{DeviceAuthorization, GrantFailure, PollReply, Poller};
use crate::domain::session::Session;
use crate::domain::token::{TokenSet, UnverifiedClaims};
use crate::export::Format;
use crate::local_time::LocalTime;

pub use dashboard::{Dashboard, StorageView};
pub use keys::Key;

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
    Failed(String),
}

/// An error that ended the sign-in, in words for the screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorView {
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
    /// The server's clock against ours, from its last device-authorization answer.
    pub clock_skew: Option<Skew>,
    /// Seconds before expiry the dashboard refreshes (the profile's `refresh_skew`).
    pub refresh_skew_secs: u64,
    /// The zone times are shown in (UTC until the runtime sets the user's own).
    pub local_time: LocalTime,
    /// Id of the sign-in save in flight.
    pending_save: Option<RequestId>,
    /// Id of the device-code request in flight.
    pending_code_request: Option<RequestId>,
    next_request_id: u64,
}

/// Inputs to [`update::update`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    /// A key press.
    Key(Key),
    /// Time passed (the runtime ticks about once a second).
    Tick,
    /// The terminal changed size; nothing to update but a redraw.
    Resize,
    /// Answer to [`Effect::RequestDeviceCode`].
    DeviceCode {
        /// Which request.
        request: RequestId,
        /// The authorization, or an error already in words.
        result: Result<DeviceAuthorization, ErrorView>,
        /// The server's clock against ours, from the answer's `Date`.
        skew: Option<Skew>,
    },
    /// Answer to [`Effect::Poll`].
    Polled {
        /// Which request.
        request: RequestId,
        /// What the token endpoint said.
        reply: PollReply,
    },
    /// Answer to [`Effect::SaveSignIn`].
    SignInSaved {
        /// Which request.
        request: RequestId,
        /// The stored session and where it went, or why it could not be stored.
        result: Result<(Box<Session>, StorageView), String>,
    },
    /// Answer to [`Effect::Refresh`].
    Refreshed {
        /// Which request.
        request: RequestId,
        /// What happened.
        result: RefreshResult,
    },
    /// Answer to [`Effect::Revoke`].
    Revoked {
        /// Which request.
        request: RequestId,
        /// One line per server answer, or why it failed.
        result: Result<Vec<String>, String>,
    },
    /// Answer to [`Effect::Export`]: a line for the event log.
    Exported {
        /// What was done, or what failed.
        result: Result<String, String>,
    },
}

/// How a refresh went, in terms the dashboard needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshResult {
    /// This process refreshed.
    Refreshed {
        /// The stored session after it.
        session: Box<Session>,
        /// True when the refresh token rotated.
        rotated: bool,
    },
    /// No refresh was needed (perhaps another process had just refreshed).
    StillValid {
        /// The stored session.
        session: Box<Session>,
    },
    /// Another process had rotated the token; its tokens were adopted.
    Adopted {
        /// The stored session.
        session: Box<Session>,
    },
    /// A retryable failure (network, server busy, store); the session is unchanged.
    Failed {
        /// What went wrong.
        message: String,
    },
    /// The session is over; sign in again.
    Ended {
        /// Why, in words.
        reason: String,
    },
}

/// Where an export goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportTarget {
    /// A 0600 file in the state directory, written atomically.
    File,
    /// The clipboard, through OSC 52.
    Clipboard,
}

/// What `update` asks the runtime to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Start a device authorization (RFC 8628 §3.1).
    RequestDeviceCode {
        /// Id for the answer.
        request: RequestId,
    },
    /// Poll the token endpoint once (RFC 8628 §3.4).
    Poll {
        /// Id for the answer.
        request: RequestId,
        /// The code to redeem.
        device_code: crate::domain::secret::DeviceCode,
    },
    /// Store a fresh sign-in before anything shows it.
    SaveSignIn {
        /// Id for the answer.
        request: RequestId,
        /// The tokens.
        tokens: Box<TokenSet>,
        /// The server's clock against ours, stored for `status`.
        clock_skew: Option<Skew>,
    },
    /// Make sure the access token is valid for `min_valid_secs` (refresh under the lock).
    Refresh {
        /// Id for the answer.
        request: RequestId,
        /// Minimum remaining validity.
        min_valid_secs: u64,
        /// Refresh even if still valid.
        force: bool,
    },
    /// Revoke at the server and delete locally.
    Revoke {
        /// Id for the answer.
        request: RequestId,
    },
    /// Export the tokens (asked for by the user).
    Export {
        /// The session to export (its `Debug` is redacted).
        session: Box<Session>,
        /// The format.
        format: Format,
        /// Where to.
        target: ExportTarget,
    },
    /// Put text on the clipboard through OSC 52.
    Copy {
        /// What it is.
        target: CopyTarget,
        /// The text (a user code or URL; never a token here).
        text: String,
    },
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
            clock_skew: None,
            refresh_skew_secs: dashboard::DEFAULT_REFRESH_SKEW_SECS,
            local_time: LocalTime::utc(),
            pending_save: None,
            pending_code_request: None,
            next_request_id: 0,
        }
    }

    fn next_request(&mut self) -> RequestId {
        self.next_request_id += 1;
        RequestId(self.next_request_id)
    }

    /// The notice to show at `now`, if it has not faded yet.
    pub fn visible_notice(&self, now: Timestamp) -> Option<&Notice> {
        self.notice
            .as_ref()
            .filter(|n| n.at.secs_until(now) < NOTICE_SECS)
    }

    /// An app opening on the dashboard of a stored session.
    pub fn with_dashboard(provider: ProviderInfo, dashboard: Dashboard) -> Self {
        let profile = dashboard.session.meta.profile.clone();
        let mut app = Self::with_screen(provider, Screen::Dashboard(Box::new(dashboard)));
        app.profile = profile;
        app
    }

    /// True once the sign-in reached an end state: stored (dashboard), refused, or stuck
    /// unsaved. Plain mode exits here; the TUI waits for the user.
    pub fn finished(&self) -> bool {
        match &self.screen {
            Screen::Approved(a) => matches!(a.saved, SaveState::Failed(_)),
            Screen::Ended { .. } | Screen::Failed(_) | Screen::Dashboard(_) => true,
            Screen::Requesting { .. } | Screen::Waiting(_) => false,
        }
    }
}
