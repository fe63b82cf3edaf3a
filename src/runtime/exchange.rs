//! The one exchange of an authorization code (RFC 6749 §4.1.3), shared by the code flow's
//! screen and its line mode: sent once and never retried (the code is single use), its
//! answer classified into tokens or a [`CodeEnd`] in words.

use crate::app::{CodeEnd, CodeEndKind, ErrorView, Exchanged};
use crate::domain::clock::Clock;
use crate::domain::text::sanitize;
use crate::oauth::AuthError;
use crate::oauth::http::{Transport, TransportFailure};
use crate::oauth::pkce::{AuthorizationCode, AuthorizationRequest};
use crate::oauth::provider::{Provider, host_and_port};
use crate::oauth::wire::{ErrorCode, parse_token_response, server_skew};
use crate::words::code_flow::again;

/// Exchanges `code` for tokens at `provider`'s token endpoint, once.
pub async fn exchange_code<T: Transport>(
    transport: &T,
    provider: &Provider,
    authorization: &AuthorizationRequest,
    code: &AuthorizationCode,
    clock: &dyn Clock,
    profile: &str,
) -> Result<Exchanged, CodeEnd> {
    let host = host_and_port(&provider.token_endpoint);
    let end = |kind, title: String, detail: String, hint: String| CodeEnd {
        kind,
        view: ErrorView {
            kind: crate::app::ErrorKind::default(),
            title,
            detail: sanitize(&detail, 400),
            hint,
        },
    };
    let single_use = || {
        format!(
            "The code is single use, so it was not sent again. {}",
            again(profile)
        )
    };
    let resp = transport
        .send(authorization.exchange_request(provider, code))
        .await
        .map_err(|e| {
            let (kind, title) = match e.kind {
                TransportFailure::NoAnswer | TransportFailure::NotSent => {
                    (CodeEndKind::Unreachable, format!("Could not reach {host}"))
                }
                TransportFailure::TooLarge { .. } => (
                    CodeEndKind::Refused,
                    format!("Refused the answer of {host}"),
                ),
            };
            end(kind, title, e.to_string(), single_use())
        })?;
    let now = clock.now();
    if resp.status >= 500 || resp.status == 429 {
        return Err(end(
            CodeEndKind::Unreachable,
            format!("{host} is unavailable"),
            format!("The token endpoint answered HTTP {}.", resp.status),
            single_use(),
        ));
    }
    let tokens = parse_token_response(&resp, now).map_err(|e| match &e {
        // "Not now" rather than "no": an outage, though the single-use code is spent.
        AuthError::Server(err) if ErrorCode::parse(&err.code).is_outage() => end(
            CodeEndKind::Unreachable,
            format!("{host} is unavailable"),
            e.to_string(),
            single_use(),
        ),
        _ => end(
            CodeEndKind::Refused,
            "The code exchange failed".to_owned(),
            e.to_string(),
            format!("{}{}", refusal_hint(&e, provider, profile), again(profile)),
        ),
    })?;
    Ok(Exchanged {
        tokens: Box::new(tokens),
        skew: server_skew(&resp, now),
    })
}

/// What to check after a refused exchange: the code's own rules, or the client secret that was
/// sent (and where it came from), or how to give one.
fn refusal_hint(err: &AuthError, provider: &Provider, profile: &str) -> String {
    let AuthError::Server(e) = err else {
        return String::new();
    };
    match ErrorCode::parse(&e.code) {
        ErrorCode::InvalidGrant => {
            "The code expired, was already used, or its verifier or redirect URI did not match. "
                .to_owned()
        }
        ErrorCode::InvalidClient => {
            let sent = provider.client_secret.as_ref().map(|c| &c.source);
            format!("{}. ", crate::words::invalid_client_hint(sent, profile))
        }
        _ => String::new(),
    }
}
