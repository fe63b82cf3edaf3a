//! Test knobs of the demo server's state: a client an "admin" has disabled (every refresh is
//! refused with `invalid_client` until it is enabled again, tokens untouched, as Anaplan does
//! when a tenant admin disables an OAuth client), and Anaplan's classic logout
//! (`POST /token/logout` with `Authorization: AnaplanAuthToken …`), which ends the token's
//! whole grant. Also the log of what each client presented at the endpoints it authenticates
//! at ([`ClientRequest`]), and the methods the confidential client may use.

use super::{DemoState, ErrorCode, OAuthError};
use crate::demo::client_auth::{ClientRequest, Presented};
use crate::demo::params::Params;

impl DemoState {
    /// Authenticates a request's client and records what it presented (never the secret).
    pub(crate) fn record_client_request(
        &mut self,
        presented: Presented,
        endpoint: &str,
        params: &Params,
        json_body: bool,
    ) -> Result<(), OAuthError> {
        let (record, result) = presented.check(&self.config, endpoint, params, json_body);
        if result.is_err() {
            self.stats.client_auth_failures += 1;
        }
        self.log_client_request(record);
        result
    }

    /// Every request recorded by [`record_client_request`](Self::record_client_request).
    pub(crate) fn client_requests(&self) -> Vec<ClientRequest> {
        self.client_requests.iter().cloned().collect()
    }

    /// Replaces the confidential client's secret.
    pub(crate) fn rotate_client_secret(&mut self, secret: &str) {
        secret.clone_into(&mut self.config.confidential_client.secret);
    }

    /// The advertised `token_endpoint_auth_methods_supported`.
    pub(crate) fn client_auth_methods(&self) -> Vec<String> {
        self.config.client_auth_methods.clone()
    }

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

    /// Anaplan's logout: ends that access token, and only it. The refresh token stays usable,
    /// as Anaplan's does (no client can revoke it). `false` for an unknown or dead token.
    pub(crate) fn anaplan_logout(&mut self, access_token: &str, now_ms: u64) -> bool {
        self.sweep_if_due(now_ms);
        if !self.access_token_active(access_token, now_ms) {
            return false;
        }
        let ended = self.end_access_token(access_token);
        if ended {
            self.stats.logouts += 1;
        }
        ended
    }
}
