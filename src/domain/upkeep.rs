//! The one upkeep policy: when a stored session is refreshed, how failures back off, when a
//! person is told that the refresh token ends, and what happens to refreshed tokens the store
//! would not take. Pure (no clock, no IO: `now` comes in as a [`Timestamp`]); the dashboard asks
//! it on its tick, `grantty keep` for its sleep ([`plan`]), the script commands once
//! ([`unsaved_step`]).
//!
//! When to refresh ([`refresh_at`]), the earliest of:
//! - the access token's refresh point: `expires_at − margin + 1 s`, the margin being
//!   [`ACCESS_MARGIN_SECS`] (or a profile's `refresh_skew`) capped at half the token's lifetime,
//!   so the refresh happens while the token still has time left and `grantty token` agrees;
//! - for a refresh token that rotates (or may: not yet known), the end of its lifespan less
//!   [`LIFESPAN_MARGIN_SECS`] (at most a quarter of the lifespan): the refresh hands out a new
//!   refresh token with a full lifespan, so a session nobody uses for a day survives;
//! - after failures, a retry at [`Attempts::retry_at`].
//!
//! and never sooner than the floor: [`MIN_REFRESH_GAP_SECS`] after the current access token
//! arrived or the last attempt that worked. A server answering `expires_in: 0` is then asked at
//! most twice a minute instead of every second.
//!
//! The values, and why:
//! - floor 30 s: long enough that a broken server is not hammered, nor the store rewritten, every
//!   tick; short enough for any token that lives a minute or more to be refreshed before it ends
//!   (tokens shorter than twice the floor are refreshed at the floor, and the dashboard says so);
//! - back-off 15 s doubling to a 900 s cap ([`backoff_secs`]): an outage of a few seconds costs
//!   15 s, a long one is tried four times an hour, well inside the 35-minute access tokens of
//!   Anaplan, and no more often than `keep` wakes anyway ([`RECHECK_SECS`]);
//! - lifespan notice 2 h before a refresh token's end ([`LIFESPAN_NOTICE_SECS`]), the earlier
//!   of the two warnings grantty used to give: time for a person to sign in again on a working day;
//! - unsaved tokens ([`unsaved_step`]): the store is tried [`SAVE_RETRIES`] more times
//!   ([`SAVE_RETRY_FIRST_MS`] doubling, under 2 s in all, which a script can afford and which
//!   outlasts a lock held by another grantty process), then the tokens are kept aside in the
//!   0600 fallback file that the next load applies; a driver that can wait (the dashboard) tries
//!   that again with back-off if it failed too.

mod alerts;
mod plan;

pub use alerts::{Alert, AlertKind, Alerts, SIGN_IN_SOON_SECS, session_end};
pub use plan::{Action, Failure, Held, Notice, Plan, Reaction, Watch, next, plan};

use super::clock::Timestamp;
use super::session::{LifespanStart, RefreshKind, Session};

/// Refresh the access token when it has less than this left (at most half its lifetime).
pub const ACCESS_MARGIN_SECS: u64 = 300;
/// Refresh a rotating refresh token this long before its lifespan ends (at most a quarter of it).
pub const LIFESPAN_MARGIN_SECS: u64 = 3600;
/// No automatic refresh sooner than this after the current access token arrived, or after the
/// last attempt that worked.
pub const MIN_REFRESH_GAP_SECS: u64 = 30;
/// First retry delay after a failed refresh; doubles per failure.
pub const RETRY_FIRST_SECS: u64 = 15;
/// Longest retry delay, for every driver.
pub const RETRY_CAP_SECS: u64 = 900;
/// Longest sleep of `grantty keep`, so new sessions and clock jumps are noticed.
pub const RECHECK_SECS: u64 = 900;
/// Tell a person this long before the refresh token's known end.
pub const LIFESPAN_NOTICE_SECS: u64 = 2 * 3600;
/// How many more times refreshed tokens the store refused are saved there before they are kept
/// aside.
pub const SAVE_RETRIES: u32 = 3;
/// Pause before the first retry of a refused save; doubles per retry.
pub const SAVE_RETRY_FIRST_MS: u64 = 250;

/// What a driver remembers about its automatic refreshes of one session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Attempts {
    /// Failed attempts in a row.
    pub failures: u32,
    /// After failures: no automatic attempt before this.
    pub retry_at: Option<Timestamp>,
    /// After an attempt that worked (or found nothing to do): the floor it set.
    pub not_before: Option<Timestamp>,
}

impl Attempts {
    /// Records an attempt that worked or found the token fresh: no failures, and the floor.
    pub fn succeeded(&mut self, now: Timestamp) {
        *self = Self {
            not_before: Some(now.plus_secs(MIN_REFRESH_GAP_SECS)),
            ..Self::default()
        };
    }

    /// Records a failed attempt and schedules the retry; returns the wait in seconds.
    pub fn failed(&mut self, now: Timestamp) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let wait = backoff_secs(self.failures);
        self.retry_at = Some(now.plus_secs(wait));
        wait
    }
}

/// Why a refresh is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The access token is about to expire.
    AccessExpiring,
    /// The refresh token's lifespan is about to end: refresh even though the access token is
    /// still good (a driver forces this one).
    LifespanEnding,
    /// A retry after a failure.
    Retry,
}

impl Why {
    /// Snake-case name for NDJSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessExpiring => "access_expiring",
            Self::LifespanEnding => "lifespan_ending",
            Self::Retry => "retry",
        }
    }
}

/// The retry delay after `failures` failures in a row: 15 s, 30 s, 60 s, … capped at
/// [`RETRY_CAP_SECS`].
pub fn backoff_secs(failures: u32) -> u64 {
    let doublings = failures.saturating_sub(1).min(16);
    RETRY_FIRST_SECS
        .saturating_mul(1 << doublings)
        .min(RETRY_CAP_SECS)
}

/// The earliest time of any automatic refresh of `session`: [`MIN_REFRESH_GAP_SECS`] after its
/// access token arrived, and not before the floor an attempt that worked set.
pub fn refresh_floor(session: &Session, attempts: &Attempts) -> Timestamp {
    let received = session
        .meta
        .access_issued_at
        .plus_secs(MIN_REFRESH_GAP_SECS);
    attempts.not_before.map_or(received, |nb| received.max(nb))
}

/// When the next automatic refresh of `session` is due, and why; `None` when there will be none
/// (no refresh token, or no expiry and no lifespan to go by). `margin_secs` is the wanted
/// access-token margin ([`ACCESS_MARGIN_SECS`] unless a profile says otherwise).
pub fn refresh_at(
    session: &Session,
    margin_secs: u64,
    attempts: &Attempts,
) -> Option<(Timestamp, Why)> {
    if !session.meta.has_refresh_token {
        return None;
    }
    let floor = refresh_floor(session, attempts);
    if let Some(at) = attempts.retry_at {
        return Some((at.max(floor), Why::Retry));
    }
    let mut best: Option<(Timestamp, Why)> = None;
    if let Some(expires) = session.meta.access_expires_at {
        let margin = session.refresh_margin(margin_secs).max(1);
        let at = expires.as_unix_secs().saturating_sub(secs_i64(margin)) + 1;
        best = Some((Timestamp::from_unix_secs(at), Why::AccessExpiring));
    }
    if let Some(end) = rotating_lifespan_end(session) {
        let lifespan = session.meta.refresh.issued_at.secs_until(end);
        let margin = LIFESPAN_MARGIN_SECS.min(lifespan / 4);
        let at = Timestamp::from_unix_secs(end.as_unix_secs().saturating_sub(secs_i64(margin)));
        if best.is_none_or(|(t, _)| at < t) {
            best = Some((at, Why::LifespanEnding));
        }
    }
    best.map(|(at, why)| (at.max(floor), why))
}

/// The one deadline of `session`'s refresh token, planned for the earliest end
/// ([`SessionMeta::refresh_token_ends`](crate::domain::session::SessionMeta::refresh_token_ends)):
/// what every screen, `status` and `keep` show and warn about.
pub fn deadline(session: &Session) -> Option<Timestamp> {
    session.meta.refresh_token_ends()
}

/// The [`deadline`] when no refresh can move it, so only a new sign-in helps: a fixed token's
/// expiry from the server, or a rotating token's lifespan planned from the sign-in (no figure
/// from the server, and the server has not shown that it restarts at rotation). A deadline
/// that the next rotation moves (the server's figure for each rotated token, or a lifespan
/// that restarts) is met by refreshing ahead of it, and needs no one.
pub fn ends_for_good(session: &Session) -> Option<Timestamp> {
    let meta = &session.meta;
    let planned_from_sign_in =
        meta.refresh.expires_at.is_none() && meta.refresh.lifespan_start == LifespanStart::SignIn;
    match meta.refresh.kind {
        RefreshKind::Fixed => meta.refresh.expires_at,
        RefreshKind::Rotating | RefreshKind::Unknown if planned_from_sign_in => deadline(session),
        _ => None,
    }
}

/// The [`deadline`], once it is within [`LIFESPAN_NOTICE_SECS`] of `now` (and after it): what
/// the dashboard warns about. (A deadline the next rotation moves is moved by the dashboard's
/// own refresh long before this; the warning shows when refreshing has not happened.)
pub fn refresh_token_ends_soon(session: &Session, now: Timestamp) -> Option<Timestamp> {
    let ends = deadline(session)?;
    (now.secs_until(ends) <= LIFESPAN_NOTICE_SECS).then_some(ends)
}

/// What to do next with refreshed tokens the store would not take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsavedStep {
    /// Save to the store again after this pause.
    RetryAfterMs(u64),
    /// Stop asking the store: keep the tokens aside (the fallback file, which the next load
    /// applies) after this pause; 0 the first time.
    KeepAsideAfterMs(u64),
}

impl UnsavedStep {
    /// The pause before the step, in milliseconds.
    pub fn pause_ms(self) -> u64 {
        match self {
            Self::RetryAfterMs(ms) | Self::KeepAsideAfterMs(ms) => ms,
        }
    }

    /// When the step is due, for a driver that counts whole seconds (rounded up).
    pub fn due_at(self, now: Timestamp) -> Timestamp {
        now.plus_secs(self.pause_ms().div_ceil(1000))
    }
}

/// The next step after `failed_saves` failed saves of the same refreshed tokens (the refresh's
/// own save counts: 1 after it). [`SAVE_RETRIES`] retries of the store, doubling from
/// [`SAVE_RETRY_FIRST_MS`]; then keep aside at once; if that failed too, keep aside again with
/// the refresh back-off (a driver that cannot wait gives up there and says so).
pub fn unsaved_step(failed_saves: u32) -> UnsavedStep {
    let n = failed_saves.max(1);
    if n <= SAVE_RETRIES {
        let doublings = (n - 1).min(16);
        return UnsavedStep::RetryAfterMs(SAVE_RETRY_FIRST_MS.saturating_mul(1 << doublings));
    }
    match n - SAVE_RETRIES - 1 {
        0 => UnsavedStep::KeepAsideAfterMs(0),
        kept_aside_failures => {
            UnsavedStep::KeepAsideAfterMs(backoff_secs(kept_aside_failures).saturating_mul(1000))
        }
    }
}

/// When the current refresh token stops working if this server's lifespan restarts at each
/// rotation: the server's figure, else the configured lifespan counted from when it was issued.
/// Refreshing before then keeps an idle session alive on such a server; on a server that counts
/// from sign-in nothing can, and the [`deadline`] says when it ends.
fn rotating_lifespan_end(session: &Session) -> Option<Timestamp> {
    let refresh = &session.meta.refresh;
    match refresh.kind {
        RefreshKind::Rotating | RefreshKind::Unknown => refresh.expires_at.or_else(|| {
            session
                .meta
                .provider
                .refresh_token_lifespan_secs
                .map(|secs| refresh.issued_at.plus_secs(secs))
        }),
        RefreshKind::Fixed | RefreshKind::None => None,
    }
}

fn secs_i64(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "upkeep_tests.rs"]
mod tests;
