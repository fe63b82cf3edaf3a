//! `login --flow code` as a screen of the app: the browser is opened (or not) by the browser
//! policy before the terminal is taken, the loopback listener's answer joins the terminal's
//! events, and the runtime's loop does the rest (the one exchange, the save, the dashboard).

use std::future::ready;
use std::time::Duration;

use futures_util::StreamExt as _;

use super::CALLBACK_WAIT_SECS;
use super::loopback::Listener;
use crate::app::{App, Capture, CodeSignIn, Msg, Screen};
use crate::cli::SessionArgs;
use crate::domain::clock::{Clock as _, SystemClock};
use crate::domain::text::{SHORT_MAX_CHARS, sanitize};
use crate::error::Error;
use crate::oauth::http::ReqwestTransport;
use crate::oauth::pkce::AuthorizationRequest;
use crate::oauth::provider::Provider;
use crate::session_service::SessionService;

/// What the screen starts from.
pub(super) struct Start {
    /// The authorization request (address, `state`, PKCE).
    pub request: AuthorizationRequest,
    /// The loopback listener, when a browser was opened and the redirect is ours to listen on.
    pub listener: Option<Listener>,
    /// The server of the browser's start address when the redirect is pasted back; it runs
    /// as long as the screen.
    pub redirector: Option<super::loopback::StartServer>,
    /// Whether a browser was opened, in words.
    pub note: String,
    /// Host (and port) of the authorization endpoint, for "who is asking".
    pub host: String,
    /// The profile's `label`, for the title line.
    pub label: Option<String>,
}

/// Runs the code flow screen until the user leaves it (after the dashboard, or an end screen).
pub(super) async fn sign_in(
    start: Start,
    provider: Provider,
    service: SessionService<ReqwestTransport>,
    session: &SessionArgs,
) -> Result<(), Error> {
    let _redirector = start.redirector;
    let now = SystemClock.now();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let capture = match start.listener {
        Some(listener) => {
            let port = listener.redirect_uri().port().unwrap_or_default();
            let request = start.request.clone();
            let wait = Duration::from_secs(CALLBACK_WAIT_SECS);
            tokio::spawn(async move {
                // An expired wait is the screen's to say (its own tick ends it).
                if let Ok(answer) = listener.wait(request, wait).await {
                    let _ = tx.send(answer);
                }
            });
            Capture::Listening {
                port,
                note: start.note,
            }
        }
        None => Capture::Paste { note: start.note },
    };
    let answers = futures_util::stream::once(rx)
        .filter_map(|answer| ready(answer.ok().map(Msg::Callback)))
        .boxed();
    let mut info = super::super::provider_info(&provider);
    info.host = sanitize(&start.host, SHORT_MAX_CHARS);
    let code = CodeSignIn::new(start.request, capture, now);
    let mut app = App::with_screen(info, Screen::Code(Box::new(code)));
    app.profile.clone_from(&session.profile);
    app.profile_label = start.label;
    super::super::run_screen_with(app, provider, service, session, answers).await
}
