//! The HTTP adapter: moves [`HttpRequest`]s and [`HttpResponse`]s over reqwest, nothing more.
//!
//! Policy lives here: rustls, no redirects (a redirected token request could leak a device code
//! or refresh token to another host), connect and total timeouts, a 1 MiB cap on bodies, a
//! `User-Agent` with our version and `Accept: application/json` (GitHub answers form-encoded
//! otherwise). Loopback destinations never go through a proxy ([`super::proxy`]).

use std::future::Future;
use std::time::Duration;

use super::proxy::{Route, route};
use super::wire::{HttpRequest, HttpResponse, Method};

/// Largest response body read; larger answers are an error.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// Connect timeout.
pub const CONNECT_TIMEOUT_SECS: u64 = 10;
/// Whole-request timeout.
pub const REQUEST_TIMEOUT_SECS: u64 = 30;

/// A request that got no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct TransportError {
    /// What went wrong, sanitised, for the user.
    pub message: String,
    /// How far the request got.
    pub kind: TransportFailure,
}

/// Why a request got no usable answer, and whether it may have reached the server: a refresh
/// that may have arrived may also have spent a rotating refresh token, one never sent cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// No connection was made (refused, unreachable, DNS, TLS set-up): the server saw nothing.
    NotSent,
    /// No answer: timeout, reset after connecting. The request may or may not have arrived.
    NoAnswer,
    /// The server answered, with a body over [`MAX_BODY_BYTES`]: it was reached, and its
    /// answer is refused (a server problem, not a network one).
    TooLarge {
        /// The answer's HTTP status.
        status: u16,
    },
}

impl TransportError {
    /// No answer arrived; the request may have reached the server.
    pub fn no_answer(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: TransportFailure::NoAnswer,
        }
    }

    /// Nothing reached the server.
    pub fn not_sent(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: TransportFailure::NotSent,
        }
    }
}

/// Sends one request and returns the answer. Implemented by [`ReqwestTransport`] and by
/// scripted fakes in tests.
pub trait Transport: Send + Sync + 'static {
    /// Sends `request`.
    fn send(
        &self,
        request: HttpRequest,
    ) -> impl Future<Output = Result<HttpResponse, TransportError>> + Send;
}

/// A transport for commands that send nothing (`status` without `--verify`): building the real
/// one reads the system's CA certificates, hundreds of files, for no request at all.
#[derive(Clone, Copy, Debug, Default)]
pub struct Offline;

impl Transport for Offline {
    async fn send(&self, _request: HttpRequest) -> Result<HttpResponse, TransportError> {
        Err(TransportError::not_sent("this command sends no request"))
    }
}

/// The real transport.
#[derive(Clone, Debug)]
pub struct ReqwestTransport {
    /// For https hosts: honours the proxy environment variables.
    client: reqwest::Client,
    /// For loopback hosts: never proxied.
    direct: reqwest::Client,
}

impl ReqwestTransport {
    /// Builds the client. Installs the ring crypto provider for rustls if none is installed.
    pub fn new() -> Result<Self, TransportError> {
        // Ignoring the result is right: it only fails when a provider is already installed.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let builder = || {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(CONNECT_TIMEOUT_SECS))
                .timeout(Duration::from_secs(REQUEST_TIMEOUT_SECS))
                .user_agent(concat!("grantty/", env!("CARGO_PKG_VERSION")))
        };
        let built = |b: reqwest::ClientBuilder| {
            b.build()
                .map_err(|e| TransportError::not_sent(format!("cannot set up HTTP: {e}")))
        };
        Ok(Self {
            client: built(builder())?,
            direct: built(builder().no_proxy())?,
        })
    }
}

impl Transport for ReqwestTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let client = match route(&request.url) {
            Route::Direct => &self.direct,
            Route::FromEnvironment => &self.client,
        };
        let builder = match request.method {
            Method::Get => client.get(request.url.clone()),
            Method::Post => client.post(request.url.clone()),
        };
        let mut builder = builder
            .header(reqwest::header::ACCEPT, "application/json")
            .header(reqwest::header::CACHE_CONTROL, "no-store");
        if let Some(value) = &request.authorization {
            builder = builder.header(reqwest::header::AUTHORIZATION, value);
        }
        if let Some(ct) = request.content_type {
            builder = builder
                .header(reqwest::header::CONTENT_TYPE, ct)
                .body(request.body);
        }
        let mut resp = builder.send().await.map_err(|e| describe(&e))?;
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let retry_after = header(reqwest::header::RETRY_AFTER);
        let date = header(reqwest::header::DATE);
        let status = resp.status().as_u16();
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(|e| describe(&e))? {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(TransportError {
                    message: format!(
                        "the answer from {} is larger than {} KiB; refusing it",
                        request.url.host_str().unwrap_or("the server"),
                        MAX_BODY_BYTES / 1024
                    ),
                    kind: TransportFailure::TooLarge { status },
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse {
            status,
            content_type,
            retry_after,
            date,
            body,
        })
    }
}

/// A short description of a reqwest error, with its cause chain.
fn describe(err: &reqwest::Error) -> TransportError {
    let kind = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let mut text = kind.to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    let message = crate::domain::text::sanitize(&text, crate::domain::text::DESCRIPTION_MAX_CHARS);
    // A connect error (refused, unreachable, DNS, TLS handshake) means no request was sent; a
    // connect timeout too. Anything later may have reached the server.
    if err.is_connect() {
        TransportError::not_sent(message)
    } else {
        TransportError::no_answer(message)
    }
}
