//! The cached path of `grantty token` and `grantty kubectl-credential`: read the metadata and the
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

/// Answers `cli` from the cached session when it is a `token` or `kubectl-credential` call whose
/// stored access token is valid long enough; `None` means "run the full command".
pub fn cached(cli: &Cli) -> Option<Result<(), Error>> {
    // The same margins as the full commands (`scripts::token`, `integrations`).
    let (min_valid, format) = match &cli.command {
        Some(Command::Token(args)) => (MinValid::from_flag(args.min_valid), args.format),
        Some(Command::KubectlCredential) => (
            MinValid::Exactly(KUBECTL_MIN_VALID_SECS),
            Format::ExecCredential,
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
    let out = export::render(&session, format, now);
    Some(
        std::io::stdout()
            .write_all(out.as_bytes())
            .map_err(Error::from),
    )
}
