//! The one-shot loopback listener (RFC 8252 §7.3) that receives the browser's redirect, and
//! the start address the browser is opened on.
//!
//! It binds 127.0.0.1 only. The browser is opened on `http://127.0.0.1:PORT/`, which answers
//! once with a redirect to the authorization URL (kubelogin's way): a browser's argv is world
//! readable (`/proc/PID/cmdline`), so it must hold nothing another local user could use, and
//! `state` and the PKCE challenge travel only in the redirect. A second request for the start
//! address means someone else may have read the request: it gets an error page and the sign-in
//! stops. The wait ends only for a request on the redirect path whose `state` (and, when the
//! server promised it, RFC 9207 `iss`) is ours: anything else (a favicon, a stale tab, a forged
//! callback from another local user) gets a 400 or 404 and the wait goes on. The wait is
//! bounded; the server stops as soon as the answer is in, so a second callback finds nothing.
//! Where the kernel tells who owns a connection ([`super::peer`]), another local user's
//! requests get a 403 and change nothing.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::extract::{ConnectInfo, State};
use axum::http::header::{CACHE_CONTROL, CONNECTION, LOCATION, REFERRER_POLICY};
use axum::http::{StatusCode, Uri};
use axum::response::{Html, IntoResponse, Response};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use url::Url;

use super::{CALLBACK_WAIT_SECS, fail};
use crate::error::{Error, exit};
use crate::oauth::pkce::{AuthorizationCode, AuthorizationRequest, CallbackError};

/// How long the listener may take to finish its last answer once the code is in.
const SHUTDOWN_GRACE_SECS: u64 = 2;
/// Path of the start address: it redirects to the authorization URL.
const START_PATH: &str = "/";

type Answer = Result<AuthorizationCode, CallbackError>;

/// A bound listener, not yet serving.
pub(super) struct Listener {
    listener: TcpListener,
    redirect_uri: Url,
}

struct Shared {
    /// Our own address, to find the peer's socket in the kernel's table.
    local: SocketAddr,
    /// The redirect path, when this listener receives the redirect.
    path: Option<String>,
    /// The request: its URL for the start address, its `state` and `iss` for the callback.
    request: AuthorizationRequest,
    /// Whether the start address was already answered.
    started: AtomicBool,
    answer: Mutex<Option<oneshot::Sender<Answer>>>,
}

/// `http://127.0.0.1:PORT/` for a listener bound on `port`: the browser's only argument.
fn start_url(port: u16) -> std::io::Result<Url> {
    Url::parse(&format!("http://127.0.0.1:{port}{START_PATH}")).map_err(std::io::Error::other)
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

    /// The address to open the browser on: it redirects, once, to the authorization URL.
    pub(super) fn start_url(&self) -> std::io::Result<Url> {
        start_url(self.listener.local_addr()?.port())
    }

    /// Serves the start address and the redirect path until a callback carries our `state`
    /// (and `iss`), the start address is asked twice, or `wait` passes (exit code 4).
    pub(super) async fn wait(
        self,
        request: AuthorizationRequest,
        wait: Duration,
    ) -> Result<Answer, Error> {
        let (tx, rx) = oneshot::channel();
        let shared = Arc::new(Shared {
            local: self
                .listener
                .local_addr()
                .map_err(|e| fail(exit::FAILURE, e.to_string()))?,
            path: Some(self.redirect_uri.path().to_owned()),
            request,
            started: AtomicBool::new(false),
            answer: Mutex::new(Some(tx)),
        });
        let app = Router::new()
            .fallback(respond)
            .with_state(shared)
            .into_make_service_with_connect_info::<SocketAddr>();
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

/// Serves only the start address on 127.0.0.1 (any free port), for a browser opened when the
/// redirect goes elsewhere (the address is pasted back); it stops when the guard is dropped.
pub(super) async fn serve_start(request: AuthorizationRequest) -> std::io::Result<StartServer> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let url = start_url(listener.local_addr()?.port())?;
    let shared = Arc::new(Shared {
        local: listener.local_addr()?,
        path: None,
        request,
        started: AtomicBool::new(false),
        answer: Mutex::new(None),
    });
    let app = Router::new()
        .fallback(respond)
        .with_state(shared)
        .into_make_service_with_connect_info::<SocketAddr>();
    let task = tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(StartServer {
        url,
        task: task.abort_handle(),
    })
}

/// A running start-address server; dropping it stops the server.
pub(super) struct StartServer {
    /// The address to open the browser on.
    pub url: Url,
    task: tokio::task::AbortHandle,
}

impl Drop for StartServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn respond(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    uri: Uri,
) -> Response {
    // Another local user's process: nothing for it, and the wait goes on.
    if super::peer::is_other_user(peer, shared.local) {
        return page(
            StatusCode::FORBIDDEN,
            "Not yours",
            "This sign-in belongs to another user of this computer.",
        );
    }
    if uri.path() == START_PATH && uri.query().is_none() {
        return start(&shared);
    }
    match &shared.path {
        Some(path) if uri.path() == path => callback(&shared, &uri),
        _ => page(
            StatusCode::NOT_FOUND,
            "Not found",
            "This is grantty's sign-in listener.",
        ),
    }
}

/// The start address: the first request is sent on to the authorization URL; any later one
/// may be another local user's, who could then know `state`, so the sign-in stops.
fn start(shared: &Shared) -> Response {
    if !shared.started.swap(true, Ordering::SeqCst) {
        return (
            StatusCode::FOUND,
            [
                (LOCATION, shared.request.url.as_str()),
                (CONNECTION, "close"),
                (CACHE_CONTROL, "no-store"),
                (REFERRER_POLICY, "no-referrer"),
            ],
        )
            .into_response();
    }
    let sender = shared
        .answer
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    let stopped = sender.is_some_and(|sender| sender.send(Err(CallbackError::StartReused)).is_ok());
    let text = if stopped {
        "This sign-in's start address was already opened. If that was not you, another program on this computer may have read the sign-in request, so grantty stopped this sign-in. Run grantty login --flow code again."
    } else {
        "This sign-in's start address was already opened once; it works only once. Use the address the terminal shows."
    };
    page(StatusCode::GONE, "Already used", text)
}

fn callback(shared: &Shared, uri: &Uri) -> Response {
    let answer = shared
        .request
        .check_callback(uri.query().unwrap_or_default());
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
        // Not ours (another state, another issuer, not a callback): keep waiting for the real one.
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
    use crate::oauth::pkce::Pkce;
    use crate::oauth::provider::Provider;

    fn client() -> reqwest::Client {
        let _ = rustls::crypto::ring::default_provider().install_default();
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    async fn get(url: &str) -> u16 {
        client().get(url).send().await.unwrap().status().as_u16()
    }

    /// A request to the demo-like `https://as.example/authorize` with state `st`, redirecting
    /// to `redirect_uri`; `iss` is required when given.
    fn request(redirect_uri: &Url, iss: Option<&str>) -> AuthorizationRequest {
        let mut provider = Provider::generic(
            "cli",
            None,
            "https://as.example/device",
            "https://as.example/token",
            None,
        )
        .unwrap();
        provider.authorization_response_iss = iss.map(str::to_owned);
        let endpoint = Url::parse("https://as.example/authorize").unwrap();
        let pkce = Pkce::from_verifier(&"v".repeat(43));
        AuthorizationRequest::new(
            &provider,
            &endpoint,
            redirect_uri.clone(),
            pkce,
            "st".into(),
        )
    }

    #[tokio::test]
    async fn only_the_right_state_on_the_right_path_ends_the_wait() {
        let listener = Listener::bind(0, "/cb").await.unwrap();
        let base = listener.redirect_uri().to_string();
        assert!(
            base.starts_with("http://127.0.0.1:") && base.ends_with("/cb"),
            "{base}"
        );
        let req = request(listener.redirect_uri(), None);
        let waiting = tokio::spawn(listener.wait(req, Duration::from_secs(60)));
        let origin = base.trim_end_matches("/cb");
        assert_eq!(get(&format!("{origin}/favicon.ico")).await, 404);
        assert_eq!(get(&format!("{base}?code=x&state=forged")).await, 400);
        assert_eq!(get(&format!("{base}?code=c0de&state=st")).await, 200);
        let code = waiting.await.unwrap().unwrap().unwrap();
        assert_eq!(code.expose(), "c0de");
    }

    #[tokio::test]
    async fn the_start_address_redirects_once_then_stops_the_sign_in() {
        let listener = Listener::bind(0, "/cb").await.unwrap();
        let start = listener.start_url().unwrap();
        assert_eq!(start.path(), "/");
        assert!(start.query().is_none());
        let req = request(listener.redirect_uri(), None);
        let authorize = req.url.to_string();
        let waiting = tokio::spawn(listener.wait(req, Duration::from_secs(60)));
        let first = client().get(start.as_str()).send().await.unwrap();
        assert_eq!(first.status(), 302);
        assert_eq!(first.headers()["location"].to_str().unwrap(), authorize);
        assert_eq!(get(start.as_str()).await, 410);
        let answer = waiting.await.unwrap().unwrap();
        assert_eq!(answer, Err(CallbackError::StartReused));
    }

    #[tokio::test]
    async fn a_promised_iss_must_come_back() {
        let listener = Listener::bind(0, "/cb").await.unwrap();
        let base = listener.redirect_uri().to_string();
        let req = request(listener.redirect_uri(), Some("https://as.example"));
        let waiting = tokio::spawn(listener.wait(req, Duration::from_secs(60)));
        assert_eq!(get(&format!("{base}?code=c&state=st")).await, 400);
        let other = "iss=https%3A%2F%2Fevil.example";
        assert_eq!(get(&format!("{base}?code=c&state=st&{other}")).await, 400);
        let ours = "iss=https%3A%2F%2Fas.example";
        assert_eq!(get(&format!("{base}?code=c0de&state=st&{ours}")).await, 200);
        let code = waiting.await.unwrap().unwrap().unwrap();
        assert_eq!(code.expose(), "c0de");
    }

    #[tokio::test]
    async fn the_start_only_server_redirects_once_and_stops_when_dropped() {
        let redirect = Url::parse("https://app.example/cb").unwrap();
        let server = serve_start(request(&redirect, None)).await.unwrap();
        let url = server.url.to_string();
        assert_eq!(get(&url).await, 302);
        assert_eq!(get(&url).await, 410);
        drop(server);
        // The abort lands when the runtime next runs the task: wait for it, bounded.
        let refused = async {
            while client().get(&url).send().await.is_ok() {
                tokio::task::yield_now().await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), refused)
            .await
            .expect("the start server still answers after its guard was dropped");
    }

    #[tokio::test]
    async fn a_denial_with_our_state_ends_the_wait() {
        let listener = Listener::bind(0, "cb").await.unwrap();
        let url = format!("{}?error=access_denied&state=st", listener.redirect_uri());
        let req = request(listener.redirect_uri(), None);
        let waiting = tokio::spawn(listener.wait(req, Duration::from_secs(60)));
        assert_eq!(get(&url).await, 200);
        let answer = waiting.await.unwrap().unwrap();
        assert_eq!(answer, Err(CallbackError::Denied { description: None }));
    }

    #[tokio::test(start_paused = true)]
    async fn the_wait_is_bounded() {
        let listener = Listener::bind(0, "/cb").await.unwrap();
        let req = request(listener.redirect_uri(), None);
        let err = listener
            .wait(req, Duration::from_secs(600))
            .await
            .unwrap_err();
        assert_eq!(err.exit_code(), exit::EXPIRED);
    }
}
