//! Sans-IO authorization code grant with PKCE: RFC 6749 §4.1 and RFC 7636 (`S256` only).
//!
//! Builds the authorization URL, parses the address the browser was redirected to, and builds
//! the one code-exchange request. Invariants: the `state` of a callback must equal ours before
//! anything else in it is believed (a forged or stale redirect is refused before its `error` or
//! `code` is looked at); every string taken from a callback is sanitised and capped; the code
//! verifier and the code are secrets whose `Debug` is redacted. Randomness is injected
//! ([`SecureRandom`]), so tests pin it.

use ring::digest::{SHA256, digest};
use ring::rand::SecureRandom;
use url::Url;

use super::provider::{Provider, ProviderKind};
use super::wire::{self, HttpRequest};
use crate::domain::text::{DESCRIPTION_MAX_CHARS, SHORT_MAX_CHARS, sanitize};

/// Random bytes behind a code verifier: 32 give the 43-character minimum of RFC 7636 §4.1.
pub const CODE_VERIFIER_BYTES: usize = 32;
/// Random bytes behind `state` (128 bits).
pub const STATE_BYTES: usize = 16;
/// Longest callback address accepted (pasted or requested), in bytes.
pub const CALLBACK_MAX_BYTES: usize = 8 * 1024;

/// RFC 7636 §4.1 `code_verifier`: a secret that never leaves this process except in the
/// exchange request.
#[derive(Clone, PartialEq, Eq)]
pub struct CodeVerifier(String);

/// RFC 6749 §4.1.2 authorization `code`: single use, exchanged once.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorizationCode(String);

macro_rules! redacted {
    ($name:ident) => {
        impl $name {
            /// The secret itself, for the wire.
            pub fn expose(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}
redacted!(CodeVerifier);
redacted!(AuthorizationCode);

/// The operating system gave no randomness.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the operating system gave no random bytes for PKCE and state")]
pub struct NoRandomness;

/// A verifier and its `S256` challenge (RFC 7636 §4.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkce {
    /// The verifier, sent only with the exchange.
    pub verifier: CodeVerifier,
    /// `BASE64URL(SHA256(verifier))`, sent with the authorization request.
    pub challenge: String,
}

impl Pkce {
    /// The pair for a given verifier.
    pub fn from_verifier(verifier: &str) -> Self {
        Self {
            challenge: s256_challenge(verifier),
            verifier: CodeVerifier(verifier.to_owned()),
        }
    }

    /// A fresh pair from `rng`.
    pub fn generate(rng: &dyn SecureRandom) -> Result<Self, NoRandomness> {
        Ok(Self::from_verifier(&random_b64(rng, CODE_VERIFIER_BYTES)?))
    }
}

/// RFC 7636 §4.2 `S256`: `BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))`, unpadded.
pub fn s256_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest(&SHA256, verifier.as_bytes()))
}

/// A fresh `state` value (RFC 6749 §10.12).
pub fn random_state(rng: &dyn SecureRandom) -> Result<String, NoRandomness> {
    random_b64(rng, STATE_BYTES)
}

fn random_b64(rng: &dyn SecureRandom, len: usize) -> Result<String, NoRandomness> {
    use base64::Engine as _;
    let mut bytes = vec![0; len];
    rng.fill(&mut bytes).map_err(|_| NoRandomness)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// One authorization request: the URL to open and what must come back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorizationRequest {
    /// The URL the user opens (RFC 6749 §4.1.1).
    pub url: Url,
    /// Our `state`; the callback must carry it back.
    pub state: String,
    /// Where the server sends the browser; repeated in the exchange (RFC 6749 §4.1.3).
    pub redirect_uri: Url,
    /// The verifier and challenge.
    pub pkce: Pkce,
    /// RFC 9207: the `iss` every authorization response must carry, when the server's
    /// metadata advertised `authorization_response_iss_parameter_supported`.
    pub issuer: Option<String>,
}

impl AuthorizationRequest {
    /// The request for `provider` at `endpoint`. Generic providers asking for `offline_access`
    /// also get `prompt=consent`, which `OpenID` Connect Core §11 requires before a refresh
    /// token is issued; Anaplan's prelogin page gets only the RFC 6749 parameters.
    pub fn new(
        provider: &Provider,
        endpoint: &Url,
        redirect_uri: Url,
        pkce: Pkce,
        state: String,
    ) -> Self {
        let mut url = endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("response_type", "code")
                .append_pair("client_id", &provider.client_id)
                .append_pair("redirect_uri", redirect_uri.as_str());
            if !provider.scope.is_empty() {
                query.append_pair("scope", &provider.scope);
            }
            query
                .append_pair("state", &state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            let offline = provider.scope.split(' ').any(|s| s == "offline_access");
            if offline && provider.kind == ProviderKind::Generic {
                query.append_pair("prompt", "consent");
            }
        }
        Self {
            url,
            state,
            redirect_uri,
            pkce,
            issuer: provider.authorization_response_iss.clone(),
        }
    }

    /// Reads a callback for this request: [`parse_callback`], and the RFC 9207 `iss` check
    /// when the server promised to send it.
    pub fn check_callback(&self, input: &str) -> Result<AuthorizationCode, CallbackError> {
        check_callback(input, &self.state, self.issuer.as_deref())
    }

    /// RFC 6749 §4.1.3 access token request with the RFC 7636 §4.5 `code_verifier`.
    pub fn exchange_request(&self, provider: &Provider, code: &AuthorizationCode) -> HttpRequest {
        wire::post(
            provider,
            &provider.token_endpoint,
            &[
                ("grant_type", "authorization_code"),
                ("code", code.expose()),
                ("redirect_uri", self.redirect_uri.as_str()),
                ("client_id", provider.client_id.as_str()),
                ("code_verifier", self.pkce.verifier.expose()),
            ],
        )
    }
}

/// Why a callback address gave no code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CallbackError {
    /// Longer than [`CALLBACK_MAX_BYTES`].
    #[error(
        "the address is longer than {CALLBACK_MAX_BYTES} bytes; paste only the address from the browser's address bar"
    )]
    TooLong,
    /// Neither `code` nor `error`: not a redirect from the server.
    #[error(
        "that is not the address the browser was sent to: it has neither code= nor error=. Copy the whole address from the browser's address bar"
    )]
    NotACallback,
    /// A parameter came twice (RFC 6749 §3.1 forbids it).
    #[error("the address repeats the parameter {0:?}; refusing it")]
    Repeated(String),
    /// No `state`, so it cannot be matched to this sign-in.
    #[error(
        "the address has no state parameter, so it cannot be matched to this sign-in; nothing was exchanged"
    )]
    MissingState,
    /// Another `state`: a stale or forged redirect (RFC 6749 §10.12).
    #[error(
        "the address belongs to another sign-in: its state does not match this one (a stale or forged redirect); nothing was exchanged. Run grantty login again and use the address from that attempt"
    )]
    StateMismatch,
    /// The server promised `iss` (RFC 9207) and the answer has none: it may come from another
    /// server (a mix-up attack), so it is not believed.
    #[error(
        "the address has no iss parameter, though this server promised one (RFC 9207); it may come from another server, so nothing was exchanged"
    )]
    MissingIssuer,
    /// `iss` names another server than the one asked (RFC 9207 §2.4).
    #[error(
        "the address comes from another server: its iss does not name the issuer this sign-in asked (RFC 9207); nothing was exchanged"
    )]
    IssuerMismatch,
    /// The listener's start address was asked for a second time: someone else may have read
    /// the authorization request, so the sign-in stops.
    #[error(
        "the sign-in's start address on 127.0.0.1 was opened twice: another program on this computer may have read the sign-in request, so grantty stopped listening for the browser; nothing was exchanged. Run grantty login --flow code again"
    )]
    StartReused,
    /// `error=access_denied` (RFC 6749 §4.1.2.1).
    #[error("access denied{}", .description.as_ref().map(|d| format!(": {d}")).unwrap_or_default())]
    Denied {
        /// `error_description`, sanitised.
        description: Option<String>,
    },
    /// Any other `error`.
    #[error("the server ended the sign-in: {code}{}", .description.as_ref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Server {
        /// `error`, sanitised.
        code: String,
        /// `error_description`, sanitised.
        description: Option<String>,
    },
}

/// Reads a callback: a whole address (`http://127.0.0.1/callback?code=…&state=…`), or only its
/// query. `state` is checked first; only then are `error` and `code` believed.
pub fn parse_callback(
    input: &str,
    expected_state: &str,
) -> Result<AuthorizationCode, CallbackError> {
    check_callback(input, expected_state, None)
}

/// [`parse_callback`], and when `expected_issuer` is given (RFC 9207), the callback's `iss`
/// must equal it (simple string comparison, §2.4) before `error` or `code` is believed.
pub fn check_callback(
    input: &str,
    expected_state: &str,
    expected_issuer: Option<&str>,
) -> Result<AuthorizationCode, CallbackError> {
    let input = input.trim();
    if input.len() > CALLBACK_MAX_BYTES {
        return Err(CallbackError::TooLong);
    }
    let query = match Url::parse(input) {
        Ok(url) => url.query().unwrap_or_default().to_owned(),
        Err(_) => input.trim_start_matches('?').to_owned(),
    };
    let mut params = std::collections::HashMap::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if params
            .insert(key.clone().into_owned(), value.into_owned())
            .is_some()
        {
            return Err(CallbackError::Repeated(sanitize(&key, SHORT_MAX_CHARS)));
        }
    }
    let field = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    if field("code").is_none() && field("error").is_none() {
        return Err(CallbackError::NotACallback);
    }
    match field("state") {
        None => return Err(CallbackError::MissingState),
        Some(state) if state != expected_state => return Err(CallbackError::StateMismatch),
        Some(_) => {}
    }
    if let Some(issuer) = expected_issuer {
        match field("iss") {
            None => return Err(CallbackError::MissingIssuer),
            Some(iss) if iss != issuer => return Err(CallbackError::IssuerMismatch),
            Some(_) => {}
        }
    }
    let description = field("error_description").map(|d| sanitize(d, DESCRIPTION_MAX_CHARS));
    match (field("error"), field("code")) {
        (Some("access_denied"), _) => Err(CallbackError::Denied { description }),
        (Some(code), _) => Err(CallbackError::Server {
            code: sanitize(code, SHORT_MAX_CHARS),
            description,
        }),
        (None, Some(code)) => Ok(AuthorizationCode(code.to_owned())),
        (None, None) => Err(CallbackError::NotACallback),
    }
}

#[cfg(test)]
#[path = "pkce_tests.rs"]
mod tests;
