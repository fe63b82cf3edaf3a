//! A session's health from its metadata alone (no secrets, no network), for
//! `status --min-valid N`: scripts and monitors ask it cheaply and branch on the exit code.

use crate::domain::clock::Timestamp;
use crate::domain::session::{SessionMeta, SessionState};

/// What `status --min-valid N` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Health {
    /// The access token has at least N seconds left (or no expiry).
    Fine,
    /// Less than N seconds left, and a refresh can still renew it.
    RefreshNeeded {
        /// Seconds left.
        left_secs: u64,
    },
    /// Less than N seconds left, and only a new sign-in helps (no refresh token, refresh token
    /// dead or past its lifespan).
    SignInNeeded {
        /// Seconds left (0 when expired).
        left_secs: u64,
    },
}

/// The health of `meta` at `now` for a caller that needs `min_valid_secs`.
pub fn health(meta: &SessionMeta, now: Timestamp, min_valid_secs: u64) -> Health {
    let Some(expires_at) = meta.access_expires_at else {
        return Health::Fine;
    };
    let left_secs = now.secs_until(expires_at);
    if left_secs >= min_valid_secs {
        return Health::Fine;
    }
    let refresh_token_alive = meta.has_refresh_token
        && !matches!(meta.state, SessionState::Ended { .. })
        && meta.refresh_token_ends().is_none_or(|at| at > now);
    if refresh_token_alive {
        Health::RefreshNeeded { left_secs }
    } else {
        Health::SignInNeeded { left_secs }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::full_session;

    #[test]
    fn health_tells_refresh_from_sign_in() {
        let mut meta = full_session("p", 1).meta;
        meta.state = SessionState::Active;
        meta.refresh.expires_at = None;
        let expires = meta.access_expires_at.unwrap();
        let at = |secs_before: u64| {
            Timestamp::from_unix_secs(expires.as_unix_secs() - i64::try_from(secs_before).unwrap())
        };
        assert_eq!(health(&meta, at(600), 300), Health::Fine);
        assert_eq!(
            health(&meta, at(100), 300),
            Health::RefreshNeeded { left_secs: 100 }
        );
        meta.state = SessionState::Ended {
            code: Some("invalid_grant".into()),
            at: at(200),
            interrupted: false,
        };
        assert_eq!(
            health(&meta, at(100), 300),
            Health::SignInNeeded { left_secs: 100 }
        );
        assert_eq!(
            health(&meta, at(600), 300),
            Health::Fine,
            "still served until expiry"
        );
        meta.state = SessionState::Active;
        meta.refresh.expires_at = Some(at(150));
        assert_eq!(
            health(&meta, at(100), 300),
            Health::SignInNeeded { left_secs: 100 },
            "the refresh token's lifespan is over"
        );
        meta.refresh.expires_at = None;
        meta.has_refresh_token = false;
        assert_eq!(
            health(&meta, at(100), 300),
            Health::SignInNeeded { left_secs: 100 }
        );
    }
}
