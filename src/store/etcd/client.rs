//! A small etcd v3 client over etcd's JSON gateway (`/v3/kv/*`, `/v3/lease/*`), through the
//! `reqwest` already in the tree.
//!
//! Why not a client crate: `etcd-client` speaks gRPC through `tonic` + `prost` (+ `tower`,
//! `h2`, code generated from etcd's protos); for the seven calls grantty makes, the gateway
//! costs nothing new in the dependency tree, while tonic/prost would add roughly 1–1.5 MB to
//! the release binary and a protobuf build step.
//!
//! Contract: every call blocks (the store API is blocking; async code uses `spawn_blocking`).
//! Requests run on a private current-thread runtime in the client's own worker thread (the
//! caller waits for the answer on a channel), so a call works from any context and dropping
//! the client never drops a runtime inside someone else's async context. Endpoints are tried in order, starting with the last
//! one that answered; the next is tried only when the connection itself failed (a request that
//! may have reached etcd is never sent twice). Keys and values travel base64-encoded; answers
//! are read up to [`MAX_ANSWER_BYTES`]; errors never carry a value (only the gateway's own
//! message, sanitised and capped).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::Deserialize;
use serde_json::{Value, json};

use super::config::EtcdConfig;
use super::error::EtcdError;

/// The largest answer read from etcd (its own request limit is 1.5 MiB).
pub const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;
/// How long one request may take, connection included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// How long connecting to one endpoint may take before the next is tried.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How many characters of an etcd error message are kept.
const MESSAGE_MAX_CHARS: usize = 200;

/// One key as etcd returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Kv {
    /// The key.
    pub key: String,
    /// The value (may hold sealed secrets: never printed).
    pub value: Vec<u8>,
    /// The revision that created the key.
    pub create_revision: i64,
    /// The revision of the last change.
    pub mod_revision: i64,
}

/// A comparison of a transaction: `target(key) == value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compare {
    /// The key's create revision (0: the key does not exist).
    CreateRevision(i64),
    /// The key's mod revision (0: the key does not exist).
    ModRevision(i64),
}

/// A request for the worker thread: the path, the body, and where the answer goes.
type Job = (
    String,
    Value,
    std::sync::mpsc::Sender<Result<Vec<u8>, EtcdError>>,
);

/// What the worker thread needs to send a request.
struct Sender {
    endpoints: Vec<url::Url>,
    preferred: AtomicUsize,
    http: reqwest::Client,
}

/// The blocking client.
pub struct EtcdClient {
    endpoints: Vec<url::Url>,
    jobs: tokio::sync::mpsc::UnboundedSender<Job>,
}

impl std::fmt::Debug for EtcdClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EtcdClient")
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

impl EtcdClient {
    /// A client for the configured endpoints, with the configured TLS files.
    pub fn new(config: &EtcdConfig) -> Result<Self, EtcdError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("grantty/", env!("CARGO_PKG_VERSION")));
        if let Some(path) = &config.cacert {
            let pem = read_file(path)?;
            let certs =
                reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| EtcdError::Tls {
                    path: path.clone(),
                    detail: e.to_string(),
                })?;
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        match (&config.cert, &config.key) {
            (Some(cert), Some(key)) => {
                let mut pem = read_file(cert)?;
                pem.push(b'\n');
                pem.extend(read_file(key)?);
                let identity = reqwest::Identity::from_pem(&pem).map_err(|e| EtcdError::Tls {
                    path: cert.clone(),
                    detail: e.to_string(),
                })?;
                builder = builder.identity(identity);
            }
            (None, None) => {}
            (Some(path), None) | (None, Some(path)) => {
                return Err(EtcdError::Tls {
                    path: path.clone(),
                    detail: "GRANTTY_ETCD_CERT and GRANTTY_ETCD_KEY go together; set both".into(),
                });
            }
        }
        let http = builder
            .build()
            .map_err(|e| EtcdError::Setup(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| EtcdError::Setup(e.to_string()))?;
        let sender = std::sync::Arc::new(Sender {
            endpoints: config.endpoints.clone(),
            preferred: AtomicUsize::new(0),
            http,
        });
        let (jobs, mut queue) = tokio::sync::mpsc::unbounded_channel::<Job>();
        // The worker ends (and drops its runtime, in its own thread) once the client is gone.
        std::thread::Builder::new()
            .name("grantty-etcd".into())
            .spawn(move || {
                runtime.block_on(async move {
                    while let Some((path, body, reply)) = queue.recv().await {
                        let sender = std::sync::Arc::clone(&sender);
                        tokio::spawn(async move {
                            let _ = reply.send(sender.send(&path, &body).await);
                        });
                    }
                });
            })
            .map_err(|e| EtcdError::Setup(e.to_string()))?;
        Ok(Self {
            endpoints: config.endpoints.clone(),
            jobs,
        })
    }

    /// The endpoints, for messages.
    pub fn endpoints(&self) -> &[url::Url] {
        &self.endpoints
    }

    /// The key `key`, if it exists. `serializable` reads the answering member's copy without
    /// asking the leader (it works without quorum, but may be stale).
    pub fn get(&self, key: &str, serializable: bool) -> Result<Option<Kv>, EtcdError> {
        let body = json!({ "key": b64(key.as_bytes()), "serializable": serializable });
        let answer: RangeAnswer = self.call("/v3/kv/range", &body)?;
        answer.kvs.into_iter().next().map(Kv::try_from).transpose()
    }

    /// The keys under `prefix` (without values).
    pub fn keys_with_prefix(&self, prefix: &str) -> Result<Vec<String>, EtcdError> {
        let body = json!({
            "key": b64(prefix.as_bytes()),
            "range_end": b64(&prefix_end(prefix.as_bytes())),
            "keys_only": true,
        });
        let answer: RangeAnswer = self.call("/v3/kv/range", &body)?;
        answer
            .kvs
            .into_iter()
            .map(|kv| Kv::try_from(kv).map(|kv| kv.key))
            .collect()
    }

    /// Puts `value` at `key` (attached to `lease` if given), unconditionally.
    pub fn put(&self, key: &str, value: &[u8], lease: Option<i64>) -> Result<(), EtcdError> {
        let _: Value = self.call("/v3/kv/put", &put_request(key, value, lease))?;
        Ok(())
    }

    /// Puts `value` at `key` if `compare` holds for `key`: the revision of the write, or
    /// `None` when the comparison failed and nothing was written.
    pub fn put_if(
        &self,
        key: &str,
        compare: Compare,
        value: &[u8],
        lease: Option<i64>,
    ) -> Result<Option<i64>, EtcdError> {
        let (target, field, revision) = match compare {
            Compare::CreateRevision(r) => ("CREATE", "create_revision", r),
            Compare::ModRevision(r) => ("MOD", "mod_revision", r),
        };
        let mut cmp = json!({ "result": "EQUAL", "target": target, "key": b64(key.as_bytes()) });
        cmp[field] = json!(revision.to_string());
        let body = json!({
            "compare": [cmp],
            "success": [{ "request_put": put_request(key, value, lease) }],
        });
        let answer: TxnAnswer = self.call("/v3/kv/txn", &body)?;
        if !answer.succeeded {
            return Ok(None);
        }
        let revision = answer.header.and_then(|h| h.revision);
        number(revision.as_ref(), "revision").map(Some)
    }

    /// Deletes `key`; a missing key is not an error.
    pub fn delete(&self, key: &str) -> Result<(), EtcdError> {
        let _: Value = self.call("/v3/kv/deleterange", &json!({ "key": b64(key.as_bytes()) }))?;
        Ok(())
    }

    /// Deletes `key` if its mod revision is `revision`; `false` when it was not.
    pub fn delete_if(&self, key: &str, revision: i64) -> Result<bool, EtcdError> {
        let body = json!({
            "compare": [{ "result": "EQUAL", "target": "MOD", "key": b64(key.as_bytes()),
                          "mod_revision": revision.to_string() }],
            "success": [{ "request_delete_range": { "key": b64(key.as_bytes()) } }],
        });
        let answer: TxnAnswer = self.call("/v3/kv/txn", &body)?;
        Ok(answer.succeeded)
    }

    /// A new lease of `ttl_secs`; its id.
    pub fn grant(&self, ttl_secs: u64) -> Result<i64, EtcdError> {
        let answer: LeaseAnswer =
            self.call("/v3/lease/grant", &json!({ "TTL": ttl_secs.to_string() }))?;
        number(answer.id.as_ref(), "ID")
    }

    /// Renews `lease`; `false` when it has already expired.
    pub fn keep_alive(&self, lease: i64) -> Result<bool, EtcdError> {
        let answer: KeepAliveAnswer =
            self.call("/v3/lease/keepalive", &json!({ "ID": lease.to_string() }))?;
        let ttl = answer
            .result
            .and_then(|r| r.ttl)
            .map_or(Ok(0), |t| number(Some(&t), "TTL"))?;
        Ok(ttl > 0)
    }

    /// Revokes `lease`, deleting every key attached to it; an expired lease is not an error.
    pub fn revoke(&self, lease: i64) -> Result<(), EtcdError> {
        match self.call::<Value>("/v3/lease/revoke", &json!({ "ID": lease.to_string() })) {
            // NOT_FOUND: the lease has expired already; its keys are gone.
            Ok(_) | Err(EtcdError::Refused { code: Some(5), .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Sends `body` to `path`, trying the endpoints in turn while connecting fails.
    fn call<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &Value,
    ) -> Result<T, EtcdError> {
        let stopped = || EtcdError::Setup("the etcd request thread stopped".into());
        let (reply, answer) = std::sync::mpsc::channel();
        self.jobs
            .send((path.to_owned(), body.clone(), reply))
            .map_err(|_| stopped())?;
        let bytes = answer.recv().map_err(|_| stopped())??;
        serde_json::from_slice(&bytes).map_err(|e| EtcdError::Answer {
            detail: format!("{path}: {e}"),
        })
    }
}

impl Sender {
    async fn send(&self, path: &str, body: &Value) -> Result<Vec<u8>, EtcdError> {
        let count = self.endpoints.len();
        let first = self.preferred.load(Ordering::Relaxed);
        let mut failures = Vec::new();
        for i in 0..count {
            let index = (first + i) % count;
            let Some(endpoint) = self.endpoints.get(index) else {
                continue;
            };
            let url = endpoint
                .join(path.trim_start_matches('/'))
                .map_err(|e| EtcdError::Setup(e.to_string()))?;
            let sent = self.http.post(url).json(body).send().await;
            let resp = match sent {
                Ok(resp) => resp,
                Err(e) if e.is_connect() => {
                    failures.push(format!("{}: {}", origin(endpoint), reason(&e)));
                    continue;
                }
                Err(e) => {
                    return Err(EtcdError::NoAnswer {
                        endpoint: origin(endpoint),
                        detail: reason(&e),
                    });
                }
            };
            self.preferred.store(index, Ordering::Relaxed);
            return read_answer(resp, endpoint).await;
        }
        Err(EtcdError::Unreachable {
            tried: failures.join("; "),
        })
    }
}

async fn read_answer(
    mut resp: reqwest::Response,
    endpoint: &url::Url,
) -> Result<Vec<u8>, EtcdError> {
    let status = resp.status();
    let mut bytes = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                    return Err(EtcdError::Answer {
                        detail: format!(
                            "the answer of {} is over {MAX_ANSWER_BYTES} bytes",
                            origin(endpoint)
                        ),
                    });
                }
                bytes.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(EtcdError::NoAnswer {
                    endpoint: origin(endpoint),
                    detail: reason(&e),
                });
            }
        }
    }
    if status.is_success() {
        // The gateway streams a server-streaming call (lease keepalive) as one JSON object per
        // line; the first is the answer.
        let first = bytes
            .split(|b| *b == b'\n')
            .next()
            .unwrap_or_default()
            .to_vec();
        return Ok(first);
    }
    let error: GatewayError = serde_json::from_slice(&bytes).unwrap_or_default();
    let message = error.message.or(error.error).unwrap_or_default();
    Err(EtcdError::Refused {
        endpoint: origin(endpoint),
        status: status.as_u16(),
        code: error.code,
        message: crate::domain::text::sanitize(&message, MESSAGE_MAX_CHARS),
    })
}

/// `scheme://host:port` of an endpoint (never a path or credentials).
fn origin(url: &url::Url) -> String {
    url.origin().ascii_serialization()
}

/// The innermost cause of a reqwest error, without the URL (which is ours anyway).
fn reason(e: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = e;
    while let Some(next) = source.source() {
        source = next;
    }
    let kind = if e.is_timeout() { "timed out: " } else { "" };
    crate::domain::text::sanitize(&format!("{kind}{source}"), MESSAGE_MAX_CHARS)
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, EtcdError> {
    std::fs::read(path).map_err(|e| EtcdError::Tls {
        path: path.to_owned(),
        detail: e.to_string(),
    })
}

fn b64(bytes: &[u8]) -> String {
    B64.encode(bytes)
}

fn put_request(key: &str, value: &[u8], lease: Option<i64>) -> Value {
    let mut put = json!({ "key": b64(key.as_bytes()), "value": b64(value) });
    if let Some(lease) = lease {
        put["lease"] = json!(lease.to_string());
    }
    put
}

/// The first key after every key that starts with `prefix` (etcd's `range_end`).
fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    vec![0]
}

/// An int64 as the gateway writes it: a JSON string (or, leniently, a number).
fn number(value: Option<&Value>, field: &str) -> Result<i64, EtcdError> {
    let parsed = match value {
        None => Some(0),
        Some(Value::String(s)) => s.parse().ok(),
        Some(Value::Number(n)) => n.as_i64(),
        Some(_) => None,
    };
    parsed.ok_or_else(|| EtcdError::Answer {
        detail: format!("{field} is not a number"),
    })
}

#[derive(Deserialize, Default)]
struct GatewayError {
    error: Option<String>,
    message: Option<String>,
    code: Option<i32>,
}

#[derive(Deserialize)]
struct RangeAnswer {
    #[serde(default)]
    kvs: Vec<RawKv>,
}

#[derive(Deserialize)]
struct RawKv {
    key: Option<String>,
    value: Option<String>,
    create_revision: Option<Value>,
    mod_revision: Option<Value>,
}

impl TryFrom<RawKv> for Kv {
    type Error = EtcdError;

    fn try_from(raw: RawKv) -> Result<Self, EtcdError> {
        let decode = |field: Option<String>, name: &str| {
            B64.decode(field.unwrap_or_default())
                .map_err(|_| EtcdError::Answer {
                    detail: format!("{name} is not base64"),
                })
        };
        let key = String::from_utf8(decode(raw.key, "key")?).map_err(|_| EtcdError::Answer {
            detail: "a key is not UTF-8".into(),
        })?;
        Ok(Self {
            key,
            value: decode(raw.value, "value")?,
            create_revision: number(raw.create_revision.as_ref(), "create_revision")?,
            mod_revision: number(raw.mod_revision.as_ref(), "mod_revision")?,
        })
    }
}

#[derive(Deserialize)]
struct TxnAnswer {
    #[serde(default)]
    succeeded: bool,
    header: Option<Header>,
}

#[derive(Deserialize)]
struct Header {
    revision: Option<Value>,
}

#[derive(Deserialize)]
struct LeaseAnswer {
    #[serde(rename = "ID")]
    id: Option<Value>,
}

#[derive(Deserialize)]
struct KeepAliveAnswer {
    result: Option<KeepAliveResult>,
}

#[derive(Deserialize)]
struct KeepAliveResult {
    #[serde(rename = "TTL")]
    ttl: Option<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_range_end_of_a_prefix_covers_exactly_its_keys() {
        assert_eq!(prefix_end(b"/grantty/"), b"/grantty0".to_vec());
        assert_eq!(prefix_end(b"a\xff"), b"b".to_vec());
        assert_eq!(prefix_end(b"\xff"), vec![0]);
    }

    #[test]
    fn int64_fields_are_read_from_strings_or_numbers_and_missing_is_zero() {
        assert_eq!(number(Some(&json!("42")), "x").unwrap(), 42);
        assert_eq!(number(Some(&json!(7)), "x").unwrap(), 7);
        assert_eq!(number(None, "x").unwrap(), 0);
        assert!(number(Some(&json!("x")), "x").is_err());
    }

    #[test]
    fn a_gateway_key_value_is_decoded_from_base64() {
        let raw = RawKv {
            key: Some(b64(b"/g/k")),
            value: Some(b64(b"v")),
            create_revision: Some(json!("3")),
            mod_revision: Some(json!("9")),
        };
        let kv = Kv::try_from(raw).unwrap();
        assert_eq!(kv.key, "/g/k");
        assert_eq!(kv.value, b"v");
        assert_eq!((kv.create_revision, kv.mod_revision), (3, 9));
    }
}
