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

/// Classifies a refresh answer received at `now` for a session whose tokens are of
/// `issued_token_type`. An OAuth error object wins over the status (Anaplan answers 400/403
/// with one); 5xx and 429 without one are "unavailable", and so are `server_error` and
/// `temporarily_unavailable` whatever the status: they say "not now", and counting them as
/// refusals would mark a working session refused.
///
/// A successful status whose body is not a usable token response is a bad answer, never a
/// refusal that ends the session: no `access_token`, not JSON, a token of another
/// `token_type` than the one issued, or `invalid_grant` (or any error next to an
/// `access_token`) in a 2xx. The server may be broken mid-answer; every stored token is kept
/// and the next refresh tries again. (An error object alone in a 2xx, such as GitHub's
/// `bad_refresh_token`, stays a refusal: it is recorded and keeps the tokens.)
pub fn parse_refresh(resp: &HttpResponse, now: Timestamp, issued_token_type: &str) -> RefreshReply {
    let success = (200..300).contains(&resp.status);
    if success && let Some(problem) = contradiction(resp) {
        return RefreshReply::Bad(BadAnswer::Unparseable {
            status: resp.status,
            body_excerpt: problem.to_owned(),
        });
    }
    match parse_token_response(resp, now) {
        Ok(tokens) if success && !tokens.token_type.eq_ignore_ascii_case(issued_token_type) => {
            RefreshReply::Bad(BadAnswer::Unparseable {
                status: resp.status,
                body_excerpt: format!(
                    "(a successful answer is not quoted: it holds a {:?} token where {:?} was issued)",
                    tokens.token_type, issued_token_type
                ),
            })
        }
        Err(AuthError::Server(error)) if ErrorCode::from(&error).is_outage() => {
            RefreshReply::Bad(unavailable(resp, now))
        }
        Err(AuthError::Server(error)) => RefreshReply::Refused {
            code: ErrorCode::from(&error),
            error,
        },
        Ok(tokens) if (200..300).contains(&resp.status) => RefreshReply::Tokens(Box::new(tokens)),
        // A token with characters no token may hold (RFC 6749 appendix A): nothing of the
        // answer is kept, and the message names the field and character, never the token.
        Err(AuthError::BadToken(bad)) => RefreshReply::Bad(BadAnswer::Unparseable {
            status: resp.status,
            body_excerpt: bad.to_string(),
        }),
        // A successful answer may hold tokens even when it is unusable: never quote it.
        _ if (200..300).contains(&resp.status) => RefreshReply::Bad(BadAnswer::Unparseable {
            status: resp.status,
            body_excerpt: "(a successful answer is not quoted: it may hold tokens)".to_owned(),
        }),
        _ if resp.status == 429 || resp.status >= 500 => RefreshReply::Bad(unavailable(resp, now)),
        _ => RefreshReply::Bad(BadAnswer::Unparseable {
            status: resp.status,
            body_excerpt: excerpt(&resp.body),
        }),
    }
}

/// What makes a 2xx answer with an error object contradict itself: an error next to an
/// `access_token`, or `invalid_grant`, which only a 4xx may carry (RFC 6749 §5.2).
fn contradiction(resp: &HttpResponse) -> Option<&'static str> {
    let map =
        serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&resp.body).ok()?;
    let code = map.get("error")?.as_str()?;
    if map.contains_key("access_token") {
        Some("(a successful answer is not quoted: it holds both tokens and an error)")
    } else if code == ErrorCode::InvalidGrant.as_str() {
        Some(
            "(invalid_grant in a successful answer: only an error status can refuse a refresh token)",
        )
    } else {
        None
    }
}

/// "Try again later", with the server's `Retry-After` when it gave one.
fn unavailable(resp: &HttpResponse, now: Timestamp) -> BadAnswer {
    let skew = server_skew(resp, now).unwrap_or_default();
    BadAnswer::Unavailable {
        status: resp.status,
        retry_after_secs: resp
            .retry_after
            .as_deref()
            .and_then(|v| retry_after_secs(v, now, skew)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`super::parse_refresh`] for a session issued `Bearer` tokens.
    fn parse_refresh(resp: &HttpResponse, now: Timestamp) -> RefreshReply {
        super::parse_refresh(resp, now, "Bearer")
    }

    #[test]
    fn a_success_that_contradicts_itself_is_a_bad_answer_not_a_refusal() {
        let now = Timestamp::from_unix_secs(1000);
        for body in [
            r#"{"error":"invalid_grant"}"#,
            r#"{"access_token":"a","error":"invalid_client"}"#,
            r#"{"access_token":"a","token_type":"mac"}"#,
            r#"{"access_token":"a","#,
        ] {
            assert!(
                matches!(
                    parse_refresh(&resp(200, body), now),
                    RefreshReply::Bad(BadAnswer::Unparseable { status: 200, .. })
                ),
                "{body}"
            );
        }
        assert!(matches!(
            parse_refresh(
                &resp(200, r#"{"access_token":"a","token_type":"bearer"}"#),
                now
            ),
            RefreshReply::Tokens(_)
        ));
        assert!(
            matches!(
                parse_refresh(&resp(200, r#"{"error":"bad_refresh_token"}"#), now),
                RefreshReply::Refused { .. }
            ),
            "GitHub refuses with 200: recorded, tokens kept"
        );
        assert!(matches!(
            parse_refresh(&resp(400, r#"{"error":"invalid_grant"}"#), now),
            RefreshReply::Refused {
                code: ErrorCode::InvalidGrant,
                ..
            }
        ));
    }

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
        let mut busy = resp(400, r#"{"error":"temporarily_unavailable"}"#);
        busy.retry_after = Some("30".into());
        assert_eq!(
            parse_refresh(&busy, now),
            RefreshReply::Bad(BadAnswer::Unavailable {
                status: 400,
                retry_after_secs: Some(30)
            }),
            "not now is not a refusal"
        );
        assert!(matches!(
            parse_refresh(&resp(500, r#"{"error":"server_error"}"#), now),
            RefreshReply::Bad(BadAnswer::Unavailable { status: 500, .. })
        ));
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
        let RefreshReply::Bad(BadAnswer::Unparseable { body_excerpt, .. }) = parse_refresh(
            &resp(
                200,
                r#"{"token_type":"Bearer","refresh_token":"rt-secret-1"}"#,
            ),
            now,
        ) else {
            panic!("a 200 without access_token is unparseable");
        };
        assert!(!body_excerpt.contains("rt-secret-1"), "{body_excerpt}");
        let RefreshReply::Bad(BadAnswer::Unparseable { body_excerpt, .. }) = parse_refresh(
            &resp(
                200,
                "{\"access_token\":\"a\\u001bb\",\"refresh_token\":\"rt-secret-2\"}",
            ),
            now,
        ) else {
            panic!("a token with an escape is refused");
        };
        assert!(body_excerpt.contains("access_token"), "{body_excerpt}");
        assert!(!body_excerpt.contains("rt-secret-2"), "{body_excerpt}");
    }
}
