//! The cached path of `grantty token`, `grantty kubectl-credential` and `grantty exec`: read the metadata and the
//! secrets, print, exit. It runs before `main` builds the async runtime, so a valid cached token
//! costs about one process start: no runtime, no HTTP client (whose CA roots alone are hundreds of
//! file reads), no keyring probe, no lock.
//!
//! Why no lock: every write replaces a file (or a keyring entry) whole, secrets before metadata,
//! so a reader sees either half from one save or the other, and `load` reconciles a pair from two
//! saves by generation (the secrets win). A refresh in flight holds the profile's exclusive lock;
//! readers do not wait for it, because the access token they were served stays valid until its
//! stored expiry. Anything other than a clean, valid session (no session, a token too short-lived,
//! tokens kept aside waiting, a store that would ask a question, an error) declines, and the full
//! path, which takes the exclusive lock and re-reads, answers instead.

use std::io::Write as _;

use super::integrations::KUBECTL_MIN_VALID_SECS;
use super::setup::{open_store_quietly, session_and_config};
use crate::cli::{Cli, Command};
use crate::domain::clock::{Clock as _, SystemClock};
use crate::error::Error;
use crate::export::{self, Format};
use crate::session_service::MinValid;

/// What a cached session is for.
enum Use<'a> {
    /// Print it in this format.
    Print(Format),
    /// Run this command with it (`grantty exec`).
    Exec(&'a [std::ffi::OsString]),
}

/// Answers `cli` from the cached session when it is a `token`, `kubectl-credential` or `exec`
/// call whose stored access token is valid long enough; `None` means "run the full command".
pub fn cached(cli: &Cli) -> Option<Result<(), Error>> {
    // The same margins as the full commands (`scripts::token`, `integrations`, `exec`).
    let (min_valid, usage) = match &cli.command {
        Some(Command::Token(args)) => {
            (MinValid::from_flag(args.min_valid), Use::Print(args.format))
        }
        Some(Command::KubectlCredential) => (
            MinValid::Exactly(KUBECTL_MIN_VALID_SECS),
            Use::Print(Format::ExecCredential),
        ),
        Some(Command::Exec(args)) => (
            MinValid::from_flag(args.min_valid),
            Use::Exec(&args.command),
        ),
        _ => return None,
    };
    let (session_args, _config) = session_and_config(cli).ok()?;
    let profile = &session_args.profile;
    let store = open_store_quietly(&session_args)?;
    let session = crate::session_service::read_cached(&store, profile)?;
    let now = SystemClock.now();
    if session.needs_refresh(now, min_valid.margin(&session)) {
        return None;
    }
    let format = match usage {
        Use::Print(format) => format,
        Use::Exec(command) => {
            drop(store);
            return Some(Err(super::exec::replace_process(&session, command)));
        }
    };
    let out = export::render(&session, format, now);
    Some(
        std::io::stdout()
            .write_all(out.as_bytes())
            .map_err(Error::from),
    )
}
