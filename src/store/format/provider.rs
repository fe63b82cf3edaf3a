//! The provider part of the metadata document: where and how to talk to the provider again.

use serde::{Deserialize, Serialize};

use crate::domain::session::{CodeFlowRecord, ProviderRecord};

#[derive(Serialize, Deserialize)]
struct CodeFlowDoc {
    authorization_endpoint: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    redirect_uri: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct ProviderDoc {
    kind: String,
    host: String,
    client_id: String,
    scope: String,
    device_authorization_endpoint: String,
    token_endpoint: String,
    /// Absent in files written before `status --verify`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    userinfo_endpoint: Option<String>,
    /// Absent for device-grant sessions and in files written before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    code_flow: Option<CodeFlowDoc>,
    revocation_endpoint: Option<String>,
    logout_endpoint: Option<String>,
    refresh_token_lifespan_secs: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_auth: Option<String>,
    /// Where the client secret came from: a description, never the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_secret_source: Option<String>,
}

impl From<&ProviderRecord> for ProviderDoc {
    fn from(p: &ProviderRecord) -> Self {
        Self {
            kind: p.kind.clone(),
            host: p.host.clone(),
            client_id: p.client_id.clone(),
            scope: p.scope.clone(),
            device_authorization_endpoint: p.device_authorization_endpoint.clone(),
            token_endpoint: p.token_endpoint.clone(),
            userinfo_endpoint: p.userinfo_endpoint.clone(),
            code_flow: p.code_flow.as_ref().map(|c| CodeFlowDoc {
                authorization_endpoint: c.authorization_endpoint.clone(),
                redirect_uri: c.redirect_uri.clone(),
            }),
            revocation_endpoint: p.revocation_endpoint.clone(),
            logout_endpoint: p.logout_endpoint.clone(),
            refresh_token_lifespan_secs: p.refresh_token_lifespan_secs,
            client_auth: p.client_auth.clone(),
            client_secret_source: p.client_secret_source.clone(),
        }
    }
}

impl From<ProviderDoc> for ProviderRecord {
    fn from(p: ProviderDoc) -> Self {
        Self {
            kind: p.kind,
            host: p.host,
            client_id: p.client_id,
            scope: p.scope,
            device_authorization_endpoint: p.device_authorization_endpoint,
            token_endpoint: p.token_endpoint,
            userinfo_endpoint: p.userinfo_endpoint,
            code_flow: p.code_flow.map(|c| CodeFlowRecord {
                authorization_endpoint: c.authorization_endpoint,
                redirect_uri: c.redirect_uri,
            }),
            revocation_endpoint: p.revocation_endpoint,
            logout_endpoint: p.logout_endpoint,
            refresh_token_lifespan_secs: p.refresh_token_lifespan_secs,
            client_auth: p.client_auth,
            client_secret_source: p.client_secret_source,
        }
    }
}
