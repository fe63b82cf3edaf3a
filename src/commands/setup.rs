//! Opening the session store, asking once for consent to a plaintext file when no keyring works;
//! and the profile in effect, which must exist ([`known`]).

mod known;

pub use known::{known_profiles, unknown_profile};

use std::io::{BufRead as _, IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{Cli, Command, SessionArgs};
use crate::config::Config;
use crate::domain::clock::SystemClock;
use crate::error::Error;
use crate::oauth::http::ReqwestTransport;
use crate::session_service::SessionService;
use crate::store::{Purpose, SessionStore, StoreChoice, StoreError, default_dir};

/// The state directory: `$XDG_STATE_HOME/grantty` or `~/.local/state/grantty`.
pub fn state_dir() -> Result<PathBuf, Error> {
    default_dir().ok_or_else(|| Error::Store(StoreError::Other(std::io::Error::other(
        "neither XDG_STATE_HOME nor HOME is set; set one so grantty knows where to keep its state",
    ))))
}

/// The session arguments with the profile in effect and its store filled in, and the
/// configuration they came from. `demo`, `completions` and `man` read no configuration: demo
/// tokens stay in memory unless `--store` says otherwise, and a broken file must not stop
/// the documentation. A named profile that exists nowhere stops here, before any store is
/// opened, so it leaves no file behind.
pub fn session_and_config(cli: &Cli) -> Result<(SessionArgs, Config), Error> {
    let config = match &cli.command {
        Some(Command::Demo(_) | Command::Completions(_) | Command::Man(_)) => Config::default(),
        _ => Config::load(cli.session.config.as_deref())?,
    };
    let session = config.session(&cli.session);
    known::check_profile(cli, &session.profile, &config)?;
    Ok((session, config))
}

/// Opens the store of the profile's session, where its metadata says it lives (see
/// [`SessionStore::open_for`]); `--store` or `GRANTTY_STORE`, else the profile's `store` (folded
/// in by [`session_and_config`]), must agree with it. Without a session: that choice, else
/// `default`.
pub fn open_store(args: &SessionArgs, default: StoreChoice) -> Result<SessionStore, Error> {
    open_store_for(args, default, Purpose::Existing)
}

/// The session service over `store` and the real HTTP transport and clock: the one door
/// through which every command reaches a stored session.
pub fn service(store: SessionStore) -> Result<SessionService<ReqwestTransport>, Error> {
    Ok(SessionService::new(
        Arc::new(store),
        Arc::new(ReqwestTransport::new()?),
        Arc::new(SystemClock),
    ))
}

/// Opens the store a new sign-in of the profile goes to: `--store` or the profile's `store` if
/// given, else where the current session lives, else `auto`.
pub fn open_store_for_login(args: &SessionArgs) -> Result<SessionStore, Error> {
    open_store_for(args, StoreChoice::Auto, Purpose::NewSession)
}

/// [`open_store`] without any question: `None` when opening would need the interactive
/// plaintext consent (or fails otherwise), so a caller can fall back to the full path.
pub fn open_store_quietly(args: &SessionArgs) -> Option<SessionStore> {
    let choice = args.store.unwrap_or(StoreChoice::Auto);
    if choice == StoreChoice::Memory {
        return None;
    }
    let dir = default_dir()?;
    SessionStore::open_for(dir, &args.profile, choice, Purpose::Existing, false)
        .ok()
        .map(|store| store.with_lifespans(args.refresh_token_lifespans.clone()))
}

/// With `auto` and no working keyring, an interactive user is asked once whether the 0600
/// plaintext file is acceptable; scripts must pass `--store file`.
fn open_store_for(
    args: &SessionArgs,
    default: StoreChoice,
    purpose: Purpose,
) -> Result<SessionStore, Error> {
    let store = open_store_unconfigured(args, default, purpose)?;
    Ok(store.with_lifespans(args.refresh_token_lifespans.clone()))
}

/// [`open_store_for`] before the configuration's lifespans are applied.
fn open_store_unconfigured(
    args: &SessionArgs,
    default: StoreChoice,
    purpose: Purpose,
) -> Result<SessionStore, Error> {
    let choice = args.store.unwrap_or(default);
    if choice == StoreChoice::Memory {
        return Ok(SessionStore::memory());
    }
    let dir = state_dir()?;
    let open = |plaintext_ok| {
        SessionStore::open_for(dir.clone(), &args.profile, choice, purpose, plaintext_ok)
    };
    match open(false) {
        Err(StoreError::NeedsConsent { .. }) if interactive() => {
            if ask_plaintext_consent(&dir)? {
                SessionStore::remember_plaintext_consent(&dir)?;
                Ok(open(true)?)
            } else {
                Err(Error::Usage("no keyring is available and the plaintext file was declined; pass --store memory to keep tokens only for this run".into()))
            }
        }
        other => Ok(other?),
    }
}

fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
}

fn ask_plaintext_consent(dir: &std::path::Path) -> Result<bool, Error> {
    let mut err = std::io::stderr();
    writeln!(
        err,
        "grantty: no keyring works here (no Secret Service, no kernel keyring).\n\
         Tokens can be kept in a plaintext file under {} (directory 0700, file 0600):\n\
         anyone who can read your files as you, or root, can read them.",
        dir.display()
    )?;
    write!(
        err,
        "Use the plaintext file, and remember this choice? [y/N] "
    )?;
    err.flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    Ok(matches!(answer.trim(), "y" | "Y" | "yes"))
}
