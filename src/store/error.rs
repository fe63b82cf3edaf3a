//! Storage errors. Each message says what failed and what to do next; none ever carries a token
//! (parse errors of secrets keep only their position, keyring errors drop the stored bytes).

use std::io;
use std::path::{Path, PathBuf};

use super::BackendKind;

/// A secret backend that `Auto` skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedBackend {
    /// The backend.
    pub kind: BackendKind,
    /// Why it was not used (the backend's own error text).
    pub reason: String,
}

/// Why storing or loading a session failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Refreshed tokens that could not be saved belong to a session the store no longer holds:
    /// a new sign-in or a logout replaced it (or another writer stored newer tokens). They are
    /// dropped; the stored session wins.
    #[error(
        "the session of profile {profile:?} was replaced meanwhile (a new sign-in, a logout or newer tokens); the tokens that could not be saved were dropped"
    )]
    Superseded {
        /// The profile.
        profile: String,
    },
    /// A profile name that cannot safely become a file name.
    #[error(
        "profile name {name:?} is not allowed: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'"
    )]
    InvalidProfile {
        /// The rejected name.
        name: String,
    },
    /// A file-system operation failed.
    #[error("could not {action} {}: {source}; check that it belongs to you and the disk is not full", path.display())]
    Io {
        /// What was being done (`write`, `read`, …).
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The OS error.
        source: io::Error,
    },
    /// A symbolic link sits where a grantty file belongs; links are never followed.
    #[error("{} is a symbolic link and grantty does not follow links for its state files; remove it and try again", path.display())]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// The state directory is open to other users and could not be made private.
    #[error("state directory {} is open to other users (mode {mode:o}) and could not be changed to 0700: {source}; run `chmod 700` on it", path.display())]
    DirNotPrivate {
        /// The directory.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
        /// Why `chmod` failed.
        source: io::Error,
    },
    /// A state directory or file (or a kept-aside one) that another user owns or may change, or
    /// that is not what grantty put there: refused, never trusted or silently repaired.
    #[error("{} {problem}; {}", path.display(), problem.fix(path))]
    NotPrivate {
        /// The directory or file.
        path: PathBuf,
        /// What is wrong with it.
        problem: Exposure,
    },
    /// Stored data could not be read back.
    #[error(
        "could not read {location}: the data is damaged ({detail}); run `grantty logout` for this profile (or delete the file) and sign in again"
    )]
    Corrupt {
        /// The file or keyring entry.
        location: String,
        /// What is wrong, without any secret value.
        detail: String,
    },
    /// Stored data has a format version this build does not read.
    #[error(
        "{location} uses storage format version {found}, but this grantty reads version {supported}; use a newer grantty, or sign in again"
    )]
    UnsupportedVersion {
        /// The file or keyring entry.
        location: String,
        /// The version found.
        found: u64,
        /// The version this build reads and writes.
        supported: u64,
    },
    /// Data could not be encoded (a bug).
    #[error("could not encode {what}: {detail}; this is a bug in grantty, please report it")]
    Encode {
        /// What was being encoded.
        what: &'static str,
        /// The encoder's message.
        detail: String,
    },
    /// The secret backend refused or failed.
    #[error("{backend} could not {action} the tokens of profile {profile:?}: {detail}")]
    Backend {
        /// The backend, described.
        backend: String,
        /// `read`, `save` or `delete`.
        action: &'static str,
        /// The profile.
        profile: String,
        /// The backend's error, without any secret value.
        detail: String,
    },
    /// The metadata says a session exists but its tokens are gone (e.g. kernel keyring after a
    /// reboot).
    #[error("{}", crate::words::tokens_missing(profile, backend))]
    SecretsMissing {
        /// The profile.
        profile: String,
        /// The backend, described.
        backend: String,
    },
    /// The session was saved with another backend than the one in use.
    #[error("the tokens of profile {profile:?} were saved in the {stored} store, but this run uses the {current} store; pass `--store {}` or sign in again", stored.flag())]
    WrongBackend {
        /// The profile.
        profile: String,
        /// Where the tokens are.
        stored: BackendKind,
        /// What this store uses.
        current: BackendKind,
    },
    /// `--store` (or `GRANTTY_STORE`, or the profile's `store`) names another backend than the
    /// one the profile's session is recorded in.
    #[error("the session of profile {profile:?} is kept in the {stored} store, but {} was asked for; run the command without `--store` (and without GRANTTY_STORE or the profile's `store`) to use it where it is, or sign in into the {asked} store with `grantty login --store {} --profile {profile}`", asked.flag(), asked.flag())]
    StoredElsewhere {
        /// The profile.
        profile: String,
        /// Where the session is recorded.
        stored: BackendKind,
        /// What was asked for.
        asked: BackendKind,
    },
    /// An explicitly chosen backend does not work here.
    #[error("the {kind} store does not work here: {reason}; choose another with `--store`")]
    Unavailable {
        /// The chosen backend.
        kind: BackendKind,
        /// Its error.
        reason: String,
    },
    /// Another process held the profile's lock for longer than `--wait` allowed. Nothing was
    /// sent to the server.
    #[error("gave up after {waited_secs} s waiting for {} (--wait {waited_secs}); nothing was sent to the server; try again once it is done", crate::words::lock_holder(*holder, profile))]
    Busy {
        /// The profile.
        profile: String,
        /// Who held the lock, as its lock file said.
        holder: Option<super::LockHolder>,
        /// How long this process waited.
        waited_secs: u64,
    },
    /// The etcd store failed (see [`EtcdError`](super::etcd::EtcdError)).
    #[error(transparent)]
    Etcd(#[from] super::etcd::EtcdError),
    /// An IO error with no path attached (e.g. a background storage task that died).
    #[error("session storage failed: {0}")]
    Other(#[from] io::Error),
}

/// Why a directory or file is not private to the user running grantty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exposure {
    /// Another user owns it.
    OwnedBy {
        /// Its owner's user id.
        uid: u32,
    },
    /// Group or other users may write to it.
    Writable {
        /// Its permission bits.
        mode: u32,
    },
    /// Group or other users may read it (kept-aside tokens allow neither).
    Readable {
        /// Its permission bits.
        mode: u32,
    },
    /// A directory was expected.
    NotADirectory,
    /// A regular file was expected.
    NotAFile,
}

impl Exposure {
    /// What the user can do about it, naming `path`.
    pub fn fix(self, path: &Path) -> String {
        let path = path.display();
        match self {
            Self::OwnedBy { .. } => format!(
                "grantty only trusts files you own: if {path} is yours, run `chown -R $(id -u) {path}`; otherwise remove it (for a state directory, or point XDG_STATE_HOME elsewhere) and sign in again"
            ),
            Self::Writable { .. } => format!(
                "other users could have changed it, so grantty will not use it: if its contents are yours, run `chmod go-rwx {path}`; otherwise remove it and sign in again"
            ),
            Self::Readable { .. } => format!("run `chmod 600 {path}`, or remove it"),
            Self::NotADirectory | Self::NotAFile => {
                format!("remove {path} and try again")
            }
        }
    }
}

impl std::fmt::Display for Exposure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::OwnedBy { uid } => write!(f, "belongs to user id {uid}, not to you"),
            Self::Writable { mode } => {
                write!(f, "is writable by other users (mode {:04o})", mode & 0o7777)
            }
            Self::Readable { mode } => {
                write!(f, "is readable by other users (mode {:04o})", mode & 0o7777)
            }
            Self::NotADirectory => f.write_str("is not a directory"),
            Self::NotAFile => f.write_str("is not a regular file"),
        }
    }
}

impl StoreError {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
