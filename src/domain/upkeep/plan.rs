//! `grantty keep`'s schedule over several sessions: the work due now and the next time to wake
//! up, from the stored sessions, what the keeper remembers about each ([`Watch`]) and `now`.
//!
//! Per session, the earliest of its refresh ([`super::refresh_at`], with
//! [`super::ACCESS_MARGIN_SECS`]) and a notice that a person is needed: no refresh token, or a
//! fixed refresh token whose end is within [`super::LIFESPAN_NOTICE_SECS`] ([`Notice`]), given
//! once. While the keeper holds refreshed tokens that neither the store nor the fallback file
//! took ([`Held`]), saving them is the only thing due for that session: a refresh would spend
//! the stored, older refresh token. A halted session (the server refused it for good) is left alone until its metadata
//! changes (a new sign-in). The wake-up is capped at [`super::RECHECK_SECS`] so new sessions
//! (`--all`) and clock jumps (suspend) are noticed; otherwise nothing runs between deadlines.
//! The wake-up also comes no later than the next alert the clock alone brings
//! ([`super::Alerts::next_at`]: a `sign-in-soon` stage, an end).

use super::{
    ACCESS_MARGIN_SECS, Attempts, LIFESPAN_NOTICE_SECS, RECHECK_SECS, Why, refresh_at, secs_i64,
    unsaved_step,
};
use crate::domain::clock::Timestamp;
use crate::domain::session::{RefreshKind, Session};

/// What the keeper remembers about one profile between wake-ups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Watch {
    /// Its refresh attempts: failures, back-off, floor.
    pub attempts: Attempts,
    /// Set when the server refused: the session's `(signed_in_at, generation)` then. Cleared
    /// (by [`Watch::observe`]) when the stored session changes.
    pub halted_at: Option<(Timestamp, u64)>,
    /// The notice already given for the current session, so it is given once.
    pub noticed: Option<Notice>,
    /// Refreshed tokens held in memory: neither the store nor the fallback file took them.
    pub held: Option<Held>,
    /// What a person has been told about the session ([`super::Alerts`]).
    pub alerts: super::Alerts,
}

/// Refreshed tokens the keeper holds in memory until a save or the fallback file takes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Held {
    /// Failed saves so far (store and fallback file), the refresh's own included.
    pub failed_saves: u32,
    /// When to try again.
    pub retry_at: Timestamp,
}

/// Something only a person can fix; the keeper says it once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    /// There is no refresh token: the session ends with the access token.
    NoRefreshToken {
        /// When the access token expires, if known.
        access_ends: Option<Timestamp>,
    },
    /// The refresh token does not rotate and stops working at a fixed time.
    LifespanEnds {
        /// When.
        at: Timestamp,
    },
    /// The refresh token rotates, but its lifespan is planned from the sign-in (until the
    /// server shows that it restarts at rotation): refreshing cannot move the end.
    SignInLifespanEnds {
        /// When: sign-in + lifespan.
        at: Timestamp,
    },
}

/// What is due for one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Refresh under the profile's lock.
    Refresh(Why),
    /// Tell the user.
    Notify(Notice),
    /// Save the held tokens (the store, else the fallback file).
    SaveHeld,
}

/// The schedule at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Work due now, by index into the sessions given.
    pub due: Vec<(usize, Action)>,
    /// When to look again (at most [`RECHECK_SECS`] away).
    pub wake_at: Timestamp,
}

impl Watch {
    /// Forgets a halt or a notice that belonged to an earlier session (a new sign-in).
    pub fn observe(&mut self, session: &Session) {
        let now_key = (session.meta.signed_in_at, session.meta.generation);
        if self.halted_at.is_some_and(|key| key != now_key) {
            self.halted_at = None;
            self.attempts = Attempts::default();
        }
        if self.noticed.is_some() && notice(session).is_none_or(|n| Some(n) != self.noticed) {
            self.noticed = None;
        }
    }

    /// Records a refresh that worked (or found the token already fresh).
    pub fn succeeded(&mut self, now: Timestamp) {
        self.attempts.succeeded(now);
    }

    /// Records a failed attempt; returns the back-off in seconds.
    pub fn failed(&mut self, now: Timestamp) -> u64 {
        self.attempts.failed(now)
    }

    /// Records that the tokens are held after `failed_saves` failed saves, and when to try again
    /// ([`unsaved_step`]); returns the wait in seconds.
    pub fn hold(&mut self, failed_saves: u32, now: Timestamp) -> u64 {
        let retry_at = unsaved_step(failed_saves).due_at(now);
        self.held = Some(Held {
            failed_saves,
            retry_at,
        });
        now.secs_until(retry_at)
    }

    /// Records that the server refused the session: no more attempts until it changes.
    pub fn halt(&mut self, session: &Session) {
        self.halted_at = Some((session.meta.signed_in_at, session.meta.generation));
        self.attempts.retry_at = None;
    }
}

/// A failed refresh, as the policy tells failures apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    /// The session is no longer stored (logged out meanwhile).
    Gone,
    /// Only a new sign-in helps: the refresh token is dead, or a stored endpoint is unusable.
    Lasting,
    /// The server refused the client (disabled, not allowed): it may be lifted by an admin.
    Refused,
    /// An outage or a store failure: it passes.
    Passing,
}

/// What to do about a failed refresh ([`Watch::after_failure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reaction {
    /// Nothing: the session is gone.
    Forget,
    /// Tell a person. With `retry_in_secs`, refreshing is still retried then (a refusal may
    /// be lifted); without, it waits for the session to change (a new sign-in).
    NeedsPerson {
        /// Seconds until the retry, if any.
        retry_in_secs: Option<u64>,
    },
    /// Say it and retry after this many seconds (back-off).
    Retry {
        /// Seconds until the retry.
        in_secs: u64,
    },
}

impl Watch {
    /// The policy's answer to a failed refresh of `session` at `now`, with the watch updated: a
    /// session that is gone is forgotten; a lasting failure halts until the session changes and
    /// needs a person; a refusal needs a person the first time and is retried with back-off
    /// (an admin may enable the client again); a passing failure is retried with back-off.
    pub fn after_failure(
        &mut self,
        failure: Failure,
        session: &Session,
        now: Timestamp,
    ) -> Reaction {
        match failure {
            Failure::Gone => Reaction::Forget,
            Failure::Lasting => {
                self.halt(session);
                Reaction::NeedsPerson {
                    retry_in_secs: None,
                }
            }
            Failure::Refused => {
                let in_secs = self.failed(now);
                if self.attempts.failures == 1 {
                    Reaction::NeedsPerson {
                        retry_in_secs: Some(in_secs),
                    }
                } else {
                    Reaction::Retry { in_secs }
                }
            }
            Failure::Passing => Reaction::Retry {
                in_secs: self.failed(now),
            },
        }
    }
}

/// The next action for one session and when it is due.
pub fn next(session: &Session, watch: &Watch) -> Option<(Timestamp, Action)> {
    if let Some(held) = watch.held {
        return Some((held.retry_at, Action::SaveHeld));
    }
    if watch.halted_at.is_some() {
        return None;
    }
    let notify = notice(session)
        .filter(|n| watch.noticed != Some(*n))
        .map(|n| {
            let at = match n {
                Notice::NoRefreshToken { .. } => Timestamp::from_unix_secs(i64::MIN),
                Notice::LifespanEnds { at } | Notice::SignInLifespanEnds { at } => {
                    Timestamp::from_unix_secs(
                        at.as_unix_secs()
                            .saturating_sub(secs_i64(LIFESPAN_NOTICE_SECS)),
                    )
                }
            };
            (at, Action::Notify(n))
        });
    let refresh = refresh_at(session, ACCESS_MARGIN_SECS, &watch.attempts)
        .map(|(at, why)| (at, Action::Refresh(why)));
    match (notify, refresh) {
        (Some(n), Some(r)) => Some(if r.0 < n.0 { r } else { n }),
        (n, r) => n.or(r),
    }
}

/// The schedule for `sessions` (each with its watch) at `now`.
pub fn plan<'a>(
    sessions: impl IntoIterator<Item = (&'a Session, &'a Watch)>,
    now: Timestamp,
) -> Plan {
    let mut due = Vec::new();
    let mut wake_at = now.plus_secs(RECHECK_SECS);
    for (index, (session, watch)) in sessions.into_iter().enumerate() {
        match next(session, watch) {
            Some((at, action)) if at <= now => due.push((index, action)),
            Some((at, _)) => wake_at = wake_at.min(at),
            None => {}
        }
        if let Some(at) = watch.alerts.next_at(session, now) {
            wake_at = wake_at.min(at);
        }
    }
    Plan { due, wake_at }
}

/// What a person must know about `session`, if anything: refreshing cannot help a session
/// without refresh token, nor one whose refresh token ends at a time no refresh moves (see
/// [`super::ends_for_good`]).
fn notice(session: &Session) -> Option<Notice> {
    let meta = &session.meta;
    if !meta.has_refresh_token {
        return Some(Notice::NoRefreshToken {
            access_ends: meta.access_expires_at,
        });
    }
    let at = super::ends_for_good(session)?;
    Some(match meta.refresh.kind {
        RefreshKind::Fixed => Notice::LifespanEnds { at },
        _ => Notice::SignInLifespanEnds { at },
    })
}
