//! Commands for scripts: nothing on stdout but what was asked for, messages on stderr, and
//! documented exit codes. Every session decision is the session service's; these functions
//! only print its outcomes (see [`super::hold`] for signals and serving through failures).

use std::io::Write as _;

use crate::cli::{ExportArgs, LogoutArgs, RefreshArgs, SessionArgs, TokenArgs};
use crate::config::{Config, Profile};
use crate::domain::clock::Timestamp;
use crate::domain::session::Session;

use crate::error::Error;
use crate::export;
use crate::export::output::{OutputError, Replace};
use crate::oauth::http::ReqwestTransport;
use crate::oauth::provider::checked_url;
use crate::session_service::{
    LogoutFailed, LogoutMode, MinValid, RefreshTokenFate, Refreshed, SessionService,
};
use crate::store::StoreChoice;
use crate::words;

use super::hold::{self, Served};
use super::setup::{open_store, service};

/// A session whose access token is valid for `min_valid` (or usable with a warning), with
/// signals held off while a refresh is at the server.
pub(super) async fn served(
    service: &SessionService<ReqwestTransport>,
    profile: &str,
    min_valid: MinValid,
) -> Result<Served, Error> {
    let (outcome, signalled) =
        hold::guarded(&service.in_flight, service.ensure_valid(profile, min_valid)).await?;
    hold::usable(service, outcome, signalled).await
}

/// What `token`, `export` and `exec` hand out: the session with an access token valid for
/// `--min-valid` (refreshed under the profile's lock when needed, the shorter-than-asked warning
/// said), the time it was served at and the store's directory. The store and the HTTP client
/// end before it returns.
pub(super) async fn fresh(
    session: &SessionArgs,
    min_valid: Option<u64>,
) -> Result<(Served, Timestamp, std::path::PathBuf), Error> {
    let mut service = service(open_store(session, StoreChoice::Auto)?)?;
    service.lock_wait = hold::lock_wait(None);
    let min_valid = MinValid::from_flag(min_valid);
    let served = served(&service, &session.profile, min_valid).await?;
    let now = service.clock.now();
    warn_if_shorter(min_valid, &served.session, now);
    Ok((served, now, service.state_dir().to_path_buf()))
}

/// `grantty token`: an access token valid for at least `--min-valid` seconds.
pub async fn token(session: &SessionArgs, args: &TokenArgs) -> Result<(), Error> {
    let (served, now, _) = fresh(session, args.min_valid).await?;
    let out = export::render(&served.session, args.format, now);
    std::io::stdout().write_all(out.as_bytes())?;
    served.then
}

/// Warns on stderr when even the session handed out has less than an explicit `--min-valid`.
pub(super) fn warn_if_shorter(min_valid: MinValid, session: &Session, now: Timestamp) {
    if let MinValid::Exactly(wanted) = min_valid
        && session
            .access_remaining_secs(now)
            .is_some_and(|left| left < wanted)
    {
        crate::say!(
            "grantty: {}",
            words::shorter_than_asked(wanted, session.access_remaining_secs(now))
        );
    }
}

/// `grantty refresh`: refresh now.
pub async fn refresh(session: &SessionArgs, args: &RefreshArgs) -> Result<(), Error> {
    let mut service = service(open_store(session, StoreChoice::Auto)?)?;
    service.lock_wait = hold::lock_wait(args.wait);
    let (outcome, signalled) = Box::pin(hold::guarded(
        &service.in_flight,
        service.refresh(&session.profile),
    ))
    .await?;
    let how = match &outcome {
        Ok(Refreshed::Adopted(_)) => "adopted tokens another client had just rotated",
        Ok(Refreshed::Fresh { change, .. } | Refreshed::Unsaved { change, .. })
            if *change == crate::domain::session::RefreshChange::Rotated =>
        {
            "refreshed; the refresh token rotated"
        }
        _ => "refreshed",
    };
    // A refresh that failed is an error here, even with a usable access token left.
    let served = match outcome {
        Err(_) if signalled.is_some() => {
            return Err(Error::Interrupted {
                signal: signalled.unwrap_or("a signal"),
                finished: true,
            });
        }
        Err(failed) => return Err(failed.into()),
        done => Box::pin(hold::usable(&service, done, signalled)).await?,
    };
    let until = served.session.meta.access_expires_at.map_or_else(
        || "no expiry given".to_owned(),
        |at| format!("valid until {}", words::time_of_day(at)),
    );
    crate::say!("grantty: {how}; access token {until}");
    served.then
}

/// `grantty logout`: revoke at the server, then delete locally; `--local` only deletes;
/// `--all` does either for every stored profile, one line each.
pub async fn logout(
    session: &SessionArgs,
    args: &LogoutArgs,
    config: &Config,
) -> Result<(), Error> {
    if args.all {
        return logout_all(session, args, config).await;
    }
    let profile = config.profile(&session.profile);
    let mode = logout_mode(args, profile)?;
    let service = service(open_store(session, StoreChoice::Auto)?)?;
    let done = match service.logout(&session.profile, mode).await {
        Ok(done) => done,
        Err(failed) => {
            if let LogoutFailed::NotRevoked { steps, .. } = &failed {
                for step in steps {
                    crate::say!("grantty: {}", words::revoke_step(step));
                }
            }
            return Err(failed.into());
        }
    };
    if done.tokens_missing {
        crate::say!(
            "grantty: the {} had already lost this session's tokens, so nothing could be revoked at the server; they stay valid there until they expire",
            service.store_info().describe()
        );
    }
    if done.no_endpoint {
        crate::say!(
            "grantty: this provider has no revocation endpoint; the tokens stay valid at the server until they expire"
        );
    }
    if args.local && !done.tokens_missing {
        crate::say!(
            "grantty: nothing was revoked (--local); the tokens stay valid at the server until they expire"
        );
    }
    for line in words::revoke_lines(&done) {
        crate::say!("grantty: {line}");
    }
    crate::say!(
        "grantty: deleted the session of profile {:?} from the {}",
        session.profile,
        service.store_info().describe()
    );
    for path in export::remove_files(&export::files_dir(service.state_dir()), &session.profile)? {
        crate::say!("grantty: removed the export file {}", path.display());
    }
    Ok(())
}

/// `--local`, or revoking with `--logout-endpoint`, else the profile's `logout_endpoint`.
fn logout_mode(args: &LogoutArgs, profile: Option<&Profile>) -> Result<LogoutMode, Error> {
    if args.local {
        return Ok(LogoutMode::Local);
    }
    let endpoint = args
        .logout_endpoint
        .as_deref()
        .or_else(|| profile.and_then(|p| p.logout_endpoint.as_deref()));
    Ok(LogoutMode::Revoke {
        logout_endpoint: endpoint
            .map(|url| checked_url("--logout-endpoint", url))
            .transpose()?,
    })
}

/// `grantty logout --all`: every stored profile, one line each on stderr; the exit code is the
/// highest of the failures' codes (0 when every profile was logged out).
async fn logout_all(
    session: &SessionArgs,
    args: &LogoutArgs,
    config: &Config,
) -> Result<(), Error> {
    if session.profile_arg.is_some() {
        return Err(Error::Usage(
            "--all logs out every stored profile; leave out --profile (or drop --all)".to_owned(),
        ));
    }
    let profiles = crate::store::stored_profiles(&super::setup::state_dir()?)?;
    if profiles.is_empty() {
        crate::say!("grantty: no profile is signed in; nothing to log out");
        return Ok(());
    }
    let mut worst: Option<u8> = None;
    let mut failed = 0_usize;
    for name in &profiles {
        let one = SessionArgs {
            profile: name.clone(),
            // Each session is opened where its metadata says it lives.
            store: None,
            ..session.clone()
        };
        let outcome = match logout_mode(args, config.profile(name)) {
            Ok(mode) => logout_one(&one, mode).await,
            Err(e) => Err(e),
        };
        match outcome {
            Ok(line) => crate::say!("grantty: {name}: {line}"),
            Err(e) => {
                crate::say!("grantty: {name}: not logged out: {e}");
                failed += 1;
                worst = worst.max(Some(e.exit_code()));
            }
        }
    }
    match worst {
        None => Ok(()),
        Some(code) => Err(Error::SignIn {
            code,
            message: format!(
                "{failed} of {} profiles were not logged out",
                profiles.len()
            ),
        }),
    }
}

/// Logs out one profile of `--all`; its line (`Ok`) or why it was kept.
async fn logout_one(session: &SessionArgs, mode: LogoutMode) -> Result<String, Error> {
    let service = service(open_store(session, StoreChoice::Auto)?)?;
    let done = service.logout(&session.profile, mode).await?;
    // Best effort, as for one profile: the session is already gone.
    let _ = export::remove_files(&export::files_dir(service.state_dir()), &session.profile);
    let what = match &done.refresh_token {
        _ if done.tokens_missing => {
            "deleted; its tokens were already gone from the store, nothing was revoked".to_owned()
        }
        RefreshTokenFate::Revoked => "refresh token revoked at the server; deleted".to_owned(),
        RefreshTokenFate::AlreadyEnded => "had already ended at the server; deleted".to_owned(),
        fate @ RefreshTokenFate::NotRevocable { .. } => format!(
            "deleted here; {}",
            words::refresh_token_fate(fate).unwrap_or_default()
        ),
        RefreshTokenFate::LeftValid if done.no_endpoint => {
            "deleted; no revocation endpoint, the tokens stay valid until they expire".to_owned()
        }
        RefreshTokenFate::LeftValid => {
            "deleted without revoking (--local); the tokens stay valid until they expire".to_owned()
        }
    };
    Ok(what)
}

/// `grantty export`: tokens to stdout or a 0600 file, in `--format`, else the profile's
/// `export_format` (`profile_format`), refreshed first as `grantty token` does (same
/// `--min-valid`, same exit codes when no valid access token can be had: nothing is written).
pub async fn export(
    session: &SessionArgs,
    args: &ExportArgs,
    profile_format: Option<export::Format>,
) -> Result<(), Error> {
    let format = args.format.or(profile_format).ok_or_else(|| {
        Error::Usage(format!(
            "say which format: --format {}, or export_format in the profile",
            export_format_names()
        ))
    })?;
    // Checked before the refresh: a command line that cannot be followed costs no request.
    let replace = match (args.update, args.force) {
        (true, _) if format != export::Format::Netrc => {
            return Err(Error::Usage(
                "--update changes one machine entry of a .netrc: it needs --format netrc"
                    .to_owned(),
            ));
        }
        (true, _) => Replace::NetrcEntry,
        (false, true) => Replace::AnyRegularFile,
        (false, false) => Replace::OwnOnly,
    };
    // As `token` does: never hand out an access token that a refresh should have replaced.
    let (served, now, state_dir) = fresh(session, args.min_valid).await?;
    let stored = &served.session;
    let text = export::render(stored, format, now);
    let Some(path) = &args.output else {
        std::io::stdout().write_all(text.as_bytes())?;
        return served.then;
    };
    let host = if format == export::Format::Netrc {
        export::host_without_port(&stored.meta.provider.host)
    } else {
        ""
    };
    let state_dir = export::files_dir(&state_dir);
    if let Err(failed) = export::output::write(&state_dir, path, &text, replace, host) {
        // Refreshed tokens no store took are said first: the file was their last chance.
        if let Err(unsaved) = &served.then {
            crate::say!("grantty: {unsaved}");
        }
        return Err(match failed {
            OutputError::Store(e) => e.into(),
            refused => Error::Usage(refused.to_string()),
        });
    }
    crate::say!(
        "grantty: {} {} (0600), {}.",
        if args.update { "updated" } else { "wrote" },
        path.display(),
        export::snapshot_note(format)
    );
    served.then
}

/// `env|json|…`: the names `--format` accepts.
fn export_format_names() -> String {
    use clap::ValueEnum as _;
    let names: Vec<String> = export::Format::value_variants()
        .iter()
        .filter_map(clap::ValueEnum::to_possible_value)
        .map(|v| v.get_name().to_owned())
        .collect();
    names.join("|")
}
