//! Asking the provider whether a stored access token is still accepted (`status --verify`),
//! sans-IO: which endpoint to ask, the request, and the answer's classification.
//!
//! Anaplan: `GET /token/validate` with `Authorization: AnaplanAuthToken <token>` on the
//! classic authentication service, by the same origin rule as logout
//! ([`anaplan_validate_endpoint`]). Generic providers: the `OpenID` Connect `UserInfo` endpoint
//! (OIDC Core §5.3) with `Bearer`, when discovery named one. A 2xx answer means accepted,
//! 401 refused (RFC 6750 §3.1 `invalid_token`); anything else says nothing about the token.
//!
//! Invariants: every server string is sanitised and capped; an answer is never quoted whole
//! (Anaplan's validate answer may echo the token), so a parse error names the problem only.

use serde_json::{Map, Value};
use url::Url;

use super::provider::{
    AuthScheme, EndpointError, Provider, ProviderKind, anaplan_validate_endpoint, host_and_port,
};
use super::wire::{self, HttpRequest, HttpResponse};
use crate::domain::clock::Timestamp;
use crate::domain::secret::AccessToken;
use crate::domain::text::{DESCRIPTION_MAX_CHARS, SHORT_MAX_CHARS, sanitize};

/// Below this, an `expiresAt` is taken as seconds rather than milliseconds.
const MILLIS_THRESHOLD: i64 = 100_000_000_000;

/// Where a token is checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyEndpoint {
    /// Anaplan's `GET /token/validate`.
    AnaplanValidate(Url),
    /// OIDC `UserInfo` (OIDC Core §5.3).
    UserInfo(Url),
}

/// The provider accepted the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Accepted {
    /// Until when the provider says the token is valid, if it says.
    pub valid_until: Option<Timestamp>,
    /// Who the token belongs to (Anaplan `userId`, else `userGuid`; OIDC `email`,
    /// `preferred_username`, `name` or `sub`), sanitised.
    pub user: Option<String>,
}

/// Why no "accepted" came back.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VerifyFailed {
    /// The provider answered 401: it does not accept the token.
    #[error("{host} refused the access token (HTTP {status}{})", reason.as_ref().map(|r| format!(": {r}")).unwrap_or_default())]
    Refused {
        /// Who answered.
        host: String,
        /// HTTP status.
        status: u16,
        /// The server's reason, sanitised, if it gave one.
        reason: Option<String>,
    },
    /// The session's provider offers no way to check a token (no `userinfo_endpoint`).
    #[error(
        "{host} offers no way to check an access token (its discovery document names no userinfo_endpoint)"
    )]
    NotCheckable {
        /// The session's host.
        host: String,
    },
    /// The discovered userinfo endpoint is at another origin than the token endpoint: the
    /// access token is not sent there (a discovery document must not be able to send it to a
    /// third party), so nothing was asked.
    #[error(
        "the userinfo endpoint {userinfo} is not at the origin of the token endpoint ({token}): grantty sends the access token only to the origin that issued it, so nothing was sent and the token was not checked"
    )]
    ForeignOrigin {
        /// The userinfo endpoint's origin.
        userinfo: String,
        /// The token endpoint's origin.
        token: String,
    },
    /// No answer: connection, TLS, timeout.
    #[error("could not reach {host}: {message}")]
    Unreachable {
        /// Who was asked.
        host: String,
        /// What went wrong.
        message: String,
    },
    /// 5xx: the provider is up but cannot answer now.
    #[error("{host} is unavailable (HTTP {status})")]
    Unavailable {
        /// Who answered.
        host: String,
        /// HTTP status.
        status: u16,
    },
    /// An answer that says nothing about the token, or garbage.
    #[error("unexpected answer from {host} (HTTP {status}): {problem}")]
    BadAnswer {
        /// Who answered.
        host: String,
        /// HTTP status.
        status: u16,
        /// What was wrong with it.
        problem: String,
    },
    /// The stored endpoint is not one grantty uses (plain http to a remote host, …).
    #[error(transparent)]
    Endpoint(#[from] EndpointError),
}

impl VerifyEndpoint {
    /// The endpoint for `provider`; `None` when it has none. A userinfo endpoint at another
    /// origin (scheme, host, port) than the token endpoint is [`VerifyFailed::ForeignOrigin`]:
    /// the access token goes only where the tokens come from.
    pub fn for_provider(provider: &Provider) -> Result<Option<Self>, VerifyFailed> {
        Ok(match provider.kind {
            ProviderKind::Anaplan => Some(Self::AnaplanValidate(anaplan_validate_endpoint(
                &provider.token_endpoint,
            )?)),
            ProviderKind::Generic => match &provider.userinfo_endpoint {
                Some(url) if url.origin() != provider.token_endpoint.origin() => {
                    return Err(VerifyFailed::ForeignOrigin {
                        userinfo: url.origin().ascii_serialization(),
                        token: provider.token_endpoint.origin().ascii_serialization(),
                    });
                }
                other => other.clone().map(Self::UserInfo),
            },
        })
    }

    /// The URL asked.
    pub fn url(&self) -> &Url {
        match self {
            Self::AnaplanValidate(url) | Self::UserInfo(url) => url,
        }
    }

    /// `host[:port]` of the URL asked.
    pub fn host(&self) -> String {
        host_and_port(self.url())
    }

    /// The `GET` carrying `token` in the scheme the endpoint expects.
    pub fn request(&self, token: &AccessToken) -> HttpRequest {
        let mut request = wire::get(self.url().clone());
        let scheme = match self {
            Self::AnaplanValidate(_) => AuthScheme::AnaplanAuthToken,
            Self::UserInfo(_) => AuthScheme::Bearer,
        };
        request.authorization = Some(scheme.header_value(token));
        request
    }

    /// Classifies the answer.
    pub fn parse(&self, resp: &HttpResponse) -> Result<Accepted, VerifyFailed> {
        let host = self.host();
        let bad = |problem: &str| VerifyFailed::BadAnswer {
            host: host.clone(),
            status: resp.status,
            problem: problem.to_owned(),
        };
        match resp.status {
            200..=299 => {}
            401 => {
                let map = wire::body_object(resp).unwrap_or_default();
                let reason = ["statusMessage", "error_description", "error"]
                    .iter()
                    .find_map(|key| text(&map, key, DESCRIPTION_MAX_CHARS));
                return Err(VerifyFailed::Refused {
                    host,
                    status: resp.status,
                    reason,
                });
            }
            403 => {
                return Err(bad(
                    "the token may not ask this endpoint (RFC 6750 insufficient_scope; userinfo wants the openid scope), which says nothing about whether it is valid",
                ));
            }
            500..=599 => {
                return Err(VerifyFailed::Unavailable {
                    host,
                    status: resp.status,
                });
            }
            _ => {
                return Err(bad(
                    "neither accepted (2xx) nor refused (401), so nothing is known about the token",
                ));
            }
        }
        let signed = resp
            .content_type
            .as_deref()
            .is_some_and(|ct| ct.starts_with("application/jwt"));
        if signed && matches!(self, Self::UserInfo(_)) {
            // A signed UserInfo answer (OIDC Core §5.3.2): accepted; its claims go unread.
            return Ok(Accepted {
                valid_until: None,
                user: None,
            });
        }
        let map = wire::body_object(resp).ok_or_else(|| bad("the answer is not a JSON object"))?;
        match self {
            Self::AnaplanValidate(_) => anaplan_accepted(&map).map_err(|p| bad(&p)),
            Self::UserInfo(_) => Ok(Accepted {
                valid_until: None,
                user: ["email", "preferred_username", "name", "sub"]
                    .iter()
                    .find_map(|key| text(&map, key, SHORT_MAX_CHARS)),
            }),
        }
    }
}

/// `{tokenInfo{expiresAt,…}, userInfo{userId,userGuid,…}, …}`.
fn anaplan_accepted(map: &Map<String, Value>) -> Result<Accepted, String> {
    let object = |key: &str| match map.get(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(inner)) => Ok(inner.clone()),
        Some(_) => Err(format!("{key} is not an object")),
    };
    let token_info = object("tokenInfo")?;
    let user_info = object("userInfo")?;
    let valid_until = match token_info.get("expiresAt") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => {
            let at = n
                .as_i64()
                .filter(|at| *at > 0)
                .ok_or("tokenInfo.expiresAt is not a positive whole number")?;
            // Anaplan's classic API gives milliseconds; accept seconds too.
            Some(Timestamp::from_unix_secs(if at >= MILLIS_THRESHOLD {
                at / 1000
            } else {
                at
            }))
        }
        Some(_) => return Err("tokenInfo.expiresAt is not a number".to_owned()),
    };
    Ok(Accepted {
        valid_until,
        user: ["userId", "userGuid"]
            .iter()
            .find_map(|key| text(&user_info, key, SHORT_MAX_CHARS)),
    })
}

/// A non-empty string field, sanitised and capped.
fn text(map: &Map<String, Value>, key: &str, max_chars: usize) -> Option<String> {
    let value = map.get(key)?.as_str()?;
    let clean = sanitize(value, max_chars);
    (!clean.trim().is_empty()).then_some(clean)
}

#[cfg(test)]
#[path = "verify_tests.rs"]
mod tests;
