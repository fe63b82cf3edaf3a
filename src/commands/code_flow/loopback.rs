//! The one-shot loopback listener (RFC 8252 §7.3) that receives the browser's redirect.
//!
//! It binds 127.0.0.1 only, answers every request with a short page, and ends the wait only
//! for a request on the redirect path whose `state` is ours: anything else (a favicon, a stale
//! tab, a forged request from another page) gets a 400 or 404 and is otherwise ignored. The
//! wait is bounded; the server stops as soon as the answer is in.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, CONNECTION, REFERRER_POLICY};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use url::Url;

use super::{CALLBACK_WAIT_SECS, fail};
use crate::error::{Error, exit};
use crate::oauth::pkce::{AuthorizationCode, CallbackError, parse_callback};

/// How long the listener may take to finish its last answer once the code is in.
const SHUTDOWN_GRACE_SECS: u64 = 2;

type Answer = Result<AuthorizationCode, CallbackError>;

/// A bound listener, not yet serving.
pub(super) struct Listener {
    listener: TcpListener,
    redirect_uri: Url,
}

struct Shared {
    path: String,
    state: String,
    answer: Mutex<Option<oneshot::Sender<Answer>>>,
}

impl Listener {
    /// Binds `127.0.0.1:port` (0: any free port); the redirect URI names the port bound.
    pub(super) async fn bind(port: u16, path: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let port = listener.local_addr()?.port();
        let path = if path.starts_with('/') {
            path.to_owned()
        } else {
            format!("/{path}")
        };
        let redirect_uri =
            Url::parse(&format!("http://127.0.0.1:{port}{path}")).map_err(std::io::Error::other)?;
        Ok(Self {
            listener,
            redirect_uri,
        })
    }

    /// The redirect URI to send with the authorization request.
    pub(super) fn redirect_uri(&self) -> &Url {
        &self.redirect_uri
    }

    /// Serves until a request carries our `state`, or `wait` passes (exit code 4).
    pub(super) async fn wait(self, state: String, wait: Duration) -> Result<Answer, Error> {
        let (tx, rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            path: self.redirect_uri.path().to_owned(),
            state,
            answer: Mutex::new(Some(tx)),
        });
        let app = Router::new().fallback(callback).with_state(shared);
        let (stop, stopped) = oneshot::channel::<()>();
        let server = axum::serve(self.listener, app).with_graceful_shutdown(async move {
            let _ = stopped.await;
        });
        let task = tokio::spawn(async move { server.await });
        let answer = tokio::time::timeout(wait, rx).await;
        let _ = stop.send(());
        // The page has been answered; give it a moment to leave, then stop regardless.
        let abort = task.abort_handle();
        if tokio::time::timeout(Duration::from_secs(SHUTDOWN_GRACE_SECS), task)
            .await
            .is_err()
        {
            abort.abort();
        }
        match answer {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(_)) => Err(fail(
                exit::FAILURE,
                "the loopback listener stopped unexpectedly",
            )),
            Err(_) => Err(fail(
                exit::EXPIRED,
                format!(
                    "no answer from the browser within {} minutes. Run grantty login --flow code again",
                    CALLBACK_WAIT_SECS / 60
                ),
            )),
        }
    }
}

async fn callback(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    if uri.path() != shared.path {
        return page(
            StatusCode::NOT_FOUND,
            "Not found",
            "This is grantty's sign-in listener.",
        );
    }
    let answer = parse_callback(uri.query().unwrap_or_default(), &shared.state);
    let (status, title, text) = match &answer {
        Ok(_) => (
            StatusCode::OK,
            "Signed in",
            "grantty has the authorization. You can close this tab and return to the terminal.",
        ),
        Err(CallbackError::Denied { .. } | CallbackError::Server { .. }) => (
            StatusCode::OK,
            "Not signed in",
            "The sign-in was not approved. You can close this tab; the terminal says why.",
        ),
        // Not ours: keep waiting for the real one.
        Err(_) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Not for this sign-in",
                "This address does not belong to the sign-in grantty is waiting for.",
            );
        }
    };
    let sender = shared
        .answer
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    match sender {
        Some(sender) => {
            let _ = sender.send(answer);
            page(status, title, text)
        }
        None => page(
            StatusCode::CONFLICT,
            "Already answered",
            "grantty already received an answer; you can close this tab.",
        ),
    }
}

fn page(status: StatusCode, title: &str, text: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto\">\
         <h1>{title}</h1><p>{text}</p></body></html>"
    );
    (
        status,
        [
            (CONNECTION, "close"),
            (CACHE_CONTROL, "no-store"),
            (REFERRER_POLICY, "no-referrer"),
        ],
        Html(html),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(url: &str) -> u16 {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::new()
            .get(url)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }

    #[tokio::test]
    async fn only_the_right_state_on_the_right_path_ends_the_wait() {
        let listener = Listener::bind(0, "/cb").await.unwrap();
        let base = listener.redirect_uri().to_string();
        assert!(
            base.starts_with("http://127.0.0.1:") && base.ends_with("/cb"),
            "{base}"
        );
        let waiting = tokio::spawn(listener.wait("st".into(), Duration::from_secs(60)));
        let origin = base.trim_end_matches("/cb");
        assert_eq!(get(&format!("{origin}/favicon.ico")).await, 404);
        assert_eq!(get(&format!("{base}?code=x&state=forged")).await, 400);
        assert_eq!(get(&format!("{base}?code=c0de&state=st")).await, 200);
        let code = waiting.await.unwrap().unwrap().unwrap();
        assert_eq!(code.expose(), "c0de");
    }

    #[tokio::test]
    async fn a_denial_with_our_state_ends_the_wait() {
        let listener = Listener::bind(0, "cb").await.unwrap();
        let url = format!("{}?error=access_denied&state=st", listener.redirect_uri());
        let waiting = tokio::spawn(listener.wait("st".into(), Duration::from_secs(60)));
        assert_eq!(get(&url).await, 200);
        let answer = waiting.await.unwrap().unwrap();
        assert_eq!(answer, Err(CallbackError::Denied { description: None }));
    }

    #[tokio::test(start_paused = true)]
    async fn the_wait_is_bounded() {
        let listener = Listener::bind(0, "/cb").await.unwrap();
        let err = listener
            .wait("st".into(), Duration::from_secs(600))
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), exit::EXPIRED);
    }
}
