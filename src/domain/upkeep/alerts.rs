//! When `grantty keep` tells a person (the `--notify` hook and the `alert` event), decided from
//! the stored session, what happened to its refreshes and `now`; pure, like the rest of the
//! upkeep policy.
//!
//! - [`AlertKind::SignInSoon`]: [`SIGN_IN_SOON_SECS`] (24 h, then 2 h) before the session's end
//!   ([`session_end`]), or at once when less is left. Each stage is given once; it is given again
//!   only after the end has moved further away than that stage (a rotation that restarted the
//!   lifespan), so an end that creeps forward at every refresh does not repeat it.
//! - [`AlertKind::NeedsHuman`]: the server refused the client, or the tokens are gone from the
//!   secret backend; once until the session recovers.
//! - [`AlertKind::Ended`]: the refresh token is dead (the server said so, or the session is
//!   stored as ended), or the end passed for a session that cannot be refreshed past it (no
//!   refresh token, or one that does not rotate); once until the session recovers.
//! - [`AlertKind::Recovered`]: a refresh worked, or a new sign-in arrived, after `needs-human`
//!   or `ended`. A session that fails again after recovering is told about again.

use crate::domain::clock::Timestamp;
use crate::domain::session::{RefreshKind, Session, SessionState};

/// How long before the session's end `sign-in-soon` is given: 24 h (a working day ahead), then
/// 2 h. Latest stage last.
pub const SIGN_IN_SOON_SECS: [u64; 2] = [24 * 3600, super::LIFESPAN_NOTICE_SECS];

/// What a person is told.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum AlertKind {
    /// The session ends soon; sign in again before then.
    SignInSoon,
    /// Only a person can fix the session (refused client, tokens gone).
    NeedsHuman,
    /// The session works again.
    Recovered,
    /// The session ended: sign in again.
    Ended,
}

impl AlertKind {
    /// The name in `GRANTTY_EVENT` and in NDJSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignInSoon => "sign-in-soon",
            Self::NeedsHuman => "needs-human",
            Self::Recovered => "recovered",
            Self::Ended => "ended",
        }
    }
}

/// One alert for one session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    /// Which.
    pub kind: AlertKind,
    /// The session's end, where there is one.
    pub deadline: Option<Timestamp>,
}

/// Why a refresh failed, as far as alerts care (see [`super::Failure`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Trouble {
    NeedsHuman,
    Ended,
}

/// What has been said about one session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Alerts {
    /// The sign-in the alerts belong to.
    signed_in_at: Option<Timestamp>,
    /// How many `sign-in-soon` stages have been given for the current end.
    soon_stages: usize,
    /// The trouble said and not yet recovered from.
    trouble: Option<Trouble>,
}

/// When `session` stops working without a person: the refresh token's end
/// ([`upkeep::deadline`](super::deadline)), or the access token's expiry when there is no
/// refresh token. `None` when nothing is known.
pub fn session_end(session: &Session) -> Option<Timestamp> {
    let meta = &session.meta;
    if !meta.has_refresh_token {
        return meta.access_expires_at;
    }
    // The one deadline (see `SessionMeta::refresh_token_ends`): a rotating token's lifespan is
    // planned from the sign-in until the server has shown that it restarts at rotation.
    meta.refresh_token_ends()
}

impl Alerts {
    /// The alerts due for `session` at `now` from its stored state and end, with the record
    /// updated. A new sign-in starts afresh (and recovers a session in trouble).
    pub fn on_tick(&mut self, session: &Session, now: Timestamp) -> Vec<Alert> {
        let mut out = Vec::new();
        let end = session_end(session);
        if self.signed_in_at != Some(session.meta.signed_in_at) {
            if self.trouble.is_some() {
                out.push(alert(AlertKind::Recovered, end));
            }
            *self = Self {
                signed_in_at: Some(session.meta.signed_in_at),
                ..Self::default()
            };
        }
        let cannot_outlive_end =
            !session.meta.has_refresh_token || session.meta.refresh.kind == RefreshKind::Fixed;
        let ended = matches!(session.meta.state, SessionState::Ended { .. })
            || (cannot_outlive_end && end.is_some_and(|end| end <= now));
        if ended {
            out.extend(self.trouble(Trouble::Ended, end));
            return out;
        }
        if matches!(session.meta.state, SessionState::RefreshRefused { .. }) {
            out.extend(self.trouble(Trouble::NeedsHuman, end));
        }
        let Some(end) = end else {
            return out;
        };
        let left = now.secs_until(end);
        // Re-arm the stages the end has moved away from.
        self.soon_stages = self
            .soon_stages
            .min(SIGN_IN_SOON_SECS.iter().take_while(|s| left <= **s).count());
        let due = SIGN_IN_SOON_SECS.iter().filter(|s| left <= **s).count();
        if due > self.soon_stages {
            self.soon_stages = due;
            out.push(alert(AlertKind::SignInSoon, Some(end)));
        }
        out
    }

    /// When [`Alerts::on_tick`] next has something to say about `session` from the clock alone
    /// (a `sign-in-soon` stage, or the end of a session that cannot be refreshed past it), if
    /// that is after `now`.
    pub fn next_at(&self, session: &Session, now: Timestamp) -> Option<Timestamp> {
        let end = session_end(session)?;
        if self.trouble == Some(Trouble::Ended) {
            return None;
        }
        let stage = SIGN_IN_SOON_SECS
            .get(self.soon_stages)
            .map(|s| Timestamp::from_unix_secs(end.as_unix_secs().saturating_sub(secs_i64(*s))));
        Some(stage.map_or(end, |at| at.min(end))).filter(|at| *at > now)
    }

    /// The alert after a failed refresh of `session`.
    pub fn after_failure(&mut self, failure: super::Failure, session: &Session) -> Option<Alert> {
        let trouble = match failure {
            super::Failure::Lasting => Trouble::Ended,
            super::Failure::Refused => Trouble::NeedsHuman,
            super::Failure::Gone | super::Failure::Passing => return None,
        };
        self.trouble(trouble, session_end(session))
    }

    /// The alert when the session's tokens are missing from the secret backend.
    pub fn tokens_missing(&mut self) -> Option<Alert> {
        self.trouble(Trouble::NeedsHuman, None)
    }

    /// The alert after a refresh of `session` worked (or found the tokens fresh).
    pub fn after_success(&mut self, session: &Session) -> Option<Alert> {
        self.trouble
            .take()
            .map(|_| alert(AlertKind::Recovered, session_end(session)))
    }

    /// Says `trouble` unless it (or a worse one) was said already.
    fn trouble(&mut self, trouble: Trouble, deadline: Option<Timestamp>) -> Option<Alert> {
        match (self.trouble, trouble) {
            (Some(Trouble::Ended), _) | (Some(Trouble::NeedsHuman), Trouble::NeedsHuman) => None,
            _ => {
                self.trouble = Some(trouble);
                let kind = match trouble {
                    Trouble::Ended => AlertKind::Ended,
                    Trouble::NeedsHuman => AlertKind::NeedsHuman,
                };
                Some(alert(kind, deadline))
            }
        }
    }
}

fn alert(kind: AlertKind, deadline: Option<Timestamp>) -> Alert {
    Alert { kind, deadline }
}

fn secs_i64(secs: u64) -> i64 {
    i64::try_from(secs).unwrap_or(i64::MAX)
}

#[cfg(test)]
#[path = "alerts_tests.rs"]
mod tests;
