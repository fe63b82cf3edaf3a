//! Signals in the script commands (`token`, `refresh`, `kubectl-credential`, `git-credential`):
//! SIGINT, SIGTERM and SIGHUP stop a command at once while nothing is at the server, but are
//! held off between sending a refresh and finishing its save (bounded by the HTTP timeout), so
//! a rotated refresh token is never lost to Ctrl-C or a closing SSH session. The command then
//! exits 130.
//!
//! Also here: what the script commands do with a session service outcome, so all four serve a
//! still-valid access token through refusals and outages the same way, and keep tokens a
//! store refused (retry, then the fallback place).

use std::future::Future;

use tokio::signal::unix::{SignalKind, signal};

use crate::domain::session::{Session, SessionState};
use crate::error::Error;
use crate::oauth::http::Transport;
use crate::session_service::{InFlight, RefreshFailed, Refreshed, SessionService};
use crate::words;

/// How many times a refused save is tried again before the fallback place.
pub const SAVE_RETRIES: u32 = 3;
/// Pause before each retry of a refused save (doubling).
pub const SAVE_RETRY_FIRST_MS: u64 = 50;

/// Runs `work` with SIGINT, SIGTERM and SIGHUP handled as the module says. Returns the work's
/// output and the signal that arrived while a refresh was finishing, if any.
pub async fn guarded<F: Future>(
    in_flight: &InFlight,
    work: F,
) -> Result<(F::Output, Option<&'static str>), Error> {
    let mut int = signal(SignalKind::interrupt())?;
    let mut term = signal(SignalKind::terminate())?;
    let mut hup = signal(SignalKind::hangup())?;
    tokio::pin!(work);
    let name = tokio::select! {
        out = &mut work => return Ok((out, None)),
        _ = int.recv() => "SIGINT",
        _ = term.recv() => "SIGTERM",
        _ = hup.recv() => "SIGHUP",
    };
    if !in_flight.is_set() {
        return Err(Error::Interrupted {
            signal: name,
            finished: false,
        });
    }
    crate::say!("grantty: {}", words::finishing_refresh(name));
    Ok((work.await, Some(name)))
}

/// The session a script command may hand out, from a service outcome:
/// - refreshed or still valid: that session;
/// - refreshed but not saved: saved again after a pause or two, else written to the fallback
///   place (loud warning either way); the tokens are still handed out;
/// - refused, dead or unreachable while the access token still works: that token, with a
///   warning on stderr;
/// - otherwise the failure.
///
/// After a signal the work is persisted the same way, then the command stops with exit 130.
pub async fn usable<T: Transport>(
    service: &SessionService<T>,
    outcome: Result<Refreshed, RefreshFailed>,
    signalled: Option<&'static str>,
) -> Result<Served, Error> {
    let now = service.clock.now();
    let mut then = Ok(());
    let session = match outcome {
        Ok(Refreshed::Unsaved {
            session, reason, ..
        }) => {
            then = keep_unsaved(service, &session, reason).await;
            session
        }
        Ok(done) => {
            let session = done.into_session();
            if let SessionState::Ended { .. } = session.meta.state {
                crate::say!(
                    "grantty: {}",
                    words::serving_despite(&words::sign_in_again(&session), &session, now)
                );
            }
            session
        }
        Err(failed) => match failed.usable_session(now) {
            Some(session) => {
                crate::say!(
                    "grantty: {}",
                    words::serving_despite(&failed.to_string(), session, now)
                );
                session.clone()
            }
            None => return Err(failed.into()),
        },
    };
    match signalled {
        Some(signal) => Err(Error::Interrupted {
            signal,
            finished: true,
        }),
        None => Ok(Served { session, then }),
    }
}

/// A session to hand out, and how the command ends once it has: `Err` when refreshed tokens
/// could be kept nowhere (exit 8 after printing the token, which is then the only copy).
#[derive(Debug)]
pub struct Served {
    /// The session whose access token to print.
    pub session: Session,
    /// How to end after printing.
    pub then: Result<(), Error>,
}

/// Tries the save again, then the fallback place. `Ok` when the tokens are safe somewhere
/// (warning on stderr when that is the fallback), `Err` when nowhere took them.
pub async fn keep_unsaved<T: Transport>(
    service: &SessionService<T>,
    session: &Session,
    mut reason: crate::store::StoreError,
) -> Result<(), Error> {
    let mut pause_ms = SAVE_RETRY_FIRST_MS;
    for _ in 0..SAVE_RETRIES {
        tokio::time::sleep(std::time::Duration::from_millis(pause_ms)).await;
        pause_ms *= 2;
        match service.save_unsaved(session).await {
            Ok(()) => return Ok(()),
            Err(e) => reason = e,
        }
    }
    let profile = session.meta.profile.clone();
    match service.rescue(session).await {
        Ok(path) => {
            crate::say!(
                "grantty: {}",
                words::unsaved(&reason.to_string(), Some(&path), &profile)
            );
            Ok(())
        }
        Err(_) => Err(Error::Unsaved {
            profile,
            reason: Box::new(reason),
        }),
    }
}
