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
}

impl ScriptedTransport {
    /// A transport that answers with `script` and stamps requests with `clock`.
    pub fn new(clock: Arc<dyn Clock>, script: Vec<Result<HttpResponse, TransportError>>) -> Self {
        Self {
            script: Arc::new(Mutex::new(script.into())),
            sent: Arc::default(),
            clock,
        }
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
        let next = self.script.lock().unwrap().pop_front();
        next.unwrap_or_else(|| Err(TransportError::no_answer("script exhausted")))
    }
}

/// A JSON answer.
pub fn json(status: u16, body: &str) -> Result<HttpResponse, TransportError> {
    Ok(HttpResponse {
        status,
        content_type: Some("application/json".into()),
        body: body.as_bytes().to_vec(),
        ..HttpResponse::default()
    })
}
