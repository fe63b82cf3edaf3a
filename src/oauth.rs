//! The provider-facing protocol: profiles, discovery, the sans-IO wire format and the HTTP
//! adapter that moves its bytes.
//!
//! Only [`http`] does IO; everything else builds requests and parses answers as plain data, so
//! the same code serves the TUI, plain mode and tests.

pub mod client;
pub mod discovery;
pub mod http;
pub mod pkce;
pub mod provider;
pub mod proxy;
pub mod record;
pub mod refresh;
pub mod verify;
pub mod wire;

use crate::domain::grant::ServerError;

/// Everything that can go wrong talking to an authorization server.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// The server answered with an OAuth error object.
    #[error("the server refused: {}{}", .0.code, .0.description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Server(ServerError),
    /// No answer: connection, TLS, timeout.
    #[error("could not reach {url}: {message}")]
    Transport {
        /// The endpoint.
        url: String,
        /// What went wrong.
        message: String,
    },
    /// An answer that is not what the protocol says it must be.
    #[error(
        "unexpected answer from the server (HTTP {status}): {problem}; body starts: {body_excerpt:?}"
    )]
    Parse {
        /// HTTP status.
        status: u16,
        /// What was wrong with it.
        problem: String,
        /// The start of the body, sanitised.
        body_excerpt: String,
    },
    /// A URL the server or the user gave us that we refuse to use.
    #[error(transparent)]
    Endpoint(#[from] provider::EndpointError),
    /// A token answer whose tokens hold characters a token may not (RFC 6749 appendix A).
    #[error(transparent)]
    BadToken(#[from] crate::domain::token_chars::TokenCharsError),
}
