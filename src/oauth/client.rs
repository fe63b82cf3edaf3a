//! The device grant's requests, end to end over any [`Transport`]: build, send, parse.

use super::AuthError;
use super::discovery::{discovery_urls, parse_metadata};
use super::http::Transport;
use super::provider::Provider;
use super::wire::{self, HttpRequest, HttpResponse};
use crate::domain::clock::{Clock, Skew};
use crate::domain::grant::{DeviceAuthorization, PollReply};
use crate::domain::secret::DeviceCode;

async fn send<T: Transport>(
    transport: &T,
    request: HttpRequest,
) -> Result<HttpResponse, AuthError> {
    let url = request.url.to_string();
    transport
        .send(request)
        .await
        .map_err(|e| AuthError::Transport {
            url,
            message: e.message,
        })
}

/// Finds the provider behind `issuer` through its metadata (RFC 8414, then OIDC Discovery).
pub async fn discover<T: Transport>(
    transport: &T,
    issuer: &str,
    client_id: &str,
    scope: Option<&str>,
) -> Result<Provider, AuthError> {
    let mut last_err = None;
    for url in discovery_urls(issuer)? {
        let resp = send(transport, wire::get(url)).await?;
        if resp.status == 404 {
            last_err = Some(AuthError::Parse {
                status: 404,
                problem: format!(
                    "no metadata at {issuer}'s well-known addresses; pass --device-endpoint and --token-endpoint"
                ),
                body_excerpt: wire::excerpt(&resp.body),
            });
            continue;
        }
        let meta = parse_metadata(&resp, issuer)?;
        return Ok(Provider::from_metadata(&meta, client_id, scope)?);
    }
    Err(last_err.unwrap_or_else(|| AuthError::Parse {
        status: 0,
        problem: "no discovery URL".into(),
        body_excerpt: String::new(),
    }))
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
        Err(e) => PollReply::Transport { message: e.message },
    }
}
