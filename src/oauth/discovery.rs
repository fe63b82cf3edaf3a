//! Authorization server metadata: RFC 8414 and `OpenID` Connect Discovery.
//!
//! For an issuer `https://idp.example.com/tenant` we try, in order,
//! `https://idp.example.com/.well-known/oauth-authorization-server/tenant` (RFC 8414 §3.1) and
//! `https://idp.example.com/tenant/.well-known/openid-configuration` (OIDC Discovery §4). The
//! document's `issuer` must equal the one asked for (RFC 8414 §3.3), or a mix-up attack could
//! send our codes elsewhere.

use url::Url;

use super::AuthError;
use super::client_auth::ClientAuth;
use super::provider::{EndpointError, Provider, checked_url};
use super::wire::{HttpResponse, body_object, excerpt};

/// The metadata fields grantty uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// `issuer`.
    pub issuer: String,
    /// `device_authorization_endpoint` (RFC 8628 §4), if advertised.
    pub device_authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `revocation_endpoint` (RFC 7009), if advertised.
    pub revocation_endpoint: Option<String>,
    /// `userinfo_endpoint` (OIDC Discovery §3), if advertised; `status --verify` uses it.
    pub userinfo_endpoint: Option<String>,
    /// `authorization_endpoint` (RFC 8414 §2), if advertised; `--flow code` uses it.
    pub authorization_endpoint: Option<String>,
    /// `token_endpoint_auth_methods_supported` (RFC 8414 §2), if advertised: decides how a
    /// client secret is sent.
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    /// `authorization_response_iss_parameter_supported` (RFC 9207 §3): when true, every
    /// authorization response must carry `iss` equal to `issuer`.
    pub authorization_response_iss_parameter_supported: bool,
}

/// The URLs to try for `issuer`, most specific first.
pub fn discovery_urls(issuer: &str) -> Result<Vec<Url>, EndpointError> {
    let url = checked_url("--issuer", issuer)?;
    let path = url.path().trim_end_matches('/');
    let mut rfc8414 = url.clone();
    rfc8414.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    let mut oidc = url.clone();
    oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
    for u in [&mut rfc8414, &mut oidc] {
        u.set_query(None);
        u.set_fragment(None);
    }
    Ok(vec![rfc8414, oidc])
}

/// Parses a metadata document fetched for `expected_issuer`.
pub fn parse_metadata(resp: &HttpResponse, expected_issuer: &str) -> Result<Metadata, AuthError> {
    let bad = |problem: &str| AuthError::Parse {
        status: resp.status,
        problem: problem.to_owned(),
        body_excerpt: excerpt(&resp.body),
    };
    if !(200..300).contains(&resp.status) {
        return Err(bad("no metadata document here"));
    }
    let map = body_object(resp).ok_or_else(|| bad("metadata is not a JSON object"))?;
    let field = |key: &str| map.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let issuer = field("issuer").ok_or_else(|| bad("metadata has no issuer"))?;
    if issuer.trim_end_matches('/') != expected_issuer.trim().trim_end_matches('/') {
        return Err(bad(&format!(
            "metadata names issuer {:?}, not the {:?} we asked for",
            excerpt(issuer.as_bytes()),
            expected_issuer
        )));
    }
    Ok(Metadata {
        issuer,
        device_authorization_endpoint: field("device_authorization_endpoint"),
        token_endpoint: field("token_endpoint")
            .ok_or_else(|| bad("metadata has no token_endpoint"))?,
        revocation_endpoint: field("revocation_endpoint"),
        userinfo_endpoint: field("userinfo_endpoint"),
        authorization_endpoint: field("authorization_endpoint"),
        token_endpoint_auth_methods_supported: map
            .get("token_endpoint_auth_methods_supported")
            .and_then(|v| v.as_array())
            .map(|methods| {
                methods
                    .iter()
                    .filter_map(|m| m.as_str().map(str::to_owned))
                    .collect()
            }),
        authorization_response_iss_parameter_supported: map
            .get("authorization_response_iss_parameter_supported")
            .and_then(serde_json::Value::as_bool)
            .unwrap_or(false),
    })
}

/// Endpoints the user gives next to `--issuer` (flags or profile keys): each replaces the one
/// discovery found, the others still come from the document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    /// `--device-endpoint`.
    pub device_authorization_endpoint: Option<String>,
    /// `--token-endpoint`.
    pub token_endpoint: Option<String>,
    /// `--revocation-endpoint`.
    pub revocation_endpoint: Option<String>,
    /// `--authorize-endpoint`.
    pub authorization_endpoint: Option<String>,
}

impl EndpointOverrides {
    /// Checks every given endpoint as any endpoint is (https, or http to loopback), before
    /// anything is fetched.
    pub fn check(&self) -> Result<(), EndpointError> {
        for (what, url) in [
            ("--device-endpoint", &self.device_authorization_endpoint),
            ("--token-endpoint", &self.token_endpoint),
            ("--revocation-endpoint", &self.revocation_endpoint),
            ("--authorize-endpoint", &self.authorization_endpoint),
        ] {
            if let Some(url) = url {
                checked_url(what, url)?;
            }
        }
        Ok(())
    }

    /// Metadata for an issuer that publishes none, when the user gave the two endpoints the
    /// device grant needs.
    pub fn without_discovery(&self, issuer: &str) -> Option<Metadata> {
        Some(Metadata {
            issuer: issuer.to_owned(),
            device_authorization_endpoint: Some(self.device_authorization_endpoint.clone()?),
            token_endpoint: self.token_endpoint.clone()?,
            revocation_endpoint: None,
            userinfo_endpoint: None,
            authorization_endpoint: None,
            token_endpoint_auth_methods_supported: None,
            authorization_response_iss_parameter_supported: false,
        })
        .map(|meta| self.apply(meta))
    }

    /// `meta` with each given endpoint in place of the discovered one.
    pub fn apply(&self, meta: Metadata) -> Metadata {
        let pick = |given: &Option<String>, found: Option<String>| given.clone().or(found);
        Metadata {
            device_authorization_endpoint: pick(
                &self.device_authorization_endpoint,
                meta.device_authorization_endpoint,
            ),
            token_endpoint: self.token_endpoint.clone().unwrap_or(meta.token_endpoint),
            revocation_endpoint: pick(&self.revocation_endpoint, meta.revocation_endpoint),
            authorization_endpoint: pick(&self.authorization_endpoint, meta.authorization_endpoint),
            ..meta
        }
    }
}

impl Provider {
    /// A generic provider from discovered metadata.
    pub fn from_metadata(
        meta: &Metadata,
        client_id: &str,
        scope: Option<&str>,
    ) -> Result<Self, EndpointError> {
        let device = meta
            .device_authorization_endpoint
            .as_deref()
            .ok_or_else(|| EndpointError::NoDeviceEndpoint {
                issuer: crate::domain::text::sanitize(
                    &meta.issuer,
                    crate::domain::text::URL_MAX_CHARS,
                ),
            })?;
        let mut provider = Provider::generic(
            client_id,
            scope,
            device,
            &meta.token_endpoint,
            meta.revocation_endpoint.as_deref(),
        )?;
        provider.authorization_endpoint = meta
            .authorization_endpoint
            .as_deref()
            .map(|url| checked_url("authorization_endpoint", url))
            .transpose()?;
        provider.client_auth =
            ClientAuth::from_supported(meta.token_endpoint_auth_methods_supported.as_deref());
        provider.userinfo_endpoint = meta
            .userinfo_endpoint
            .as_deref()
            .map(|url| checked_url("userinfo_endpoint", url))
            .transpose()?;
        provider.authorization_response_iss = meta
            .authorization_response_iss_parameter_supported
            .then(|| meta.issuer.clone());
        Ok(provider)
    }
}

#[cfg(test)]
#[path = "discovery_tests.rs"]
mod tests;
