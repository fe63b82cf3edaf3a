//! When `grantty keep` acts: a pure schedule from stored sessions and `now` to the work due now
//! and the next time to wake up.
//!
//! Per session, the earliest of:
//! - the access token's refresh point: `expires_at − margin + 1 s`, where the margin is
//!   [`KEEP_MARGIN_SECS`] capped at half the token's lifetime (as `grantty token` computes it), so
//!   the refresh happens while the token still has time left and `ensure_valid` agrees it is due;
//! - for a refresh token that rotates (or may: not yet known), the end of its lifespan less
//!   [`LIFESPAN_MARGIN_SECS`] (at most a quarter of the lifespan): refreshing then hands out a new
//!   refresh token with a full lifespan, so a session nobody uses for a day survives;
//! - a retry after a failure, with exponential back-off ([`backoff_secs`]);
//! - a notice that a human is needed: no refresh token, or a fixed refresh token whose lifespan
//!   ends at a known time ([`Notice`]), given once.
//!
//! A halted session (the server refused it) is left alone until its metadata changes (a new
//! sign-in). The wake-up is capped at [`RECHECK_SECS`] so new sessions (`--all`) and clock jumps
//! (suspend) are noticed; otherwise nothing runs between deadlines.

use super::clock::Timestamp;
use super::session::{RefreshKind, Session};

/// Refresh the access token when it has less than this left (at most half its lifetime).
pub const KEEP_MARGIN_SECS: u64 = 300;
/// Refresh a rotating refresh token this long before its lifespan ends (at most a quarter of it).
pub const LIFESPAN_MARGIN_SECS: u64 = 3600;
/// First retry delay after a failed refresh; doubles per failure.
pub const RETRY_BASE_SECS: u64 = 15;
/// Longest retry delay.
pub const RETRY_CAP_SECS: u64 = 900;
/// Longest sleep, so new sessions and clock jumps are noticed.
pub const RECHECK_SECS: u64 = 900;
/// Warn this long before a fixed refresh token's lifespan ends.
pub const LIFESPAN_NOTICE_SECS: u64 = 3600;

/// What the keeper remembers about one profile between wake-ups.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Watch {
    /// Failed attempts in a row.
    pub failures: u32,
    /// When to try again after a failure.
    pub retry_at: Option<Timestamp>,
    /// Set when the server refused: the session's `(signed_in_at, generation)` then. Cleared
    /// (by [`Watch::observe`]) when the stored session changes.
    pub halted_at: Option<(Timestamp, u64)>,
    /// The notice already given for the current session, so it is given once.
    pub noticed: Option<Notice>,
    /// No refresh before this time (an attempt just ran and found nothing to do).
    pub not_before: Option<Timestamp>,
}

/// Why a refresh is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Why {
    /// The access token is about to expire.
    AccessExpiring,
    /// The refresh token's lifespan is about to end.
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
}

/// What is due for one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Refresh under the profile's lock.
    Refresh(Why),
    /// Tell the user.
    Notify(Notice),
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
            self.failures = 0;
            self.retry_at = None;
        }
        if self.noticed.is_some() && notice(session).is_none_or(|n| Some(n) != self.noticed) {
            self.noticed = None;
        }
    }

    /// Records a refresh that worked (or found the token already fresh).
    pub fn succeeded(&mut self, now: Timestamp) {
        *self = Self {
            noticed: self.noticed,
            not_before: Some(now.plus_secs(1)),
            ..Self::default()
        };
    }

    /// Records a failed attempt; returns the back-off in seconds.
    pub fn failed(&mut self, now: Timestamp) -> u64 {
        self.failures = self.failures.saturating_add(1);
        let wait = backoff_secs(self.failures);
        self.retry_at = Some(now.plus_secs(wait));
        wait
    }

    /// Records that the server refused the session: no more attempts until it changes.
    pub fn halt(&mut self, session: &Session) {
        self.halted_at = Some((session.meta.signed_in_at, session.meta.generation));
        self.retry_at = None;
    }
}

/// The retry delay after `failures` failures in a row: 15 s, 30 s, 60 s, … capped at 15 min.
pub fn backoff_secs(failures: u32) -> u64 {
    let doublings = failures.saturating_sub(1).min(16);
    RETRY_BASE_SECS
        .saturating_mul(1 << doublings)
        .min(RETRY_CAP_SECS)
}

/// The next action for one session and when it is due.
pub fn next(session: &Session, watch: &Watch) -> Option<(Timestamp, Action)> {
    if watch.halted_at.is_some() {
        return None;
    }
    let mut best: Option<(Timestamp, Action)> = None;
    let mut consider = |at: Timestamp, action: Action| {
        if best.is_none_or(|(t, _)| at < t) {
            best = Some((at, action));
        }
    };
    if let Some(n) = notice(session).filter(|n| watch.noticed != Some(*n)) {
        let at = match n {
            Notice::NoRefreshToken { .. } => Timestamp::from_unix_secs(i64::MIN),
            Notice::LifespanEnds { at } => Timestamp::from_unix_secs(
                at.as_unix_secs()
                    .saturating_sub(secs_i64(LIFESPAN_NOTICE_SECS)),
            ),
        };
        consider(at, Action::Notify(n));
    }
    if !session.meta.has_refresh_token {
        return best;
    }
    if let Some(at) = watch.retry_at {
        consider(at, Action::Refresh(Why::Retry));
        return best;
    }
    let floor = |at: Timestamp| watch.not_before.map_or(at, |nb| at.max(nb));
    if let Some(expires) = session.meta.access_expires_at {
        let margin = session.refresh_margin(KEEP_MARGIN_SECS);
        let at = expires.as_unix_secs().saturating_sub(secs_i64(margin)) + 1;
        consider(
            floor(Timestamp::from_unix_secs(at)),
            Action::Refresh(Why::AccessExpiring),
        );
    }
    if let Some(end) = rotating_lifespan_end(session) {
        let lifespan = session.meta.refresh.issued_at.secs_until(end);
        let margin = LIFESPAN_MARGIN_SECS.min(lifespan / 4);
        let at = Timestamp::from_unix_secs(end.as_unix_secs().saturating_sub(secs_i64(margin)));
        consider(floor(at), Action::Refresh(Why::LifespanEnding));
    }
    best
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
    }
    Plan { due, wake_at }
}

/// What a person must know about `session`, if anything.
fn notice(session: &Session) -> Option<Notice> {
    let meta = &session.meta;
    if !meta.has_refresh_token {
        return Some(Notice::NoRefreshToken {
            access_ends: meta.access_expires_at,
        });
    }
    match (meta.refresh.kind, meta.refresh.expires_at) {
        (RefreshKind::Fixed, Some(at)) => Some(Notice::LifespanEnds { at }),
        _ => None,
    }
}

/// When a refresh token that rotates, or may, stops working: the stored expiry, else (not yet
/// known to rotate) the provider's configured lifespan counted from when it was issued.
fn rotating_lifespan_end(session: &Session) -> Option<Timestamp> {
    let refresh = &session.meta.refresh;
    match refresh.kind {
        RefreshKind::Rotating => refresh.expires_at,
        RefreshKind::Unknown => refresh.expires_at.or_else(|| {
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
