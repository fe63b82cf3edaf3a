//! Ending a session: revoke at the server (RFC 7009: refresh token first, then the access
//! token; Anaplan: its logout API), then delete locally — but only when the server accepted at
//! least one revocation, or the provider has nothing to revoke with. Otherwise the session is
//! kept: it is the only means left to revoke tokens that are still valid there.
//!
//! [`SessionService::revoke`] is the network half alone, for a session that is no longer in
//! the store (the one a new sign-in replaced): nothing is read or written locally.

use super::{LoggedOut, LogoutFailed, LogoutMode, RevokeStep, SessionService};
use crate::domain::session::Session;
use crate::oauth::http::Transport;
use crate::oauth::provider::{EndpointError, Provider, host_and_port};
use crate::oauth::refresh::{TokenHint, logout_request, parse_revoke, revoke_request};
use crate::store::Activity;

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
                });
            }
            Err(e) => return Err(e.into()),
        };
        let mut steps = Vec::new();
        let mut no_endpoint = false;
        if let LogoutMode::Revoke { logout_endpoint } = mode {
            (steps, no_endpoint) = self.revoke_steps(&session, logout_endpoint).await?;
            if !no_endpoint && !steps.iter().any(RevokeStep::revoked) {
                return Err(LogoutFailed::NotRevoked {
                    profile: profile.to_owned(),
                    steps,
                });
            }
        }
        self.forget(profile).await?;
        Ok(LoggedOut {
            profile: profile.to_owned(),
            steps,
            no_endpoint,
            tokens_missing: false,
        })
    }

    /// Revokes `session`'s grant at the server it came from, exactly as `logout` would, without
    /// touching the store (the session a sign-in replaced is no longer in it).
    pub async fn revoke(&self, session: &Session) -> Result<LoggedOut, LogoutFailed> {
        let profile = session.meta.profile.clone();
        let (steps, no_endpoint) = self.revoke_steps(session, None).await?;
        if !no_endpoint && !steps.iter().any(RevokeStep::revoked) {
            return Err(LogoutFailed::NotRevoked { profile, steps });
        }
        Ok(LoggedOut {
            profile,
            steps,
            no_endpoint,
            tokens_missing: false,
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

    /// The revocation requests for `session` and the server's answers, in order; `true` when the
    /// provider has nothing to revoke with.
    async fn revoke_steps(
        &self,
        session: &Session,
        logout_endpoint: Option<url::Url>,
    ) -> Result<(Vec<RevokeStep>, bool), EndpointError> {
        let mut provider = Provider::from_session(session)?;
        if logout_endpoint.is_some() {
            provider.logout_endpoint = logout_endpoint;
        }
        let mut requests = Vec::new();
        if let Some(rt) = &session.secrets.refresh_token {
            requests.extend(
                revoke_request(&provider, rt.expose(), TokenHint::Refresh)
                    .map(|r| ("refresh token (RFC 7009)", r)),
            );
        }
        let access = &session.secrets.access_token;
        requests.extend(
            revoke_request(&provider, access.expose(), TokenHint::Access)
                .map(|r| ("access token (RFC 7009)", r)),
        );
        requests.extend(
            logout_request(&provider, access).map(|r| ("Anaplan logout of the access token", r)),
        );
        let no_endpoint = requests.is_empty();
        // The provider (with its secret) is not kept across the awaits below.
        drop(provider);
        let mut steps = Vec::new();
        for (what, request) in requests {
            let host = host_and_port(&request.url);
            let answer = self
                .transport
                .send(request)
                .await
                .map(|resp| parse_revoke(&resp));
            steps.push(RevokeStep { what, host, answer });
        }
        Ok((steps, no_endpoint))
    }
}
