//! Opening the session store (saying at a sign-in where an `auto` or kernel-keyring choice puts
//! the tokens; nothing asks a question, so a sign-in over SSH without a terminal never waits);
//! and the profile in effect, which must exist ([`known`]).

mod known;

pub use known::{known_profiles, unknown_profile};

use std::path::PathBuf;
use std::sync::Arc;

use crate::cli::{Cli, Command, SessionArgs};
use crate::config::Config;
use crate::domain::clock::SystemClock;
use crate::error::Error;
use crate::oauth::http::ReqwestTransport;
use crate::session_service::SessionService;
use crate::store::etcd::EtcdSettings;
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

/// [`open_store`] for callers that must not print: `None` when the store cannot be opened, so a
/// caller can fall back to the full path.
pub fn open_store_quietly(args: &SessionArgs) -> Option<SessionStore> {
    let choice = args.store.unwrap_or(StoreChoice::Auto);
    if choice == StoreChoice::Memory {
        return None;
    }
    let dir = default_dir()?;
    open_chosen(dir, args, choice, Purpose::Existing)
        .ok()
        .map(|store| store.with_lifespans(args.refresh_token_lifespans.clone()))
}

/// Opens the store; for a new session, says in one line where the tokens will be when that
/// was not the user's explicit keyring or file choice (see [`crate::words::store_notice`]).
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
    let store = open_chosen(dir, args, choice, purpose)?;
    if purpose == Purpose::NewSession
        && let Some(line) = crate::words::store_notice(&store, &args.profile)
    {
        crate::say!("grantty: {line}");
    }
    Ok(store)
}

/// [`SessionStore::open_for`], but the etcd store takes its settings from the `GRANTTY_ETCD_*`
/// variables and, for what they leave unset, the configuration file's `[etcd]` table.
fn open_chosen(
    dir: PathBuf,
    args: &SessionArgs,
    choice: StoreChoice,
    purpose: Purpose,
) -> Result<SessionStore, StoreError> {
    if choice == StoreChoice::Etcd {
        let settings = EtcdSettings::from_env().or(args.etcd.clone());
        return SessionStore::open_etcd(dir, &settings.validate()?);
    }
    SessionStore::open_for(dir, &args.profile, choice, purpose, false)
}
