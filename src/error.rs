//! The top-level error and the exit codes scripts can branch on (documented in the README).

use crate::oauth::AuthError;
use crate::oauth::verify::VerifyFailed;
use crate::oauth::wire::BadAnswer;
use crate::session_service::{LogoutFailed, NetProblem, RefreshFailed};
use crate::store::StoreError;

/// Exit codes.
pub mod exit {
    /// Done: signed in, token printed, refreshed, logged out.
    pub const OK: u8 = 0;
    /// Something unexpected: IO, terminal, internal.
    pub const FAILURE: u8 = 1;
    /// Bad command line or configuration.
    pub const USAGE: u8 = 2;
    /// The user denied the sign-in.
    pub const DENIED: u8 = 3;
    /// The code expired before approval.
    pub const EXPIRED: u8 = 4;
    /// The server refused or answered nonsense.
    pub const SERVER: u8 = 5;
    /// The server could not be reached (or was unavailable); stored tokens are unchanged.
    pub const NETWORK: u8 = 6;
    /// No usable session: sign in (again).
    pub const SIGN_IN_NEEDED: u8 = 7;
    /// The token store failed or needs a choice (`--store`).
    pub const STORE: u8 = 8;
    /// `status --min-valid N`: the access token has less than N seconds left, and a refresh
    /// can still renew it.
    pub const REFRESH_NEEDED: u8 = 9;
    /// `status --verify`: the provider offers no way to check the access token (a generic
    /// provider whose discovery document names no `userinfo_endpoint`).
    pub const NOT_VERIFIABLE: u8 = 10;
    /// `refresh --wait SECS`: another grantty held the profile's lock longer; nothing was sent.
    pub const BUSY: u8 = 11;
    /// `exec`: the command was found but could not be run (not executable, a directory, …),
    /// as a POSIX shell says it.
    pub const CANNOT_EXECUTE: u8 = 126;
    /// `exec`: the command was not found, as a POSIX shell says it.
    pub const COMMAND_NOT_FOUND: u8 = 127;
    /// Cancelled by the user or a signal before the sign-in ended.
    pub const CANCELLED: u8 = 130;
}

/// Anything that stops grantty.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A protocol or endpoint error before the UI started (e.g. discovery).
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// Discovery left out an endpoint the device grant needs; says which flags to add.
    #[error("{cause}; {retry}")]
    Discovery {
        /// What discovery found missing.
        cause: AuthError,
        /// The command to run instead ([`crate::words::retry_with_endpoints`]).
        retry: String,
    },
    /// `status --verify` got no "accepted"; the session is kept as it was.
    #[error("{}", crate::words::verify_failed(profile, failed))]
    Verify {
        /// The profile.
        profile: String,
        /// What the provider said, or why it could not be asked.
        failed: VerifyFailed,
    },
    /// No usable session came back from the session service.
    #[error(transparent)]
    Refresh(#[from] RefreshFailed),
    /// A logout left the session in place.
    #[error(transparent)]
    Logout(#[from] LogoutFailed),
    /// The token store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The terminal or another local resource failed.
    #[error("terminal or IO error: {0}")]
    Io(#[from] std::io::Error),
    /// The demo server could not start.
    #[error(transparent)]
    Demo(#[from] crate::demo::DemoError),
    /// HTTP could not be set up.
    #[error(transparent)]
    Transport(#[from] crate::oauth::http::TransportError),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// A signal stopped a script command; a refresh already at the server was finished and
    /// saved first.
    #[error("{}", crate::words::interrupted(signal, *finished))]
    Interrupted {
        /// The signal's name (`SIGTERM`).
        signal: &'static str,
        /// True when an in-flight refresh was finished before exiting.
        finished: bool,
    },
    /// `status --min-valid N` found the access token too short.
    #[error("{}", crate::words::unhealthy(profile, health, *min_valid_secs))]
    Unhealthy {
        /// The profile.
        profile: String,
        /// What was found.
        health: crate::session_service::Health,
        /// The N asked for.
        min_valid_secs: u64,
    },
    /// The metadata of a session is stored but the secret backend no longer holds its tokens.
    #[error("{}", crate::words::tokens_missing(profile, backend))]
    TokensMissing {
        /// The profile.
        profile: String,
        /// The backend that forgot, in words.
        backend: String,
    },
    /// Refreshed tokens could not be saved in the store (they may be in the fallback place).
    #[error("{}", crate::words::unsaved(&reason.to_string(), None, profile))]
    Unsaved {
        /// The profile.
        profile: String,
        /// Why the store refused (and the fallback place too).
        reason: std::sync::Arc<StoreError>,
    },
    /// `exec` could not start the command (nothing ran; the token went nowhere).
    #[error("{}", crate::words::exec_failed(program, source))]
    Exec {
        /// The command as given (lossy UTF-8, sanitised when shown).
        program: String,
        /// Why `execve` failed.
        source: std::io::Error,
    },
    /// `keep --once` found a session that is not healthy; its lines already said which.
    #[error("")]
    KeepOnce {
        /// Exit code: [`exit::SIGN_IN_NEEDED`], [`exit::NETWORK`] or [`exit::STORE`].
        code: u8,
    },
    /// The sign-in ended without tokens; the message was already shown when empty.
    #[error("{message}")]
    SignIn {
        /// Exit code.
        code: u8,
        /// What happened.
        message: String,
    },
}

impl Error {
    /// The exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Auth(e) | Error::Discovery { cause: e, .. } => auth_exit(e),
            Error::Usage(_) | Error::Store(StoreError::StoredElsewhere { .. }) => exit::USAGE,
            // A missing or unsafe etcd setting (endpoints, seal key, TLS files) is the user's to fix.
            Error::Store(StoreError::Etcd(e)) if e.is_setup() => exit::USAGE,
            Error::Refresh(e) => match e {
                RefreshFailed::NotSignedIn { .. } | RefreshFailed::Dead { .. } => {
                    exit::SIGN_IN_NEEDED
                }
                RefreshFailed::Refused { .. }
                | RefreshFailed::Unreachable {
                    problem: NetProblem::Answer(BadAnswer::Unparseable { .. }),
                    ..
                } => exit::SERVER,
                RefreshFailed::Unreachable { .. } => exit::NETWORK,
                // The keyring forgot the tokens: only a sign-in helps.
                RefreshFailed::Store(e) if matches!(**e, StoreError::SecretsMissing { .. }) => {
                    exit::SIGN_IN_NEEDED
                }
                RefreshFailed::Store(e) if matches!(**e, StoreError::Busy { .. }) => exit::BUSY,
                RefreshFailed::Store(_) | RefreshFailed::PendingElsewhere { .. } => exit::STORE,
                RefreshFailed::Endpoint(_) => exit::USAGE,
            },
            Error::Logout(e) => match e {
                LogoutFailed::NotSignedIn { .. } => exit::SIGN_IN_NEEDED,
                LogoutFailed::NotRevoked { .. } if e.reached_server() => exit::SERVER,
                LogoutFailed::NotRevoked { .. } => exit::NETWORK,
                LogoutFailed::Store(_) => exit::STORE,
                LogoutFailed::Endpoint(_) => exit::USAGE,
            },
            Error::Store(StoreError::SecretsMissing { .. }) | Error::TokensMissing { .. } => {
                exit::SIGN_IN_NEEDED
            }
            Error::Store(StoreError::Busy { .. }) => exit::BUSY,
            Error::Store(_) | Error::Unsaved { .. } => exit::STORE,
            Error::Io(_) | Error::Demo(_) | Error::Transport(_) => exit::FAILURE,
            Error::Exec { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                exit::COMMAND_NOT_FOUND
            }
            Error::Exec { .. } => exit::CANNOT_EXECUTE,
            Error::SignIn { code, .. } | Error::KeepOnce { code } => *code,
            Error::Interrupted { .. } => exit::CANCELLED,
            Error::Verify { failed, .. } => match failed {
                VerifyFailed::Refused { .. } => exit::SIGN_IN_NEEDED,
                VerifyFailed::NotCheckable { .. } | VerifyFailed::ForeignOrigin { .. } => {
                    exit::NOT_VERIFIABLE
                }
                VerifyFailed::Unreachable { .. } | VerifyFailed::Unavailable { .. } => {
                    exit::NETWORK
                }
                VerifyFailed::BadAnswer { .. } => exit::SERVER,
                VerifyFailed::Endpoint(_) => exit::USAGE,
            },
            Error::Unhealthy { health, .. } => match health {
                crate::session_service::Health::RefreshNeeded { .. } => exit::REFRESH_NEEDED,
                _ => exit::SIGN_IN_NEEDED,
            },
        }
    }
}

/// A protocol error's code: unreachable 6, a URL or command line to change 2, else 5.
fn auth_exit(err: &AuthError) -> u8 {
    match err {
        AuthError::Transport { .. } => exit::NETWORK,
        AuthError::Endpoint(_) => exit::USAGE,
        _ => exit::SERVER,
    }
}

impl From<&Error> for std::process::ExitCode {
    fn from(err: &Error) -> Self {
        Self::from(err.exit_code())
    }
}

impl From<crate::oauth::provider::EndpointError> for Error {
    fn from(err: crate::oauth::provider::EndpointError) -> Self {
        Error::Auth(AuthError::Endpoint(err))
    }
}
