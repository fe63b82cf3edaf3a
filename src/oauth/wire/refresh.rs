//! Classifying an answer to a refresh request (RFC 6749 §6, errors §5.2), beside `parse_poll`:
//! the session service only sequences lock, load, send, save; every decision about what the
//! server meant is made here, from status, headers and body.

use super::{
    ErrorCode, HttpResponse, excerpt, parse_token_response, retry_after_secs, server_skew,
};
use crate::domain::clock::Timestamp;
use crate::domain::grant::ServerError;
use crate::domain::token::TokenSet;
use crate::oauth::AuthError;

/// What a refresh answer means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefreshReply {
    /// New tokens (RFC 6749 §5.1).
    Tokens(Box<TokenSet>),
    /// An OAuth error object (RFC 6749 §5.2): the server refused this refresh.
    Refused {
        /// The classified code.
        code: ErrorCode,
        /// The error as sent (sanitised), for messages.
        error: ServerError,
    },
    /// Neither tokens nor an OAuth error.
    Bad(BadAnswer),
}

/// An answer that is neither tokens nor an OAuth error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BadAnswer {
    /// 5xx or 429 without an error object: try again later.
    Unavailable {
        /// HTTP status.
        status: u16,
        /// `Retry-After` in seconds, if given.
        retry_after_secs: Option<u64>,
    },
    /// Anything else.
    Unparseable {
        /// HTTP status.
        status: u16,
        /// The start of the body, sanitised.
        body_excerpt: String,
    },
}

/// Classifies a refresh answer received at `now`. An OAuth error object wins over the status
/// (Anaplan answers 400/403 with one); 5xx and 429 without one are "unavailable".
pub fn parse_refresh(resp: &HttpResponse, now: Timestamp) -> RefreshReply {
    match parse_token_response(resp, now) {
        Err(AuthError::Server(error)) => RefreshReply::Refused {
            code: ErrorCode::from(&error),
            error,
        },
        Ok(tokens) if (200..300).contains(&resp.status) => RefreshReply::Tokens(Box::new(tokens)),
        _ if resp.status == 429 || resp.status >= 500 => {
            let skew = server_skew(resp, now).unwrap_or_default();
            RefreshReply::Bad(BadAnswer::Unavailable {
                status: resp.status,
                retry_after_secs: resp
                    .retry_after
                    .as_deref()
                    .and_then(|v| retry_after_secs(v, now, skew)),
            })
        }
        _ => RefreshReply::Bad(BadAnswer::Unparseable {
            status: resp.status,
            body_excerpt: excerpt(&resp.body),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse {
            status,
            body: body.as_bytes().to_vec(),
            ..HttpResponse::default()
        }
    }

    #[test]
    fn tokens_errors_outages_and_garbage_are_told_apart() {
        let now = Timestamp::from_unix_secs(1000);
        assert!(matches!(
            parse_refresh(&resp(200, r#"{"access_token":"a","expires_in":60}"#), now),
            RefreshReply::Tokens(t) if t.expires_at == Some(Timestamp::from_unix_secs(1060))
        ));
        assert!(matches!(
            parse_refresh(&resp(403, r#"{"error":"invalid_client"}"#), now),
            RefreshReply::Refused { code: ErrorCode::InvalidClient, error } if error.status == 403
        ));
        assert!(
            matches!(
                parse_refresh(&resp(503, r#"{"error":"invalid_grant"}"#), now),
                RefreshReply::Refused {
                    code: ErrorCode::InvalidGrant,
                    ..
                }
            ),
            "the error object decides, not the status"
        );
        let mut limited = resp(429, "slow");
        limited.retry_after = Some("7".into());
        assert_eq!(
            parse_refresh(&limited, now),
            RefreshReply::Bad(BadAnswer::Unavailable {
                status: 429,
                retry_after_secs: Some(7)
            })
        );
        assert!(matches!(
            parse_refresh(&resp(502, "<html>bad gateway</html>"), now),
            RefreshReply::Bad(BadAnswer::Unavailable {
                status: 502,
                retry_after_secs: None
            })
        ));
        assert!(matches!(
            parse_refresh(&resp(404, "<html>not here</html>"), now),
            RefreshReply::Bad(BadAnswer::Unparseable { status: 404, .. })
        ));
        assert!(matches!(
            parse_refresh(&resp(200, r#"{"token_type":"Bearer"}"#), now),
            RefreshReply::Bad(BadAnswer::Unparseable { status: 200, .. })
        ));
    }
}
