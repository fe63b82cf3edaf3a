//! Fakes for runtime tests: a clock that follows tokio's (paused) time and a transport that
//! answers from a script and records what was sent and when.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use grantty::domain::clock::{Clock, Timestamp};
use grantty::oauth::http::{Transport, TransportError};
use grantty::oauth::wire::{HttpRequest, HttpResponse};

/// Unix time that moves with `tokio::time`, so `start_paused` tests advance both together.
pub struct TokioClock {
    base: i64,
    start: tokio::time::Instant,
}

impl TokioClock {
    /// A clock reading `base` now.
    pub fn new(base: i64) -> Self {
        Self {
            base,
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TokioClock {
    fn now(&self) -> Timestamp {
        let elapsed = i64::try_from(self.start.elapsed().as_secs()).unwrap();
        Timestamp::from_unix_secs(self.base + elapsed)
    }
}

/// One sent request, as the server would see it.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Path of the URL.
    pub path: String,
    /// The body as text.
    pub body: String,
    /// When it was sent, by the shared clock.
    pub at: Timestamp,
}

/// Answers requests from a script, in order; records each request.
#[derive(Clone)]
pub struct ScriptedTransport {
    script: Arc<Mutex<VecDeque<Result<HttpResponse, TransportError>>>>,
    sent: Arc<Mutex<Vec<Sent>>>,
    clock: Arc<dyn Clock>,
    hold: Option<(
        tokio::sync::mpsc::UnboundedSender<String>,
        Arc<tokio::sync::Semaphore>,
    )>,
}

/// The test's side of a transport made with [`ScriptedTransport::held`]: each request is
/// announced here and answered only once a reply is released.
pub struct Held {
    arrived: tokio::sync::mpsc::UnboundedReceiver<String>,
    release: Arc<tokio::sync::Semaphore>,
}

impl Held {
    /// Waits for the next request to arrive; returns its path.
    pub async fn arrived(&mut self) -> String {
        self.arrived.recv().await.unwrap()
    }

    /// Lets `n` more replies go.
    pub fn release(&self, n: usize) {
        self.release.add_permits(n);
    }
}

impl ScriptedTransport {
    /// A transport that answers with `script` and stamps requests with `clock`.
    pub fn new(clock: Arc<dyn Clock>, script: Vec<Result<HttpResponse, TransportError>>) -> Self {
        Self {
            script: Arc::new(Mutex::new(script.into())),
            sent: Arc::default(),
            clock,
            hold: None,
        }
    }

    /// The same transport, but each reply waits until the test releases it.
    pub fn held(mut self) -> (Self, Held) {
        let (tx, arrived) = tokio::sync::mpsc::unbounded_channel();
        let release = Arc::new(tokio::sync::Semaphore::new(0));
        self.hold = Some((tx, release.clone()));
        (self, Held { arrived, release })
    }

    /// What was sent so far.
    pub fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }
}

impl Transport for ScriptedTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        self.sent.lock().unwrap().push(Sent {
            path: request.url.path().to_owned(),
            body: String::from_utf8_lossy(&request.body).into_owned(),
            at: self.clock.now(),
        });
        if let Some((arrived, release)) = &self.hold {
            arrived.send(request.url.path().to_owned()).unwrap();
            release.acquire().await.unwrap().forget();
        }
        let next = self.script.lock().unwrap().pop_front();
        next.unwrap_or_else(|| Err(TransportError::no_answer("script exhausted")))
    }
}

/// A JSON answer, as a script entry (the transport's `Result`).
#[allow(clippy::unnecessary_wraps)] // scripts list `Ok` answers next to `Err` ones
pub fn json(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    })
}
