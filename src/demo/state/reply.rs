//! Values the sans-IO state hands back to the HTTP layer: OAuth errors, device
//! authorizations, and what the verification page shows.

use serde::Serialize;

use crate::demo::Decision;
use crate::demo::codes::RandomUnavailable;

/// Error codes of RFC 6749 §5.2 and RFC 8628 §3.5 that the demo server emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    AuthorizationPending,
    SlowDown,
    AccessDenied,
    ExpiredToken,
    /// The server could not answer (its random source failed), RFC 6749 §4.1.2.1.
    ServerError,
}

impl ErrorCode {
    /// The wire spelling of the code.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::AuthorizationPending => "authorization_pending",
            Self::SlowDown => "slow_down",
            Self::AccessDenied => "access_denied",
            Self::ExpiredToken => "expired_token",
            Self::ServerError => "server_error",
        }
    }
}

/// An OAuth error reply: `{"error", "error_description"}`, plus the new `interval` on `slow_down`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OAuthError {
    pub(crate) code: ErrorCode,
    pub(crate) description: &'static str,
    /// Non-standard hint: the device code's interval after a `slow_down`.
    pub(crate) interval: Option<u64>,
    /// HTTP status: 400, 401 for a client that failed to authenticate (RFC 6749 §5.2), or 500.
    pub(crate) status: u16,
}

impl From<RandomUnavailable> for OAuthError {
    fn from(_: RandomUnavailable) -> Self {
        Self {
            status: 500,
            ..Self::new(ErrorCode::ServerError, "the server's random source failed")
        }
    }
}

impl OAuthError {
    pub(crate) fn new(code: ErrorCode, description: &'static str) -> Self {
        Self {
            code,
            description,
            interval: None,
            status: 400,
        }
    }
}

/// The body of a device authorization response, minus the issuer-based URIs (RFC 8628 §3.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DeviceAuthorization {
    pub(crate) device_code: String,
    pub(crate) user_code: String,
    pub(crate) expires_in: u64,
    pub(crate) interval: u64,
}

/// Where a device authorization stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceStatus {
    Pending,
    Approved,
    Denied,
    /// Approved and its tokens issued; the device code is spent.
    Redeemed,
}

/// What the verification page shows about a user code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DeviceView {
    pub(crate) user_code: String,
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) status: DeviceStatus,
    /// The token the page's form must send back (issued while the code is pending).
    pub(crate) form_token: Option<String>,
}

impl From<Decision> for DeviceStatus {
    fn from(decision: Decision) -> Self {
        match decision {
            Decision::Approve => Self::Approved,
            Decision::Deny => Self::Denied,
        }
    }
}
