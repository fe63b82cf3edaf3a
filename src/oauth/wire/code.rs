//! OAuth error codes as a type (RFC 6749 §5.2, RFC 8628 §3.5, RFC 7009 §2.2.1), parsed once here
//! so nothing else compares error strings. Unknown codes keep their (sanitised) text in
//! [`ErrorCode::Extension`].

/// An `error` code from an authorization server.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// `invalid_grant`: the refresh token (or device code) is expired, revoked or spent.
    InvalidGrant,
    /// `invalid_client`: the client is unknown, disabled, or failed to authenticate.
    InvalidClient,
    /// `unauthorized_client`: the client may not use this grant.
    UnauthorizedClient,
    /// `access_denied`: the user or the server's policy refused.
    AccessDenied,
    /// `slow_down` (RFC 8628 §3.5).
    SlowDown,
    /// `authorization_pending` (RFC 8628 §3.5).
    AuthorizationPending,
    /// `expired_token` (RFC 8628 §3.5).
    ExpiredToken,
    /// `invalid_request`.
    InvalidRequest,
    /// `invalid_scope`.
    InvalidScope,
    /// `unsupported_grant_type`.
    UnsupportedGrantType,
    /// `unsupported_token_type` (RFC 7009 §2.2.1).
    UnsupportedTokenType,
    /// `server_error` (RFC 6749 §4.1.2.1): the server failed; some token endpoints send it too.
    ServerError,
    /// `temporarily_unavailable` (RFC 6749 §4.1.2.1): overloaded or in maintenance.
    TemporarilyUnavailable,
    /// Any other code, as the server spelled it (already sanitised by the parser).
    Extension(String),
}

impl ErrorCode {
    /// Classifies a code as the server sent it.
    pub fn parse(code: &str) -> Self {
        match code {
            "invalid_grant" => Self::InvalidGrant,
            "invalid_client" => Self::InvalidClient,
            "unauthorized_client" => Self::UnauthorizedClient,
            "access_denied" => Self::AccessDenied,
            "slow_down" => Self::SlowDown,
            "authorization_pending" => Self::AuthorizationPending,
            "expired_token" => Self::ExpiredToken,
            "invalid_request" => Self::InvalidRequest,
            "invalid_scope" => Self::InvalidScope,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "unsupported_token_type" => Self::UnsupportedTokenType,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            other => Self::Extension(other.to_owned()),
        }
    }

    /// The code as it appears on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidClient => "invalid_client",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::AccessDenied => "access_denied",
            Self::SlowDown => "slow_down",
            Self::AuthorizationPending => "authorization_pending",
            Self::ExpiredToken => "expired_token",
            Self::InvalidRequest => "invalid_request",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedTokenType => "unsupported_token_type",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::Extension(code) => code,
        }
    }

    /// True for the codes that say "not now" rather than "no": the request may succeed later
    /// unchanged, so nothing about the session changes.
    pub fn is_outage(&self) -> bool {
        matches!(self, Self::ServerError | Self::TemporarilyUnavailable)
    }

    /// True for the refusals of the client itself (`invalid_client`, `unauthorized_client`,
    /// `access_denied`): an administrator can lift them, so tokens are kept.
    pub fn is_client_refusal(&self) -> bool {
        matches!(
            self,
            Self::InvalidClient | Self::UnauthorizedClient | Self::AccessDenied
        )
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&crate::domain::grant::ServerError> for ErrorCode {
    fn from(err: &crate::domain::grant::ServerError) -> Self {
        Self::parse(&err.code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_code_round_trips_and_unknown_ones_are_kept() {
        for code in [
            "invalid_grant",
            "invalid_client",
            "unauthorized_client",
            "access_denied",
            "slow_down",
            "authorization_pending",
            "expired_token",
            "invalid_request",
            "invalid_scope",
            "unsupported_grant_type",
            "unsupported_token_type",
            "server_error",
            "temporarily_unavailable",
        ] {
            let parsed = ErrorCode::parse(code);
            assert!(!matches!(parsed, ErrorCode::Extension(_)), "{code}");
            assert_eq!(parsed.as_str(), code);
        }
        assert_eq!(
            ErrorCode::parse("login_required"),
            ErrorCode::Extension("login_required".into())
        );
        assert!(ErrorCode::TemporarilyUnavailable.is_outage());
        assert!(!ErrorCode::TemporarilyUnavailable.is_client_refusal());
        assert!(ErrorCode::InvalidClient.is_client_refusal());
        assert!(!ErrorCode::InvalidGrant.is_client_refusal());
    }
}
