//! What `update` asks the runtime to do; each effect that expects an answer carries a
//! [`RequestId`] and is answered by exactly one [`super::Msg`].

use super::{CopyTarget, RequestId};
use crate::domain::clock::Skew;
use crate::domain::session::Session;
use crate::domain::token::TokenSet;
use crate::export::Format;
use crate::oauth::pkce::{AuthorizationCode, AuthorizationRequest};

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
    /// Revoke the grant of a session that a new sign-in has just replaced in the store (best
    /// effort: the new session is already saved; nothing is deleted).
    RevokeReplaced {
        /// Id for the answer.
        request: RequestId,
        /// The replaced session (its `Debug` is redacted).
        session: Box<Session>,
    },
    /// Save refreshed tokens the store refused earlier; with `keep_aside`, fall back to the 0600
    /// file the next run picks up (on quit: nothing may be lost).
    SaveUnsaved {
        /// Id for the answer.
        request: RequestId,
        /// The session held in memory (its `Debug` is redacted).
        session: Box<Session>,
        /// Write the fallback file if the store still fails.
        keep_aside: bool,
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
    /// Exchange an authorization code for tokens, once (RFC 6749 §4.1.3; never retried: the
    /// code is single use).
    ExchangeCode {
        /// Id for the answer.
        request: RequestId,
        /// The request the code answers (redirect URI and PKCE verifier).
        authorization: Box<AuthorizationRequest>,
        /// The code (its `Debug` is redacted).
        code: AuthorizationCode,
    },
    /// Put text on the clipboard through OSC 52.
    Copy {
        /// What it is.
        target: CopyTarget,
        /// The text (a user code or URL; never a token here).
        text: String,
    },
}
