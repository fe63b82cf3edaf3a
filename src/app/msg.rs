//! The messages `update` takes: keys, ticks, and the one answer each effect sends back.

#[cfg(doc)]
use super::Effect;
use super::Key;
use super::{CodeEnd, ErrorView, RequestId, StorageView};
use crate::domain::clock::Skew;
use crate::domain::grant::{DeviceAuthorization, PollReply};
use crate::domain::session::Session;
use crate::domain::token::TokenSet;
use crate::oauth::pkce::{AuthorizationCode, CallbackError};

/// Inputs to [`super::update::update`].
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
        /// The stored session, or why it could not be stored.
        result: Result<SignInSaved, String>,
    },
    /// Answer to [`Effect::Refresh`].
    Refreshed {
        /// Which request.
        request: RequestId,
        /// What happened.
        result: RefreshResult,
    },
    /// The user (q, Ctrl-C) or a signal (SIGTERM, SIGHUP, SIGINT) asks to leave: finish the
    /// work that holds tokens, start nothing new, then end.
    Quit,
    /// Answer to [`Effect::RevokeReplaced`]: one line per server answer, or why it failed.
    ReplacedRevoked {
        /// Which request.
        request: RequestId,
        /// One line per server answer, or why it failed.
        result: Result<Vec<String>, String>,
    },
    /// Answer to [`Effect::Revoke`].
    Revoked {
        /// Which request.
        request: RequestId,
        /// One line per server answer, or why it failed.
        result: Result<Vec<String>, String>,
    },
    /// Answer to [`Effect::SaveUnsaved`].
    UnsavedSaved {
        /// Which request.
        request: RequestId,
        /// Where the tokens went, or why the save failed again.
        result: Result<SavedAt, String>,
    },
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    /// The loopback listener's answer: the browser came back with our `state`.
    Callback(Result<AuthorizationCode, CallbackError>),
    /// Answer to [`Effect::ExchangeCode`].
    Exchanged {
        /// Which request.
        request: RequestId,
        /// The tokens, or why the sign-in ended.
        result: Result<Exchanged, CodeEnd>,
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
    /// The server answered with new tokens, but the store would not take them: they live in
    /// this process only until a retried save works.
    Unsaved {
        /// The refreshed session, not yet saved.
        session: Box<Session>,
        /// True when the refresh token rotated.
        rotated: bool,
        /// Why the save failed.
        reason: String,
    },
    /// The server refused the client (disabled, not allowed this grant); every token is kept
    /// and refreshing is retried with back-off.
    Refused {
        /// The session, tokens kept.
        session: Box<Session>,
        /// The OAuth error code, e.g. `invalid_client`.
        code: String,
        /// What happened and who can fix it, in words.
        text: String,
    },
    /// The refresh token is dead; the access token still works until it expires.
    Dead {
        /// The session, kept until logout or a new sign-in.
        session: Box<Session>,
        /// Why, and by when to sign in again, in words.
        text: String,
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

/// A fresh sign-in, stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInSaved {
    /// The session as stored.
    pub session: Box<Session>,
    /// Where it went.
    pub storage: StorageView,
    /// The session the store held for the profile until this save, if any: its grant is still
    /// alive at the server until it is revoked.
    pub replaced: Option<Box<Session>>,
}

/// Where the tokens of an unsaved refresh went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SavedAt {
    /// Into the store, where they belong.
    Store,
    /// Into the 0600 fallback file the next run moves back (the store still failed on quit).
    Rescue(String),
}

/// The tokens a code exchange brought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchanged {
    /// The tokens (their `Debug` is redacted).
    pub tokens: Box<TokenSet>,
    /// The server's clock against ours, from the answer's `Date`.
    pub skew: Option<Skew>,
}
