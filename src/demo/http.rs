//! The demo server's HTTP surface: routes, and translation between requests and the state.
//!
//! Handlers read the clock once, lock the state for a synchronous step, and reply; no lock
//! is held across an `.await`. The only wait is the configured hold on a successful refresh
//! reply, after the state has rotated the token. Every token-endpoint reply carries
//! `Cache-Control: no-store` (RFC 6749 §5.1).

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::header::{AUTHORIZATION, CACHE_CONTROL, CONTENT_TYPE, PRAGMA, WWW_AUTHENTICATE};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;
use serde_json::json;

use super::client_auth::presented;
use super::clock::DemoClock;
use super::params::Params;
use super::state::{DEFAULT_SCOPE, DEMO_EMAIL, DEMO_NAME, DEMO_SUB, ErrorCode, OAuthError};
use super::{StateCell, authorize, lock, page};

/// The device-code grant type URN (RFC 8628 §3.4).
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The `200` answers of `malformed_refresh_answers`, in turn: no `access_token`, not JSON, an
/// error object in a success, another kind of token than the one issued.
const MALFORMED_REFRESH_ANSWERS: [&str; 4] = [
    r#"{"token_type":"Bearer","expires_in":3600}"#,
    r#"{"access_token":"demo-at-cut-off","#,
    r#"{"error":"invalid_grant","error_description":"sent with 200"}"#,
    r#"{"access_token":"demo-at-other-kind","token_type":"mac","expires_in":3600}"#,
];

/// What every handler shares: the state, the clock, the issuer URL and the refresh hold.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    pub(crate) state: Arc<StateCell>,
    pub(crate) clock: DemoClock,
    pub(crate) issuer: Arc<str>,
    /// How long a successful refresh reply waits before it is sent (`refresh_reply_delay_ms`).
    pub(crate) refresh_reply_delay: Duration,
    /// What the discovery document lists.
    pub(crate) metadata: super::MetadataStyle,
    /// The `userinfo_endpoint` listed instead of the server's own, if any.
    pub(crate) userinfo_endpoint: Option<Arc<str>>,
    /// The test's switch to hold successful refresh replies until released.
    pub(crate) hold: Arc<super::hold::ReplyHold>,
    /// Refresh grants still to be answered with a malformed `200` (`malformed_refresh_answers`).
    pub(crate) malformed_refreshes: Arc<std::sync::atomic::AtomicU32>,
    /// Malformed refresh answers sent so far.
    pub(crate) malformed_answered: Arc<std::sync::atomic::AtomicUsize>,
}

impl Shared {
    /// Whether this refresh gets a malformed answer; counts it down.
    fn take_malformed_refresh(&self) -> bool {
        use std::sync::atomic::Ordering;
        self.malformed_refreshes
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }
}

/// All routes of the demo server.
pub(crate) fn router(shared: Shared) -> Router {
    Router::new()
        .route("/", get(page::index))
        .route("/.well-known/oauth-authorization-server", get(metadata))
        .route("/.well-known/openid-configuration", get(metadata))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/device_authorization", post(device_authorization))
        .route("/oauth/device/code", post(device_authorization))
        .route("/token", post(token))
        .route("/oauth/token", post(token))
        .route("/revoke", post(revoke))
        .route("/token/logout", post(anaplan_logout))
        .route("/userinfo", get(userinfo))
        .route("/token/validate", get(super::validate::anaplan_validate))
        .route("/device", get(page::device_form).post(page::device_submit))
        .route("/authorize", get(authorize::form).post(authorize::submit))
        // Anaplan's authorization endpoint: the same page.
        .route("/auth/prelogin", get(authorize::form))
        .with_state(shared)
}

impl Shared {
    fn client_auth_methods(&self) -> Vec<String> {
        lock(&self.state).client_auth_methods()
    }
}

/// Authorization server metadata (RFC 8414 §2), also valid as OIDC discovery.
async fn metadata(State(shared): State<Shared>) -> Response {
    let issuer = &*shared.issuer;
    let scopes: Vec<&str> = DEFAULT_SCOPE.split(' ').collect();
    let mut doc = json!({
        "issuer": issuer,
        "device_authorization_endpoint": format!("{issuer}/device_authorization"),
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "userinfo_endpoint": shared
            .userinfo_endpoint
            .as_deref()
            .map_or_else(|| format!("{issuer}/userinfo"), str::to_owned),
        "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
        "grant_types_supported": [DEVICE_CODE_GRANT, "refresh_token", "authorization_code"],
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "token_endpoint_auth_methods_supported": shared.client_auth_methods(),
        "revocation_endpoint_auth_methods_supported": shared.client_auth_methods(),
        "scopes_supported": scopes,
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["none"],
    });
    if shared.metadata == super::MetadataStyle::WithoutDeviceEndpoint
        && let Some(map) = doc.as_object_mut()
    {
        map.remove("device_authorization_endpoint");
    }
    axum::Json(doc).into_response()
}

/// An empty key set: demo ID tokens are unsigned.
async fn jwks() -> Response {
    axum::Json(json!({ "keys": [] })).into_response()
}

/// Device authorization endpoint (RFC 8628 §3.1, §3.2).
async fn device_authorization(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = Params::parse(&headers, &body).and_then(|params| {
        authenticate(&shared, &uri, &headers, &params)?;
        let client_id = params
            .get("client_id")
            .ok_or_else(|| OAuthError::new(ErrorCode::InvalidClient, "client_id is required"))?;
        let now_ms = shared.clock.now_ms();
        let auth =
            lock(&shared.state).device_authorization(client_id, params.get("scope"), now_ms)?;
        let verification_uri = format!("{}/device", shared.issuer);
        Ok(json!({
            "device_code": auth.device_code,
            "user_code": auth.user_code,
            "verification_uri_complete": format!("{verification_uri}?user_code={}", auth.user_code),
            "verification_uri": verification_uri,
            "expires_in": auth.expires_in,
            "interval": auth.interval,
        }))
    });
    no_store(reply)
}

/// Token endpoint: device-code, authorization-code and refresh-token grants (RFC 8628 §3.4,
/// RFC 6749 §4.1.3 with RFC 7636 §4.6, RFC 6749 §6).
async fn token(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now_ms = shared.clock.now_ms();
    lock(&shared.state).count_token_request();
    let mut hold = Duration::ZERO;
    let mut is_refresh = false;
    let mut malformed = false;
    let reply = Params::parse(&headers, &body).and_then(|params| {
        authenticate(&shared, &uri, &headers, &params)?;
        match params.require("grant_type", "grant_type is required")? {
            DEVICE_CODE_GRANT => {
                let client_id = params.get("client_id").ok_or_else(|| {
                    OAuthError::new(ErrorCode::InvalidClient, "client_id is required")
                })?;
                let device_code = params.require("device_code", "device_code is required")?;
                lock(&shared.state).poll(client_id, device_code, now_ms)
            }
            "authorization_code" => lock(&shared.state).redeem_code(&params, now_ms),
            "refresh_token" => {
                let refresh_token = params.require("refresh_token", "refresh_token is required")?;
                if shared.take_malformed_refresh() {
                    // Answered below, before anything rotated.
                    malformed = true;
                    return Err(OAuthError::new(ErrorCode::InvalidRequest, "malformed"));
                }
                let reply =
                    lock(&shared.state).refresh(params.get("client_id"), refresh_token, now_ms);
                if reply.is_ok() {
                    hold = shared.refresh_reply_delay;
                    is_refresh = true;
                }
                reply
            }
            _ => Err(OAuthError::new(
                ErrorCode::UnsupportedGrantType,
                "use the device_code, authorization_code or refresh_token grant",
            )),
        }
    });
    if malformed {
        let body = MALFORMED_REFRESH_ANSWERS[shared
            .malformed_answered
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            % 4];
        let json = (CONTENT_TYPE, HeaderValue::from_static("application/json"));
        return (StatusCode::OK, no_store_headers(), [json], body).into_response();
    }
    if !hold.is_zero() {
        // The token has already rotated: a client that dies now never learns the new one.
        tokio::time::sleep(hold).await;
    }
    if is_refresh {
        shared.hold.wait_if_held().await;
    }
    no_store(reply)
}

/// Revocation endpoint (RFC 7009 §2): 200 with an empty body, even for unknown tokens.
async fn revoke(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let reply = Params::parse(&headers, &body).and_then(|params| {
        authenticate(&shared, &uri, &headers, &params)?;
        let token = params.require("token", "token is required")?;
        // token_type_hint is only an optimisation (RFC 7009 §2.1); both kinds are searched.
        lock(&shared.state).revoke(params.get("client_id"), token)
    });
    match reply {
        Ok(()) => (StatusCode::OK, no_store_headers()).into_response(),
        Err(err) => error_response(&err),
    }
}

/// The token presented as `Authorization: <scheme> <token>`, if any.
pub(crate) fn presented_token<'h>(headers: &'h HeaderMap, scheme: &str) -> Option<&'h str> {
    headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix(scheme))
        .and_then(|rest| rest.strip_prefix(' '))
        .map(str::trim)
}

/// Anaplan's classic logout (`POST /token/logout`, `Authorization: AnaplanAuthToken …`):
/// 204 when it ended a live token's grant, 401 otherwise.
async fn anaplan_logout(
    State(shared): State<Shared>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Recorded so a test can see that no client secret came with it.
    if let Ok(params) = Params::parse(&headers, &body)
        && let Ok(seen) = presented(&HeaderMap::new(), &params)
    {
        // Logout authenticates by the access token, not the client: only the record counts.
        let _ = lock(&shared.state).record_client_request(seen, uri.path(), &params, false);
    }
    let token = presented_token(&headers, "AnaplanAuthToken");
    let now_ms = shared.clock.now_ms();
    let ended = token.is_some_and(|token| lock(&shared.state).anaplan_logout(token, now_ms));
    if ended {
        (StatusCode::NO_CONTENT, no_store_headers()).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, no_store_headers()).into_response()
    }
}

/// `UserInfo` endpoint (OIDC Core §5.3): who the bearer token belongs to.
async fn userinfo(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let token = presented_token(&headers, "Bearer");
    let now_ms = shared.clock.now_ms();
    let active = lock(&shared.state)
        .check_access_token(token, now_ms)
        .is_some();
    if active {
        let body = json!({ "sub": DEMO_SUB, "email": DEMO_EMAIL, "name": DEMO_NAME });
        return (no_store_headers(), axum::Json(body)).into_response();
    }
    let challenge = HeaderValue::from_static(r#"Bearer error="invalid_token""#);
    (StatusCode::UNAUTHORIZED, [(WWW_AUTHENTICATE, challenge)]).into_response()
}

fn no_store<T: Serialize>(reply: Result<T, OAuthError>) -> Response {
    match reply {
        Ok(body) => (no_store_headers(), axum::Json(body)).into_response(),
        Err(err) => error_response(&err),
    }
}

/// Client authentication (RFC 6749 §2.3.1), recorded in the server's request log.
fn authenticate(
    shared: &Shared,
    uri: &Uri,
    headers: &HeaderMap,
    params: &Params,
) -> Result<(), OAuthError> {
    let json_body = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let seen = presented(headers, params)?;
    lock(&shared.state).record_client_request(seen, uri.path(), params, json_body)
}

/// An RFC 6749 §5.2 error reply: 400, or 401 with a `WWW-Authenticate` challenge when the
/// client failed to authenticate.
fn error_response(err: &OAuthError) -> Response {
    let mut body = json!({ "error": err.code.as_str(), "error_description": err.description });
    if let Some(interval) = err.interval {
        body["interval"] = json!(interval);
    }
    if err.status == 401 {
        let challenge = HeaderValue::from_static(r#"Basic realm="grantty demo""#);
        return (
            StatusCode::UNAUTHORIZED,
            [(WWW_AUTHENTICATE, challenge)],
            no_store_headers(),
            axum::Json(body),
        )
            .into_response();
    }
    let status = StatusCode::from_u16(err.status).unwrap_or(StatusCode::BAD_REQUEST);
    (status, no_store_headers(), axum::Json(body)).into_response()
}

pub(crate) fn no_store_headers() -> [(axum::http::HeaderName, HeaderValue); 2] {
    [
        (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        (PRAGMA, HeaderValue::from_static("no-cache")),
    ]
}
