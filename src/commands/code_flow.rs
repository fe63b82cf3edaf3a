//! `grantty login --flow code`: the authorization code grant with PKCE (RFC 6749 §4.1,
//! RFC 7636), for users the device grant refuses (Anaplan SSO users).
//!
//! Line-based, on stderr. Where a local graphical browser is usable ([`crate::browser`]), the
//! browser is opened and a one-shot listener on 127.0.0.1 receives the redirect. Otherwise
//! (SSH, no display, a text-mode browser, or a redirect URI we cannot listen on, such as
//! Anaplan's registered callback URLs) the authorize URL is shown as text and QR code and the
//! user pastes the address the browser was sent to. The `state` must match before the answer
//! is believed; the code is exchanged exactly once, never retried; the session is stored as
//! the device flow stores it.

mod capture;
mod loopback;
mod prompt;

use std::sync::Arc;
use std::time::Duration;

use ring::rand::SystemRandom;

use super::resolve::LoginPlan;
use crate::app::{App, Dashboard, StorageView};
use crate::browser::{self, BrowserPolicy};
use crate::cli::SessionArgs;
use crate::domain::clock::{Clock, SystemClock};
use crate::error::{Error, exit};
use crate::keeper::Keeper;
use crate::oauth::AuthError;
use crate::oauth::http::{ReqwestTransport, Transport as _, TransportFailure};
use crate::oauth::pkce::{
    AuthorizationCode, AuthorizationRequest, CallbackError, Pkce, random_state,
};
use crate::oauth::provider::{Provider, checked_url, host_and_port};
use crate::oauth::wire::{parse_token_response, server_skew};
use crate::plain::status_line;
use crate::store::SessionStore;

/// How long grantty waits for the browser or the pasted address: enough for an SSO login with
/// a second factor; the code itself is exchanged the moment it arrives.
pub const CALLBACK_WAIT_SECS: u64 = 600;

/// A sign-in that ended without tokens, with its exit code.
fn fail(code: u8, message: impl Into<String>) -> Error {
    Error::SignIn {
        code,
        message: message.into(),
    }
}

/// Signs in with the authorization code grant.
pub async fn sign_in(
    plan: LoginPlan,
    transport: ReqwestTransport,
    store: SessionStore,
    session: &SessionArgs,
) -> Result<(), Error> {
    let provider = plan.provider;
    let endpoint = match plan.authorize_endpoint.as_deref() {
        Some(raw) => checked_url("--authorize-endpoint", raw)?,
        None => provider.authorization_endpoint.clone().ok_or_else(|| {
            Error::Usage(
                "this provider names no authorization endpoint: pass --authorize-endpoint URL"
                    .into(),
            )
        })?,
    };
    let policy = browser::from_env();
    let mut err = std::io::stderr();
    let (listener, redirect_uri) =
        capture::open(plan.redirect_uri.as_deref(), &policy, provider.kind).await?;
    let rng = SystemRandom::new();
    let no_random = |e: crate::oauth::pkce::NoRandomness| fail(exit::FAILURE, e.to_string());
    let pkce = Pkce::generate(&rng).map_err(no_random)?;
    let state = random_state(&rng).map_err(no_random)?;
    let request = AuthorizationRequest::new(&provider, &endpoint, redirect_uri, pkce, state);

    let asking = prompt::Asking {
        host: host_and_port(&endpoint),
        client_id: provider.client_id.clone(),
        scopes: provider.scope.clone(),
        local_host: super::local_host_name(),
    };
    prompt::introduce(&mut err, request.url.as_str(), &asking)?;
    let opened = match &policy {
        BrowserPolicy::Open(opener) => match opener.open(request.url.as_str()) {
            Ok(()) => "Opened your browser on that address.".to_owned(),
            Err(e) => format!("Could not start a browser ({e}); open the address yourself."),
        },
        BrowserPolicy::PasteBack(why) => format!("Not opening a browser here: {why}."),
    };
    prompt::line(&mut err, &opened)?;

    let wait = Duration::from_secs(CALLBACK_WAIT_SECS);
    let answer = if let Some(listener) = listener {
        let waiting = "Waiting for the browser (up to 10 minutes; Ctrl-C cancels)…";
        prompt::line(&mut err, waiting)?;
        listener.wait(request.state.clone(), wait).await?
    } else {
        prompt::ask_paste(&mut err, &request.redirect_uri)?;
        prompt::read_paste(&request.state, wait).await?
    };
    let code = answer.map_err(|e| callback_failure(&e))?;
    exchange(
        &request,
        &code,
        provider,
        transport,
        store,
        &session.profile,
    )
    .await
}

/// The exit code and message for a callback that gave no code.
fn callback_failure(err: &CallbackError) -> Error {
    let code = match err {
        CallbackError::Denied { .. } => exit::DENIED,
        CallbackError::Server { .. } => exit::SERVER,
        _ => exit::USAGE,
    };
    fail(code, err.to_string())
}

/// Exchanges the code (once: a lost answer is not retried, the code is single use), stores the
/// session and prints the signed-in line.
async fn exchange(
    request: &AuthorizationRequest,
    code: &AuthorizationCode,
    provider: Provider,
    transport: ReqwestTransport,
    store: SessionStore,
    profile: &str,
) -> Result<(), Error> {
    let again = "Run grantty login --flow code again";
    let resp = transport
        .send(request.exchange_request(&provider, code))
        .await
        .map_err(|e| {
            let (code, what) = match e.kind {
                TransportFailure::NoAnswer | TransportFailure::NotSent => {
                    (exit::NETWORK, "could not reach")
                }
                TransportFailure::TooLarge { .. } => (exit::SERVER, "refused the answer of"),
            };
            fail(
                code,
                format!(
                    "{what} {}: {e}. The code is single use, so it was not sent again. {again}.",
                    host_and_port(&provider.token_endpoint)
                ),
            )
        })?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let now = clock.now();
    if resp.status >= 500 || resp.status == 429 {
        return Err(fail(
            exit::NETWORK,
            format!("the token endpoint answered HTTP {}. {again}.", resp.status),
        ));
    }
    let tokens =
        parse_token_response(&resp, now).map_err(|e| exchange_failure(&e, &provider, profile))?;
    let mut new_session = provider.new_session(profile, tokens, now);
    new_session.meta.clock_skew = server_skew(&resp, now);
    let info = store.info();
    let storage = StorageView {
        description: info.describe(),
        plaintext: info.plaintext,
    };
    let keeper = Keeper::new(Arc::new(store), Arc::new(transport), clock);
    let saved = keeper.save_new(new_session).await?;
    let board = Dashboard::new(saved, storage, now, "Signed in");
    let mut app = App::with_dashboard(super::provider_info(&provider), board);
    app.local_time = crate::local_time::LocalTime::load();
    prompt::line(&mut std::io::stderr(), &status_line(&app, now))?;
    Ok(())
}

fn exchange_failure(err: &AuthError, provider: &Provider, profile: &str) -> Error {
    let hint = match err {
        AuthError::Server(e) if e.code == "invalid_grant" => {
            " The code expired, was already used, or its verifier or redirect URI did not match."
                .to_owned()
        }
        AuthError::Server(e) if e.code == "invalid_client" => {
            let source = provider.client_secret.as_ref().map(|c| &c.source);
            format!(" {}.", crate::words::invalid_client_hint(source, profile))
        }
        _ => String::new(),
    };
    fail(
        exit::SERVER,
        format!("the code exchange failed: {err}.{hint}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_failures_map_to_documented_exit_codes() {
        let denied = callback_failure(&CallbackError::Denied { description: None });
        assert_eq!(denied.exit_code(), exit::DENIED);
        let server = callback_failure(&CallbackError::Server {
            code: "server_error".into(),
            description: None,
        });
        assert_eq!(server.exit_code(), exit::SERVER);
        assert_eq!(
            callback_failure(&CallbackError::StateMismatch).exit_code(),
            exit::USAGE
        );
    }
}
