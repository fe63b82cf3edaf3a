//! Anaplan's classic token check, `GET /token/validate` with `Authorization: AnaplanAuthToken
//! <token>`: 200 with the token's expiry and its user for a live token, 401 otherwise. The
//! answer never echoes the token.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::http::{Shared, no_store_headers, presented_token};
use super::lock;
use super::state::DEMO_EMAIL;

/// The demo user's Anaplan user GUID.
const DEMO_USER_GUID: &str = "8a80da9a5d3f7d7f015d4d1b3c2a0001";
/// The demo tenant's customer GUID.
const DEMO_CUSTOMER_GUID: &str = "8a80da9a5d3f7d7f015d4d1b3c2a00c0";

/// `GET /token/validate`.
pub(crate) async fn anaplan_validate(State(shared): State<Shared>, headers: HeaderMap) -> Response {
    let token = presented_token(&headers, "AnaplanAuthToken");
    let now_ms = shared.clock.now_ms();
    let live = lock(&shared.state).check_access_token(token, now_ms);
    let Some(expires_at_ms) = live else {
        let body = json!({
            "status": "FAILURE_BAD_CREDENTIAL",
            "statusMessage": "Token is not valid",
        });
        return (
            StatusCode::UNAUTHORIZED,
            no_store_headers(),
            axum::Json(body),
        )
            .into_response();
    };
    let body = json!({
        "meta": { "validationUrl": format!("{}/token/validate", shared.issuer) },
        "status": "SUCCESS",
        "statusMessage": "Token validated",
        "tokenInfo": {
            "expiresAt": expires_at_ms,
            "tokenId": format!("demo-token-id-{}", expires_at_ms % 100_000),
            "refreshTokenId": null,
        },
        "userInfo": {
            "userGuid": DEMO_USER_GUID,
            "userId": DEMO_EMAIL,
            "customerGuid": DEMO_CUSTOMER_GUID,
        },
    });
    (no_store_headers(), axum::Json(body)).into_response()
}
