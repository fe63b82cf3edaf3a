//! Sans-IO requests and responses for the device grant (RFC 8628 §3.1–§3.5) and the token
//! response (RFC 6749 §5).
//!
//! Parsing is deliberately tolerant of what real providers send: error objects in a 200 answer
//! (GitHub), `verification_url` for `verification_uri` (Google), numbers sent as strings,
//! a missing `interval`, form-encoded answers, HTML or empty error bodies. It is strict about what
//! matters for safety: a verification URI must be http(s), every string is sanitised and capped,
//! and the status code never decides alone (Anaplan sends errors as 400 or 403: the JSON `error`
//! code decides).

use serde_json::{Map, Value};
use url::Url;

use super::AuthError;
use super::provider::{BodyEncoding, Provider};
use crate::domain::clock::Timestamp;
use crate::domain::grant::{DEFAULT_INTERVAL_SECS, DeviceAuthorization, PollReply, ServerError};
use crate::domain::secret::{AccessToken, DeviceCode, IdToken, RefreshToken};
use crate::domain::text::{DESCRIPTION_MAX_CHARS, SHORT_MAX_CHARS, sanitize};
use crate::domain::token::TokenSet;
use crate::domain::token_chars::TokenCharsError;

mod checks;
mod code;
mod date;
mod refresh;
use checks::{checked_tokens, verification_uri};
pub use code::ErrorCode;
pub use date::{parse_http_date, retry_after_secs, server_skew};
pub use refresh::{BadAnswer, RefreshReply, parse_refresh};

/// RFC 8628 §3.4 grant type.
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// Used when a device authorization omits `expires_in` (it is REQUIRED; some servers forget).
pub const FALLBACK_EXPIRES_IN_SECS: u64 = 300;
/// Upper bound for server-chosen durations, so arithmetic and countdowns stay sane.
pub const MAX_SERVER_SECS: u64 = 366 * 24 * 3600;
/// How much of a bad body an error message quotes.
const EXCERPT_MAX_CHARS: usize = 200;

/// An HTTP request as plain data. Its body may hold secrets, so `Debug` leaves it out.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    /// `GET` or `POST`.
    pub method: Method,
    /// Where to.
    pub url: Url,
    /// `Content-Type` of the body, if any.
    pub content_type: Option<&'static str>,
    /// The encoded body.
    pub body: Vec<u8>,
    /// An `Authorization` header value (holds a token; never printed).
    pub authorization: Option<String>,
}

impl std::fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("content_type", &self.content_type)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// HTTP method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// An HTTP response as plain data (body already size-capped by the adapter).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<String>,
    /// `Retry-After`, if any.
    pub retry_after: Option<String>,
    /// `Date`, if any.
    pub date: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// A GET request (discovery).
pub fn get(url: Url) -> HttpRequest {
    HttpRequest {
        method: Method::Get,
        url,
        content_type: None,
        body: Vec::new(),
        authorization: None,
    }
}

pub(crate) fn post(provider: &Provider, url: &Url, params: &[(&str, &str)]) -> HttpRequest {
    let (content_type, body) = match provider.body {
        BodyEncoding::Form => {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in params {
                ser.append_pair(k, v);
            }
            (
                "application/x-www-form-urlencoded",
                ser.finish().into_bytes(),
            )
        }
        BodyEncoding::Json => {
            let map: Map<String, Value> = params
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
                .collect();
            (
                "application/json",
                Value::Object(map).to_string().into_bytes(),
            )
        }
    };
    HttpRequest {
        method: Method::Post,
        url: url.clone(),
        content_type: Some(content_type),
        body,
        authorization: None,
    }
}

/// RFC 8628 §3.1 device authorization request.
pub fn device_authorization_request(provider: &Provider) -> HttpRequest {
    let mut params = vec![("client_id", provider.client_id.as_str())];
    if !provider.scope.is_empty() {
        params.push(("scope", provider.scope.as_str()));
    }
    post(provider, &provider.device_authorization_endpoint, &params)
}

/// RFC 8628 §3.4 device access token request.
pub fn device_token_request(provider: &Provider, device_code: &DeviceCode) -> HttpRequest {
    post(
        provider,
        &provider.token_endpoint,
        &[
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device_code.expose()),
            ("client_id", provider.client_id.as_str()),
        ],
    )
}

/// Parses a body into a flat object: JSON, or form-encoded (GitHub without `Accept`).
/// `None` when it is neither (HTML, empty, garbage).
pub fn body_object(resp: &HttpResponse) -> Option<Map<String, Value>> {
    let text = std::str::from_utf8(&resp.body).ok()?.trim();
    if text.starts_with('{') {
        return match serde_json::from_str(text) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        };
    }
    let is_form = resp
        .content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
        || (!text.is_empty() && !text.contains(['<', ' ', '\n']) && text.contains('='));
    is_form.then(|| {
        url::form_urlencoded::parse(text.as_bytes())
            .map(|(k, v)| (k.into_owned(), Value::String(v.into_owned())))
            .collect()
    })
}

/// A string field (numbers are accepted and printed).
fn str_field<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// A non-negative whole number sent as a number or a numeric string, capped.
fn secs_field(map: &Map<String, Value>, key: &str) -> Option<u64> {
    let value = match map.get(key)? {
        // A float such as 5.0 or 1e300: saturate to the cap instead of casting.
        Value::Number(n) => n.as_u64().or_else(|| {
            let f = n.as_f64().filter(|f| f.is_finite() && *f >= 0.0)?;
            Some(if f >= 1e15 {
                MAX_SERVER_SECS
            } else {
                format!("{:.0}", f.floor()).parse().ok()?
            })
        }),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    }?;
    Some(value.min(MAX_SERVER_SECS))
}

/// The start of a body, sanitised, for error messages.
pub fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(EXCERPT_MAX_CHARS * 4)]);
    sanitize(&text, EXCERPT_MAX_CHARS)
}

/// The OAuth error object in `map`, if it has one (RFC 6749 §5.2).
fn server_error(map: &Map<String, Value>, status: u16) -> Option<ServerError> {
    let code = str_field(map, "error")?;
    Some(ServerError {
        status,
        code: sanitize(code, SHORT_MAX_CHARS),
        description: str_field(map, "error_description")
            .map(|d| sanitize(d, DESCRIPTION_MAX_CHARS)),
    })
}

fn parse_error(resp: &HttpResponse, problem: impl Into<String>) -> AuthError {
    AuthError::Parse {
        status: resp.status,
        problem: problem.into(),
        body_excerpt: excerpt(&resp.body),
    }
}

/// Parses the RFC 8628 §3.2 device authorization response received at `now`.
pub fn parse_device_authorization(
    resp: &HttpResponse,
    now: Timestamp,
) -> Result<DeviceAuthorization, AuthError> {
    let map = body_object(resp).ok_or_else(|| parse_error(resp, "not a JSON object"))?;
    if let Some(err) = server_error(&map, resp.status) {
        return Err(AuthError::Server(err));
    }
    if !(200..300).contains(&resp.status) {
        return Err(parse_error(
            resp,
            "error status without an OAuth error code",
        ));
    }
    let device_code =
        str_field(&map, "device_code").ok_or_else(|| parse_error(resp, "no device_code"))?;
    let user_code =
        str_field(&map, "user_code").ok_or_else(|| parse_error(resp, "no user_code"))?;
    let uri = str_field(&map, "verification_uri")
        .or_else(|| str_field(&map, "verification_url"))
        .ok_or_else(|| parse_error(resp, "no verification_uri"))?;
    let complete = str_field(&map, "verification_uri_complete")
        .or_else(|| str_field(&map, "verification_url_complete"))
        .map(|u| verification_uri(u, "verification_uri_complete", resp))
        .transpose()?;
    let user_code = sanitize(user_code, SHORT_MAX_CHARS);
    if user_code.is_empty() {
        return Err(parse_error(
            resp,
            "user_code is empty once control characters are removed",
        ));
    }
    Ok(DeviceAuthorization {
        device_code: DeviceCode::new(device_code),
        user_code,
        verification_uri: verification_uri(uri, "verification_uri", resp)?,
        verification_uri_complete: complete,
        issued_at: now,
        expires_at: now
            .plus_secs(secs_field(&map, "expires_in").unwrap_or(FALLBACK_EXPIRES_IN_SECS)),
        interval_secs: secs_field(&map, "interval")
            .unwrap_or(DEFAULT_INTERVAL_SECS)
            .max(1),
    })
}

/// Parses a successful token response (RFC 6749 §5.1) received at `now`.
pub fn parse_token_response(resp: &HttpResponse, now: Timestamp) -> Result<TokenSet, AuthError> {
    let map = body_object(resp).ok_or_else(|| parse_error(resp, "not a JSON object"))?;
    if let Some(err) = server_error(&map, resp.status) {
        return Err(AuthError::Server(err));
    }
    match token_set(&map, now) {
        None => Err(parse_error(resp, "no access_token")),
        Some(tokens) => Ok(tokens?),
    }
}

/// The tokens in `map`: `None` without an `access_token`, an error when a token holds a
/// character outside VSCHAR (nothing of such an answer is kept).
fn token_set(
    map: &Map<String, Value>,
    now: Timestamp,
) -> Option<Result<TokenSet, TokenCharsError>> {
    let access_token = str_field(map, "access_token")?;
    Some(checked_tokens(map, access_token).map(|()| {
        TokenSet {
            access_token: AccessToken::new(access_token),
            token_type: str_field(map, "token_type")
                .map_or_else(|| "Bearer".to_owned(), |t| sanitize(t, SHORT_MAX_CHARS)),
            expires_at: secs_field(map, "expires_in").map(|s| now.plus_secs(s)),
            refresh_token: str_field(map, "refresh_token").map(RefreshToken::new),
            refresh_token_expires_at: secs_field(map, "refresh_token_expires_in")
                .map(|s| now.plus_secs(s)),
            scope: str_field(map, "scope").map(|s| sanitize(s, DESCRIPTION_MAX_CHARS)),
            id_token: str_field(map, "id_token").map(IdToken::new),
            issued_at: now,
        }
    }))
}

/// Classifies an answer to a device-code poll (RFC 8628 §3.5). The error code decides, not the
/// status: errors may come with 200 (GitHub), 400, 401, 403 (Anaplan) or 429.
pub fn parse_poll(resp: &HttpResponse, now: Timestamp) -> PollReply {
    let map = body_object(resp);
    if let Some(err) = map.as_ref().and_then(|m| server_error(m, resp.status)) {
        return match err.code.as_str() {
            "authorization_pending" => PollReply::Pending,
            "slow_down" => PollReply::SlowDown {
                interval_secs: map.as_ref().and_then(|m| secs_field(m, "interval")),
            },
            "access_denied" => PollReply::Denied {
                description: err.description,
            },
            "expired_token" => PollReply::Expired,
            // "Not now": back off and poll again while the code lives, as for a bare 5xx.
            "server_error" | "temporarily_unavailable" => PollReply::Unavailable {
                status: resp.status,
            },
            _ => PollReply::Error(err),
        };
    }
    if (200..300).contains(&resp.status)
        && let Some(tokens) = map.as_ref().and_then(|m| token_set(m, now))
    {
        return match tokens {
            Ok(tokens) => PollReply::Approved(Box::new(tokens)),
            // Typed in the message rather than the variant: polling ends exactly as for any
            // other answer that is not OAuth, and nothing is stored.
            Err(bad) => PollReply::Unparseable {
                status: resp.status,
                body_excerpt: bad.to_string(),
            },
        };
    }
    match resp.status {
        429 => {
            // An HTTP-date is on the server's clock: measure it from this reply's own `Date`.
            let skew = server_skew(resp, now).unwrap_or_default();
            PollReply::RateLimited {
                retry_after_secs: resp
                    .retry_after
                    .as_deref()
                    .and_then(|v| retry_after_secs(v, now, skew)),
            }
        }
        500..=599 => PollReply::Unavailable {
            status: resp.status,
        },
        status => PollReply::Unparseable {
            status,
            body_excerpt: excerpt(&resp.body),
        },
    }
}

#[cfg(test)]
#[path = "wire_tests.rs"]
mod tests;
