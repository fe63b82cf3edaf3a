//! Test knobs of the demo server's state: a client an "admin" has disabled (every refresh is
//! refused with `invalid_client` until it is enabled again, tokens untouched, as Anaplan does
//! when a tenant admin disables an OAuth client), and Anaplan's classic logout
//! (`POST /token/logout` with `Authorization: AnaplanAuthToken …`), which ends the token's
//! whole grant.

use super::{DemoState, ErrorCode, OAuthError};

impl DemoState {
    /// Refuses every request of `client_id` with `invalid_client` until [`enable_client`](Self::enable_client).
    pub(crate) fn disable_client(&mut self, client_id: &str) {
        self.disabled_clients.insert(client_id.to_owned());
    }

    /// Lets `client_id` in again; its tokens are as they were.
    pub(crate) fn enable_client(&mut self, client_id: &str) {
        self.disabled_clients.remove(client_id);
    }

    /// The refusal for a disabled client, counted; `None` for an enabled one.
    pub(crate) fn refuse_disabled(&mut self, client_id: &str) -> Option<OAuthError> {
        if !self.disabled_clients.contains(client_id) {
            return None;
        }
        self.stats.client_refusals += 1;
        Some(OAuthError::new(
            ErrorCode::InvalidClient,
            "this OAuth client has been disabled by an administrator",
        ))
    }

    /// Anaplan's logout: ends the access token's grant. `false` for an unknown or dead token.
    pub(crate) fn anaplan_logout(&mut self, access_token: &str, now_ms: u64) -> bool {
        if !self.access_token_active(access_token, now_ms) {
            return false;
        }
        let Some(grant) = self.grant_of_access_token(access_token) else {
            return false;
        };
        self.revoke_family(grant);
        self.stats.logouts += 1;
        true
    }
}
