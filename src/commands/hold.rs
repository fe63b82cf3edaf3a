//! Signals in the script commands (`token`, `refresh`, `kubectl-credential`, `git-credential`):
//! SIGINT, SIGTERM and SIGHUP stop a command at once while nothing is at the server, but are
//! held off between sending a refresh and finishing its save (bounded by the HTTP timeout), so
//! a rotated refresh token is never lost to Ctrl-C or a closing SSH session. The command then
//! exits 130.
//!
//! Also here: printing what the session service's `serve` decided (the one policy by which all
//! four serve a still-valid access token through failures and keep tokens a store refused).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::domain::session::Session;
use crate::error::Error;
use crate::oauth::http::Transport;
use crate::session_service::{
    InFlight, Kept, LockWait, RefreshFailed, Refreshed, ServeNotice, SessionService,
};
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
    crate::say!("grantty: {}", words::finishing_refresh(name));
    Ok((work.await, Some(name)))
}

/// The session a script command may hand out, as the service's [`serve`](SessionService::serve)
/// decides, with its notices printed on stderr. After a signal the work is persisted the same
/// way, then the command stops with exit 130.
pub async fn usable<T: Transport>(
    service: &SessionService<T>,
    outcome: Result<Refreshed, RefreshFailed>,
    signalled: Option<&'static str>,
) -> Result<Served, Error> {
    let now = service.clock.now();
    let served = service.serve(outcome).await?;
    let session = served.session;
    let profile = session.meta.profile.clone();
    match &served.notice {
        Some(ServeNotice::Ended) => say(&words::serving_despite(
            &words::sign_in_again(&session, now),
            &session,
            now,
        )),
        Some(ServeNotice::Despite(failed)) => {
            say(&words::serving_despite(&failed.to_string(), &session, now));
        }
        None => {}
    }
    let then = match served.kept {
        None | Some(Kept::Saved) => Ok(()),
        Some(Kept::Superseded) => {
            say(&format!(
                "the session of profile {profile:?} was replaced meanwhile (a new sign-in or a logout); the refreshed tokens that could not be saved were dropped"
            ));
            Ok(())
        }
        Some(Kept::Aside { path, reason }) => {
            say(&words::unsaved(&reason.to_string(), Some(&path), &profile));
            Ok(())
        }
        Some(Kept::Nowhere { reason, .. }) => Err(Error::Unsaved { profile, reason }),
    };
    match signalled {
        Some(signal) => Err(Error::Interrupted {
            signal,
            finished: true,
        }),
        None => Ok(Served { session, then }),
    }
}

/// The script commands' way to wait for a profile lock another process holds: after half a
/// second one line on stderr names the holder; `bound` (`refresh --wait SECS`) ends the wait
/// with exit 11. The wait itself is raced against signals by [`guarded`] like the rest: nothing
/// is in flight yet, so a signal stops the command at once.
pub fn lock_wait(bound: Option<u64>) -> LockWait {
    LockWait {
        notice: Some(Arc::new(|profile: &str, holder| {
            say(&words::waiting_for_lock(holder, profile));
        })),
        bound: bound.map(Duration::from_secs),
    }
}

/// One line on stderr that a vanished terminal cannot turn into a panic.
fn say(line: &str) {
    crate::say!("grantty: {line}");
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
