//! Ending a session: revoke at the server (RFC 7009: refresh token first, then the access
//! token; Anaplan: its logout API), then delete locally — but only when the server accepted at
//! least one revocation, or the provider has nothing to revoke with. Otherwise the session is
//! kept: it is the only means left to revoke tokens that are still valid there.

use super::{LoggedOut, LogoutFailed, LogoutMode, RevokeStep, SessionService};
use crate::oauth::http::Transport;
use crate::oauth::provider::{Provider, host_and_port};
use crate::oauth::refresh::{TokenHint, logout_request, parse_revoke, revoke_request};

impl<T: Transport> SessionService<T> {
    /// Ends the session of `profile` as `mode` says.
    pub async fn logout(&self, profile: &str, mode: LogoutMode) -> Result<LoggedOut, LogoutFailed> {
        let _lock = self.lock(profile).await?;
        let session =
            self.load_locked(profile)
                .await?
                .ok_or_else(|| LogoutFailed::NotSignedIn {
                    profile: profile.to_owned(),
                })?;
        let mut steps = Vec::new();
        let mut no_endpoint = false;
        if let LogoutMode::Revoke { logout_endpoint } = mode {
            let mut provider = Provider::from_session(&session)?;
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
                logout_request(&provider, access)
                    .map(|r| ("Anaplan logout of the access token", r)),
            );
            no_endpoint = requests.is_empty();
            for (what, request) in requests {
                let host = host_and_port(&request.url);
                let answer = self
                    .transport
                    .send(request)
                    .await
                    .map(|resp| parse_revoke(&resp));
                steps.push(RevokeStep { what, host, answer });
            }
            if !no_endpoint && !steps.iter().any(RevokeStep::revoked) {
                return Err(LogoutFailed::NotRevoked {
                    profile: profile.to_owned(),
                    steps,
                });
            }
        }
        let name = profile.to_owned();
        self.blocking(move |s| {
            s.delete(&name)?;
            s.clear_kept_aside(&name)
        })
        .await?;
        Ok(LoggedOut {
            profile: profile.to_owned(),
            steps,
            no_endpoint,
        })
    }

    /// Revokes and deletes (the dashboard's `x`): [`logout`](Self::logout) with the stored
    /// endpoints.
    pub async fn revoke(&self, profile: &str) -> Result<LoggedOut, LogoutFailed> {
        self.logout(
            profile,
            LogoutMode::Revoke {
                logout_endpoint: None,
            },
        )
        .await
    }
}
