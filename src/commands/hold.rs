//! Signals in the script commands (`token`, `refresh`, `kubectl-credential`, `git-credential`):
//! SIGINT, SIGTERM and SIGHUP stop a command at once while nothing is at the server, but are
//! held off between sending a refresh and finishing its save (bounded by the HTTP timeout), so
//! a rotated refresh token is never lost to Ctrl-C or a closing SSH session. The command then
//! exits 130.
//!
//! Also here: what the script commands do with a session service outcome, so all four serve a
//! still-valid access token through refusals and outages the same way, and keep tokens a
//! store refused the way [`crate::domain::upkeep::unsaved_step`] says (retry, then the fallback
//! place); `grantty keep` follows the same steps ([`save_or_keep_aside`]).

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::domain::session::{Session, SessionState};
use crate::domain::upkeep::{UnsavedStep, unsaved_step};
use crate::error::Error;
use crate::oauth::http::Transport;
use crate::session_service::{InFlight, RefreshFailed, Refreshed, SessionService};
use crate::store::StoreError;
use crate::words;

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
    eprintln!("grantty: {}", words::finishing_refresh(name));
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
                eprintln!(
                    "grantty: {}",
                    words::serving_despite(&words::sign_in_again(&session), &session, now)
                );
            }
            session
        }
        Err(failed) => match failed.usable_session(now) {
            Some(session) => {
                eprintln!(
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
    reason: StoreError,
) -> Result<(), Error> {
    let profile = session.meta.profile.clone();
    match save_or_keep_aside(service, session, reason).await {
        KeptUnsaved::Saved => Ok(()),
        KeptUnsaved::Aside { path, reason } => {
            eprintln!(
                "grantty: {}",
                words::unsaved(&reason.to_string(), Some(&path), &profile)
            );
            Ok(())
        }
        KeptUnsaved::Nowhere { reason, .. } => Err(Error::Unsaved {
            profile,
            reason: Box::new(reason),
        }),
    }
}

/// Where refreshed tokens the store refused ended up.
#[derive(Debug)]
pub enum KeptUnsaved {
    /// A retry saved them in the store.
    Saved,
    /// Kept aside in the fallback file, which the next load applies.
    Aside {
        /// The file.
        path: PathBuf,
        /// Why the store's last save failed.
        reason: StoreError,
    },
    /// Neither the store nor the fallback file took them: they are only in this process.
    Nowhere {
        /// Why the store's last save failed.
        reason: StoreError,
        /// Why the fallback file failed.
        aside: StoreError,
    },
}

/// Follows [`unsaved_step`] for `session`, whose first save failed with `reason`: saves it
/// again after each pause, then keeps it aside once; a caller that can wait longer retries later.
pub async fn save_or_keep_aside<T: Transport>(
    service: &SessionService<T>,
    session: &Session,
    mut reason: StoreError,
) -> KeptUnsaved {
    let mut failed_saves = 1;
    loop {
        let step = unsaved_step(failed_saves);
        tokio::time::sleep(Duration::from_millis(step.pause_ms())).await;
        match step {
            UnsavedStep::RetryAfterMs(_) => match service.save_unsaved(session).await {
                Ok(()) => return KeptUnsaved::Saved,
                Err(e) => {
                    reason = e;
                    failed_saves += 1;
                }
            },
            UnsavedStep::KeepAsideAfterMs(_) => {
                return match service.rescue(session).await {
                    Ok(path) => KeptUnsaved::Aside { path, reason },
                    Err(aside) => KeptUnsaved::Nowhere { reason, aside },
                };
            }
        }
    }
}
