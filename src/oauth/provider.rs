//! Provider profiles: where to send requests, how to encode them, and how tokens are presented.
//!
//! Anaplan is a built-in profile (JSON bodies, regional hosts, `AnaplanAuthToken` scheme);
//! any other RFC 8628 provider comes from its discovery document or explicit endpoints and uses
//! form bodies (RFC 8628 §3.1, §3.4). Every endpoint must be `https://` unless its host is
//! loopback.

use url::{Host, Url};

use super::client_auth::{ClientAuth, ClientCredential};
use crate::domain::text::{URL_MAX_CHARS, sanitize};

/// Anaplan's default OAuth host (legacy regions).
pub const ANAPLAN_DEFAULT_HOST: &str = "us1a.app.anaplan.com";
/// The scope every Anaplan example sends; `offline_access` is what yields a refresh token.
pub const ANAPLAN_DEFAULT_SCOPE: &str = "openid profile email offline_access";
/// Scope used for generic providers when none is given.
pub const GENERIC_DEFAULT_SCOPE: &str = "openid offline_access";
/// Anaplan's default lifespan of a rotatable refresh token (a tenant admin can change it).
pub const ANAPLAN_DEFAULT_REFRESH_LIFESPAN_SECS: u64 = 43_000;
/// Anaplan's classic authentication service, whose `/token/logout` ends a token's use.
pub const ANAPLAN_DEFAULT_AUTH_URL: &str = "https://auth.anaplan.com";

/// Which family of provider this is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    /// Anaplan Self-Service OAuth.
    Anaplan,
    /// Any standards-following RFC 8628 provider.
    Generic,
}

/// How request bodies are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodyEncoding {
    /// `application/json` (Anaplan).
    Json,
    /// `application/x-www-form-urlencoded` (RFC 6749/8628).
    Form,
}

/// The `Authorization` scheme APIs of this provider expect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthScheme {
    /// `Bearer <token>` (RFC 6750).
    Bearer,
    /// `AnaplanAuthToken <token>`.
    AnaplanAuthToken,
}

/// A URL we refuse to use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointError {
    /// Not a URL.
    #[error("{what} {url:?} is not a valid URL: {reason}")]
    Invalid {
        /// Which endpoint.
        what: &'static str,
        /// The value given.
        url: String,
        /// Why.
        reason: String,
    },
    /// Plain http to a host that is not loopback.
    #[error(
        "{what} {url:?} must use https:// (plain http:// is only allowed for 127.0.0.1, ::1 and localhost)"
    )]
    Insecure {
        /// Which endpoint.
        what: &'static str,
        /// The value given.
        url: String,
    },
    /// A loopback `--host` without a scheme: https is assumed elsewhere, but a local server
    /// (`grantty demo --serve`, a simulator) usually speaks plain http, which would fail with a
    /// TLS error. Say which one is meant.
    #[error(
        "{what} {host:?} is a loopback address without a scheme: for a local server that speaks plain http (such as grantty demo --serve) say {what} http://{host}, for one that speaks TLS {what} https://{host}"
    )]
    LoopbackWithoutScheme {
        /// Which setting.
        what: &'static str,
        /// The host as given.
        host: String,
    },
    /// The discovery document has no device endpoint.
    #[error(
        "the discovery document of {issuer:?} has no device_authorization_endpoint; this server may not support the device grant. If it does, add --device-endpoint URL next to --issuer (the other endpoints still come from discovery)"
    )]
    NoDeviceEndpoint {
        /// The issuer.
        issuer: String,
    },
    /// None of the issuer's well-known addresses serves a metadata document (all 404).
    #[error(
        "no metadata document at {issuer:?}'s well-known addresses (HTTP 404); check the issuer URL, or add --device-endpoint URL and --token-endpoint URL next to --issuer"
    )]
    NoMetadata {
        /// The issuer.
        issuer: String,
    },
}

/// Everything needed to run a device grant against one provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provider {
    /// Which family.
    pub kind: ProviderKind,
    /// The OAuth client id.
    pub client_id: String,
    /// Space-separated scopes to request.
    pub scope: String,
    /// RFC 8628 §3.1 endpoint.
    pub device_authorization_endpoint: Url,
    /// RFC 6749 §3.2 endpoint.
    pub token_endpoint: Url,
    /// RFC 6749 §3.1 authorization endpoint, for `--flow code`, when known.
    pub authorization_endpoint: Option<Url>,
    /// RFC 7009 endpoint, when known.
    pub revocation_endpoint: Option<Url>,
    /// `OpenID` Connect `UserInfo` endpoint (OIDC Core §5.3), when discovery named one;
    /// `status --verify` asks it whether the access token is accepted.
    pub userinfo_endpoint: Option<Url>,
    /// How the authorization code grant signed in, when it did: kept in the session's record.
    pub code_flow: Option<crate::domain::session::CodeFlowRecord>,
    /// RFC 9207: the issuer an authorization response must name in `iss`, when discovery
    /// advertised `authorization_response_iss_parameter_supported`; `None` checks nothing.
    pub authorization_response_iss: Option<String>,
    /// Anaplan's `POST /token/logout`, for providers without RFC 7009.
    pub logout_endpoint: Option<Url>,
    /// Lifespan of each rotating refresh token, when the profile knows it (Anaplan's admin setting).
    pub refresh_token_lifespan_secs: Option<u64>,
    /// Body encoding.
    pub body: BodyEncoding,
    /// Scheme for presenting access tokens.
    pub auth_scheme: AuthScheme,
    /// How a client secret travels, when there is one (RFC 6749 §2.3.1).
    pub client_auth: ClientAuth,
    /// A confidential client's secret and where it came from; `None` for a public client.
    /// [`wire::post`](super::wire) adds it to every request it builds.
    pub client_secret: Option<ClientCredential>,
}

impl Provider {
    /// Anaplan's device grant on `host` (a bare host name such as `us1a.app.anaplan.com`, or a
    /// base URL; `http://127.0.0.1:PORT` works for local testing).
    pub fn anaplan(
        host: &str,
        client_id: &str,
        scope: Option<&str>,
    ) -> Result<Self, EndpointError> {
        let base = if host.contains("://") {
            host.to_owned()
        } else {
            format!("https://{}", host.trim())
        };
        let base = checked_url("--host", &base)?;
        if !host.contains("://") && is_loopback(&base) {
            return Err(EndpointError::LoopbackWithoutScheme {
                what: "--host",
                host: shown(host.trim()),
            });
        }
        let join = |path: &str| {
            base.join(path).map_err(|e| EndpointError::Invalid {
                what: "--host",
                url: shown(host),
                reason: e.to_string(),
            })
        };
        Ok(Self {
            kind: ProviderKind::Anaplan,
            client_id: client_id.trim().to_owned(),
            scope: scope.unwrap_or(ANAPLAN_DEFAULT_SCOPE).to_owned(),
            device_authorization_endpoint: join("/oauth/device/code")?,
            token_endpoint: join("/oauth/token")?,
            // anaplan-sdk's default: the prelogin page lets SSO users pick their login.
            authorization_endpoint: Some(join("/auth/prelogin")?),
            revocation_endpoint: None,
            userinfo_endpoint: None,
            code_flow: None,
            authorization_response_iss: None,
            logout_endpoint: Some(anaplan_logout_endpoint(&base)?),
            refresh_token_lifespan_secs: Some(ANAPLAN_DEFAULT_REFRESH_LIFESPAN_SECS),
            body: BodyEncoding::Json,
            auth_scheme: AuthScheme::AnaplanAuthToken,
            // Assumed, as anaplan-sdk sends it: `client_secret` in the JSON body.
            client_auth: ClientAuth::Post,
            client_secret: None,
        })
    }

    /// A generic provider from explicit endpoints.
    pub fn generic(
        client_id: &str,
        scope: Option<&str>,
        device_endpoint: &str,
        token_endpoint: &str,
        revocation_endpoint: Option<&str>,
    ) -> Result<Self, EndpointError> {
        Ok(Self {
            kind: ProviderKind::Generic,
            client_id: client_id.trim().to_owned(),
            scope: scope.unwrap_or(GENERIC_DEFAULT_SCOPE).to_owned(),
            device_authorization_endpoint: checked_url(
                "device_authorization_endpoint",
                device_endpoint,
            )?,
            token_endpoint: checked_url("token_endpoint", token_endpoint)?,
            authorization_endpoint: None,
            revocation_endpoint: revocation_endpoint
                .map(|u| checked_url("revocation_endpoint", u))
                .transpose()?,
            userinfo_endpoint: None,
            code_flow: None,
            authorization_response_iss: None,
            logout_endpoint: None,
            refresh_token_lifespan_secs: None,
            body: BodyEncoding::Form,
            auth_scheme: AuthScheme::Bearer,
            client_auth: ClientAuth::Basic,
            client_secret: None,
        })
    }

    /// Host (and non-default port) of the device endpoint, for "who is asking".
    pub fn display_host(&self) -> String {
        host_and_port(&self.device_authorization_endpoint)
    }

    /// Short name for titles.
    pub fn display_name(&self) -> &'static str {
        match self.kind {
            ProviderKind::Anaplan => "Anaplan",
            ProviderKind::Generic => "OAuth 2.0",
        }
    }
}

impl AuthScheme {
    /// The `Authorization` header value for `token`.
    pub fn header_value(self, token: &crate::domain::secret::AccessToken) -> String {
        match self {
            Self::Bearer => format!("Bearer {}", token.expose()),
            Self::AnaplanAuthToken => format!("AnaplanAuthToken {}", token.expose()),
        }
    }

    /// The scheme's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Bearer => "Bearer",
            Self::AnaplanAuthToken => "AnaplanAuthToken",
        }
    }
}

/// Where an Anaplan session ends its access token: `auth.anaplan.com` only for `*.anaplan.com`
/// hosts; any other host (a simulator, a staging tenant, the demo server) at its own origin's
/// `/token/logout`, so tokens are never sent to production by mistake.
pub fn anaplan_logout_endpoint(base: &Url) -> Result<Url, EndpointError> {
    anaplan_auth_endpoint(base, "/token/logout", "logout_endpoint")
}

/// Where an Anaplan session asks whether its access token is accepted (`GET /token/validate`),
/// by the same origin rule as [`anaplan_logout_endpoint`].
pub fn anaplan_validate_endpoint(base: &Url) -> Result<Url, EndpointError> {
    anaplan_auth_endpoint(base, "/token/validate", "validate_endpoint")
}

/// `path` on Anaplan's classic authentication service for `*.anaplan.com` hosts, else on the
/// session host's own origin.
fn anaplan_auth_endpoint(base: &Url, path: &str, what: &'static str) -> Result<Url, EndpointError> {
    let production = base.host_str().is_some_and(|h| {
        let h = h.to_ascii_lowercase();
        h == "anaplan.com" || h.ends_with(".anaplan.com")
    });
    let url = if production {
        format!("{ANAPLAN_DEFAULT_AUTH_URL}{path}")
    } else {
        format!("{}{path}", base.origin().ascii_serialization())
    };
    checked_url(what, &url)
}

/// `host[:port]` of a URL.
pub fn host_and_port(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    }
}

/// True for `127.0.0.0/8`, `::1` and `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A URL as an error may quote it: it may come from a discovery document, so it is sanitised
/// and capped like every other server string.
fn shown(raw: &str) -> String {
    sanitize(raw, URL_MAX_CHARS)
}

/// Parses `raw` and insists on https, or http to a loopback host.
pub fn checked_url(what: &'static str, raw: &str) -> Result<Url, EndpointError> {
    let url = Url::parse(raw.trim()).map_err(|e| EndpointError::Invalid {
        what,
        url: shown(raw),
        reason: e.to_string(),
    })?;
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(EndpointError::Insecure {
            what,
            url: shown(raw),
        }),
        other => Err(EndpointError::Invalid {
            what,
            url: shown(raw),
            reason: format!("scheme {:?} is not https", shown(other)),
        }),
    }
}

#[cfg(test)]
impl Provider {
    /// A generic provider at `https://i.example` with client `c` and a revocation endpoint.
    pub(crate) fn example() -> Self {
        Self::generic(
            "c",
            None,
            "https://i.example/d",
            "https://i.example/t",
            Some("https://i.example/r"),
        )
        .unwrap_or_else(|e| unreachable!("{e}"))
    }
}

#[cfg(test)]
#[path = "provider_tests.rs"]
mod tests;
