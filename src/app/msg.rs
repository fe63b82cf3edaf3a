//! The messages `update` takes: keys, ticks, and the one answer each effect sends back.

use std::path::PathBuf;
use std::sync::Arc;

#[cfg(doc)]
use super::Effect;
use super::Key;
use super::{CodeEnd, ErrorView, RequestId, StorageView};
use crate::domain::clock::Skew;
use crate::domain::grant::{DeviceAuthorization, PollReply};
use crate::domain::session::Session;
use crate::domain::token::TokenSet;
use crate::oauth::pkce::{AuthorizationCode, CallbackError};
use crate::session_service::{LoggedOut, LogoutFailed, RefreshFailed, Refreshed, StoreError};

/// Inputs to [`super::update::update`]. The answers carry the session service's typed
/// outcomes; tests match on them with `matches!`.
#[derive(Clone, Debug)]
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
        result: Result<SignInSaved, Arc<StoreError>>,
    },
    /// Answer to [`Effect::Refresh`].
    Refreshed {
        /// Which request.
        request: RequestId,
        /// What happened (boxed: a session is large, the other messages are small).
        result: Box<RefreshResult>,
    },
    /// The user (q, Ctrl-C) or a signal (SIGTERM, SIGHUP, SIGINT) asks to leave: finish the
    /// work that holds tokens, start nothing new, then end.
    Quit,
    /// Answer to [`Effect::RevokeReplaced`].
    ReplacedRevoked {
        /// Which request.
        request: RequestId,
        /// The server's answers, or why nothing was revoked.
        result: Result<LoggedOut, LogoutFailed>,
    },
    /// Answer to [`Effect::Revoke`].
    Revoked {
        /// Which request.
        request: RequestId,
        /// The server's answers (the session is deleted), or why it was kept.
        result: Result<LoggedOut, LogoutFailed>,
    },
    /// Answer to [`Effect::SaveUnsaved`].
    UnsavedSaved {
        /// Which request.
        request: RequestId,
        /// Where the tokens went, or why the save failed again.
        result: Result<SavedAt, Arc<StoreError>>,
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

/// How a refresh went: the session service's own outcome, carried as it is (the sentences
/// are written from it where it is shown).
pub type RefreshResult = Result<Refreshed, RefreshFailed>;

/// A fresh sign-in, stored.
#[derive(Clone, Debug)]
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
    /// Into the 0600 kept-aside file the next run moves back (the store still failed on quit).
    Aside(PathBuf),
}

/// The tokens a code exchange brought.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchanged {
    /// The tokens (their `Debug` is redacted).
    pub tokens: Box<TokenSet>,
    /// The server's clock against ours, from the answer's `Date`.
    pub skew: Option<Skew>,
}
