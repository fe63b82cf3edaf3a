//! Ending a session: revoke at the server, then delete locally.
//!
//! What "revoke" can mean depends on the provider, and the outcome says which
//! ([`RefreshTokenFate`]):
//! - RFC 7009 (a revocation endpoint): the refresh token first, then the access token when it
//!   has not expired. The session is deleted once the server confirmed that the refresh token
//!   ended (revoked, or answered that it was already invalid); otherwise it is kept, since it is
//!   the only means left to revoke a token that may still be valid there.
//! - Anaplan: no client can revoke a refresh token. Its logout API ends the access token, so a
//!   live one is logged out (kept when the server could not be reached: it is still valid
//!   there); an expired one needs nothing. The session is then deleted, and the outcome says
//!   that the refresh token stays usable.
//! - No endpoint at all: deleted, nothing revoked.
//!
//! An access token past its expiry is never sent, and a server's "invalid token" answer counts
//! as ended: a logout never fails, or claims tokens are valid, because they already died.
//! Nothing is refreshed first: revoking a refresh token needs no access token, and on Anaplan a
//! refresh would only mint an access token to end and rotate the refresh token that stays.
//!
//! [`SessionService::revoke`] is the network half alone, for a session that is no longer in
//! the store (the one a new sign-in replaced): nothing is read or written locally.

use super::{LoggedOut, LogoutFailed, LogoutMode, RefreshTokenFate, RevokeStep, SessionService};
use crate::domain::clock::Timestamp;
use crate::domain::session::{Session, SessionState};
use crate::oauth::http::Transport;
use crate::oauth::provider::{EndpointError, Provider, ProviderKind, host_and_port};
use crate::oauth::refresh::{TokenHint, logout_request, parse_revoke, revoke_request};
use crate::oauth::wire::HttpRequest;
use crate::store::Activity;

/// What the revocation requests came to.
struct Revoked {
    steps: Vec<RevokeStep>,
    no_endpoint: bool,
    refresh_token: RefreshTokenFate,
    /// False when the server did not confirm the end of a token that may still be valid.
    ended: bool,
}

impl<T: Transport> SessionService<T> {
    /// Ends the session of `profile` as `mode` says. A session whose tokens the secret backend
    /// no longer holds has nothing left to revoke here: it is deleted either way.
    pub async fn logout(&self, profile: &str, mode: LogoutMode) -> Result<LoggedOut, LogoutFailed> {
        let _lock = self.lock(profile, Activity::LoggingOut).await?;
        let session = match self.load_locked(profile).await {
            Ok(Some(session)) => session,
            Ok(None) => {
                return Err(LogoutFailed::NotSignedIn {
                    profile: profile.to_owned(),
                });
            }
            Err(crate::store::StoreError::SecretsMissing { .. }) => {
                self.forget(profile).await?;
                return Ok(LoggedOut {
                    profile: profile.to_owned(),
                    steps: Vec::new(),
                    no_endpoint: false,
                    tokens_missing: true,
                    refresh_token: RefreshTokenFate::LeftValid,
                });
            }
            Err(e) => return Err(e.into()),
        };
        let done = match mode {
            LogoutMode::Revoke { logout_endpoint } => {
                let done = self.revoke_steps(&session, logout_endpoint).await?;
                if !done.ended {
                    return Err(LogoutFailed::NotRevoked {
                        profile: profile.to_owned(),
                        steps: done.steps,
                        replaced: false,
                    });
                }
                done
            }
            LogoutMode::Local => Revoked {
                steps: Vec::new(),
                no_endpoint: false,
                refresh_token: RefreshTokenFate::LeftValid,
                ended: true,
            },
        };
        self.forget(profile).await?;
        Ok(LoggedOut {
            profile: profile.to_owned(),
            steps: done.steps,
            no_endpoint: done.no_endpoint,
            tokens_missing: false,
            refresh_token: done.refresh_token,
        })
    }

    /// Revokes `session`'s grant at the server it came from, exactly as `logout` would, without
    /// touching the store (the session a sign-in replaced is no longer in it).
    pub async fn revoke(&self, session: &Session) -> Result<LoggedOut, LogoutFailed> {
        let profile = session.meta.profile.clone();
        let done = self.revoke_steps(session, None).await?;
        if !done.ended {
            return Err(LogoutFailed::NotRevoked {
                profile,
                steps: done.steps,
                replaced: true,
            });
        }
        Ok(LoggedOut {
            profile,
            steps: done.steps,
            no_endpoint: done.no_endpoint,
            tokens_missing: false,
            refresh_token: done.refresh_token,
        })
    }

    /// Deletes whatever the store holds for `profile`: a session, or metadata whose tokens are
    /// gone. Used by `logout` (above) and by a new sign-in's clean-up.
    async fn forget(&self, profile: &str) -> Result<(), crate::store::StoreError> {
        let name = profile.to_owned();
        self.blocking(move |s| {
            s.delete(&name)?;
            s.clear_kept_aside(&name)
        })
        .await
    }

    /// Sends the revocation requests for `session` (see the module docs) and judges the answers.
    async fn revoke_steps(
        &self,
        session: &Session,
        logout_endpoint: Option<url::Url>,
    ) -> Result<Revoked, EndpointError> {
        let mut provider = Provider::from_session(session)?;
        if logout_endpoint.is_some() {
            provider.logout_endpoint = logout_endpoint;
        }
        let plan = plan(&provider, session, self.clock.now());
        // The provider (with its secret) is not kept across the awaits below.
        drop(provider);
        let mut refresh_step = None;
        let mut access_steps = Vec::new();
        let mut steps = Vec::new();
        for (token, what, request) in plan.requests {
            let host = host_and_port(&request.url);
            let answer = self
                .transport
                .send(request)
                .await
                .map(|resp| parse_revoke(&resp));
            let step = RevokeStep { what, host, answer };
            match token {
                Token::Refresh => refresh_step = Some(step.ended()),
                Token::Access => access_steps.push(step.ended()),
            }
            steps.push(step);
        }
        let access_ended = !plan.access_live || access_steps.iter().any(|ended| *ended);
        let (refresh_token, ended) = match (plan.refresh, refresh_step) {
            (RefreshPlan::Revoke, Some(true)) => (RefreshTokenFate::Revoked, true),
            (RefreshPlan::Revoke, _) => (RefreshTokenFate::LeftValid, false),
            (RefreshPlan::Dead, _) => (RefreshTokenFate::AlreadyEnded, access_ended),
            (RefreshPlan::NotRevocable(fate), _) => (fate, access_ended),
            (RefreshPlan::NoEndpoint, _) => (RefreshTokenFate::LeftValid, true),
        };
        Ok(Revoked {
            steps,
            no_endpoint: plan.no_endpoint,
            refresh_token,
            ended,
        })
    }
}

/// Which token a request ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token {
    Refresh,
    Access,
}

/// What can be done about the refresh token.
#[derive(Debug, PartialEq, Eq)]
enum RefreshPlan {
    /// Revoke it (RFC 7009).
    Revoke,
    /// None was issued, or the server already refused it.
    Dead,
    /// The provider lets no client revoke it (Anaplan).
    NotRevocable(RefreshTokenFate),
    /// A live refresh token and nowhere to revoke it.
    NoEndpoint,
}

/// The requests a logout sends, in order, and what they must achieve.
struct Plan {
    requests: Vec<(Token, &'static str, HttpRequest)>,
    refresh: RefreshPlan,
    /// The access token has not expired (so its end matters when nothing else does).
    access_live: bool,
    /// The provider has neither a revocation nor a logout endpoint.
    no_endpoint: bool,
}

/// The revocation plan for `session` at `now` (pure: no IO).
fn plan(provider: &Provider, session: &Session, now: Timestamp) -> Plan {
    let access_live = session
        .access_remaining_secs(now)
        .is_none_or(|left| left > 0);
    let refresh_dead = matches!(session.meta.state, SessionState::Ended { .. });
    let refresh_token = session
        .secrets
        .refresh_token
        .as_ref()
        .filter(|_| !refresh_dead);
    let no_endpoint = provider.revocation_endpoint.is_none() && provider.logout_endpoint.is_none();
    let mut requests = Vec::new();
    let refresh = match (refresh_token, provider.kind) {
        (None, _) => RefreshPlan::Dead,
        (Some(_), ProviderKind::Anaplan) => {
            RefreshPlan::NotRevocable(RefreshTokenFate::NotRevocable {
                kind: session.meta.refresh.kind,
                expires_at: session.meta.refresh.expires_at,
            })
        }
        (Some(rt), ProviderKind::Generic) => {
            match revoke_request(provider, rt.expose(), TokenHint::Refresh) {
                Some(request) => {
                    requests.push((Token::Refresh, "refresh token (RFC 7009)", request));
                    RefreshPlan::Revoke
                }
                None => RefreshPlan::NoEndpoint,
            }
        }
    };
    if access_live {
        let access = &session.secrets.access_token;
        if let Some(request) = revoke_request(provider, access.expose(), TokenHint::Access) {
            requests.push((Token::Access, "access token (RFC 7009)", request));
        }
        if let Some(request) = logout_request(provider, access) {
            requests.push((Token::Access, "Anaplan logout of the access token", request));
        }
    }
    Plan {
        requests,
        refresh,
        // Nothing to send is nothing to wait for.
        access_live: access_live && !no_endpoint,
        no_endpoint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::session::RefreshKind;
    use crate::store::fixtures::full_session;

    fn at_expiry(session: &Session, secs_after: i64) -> Timestamp {
        let expires = session.meta.access_expires_at.unwrap();
        Timestamp::from_unix_secs(expires.as_unix_secs() + secs_after)
    }

    fn kinds(plan: &Plan) -> Vec<(Token, &'static str)> {
        plan.requests.iter().map(|(t, w, _)| (*t, *w)).collect()
    }

    #[test]
    fn an_rfc_7009_plan_revokes_the_refresh_token_and_only_a_live_access_token() {
        let session = full_session("p", 1);
        let provider = Provider::example();
        let live = plan(&provider, &session, at_expiry(&session, -60));
        assert_eq!(live.refresh, RefreshPlan::Revoke);
        assert_eq!(
            kinds(&live),
            [
                (Token::Refresh, "refresh token (RFC 7009)"),
                (Token::Access, "access token (RFC 7009)")
            ]
        );
        let expired = plan(&provider, &session, at_expiry(&session, 60));
        assert_eq!(
            kinds(&expired),
            [(Token::Refresh, "refresh token (RFC 7009)")],
            "an expired access token is not sent"
        );
        assert!(!expired.access_live);
    }

    #[test]
    fn an_anaplan_plan_never_pretends_to_revoke_the_refresh_token() {
        let mut session = full_session("p", 1);
        session.meta.refresh.kind = RefreshKind::Rotating;
        let provider = Provider::anaplan("us1a.app.anaplan.com", "c", None).unwrap();
        let live = plan(&provider, &session, at_expiry(&session, -60));
        assert!(matches!(
            live.refresh,
            RefreshPlan::NotRevocable(RefreshTokenFate::NotRevocable {
                kind: RefreshKind::Rotating,
                ..
            })
        ));
        assert_eq!(
            kinds(&live),
            [(Token::Access, "Anaplan logout of the access token")]
        );
        let expired = plan(&provider, &session, at_expiry(&session, 1));
        assert!(expired.requests.is_empty(), "nothing left to end");
        assert!(!expired.access_live);
    }

    #[test]
    fn an_ended_session_does_not_revoke_its_dead_refresh_token() {
        let mut session = full_session("p", 1);
        session.meta.state = SessionState::Ended {
            code: Some("invalid_grant".into()),
            at: Timestamp::from_unix_secs(0),
            interrupted: false,
        };
        let expired = plan(&Provider::example(), &session, at_expiry(&session, 1));
        assert_eq!(expired.refresh, RefreshPlan::Dead);
        assert!(expired.requests.is_empty());
    }
}
