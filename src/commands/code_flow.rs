//! `grantty login --flow code`: the authorization code grant with PKCE (RFC 6749 §4.1,
//! RFC 7636), for users the device grant refuses (Anaplan SSO users).
//!
//! In a terminal it is a screen of the app ([`screen`]: the same event loop as the device
//! grant, landing on the dashboard); with `--plain`, `--json` or pipes it is line-based, on
//! stderr. Where a local graphical browser is usable ([`crate::browser`]), the
//! browser is opened on a start address of ours, `http://127.0.0.1:PORT/`, that redirects once
//! to the authorize URL (argv is world readable, so `state` and the challenge stay out of it),
//! and a one-shot listener on 127.0.0.1 receives the redirect. Otherwise
//! (SSH, no display, a text-mode browser, or a redirect URI we cannot listen on, such as
//! Anaplan's registered callback URLs) the authorize URL is shown as text and QR code and the
//! user pastes the address the browser was sent to. The `state` must match before the answer
//! is believed; the code is exchanged exactly once, never retried; the session is stored as
//! the device flow stores it.

mod capture;
mod loopback;
mod peer;
mod prompt;
mod screen;

use std::time::Duration;

use ring::rand::SystemRandom;

use super::resolve::LoginPlan;
use crate::app::{App, CodeEndKind, Dashboard, Exchanged, StorageView};
use crate::browser::{self, BrowserPolicy};
use crate::cli::SessionArgs;

use crate::domain::session::CodeFlowRecord;
use crate::error::{Error, exit};
use crate::oauth::http::ReqwestTransport;
use crate::oauth::pkce::{
    AuthorizationCode, AuthorizationRequest, CallbackError, Pkce, random_state,
};
use crate::oauth::provider::{Provider, checked_url, host_and_port};
use crate::plain::{error_line, status_line};
use crate::runtime::exchange::exchange_code;
use crate::session_service::SessionService;

pub use crate::app::code::CALLBACK_WAIT_SECS;

/// A sign-in that ended without tokens, with its exit code.
fn fail(code: u8, message: impl Into<String>) -> Error {
    Error::SignIn {
        code,
        message: message.into(),
    }
}

/// Signs in with the authorization code grant: on a screen of the app when `on_screen` (a
/// terminal, neither `--plain` nor `--json`), else in lines on stderr.
pub async fn sign_in(
    plan: LoginPlan,
    service: SessionService<ReqwestTransport>,
    session: &SessionArgs,
    (on_screen, label): (bool, Option<String>),
) -> Result<(), Error> {
    let mut provider = plan.provider;
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
    // Remembered with the session, so `grantty login --profile P` signs in the same way again.
    provider.code_flow = Some(CodeFlowRecord {
        authorization_endpoint: endpoint.to_string(),
        redirect_uri: plan.redirect_uri.clone(),
    });
    // A browser's argv is world readable (`/proc/PID/cmdline`): it gets only a 127.0.0.1
    // address of ours that redirects once to the authorization URL.
    let (start_url, start_server) = start_address(&policy, listener.as_ref(), &request).await;
    if on_screen {
        let note = open_browser(&policy, start_url.as_ref());
        let start = screen::Start {
            request,
            listener,
            redirector: start_server,
            note,
            host: host_and_port(&endpoint),
            label,
        };
        return screen::sign_in(start, provider, service, session).await;
    }

    let asking = prompt::Asking {
        host: host_and_port(&endpoint),
        client_id: provider.client_id.clone(),
        scopes: provider.scope.clone(),
        local_host: super::local_host_name(),
    };
    prompt::introduce(
        &mut err,
        request.url.as_str(),
        &asking,
        crate::console::StderrTerminal::now(),
    )?;
    prompt::line(&mut err, &open_browser(&policy, start_url.as_ref()))?;

    let wait = Duration::from_secs(CALLBACK_WAIT_SECS);
    let answer = if let Some(listener) = listener {
        let waiting = "Waiting for the browser (up to 10 minutes; Ctrl-C cancels)…";
        prompt::line(&mut err, waiting)?;
        listener.wait(request.clone(), wait).await?
    } else {
        prompt::ask_paste(&mut err, &request.redirect_uri)?;
        prompt::read_paste(&request, wait).await?
    };
    drop(start_server);
    let code = answer.map_err(|e| callback_failure(&e))?;
    exchange(&request, &code, provider, service, &session.profile).await
}

/// The address to open the browser on when the policy opens one: the listener's start
/// address, or (when the redirect is pasted back) a server of its own that only redirects; the
/// server, if any, runs until dropped. `Err`: why no browser can be opened safely.
async fn start_address(
    policy: &BrowserPolicy,
    listener: Option<&loopback::Listener>,
    request: &AuthorizationRequest,
) -> (Result<url::Url, String>, Option<loopback::StartServer>) {
    if !matches!(policy, BrowserPolicy::Open(_)) {
        return (Err(String::new()), None);
    }
    let started = match listener {
        Some(listener) => listener.start_url().map(|url| (url, None)),
        None => loopback::serve_start(request.clone())
            .await
            .map(|server| (server.url.clone(), Some(server))),
    };
    match started {
        Ok((url, server)) => (Ok(url), server),
        Err(e) => (Err(e.to_string()), None),
    }
}

/// Opens the browser on the start address when the policy allows it; says what happened.
fn open_browser(policy: &BrowserPolicy, start: Result<&url::Url, &String>) -> String {
    match (policy, start) {
        (BrowserPolicy::Open(opener), Ok(url)) => match opener.open(url.as_str()) {
            Ok(()) => "Opened your browser on that address.".to_owned(),
            Err(e) => format!("Could not start a browser ({e}); open the address yourself."),
        },
        (BrowserPolicy::Open(_), Err(e)) => format!(
            "Not opening a browser: could not listen on 127.0.0.1 for its start address ({e}); open the address yourself."
        ),
        (BrowserPolicy::PasteBack(why), _) => format!("Not opening a browser here: {why}."),
    }
}

/// The exit code and message for a callback that gave no code.
fn callback_failure(err: &CallbackError) -> Error {
    let code = match err {
        CallbackError::Denied { .. } => exit::DENIED,
        CallbackError::Server { .. } => exit::SERVER,
        CallbackError::StartReused => exit::FAILURE,
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
    service: SessionService<ReqwestTransport>,
    profile: &str,
) -> Result<(), Error> {
    let clock = service.clock.clone();
    let Exchanged { tokens, skew } = exchange_code(
        &*service.transport,
        &provider,
        request,
        code,
        &*clock,
        profile,
    )
    .await
    .map_err(|end| {
        let code = match end.kind {
            CodeEndKind::Denied => exit::DENIED,
            CodeEndKind::Expired => exit::EXPIRED,
            CodeEndKind::Unreachable => exit::NETWORK,
            CodeEndKind::Refused => exit::SERVER,
        };
        fail(code, error_line(&end.view))
    })?;
    let now = clock.now();
    let mut new_session = provider.new_session(profile, *tokens, now);
    new_session.meta.clock_skew = skew;
    let info = service.store_info();
    let storage = StorageView {
        description: info.describe(),
        plaintext: info.plaintext,
    };
    let signed_in = service.sign_in(new_session).await?;
    // The session this sign-in replaced keeps its grant at the server until revoked.
    if let Some(old) = &signed_in.replaced {
        crate::runtime::revoke_replaced(&service, old).await;
    }
    let board = Dashboard::new(signed_in.session, storage, now, "Signed in");
    let mut app = App::with_dashboard(super::provider_info(&provider), board);
    app.local_time = crate::local_time::LocalTime::load();
    prompt::line(&mut std::io::stderr(), &status_line(&app, now))?;
    Ok(())
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
        assert_eq!(
            callback_failure(&CallbackError::StartReused).exit_code(),
            exit::FAILURE
        );
    }
}
