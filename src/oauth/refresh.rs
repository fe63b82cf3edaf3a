//! Sans-IO requests for token upkeep: the refresh grant (RFC 6749 §6), revocation (RFC 7009) and
//! Anaplan's classic logout (`POST /token/logout` with `Authorization: AnaplanAuthToken …`).

use super::AuthError;
use super::provider::Provider;
use super::wire::{self, HttpRequest, HttpResponse};
use crate::domain::grant::ServerError;
use crate::domain::secret::{AccessToken, RefreshToken};

/// RFC 6749 §6 refresh request.
pub fn refresh_request(provider: &Provider, refresh_token: &RefreshToken) -> HttpRequest {
    wire::post(
        provider,
        &provider.token_endpoint,
        &[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.expose()),
            ("client_id", provider.client_id.as_str()),
        ],
    )
}

/// Which token a revocation is about (RFC 7009 §2.1 `token_type_hint`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenHint {
    /// `refresh_token`.
    Refresh,
    /// `access_token`.
    Access,
}

/// RFC 7009 §2.1 revocation request, if the provider has an endpoint.
pub fn revoke_request(provider: &Provider, token: &str, hint: TokenHint) -> Option<HttpRequest> {
    let endpoint = provider.revocation_endpoint.as_ref()?;
    let hint = match hint {
        TokenHint::Refresh => "refresh_token",
        TokenHint::Access => "access_token",
    };
    Some(wire::post(
        provider,
        endpoint,
        &[
            ("token", token),
            ("token_type_hint", hint),
            ("client_id", provider.client_id.as_str()),
        ],
    ))
}

/// Anaplan's logout call for an access token, if the provider has a logout endpoint.
pub fn logout_request(provider: &Provider, access_token: &AccessToken) -> Option<HttpRequest> {
    let endpoint = provider.logout_endpoint.as_ref()?;
    let mut request = wire::post(provider, endpoint, &[]);
    request.body.clear();
    request.content_type = None;
    request.authorization = Some(provider.auth_scheme.header_value(access_token));
    Some(request)
}

/// How the server answered a revocation or logout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RevokeAnswer {
    /// 2xx: revoked, or already invalid (RFC 7009 §2.2 cannot tell them apart).
    Done {
        /// HTTP status.
        status: u16,
    },
    /// An OAuth error such as `unsupported_token_type`.
    Refused(ServerError),
    /// Anything else: 4xx/5xx without an error object.
    Failed {
        /// HTTP status.
        status: u16,
        /// Start of the body.
        body_excerpt: String,
    },
}

/// Classifies a revocation or logout answer.
pub fn parse_revoke(resp: &HttpResponse) -> RevokeAnswer {
    if (200..300).contains(&resp.status) {
        return RevokeAnswer::Done {
            status: resp.status,
        };
    }
    match wire::parse_token_response(resp, crate::domain::clock::Timestamp::default()) {
        Err(AuthError::Server(err)) => RevokeAnswer::Refused(err),
        _ => RevokeAnswer::Failed {
            status: resp.status,
            body_excerpt: wire::excerpt(&resp.body),
        },
    }
}

impl std::fmt::Display for RevokeAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Done { status } => write!(f, "accepted (HTTP {status})"),
            Self::Refused(e) => write!(f, "refused: {} (HTTP {})", e.code, e.status),
            Self::Failed {
                status,
                body_excerpt,
            } => write!(f, "failed (HTTP {status}) {body_excerpt:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refresh_request_is_json_for_anaplan_and_form_otherwise() {
        let rt = RefreshToken::new("rt-1");
        let anaplan = Provider::anaplan("us1a.app.anaplan.com", "c", None).unwrap();
        let body: serde_json::Value =
            serde_json::from_slice(&refresh_request(&anaplan, &rt).body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"grant_type":"refresh_token","refresh_token":"rt-1","client_id":"c"})
        );
        let generic = Provider::example();
        assert_eq!(
            String::from_utf8(refresh_request(&generic, &rt).body).unwrap(),
            "grant_type=refresh_token&refresh_token=rt-1&client_id=c"
        );
        let revoke = revoke_request(&generic, "rt-1", TokenHint::Refresh).unwrap();
        assert_eq!(
            String::from_utf8(revoke.body).unwrap(),
            "token=rt-1&token_type_hint=refresh_token&client_id=c"
        );
        assert!(
            revoke_request(&anaplan, "x", TokenHint::Refresh).is_none(),
            "Anaplan has no RFC 7009 endpoint"
        );
    }

    #[test]
    fn anaplan_logout_uses_its_own_scheme_and_redacts_it_in_debug() {
        let anaplan = Provider::anaplan("us1a.app.anaplan.com", "c", None).unwrap();
        let req = logout_request(&anaplan, &AccessToken::new("at-secret")).unwrap();
        assert_eq!(req.url.as_str(), "https://auth.anaplan.com/token/logout");
        assert_eq!(
            req.authorization.as_deref(),
            Some("AnaplanAuthToken at-secret")
        );
        assert!(!format!("{req:?}").contains("at-secret"));
    }

    #[test]
    fn revocation_answers() {
        let resp = |status, body: &str| HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
            ..HttpResponse::default()
        };
        assert_eq!(
            parse_revoke(&resp(200, "")),
            RevokeAnswer::Done { status: 200 }
        );
        assert_eq!(
            parse_revoke(&resp(204, "")),
            RevokeAnswer::Done { status: 204 }
        );
        assert!(
            matches!(parse_revoke(&resp(400, r#"{"error":"unsupported_token_type"}"#)), RevokeAnswer::Refused(e) if e.code == "unsupported_token_type")
        );
        assert!(matches!(
            parse_revoke(&resp(503, "busy")),
            RevokeAnswer::Failed { status: 503, .. }
        ));
    }
}
