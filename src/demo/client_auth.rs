//! Client authentication at the demo server (RFC 6749 §2.3.1), and the record of what each
//! request presented, so tests assert what the SERVER saw.
//!
//! The confidential client ([`ConfidentialClient`](super::ConfidentialClient)) must present its
//! secret on the device authorization, token and revocation endpoints, by a method the server
//! advertises (`client_secret_basic` or `client_secret_post`); anything else is `401
//! invalid_client`. Other clients are public and authenticate by `client_id` alone. Presenting
//! the secret both ways, or two different client ids, is `invalid_request`.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use super::params::Params;
use super::state::{ErrorCode, OAuthError};

/// How a request authenticated its client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeenAuth {
    /// No secret: a public client (or a confidential one that forgot).
    None,
    /// `Authorization: Basic …`.
    Basic,
    /// `client_secret` in the body.
    Post,
}

/// One request to an endpoint a client authenticates at, as the server saw it. Holds no
/// secret: only whether the one presented was right.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRequest {
    /// The path: `/token`, `/oauth/token`, `/device_authorization`, `/revoke`, `/token/logout`.
    pub endpoint: String,
    /// `grant_type`, at the token endpoint.
    pub grant_type: Option<String>,
    /// The client id presented (header or body), clipped to 128 characters.
    pub client_id: Option<String>,
    /// How the client authenticated.
    pub auth: SeenAuth,
    /// Whether a presented secret matched (`false` without one).
    pub secret_matched: bool,
    /// Whether the body was JSON (Anaplan's shape) rather than a form.
    pub json_body: bool,
    /// The names of the body's parameters, sorted (the first 32, each clipped to 128 characters).
    pub params: Vec<String>,
    /// Whether client authentication let it through.
    pub accepted: bool,
}

/// What a request presented: the client id and secret, and how.
#[derive(Debug)]
pub(crate) struct Presented {
    client_id: Option<String>,
    secret: Option<String>,
    auth: SeenAuth,
}

/// Reads the client credentials of a request: a Basic header (its parts form-urldecoded, RFC
/// 6749 appendix B), or `client_id` / `client_secret` in the body.
pub(crate) fn presented(headers: &HeaderMap, params: &Params) -> Result<Presented, OAuthError> {
    use base64::Engine as _;
    let invalid = |d| OAuthError::new(ErrorCode::InvalidRequest, d);
    let basic = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let Some(encoded) = basic else {
        return Ok(Presented {
            client_id: params.get("client_id").map(str::to_owned),
            secret: params.get("client_secret").map(str::to_owned),
            auth: if params.get("client_secret").is_some() {
                SeenAuth::Post
            } else {
                SeenAuth::None
            },
        });
    };
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| invalid("the Basic credentials are not base64 of id:secret"))?;
    let (id, secret) = decoded
        .split_once(':')
        .ok_or_else(|| invalid("the Basic credentials are not base64 of id:secret"))?;
    let unescape = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    let (id, secret) = (unescape(id), unescape(secret));
    if params.get("client_secret").is_some() {
        return Err(invalid(
            "client authentication must use one method: Basic or client_secret, not both",
        ));
    }
    if params.get("client_id").is_some_and(|body_id| body_id != id) {
        return Err(invalid(
            "the client_id in the body is not the one in the Basic header",
        ));
    }
    Ok(Presented {
        client_id: Some(id),
        secret: Some(secret),
        auth: SeenAuth::Basic,
    })
}

impl Presented {
    /// Checks the presentation against the confidential client; returns the record of it.
    pub(crate) fn check(
        self,
        config: &super::DemoConfig,
        endpoint: &str,
        params: &Params,
        json_body: bool,
    ) -> (ClientRequest, Result<(), OAuthError>) {
        let client = &config.confidential_client;
        let secret_matched = self.secret.as_deref() == Some(client.secret.as_str());
        let method_allowed = match self.auth {
            SeenAuth::Basic => "client_secret_basic",
            SeenAuth::Post => "client_secret_post",
            SeenAuth::None => "none",
        };
        let allowed = config
            .client_auth_methods
            .iter()
            .any(|m| m == method_allowed);
        let result = if self.client_id.as_deref() != Some(client.client_id.as_str()) {
            Ok(())
        } else if self.auth == SeenAuth::None {
            Err(unauthorized(
                "this client is confidential: authenticate with its secret",
            ))
        } else if !allowed {
            Err(unauthorized(
                "this client authentication method is not supported",
            ))
        } else if !secret_matched {
            Err(unauthorized(
                "client authentication failed: wrong client secret",
            ))
        } else {
            Ok(())
        };
        // Clipped, so the log's cap bounds its memory whatever a client sends.
        let record = ClientRequest {
            endpoint: clip(endpoint),
            grant_type: params.get("grant_type").map(clip),
            client_id: self.client_id.as_deref().map(clip),
            auth: self.auth,
            secret_matched,
            json_body,
            params: params
                .names()
                .iter()
                .take(LOGGED_PARAMS_MAX)
                .map(|name| clip(name))
                .collect(),
            accepted: result.is_ok(),
        };
        (record, result)
    }
}

/// Parameter names kept in one [`ClientRequest`].
const LOGGED_PARAMS_MAX: usize = 32;
/// Characters kept of each value in a [`ClientRequest`].
const LOGGED_CHARS_MAX: usize = 128;

fn clip(value: &str) -> String {
    value.chars().take(LOGGED_CHARS_MAX).collect()
}

fn unauthorized(description: &'static str) -> OAuthError {
    OAuthError {
        status: 401,
        ..OAuthError::new(ErrorCode::InvalidClient, description)
    }
}
