//! The device grant's requests, end to end over any [`Transport`]: build, send, parse.

use super::AuthError;
use super::discovery::{EndpointOverrides, discovery_urls, parse_metadata};
use super::http::{Transport, TransportError, TransportFailure};
use super::provider::{EndpointError, Provider};
use super::wire::{self, HttpRequest, HttpResponse};
use crate::domain::clock::{Clock, Skew};
use crate::domain::grant::{DeviceAuthorization, PollReply};
use crate::domain::secret::DeviceCode;
use crate::domain::text::{URL_MAX_CHARS, sanitize};

async fn send<T: Transport>(
    transport: &T,
    request: HttpRequest,
) -> Result<HttpResponse, AuthError> {
    let url = request.url.to_string();
    transport.send(request).await.map_err(|e| match e.kind {
        TransportFailure::NoAnswer | TransportFailure::NotSent => AuthError::Transport {
            url,
            message: e.message,
        },
        // The server was reached and answered: not a network problem.
        TransportFailure::TooLarge { status } => AuthError::Parse {
            status,
            problem: e.message,
            body_excerpt: String::new(),
        },
    })
}

/// Finds the provider behind `issuer` through its metadata (RFC 8414, then OIDC Discovery).
pub async fn discover<T: Transport>(
    transport: &T,
    issuer: &str,
    client_id: &str,
    scope: Option<&str>,
) -> Result<Provider, AuthError> {
    discover_with(
        transport,
        issuer,
        client_id,
        scope,
        &EndpointOverrides::default(),
    )
    .await
}

/// [`discover`], with the endpoints the user gave replacing the discovered ones. An issuer
/// without any metadata document still works when the device and token endpoints are given.
pub async fn discover_with<T: Transport>(
    transport: &T,
    issuer: &str,
    client_id: &str,
    scope: Option<&str>,
    overrides: &EndpointOverrides,
) -> Result<Provider, AuthError> {
    overrides.check()?;
    for url in discovery_urls(issuer)? {
        let resp = send(transport, wire::get(url)).await?;
        if resp.status == 404 {
            continue;
        }
        let meta = overrides.apply(parse_metadata(&resp, issuer)?);
        return Ok(Provider::from_metadata(&meta, client_id, scope)?);
    }
    match overrides.without_discovery(issuer) {
        Some(meta) => Ok(Provider::from_metadata(&meta, client_id, scope)?),
        None => Err(EndpointError::NoMetadata {
            issuer: sanitize(issuer, URL_MAX_CHARS),
        }
        .into()),
    }
}

/// Runs the device authorization request (RFC 8628 §3.1); `now` is read when the answer arrives.
pub async fn request_device_code<T: Transport>(
    transport: &T,
    provider: &Provider,
    clock: &dyn Clock,
) -> Result<DeviceAuthorization, AuthError> {
    request_device_code_with_skew(transport, provider, clock)
        .await
        .0
}

/// [`request_device_code`], and the server's clock against ours from the answer's `Date`
/// (even an error answer's); the skew is `None` when no answer or no `Date` came back.
pub async fn request_device_code_with_skew<T: Transport>(
    transport: &T,
    provider: &Provider,
    clock: &dyn Clock,
) -> (Result<DeviceAuthorization, AuthError>, Option<Skew>) {
    let resp = match send(transport, wire::device_authorization_request(provider)).await {
        Ok(resp) => resp,
        Err(e) => return (Err(e), None),
    };
    let now = clock.now();
    (
        wire::parse_device_authorization(&resp, now),
        wire::server_skew(&resp, now),
    )
}

/// Sends one token poll (RFC 8628 §3.4) and classifies the answer.
pub async fn poll_token<T: Transport>(
    transport: &T,
    provider: &Provider,
    device_code: &DeviceCode,
    clock: &dyn Clock,
) -> PollReply {
    let request = wire::device_token_request(provider, device_code);
    match transport.send(request).await {
        Ok(resp) => wire::parse_poll(&resp, clock.now()),
        Err(TransportError {
            kind: TransportFailure::TooLarge { status },
            message,
        }) => PollReply::Unparseable {
            status,
            body_excerpt: message,
        },
        Err(e) => PollReply::Transport { message: e.message },
    }
}
