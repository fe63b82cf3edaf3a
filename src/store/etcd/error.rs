//! What can go wrong with the etcd store. Messages name the endpoint, file or key involved and
//! the next step; none carries a token, a sealed value or a key (answers are never quoted,
//! only etcd's own error message, sanitised and capped).

use std::path::PathBuf;

/// Why talking to etcd, or sealing for it, failed.
#[derive(Debug, thiserror::Error)]
pub enum EtcdError {
    /// The etcd store is not configured, or configured wrongly.
    #[error("the etcd store is not set up: {detail}")]
    Config {
        /// What is missing or wrong, and which variable to set.
        detail: String,
    },
    /// A TLS file could not be read or parsed.
    #[error("could not use the TLS file {}: {detail}; check GRANTTY_ETCD_CACERT, GRANTTY_ETCD_CERT and GRANTTY_ETCD_KEY", path.display())]
    Tls {
        /// The file.
        path: PathBuf,
        /// Why.
        detail: String,
    },
    /// The HTTP client could not be built (a bug or a broken system).
    #[error("could not set up the etcd client: {0}")]
    Setup(String),
    /// No endpoint accepted a connection.
    #[error(
        "no etcd endpoint could be reached ({tried}); check GRANTTY_ETCD_ENDPOINTS and that the cluster is up"
    )]
    Unreachable {
        /// Each endpoint and why connecting failed.
        tried: String,
    },
    /// An endpoint took the request but gave no complete answer (e.g. the cluster has lost its
    /// quorum and cannot commit). The request may have been applied.
    #[error(
        "etcd at {endpoint} did not answer: {detail}; the cluster may have lost its quorum (check `etcdctl endpoint health`)"
    )]
    NoAnswer {
        /// The endpoint.
        endpoint: String,
        /// Why (a timeout, a dropped connection).
        detail: String,
    },
    /// etcd answered with an error.
    #[error("etcd at {endpoint} refused the request (HTTP {status}): {message}")]
    Refused {
        /// The endpoint.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The gRPC status code, if given.
        code: Option<i32>,
        /// etcd's message, sanitised.
        message: String,
    },
    /// etcd's answer was not what its API promises.
    #[error("etcd gave an answer grantty does not understand: {detail}")]
    Answer {
        /// What was wrong with it.
        detail: String,
    },
    /// The seal key file is missing, unsafe or malformed.
    #[error("the seal key file {} {problem}; the etcd store needs the fleet's 32-byte key in a file only you can read (create one with `head -c 32 /dev/urandom > FILE && chmod 600 FILE`, copy it to every machine, and point GRANTTY_ETCD_SEAL_KEY_FILE at it)", path.display())]
    SealKey {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// A sealed value could not be opened with the key: another key sealed it, or it was changed.
    #[error("the tokens under etcd key {key:?} cannot be opened with the seal key in {}: it is not the key they were sealed with (or the value was changed); use the fleet's key file; nothing was overwritten", path.display())]
    Unseal {
        /// The etcd key.
        key: String,
        /// The key file.
        path: PathBuf,
    },
}

impl EtcdError {
    /// Whether the cluster answered that it cannot serve a consistent request now (no leader,
    /// a commit timed out: the quorum is lost), or the answer did not come.
    pub fn is_no_quorum(&self) -> bool {
        // gRPC UNAVAILABLE (no leader, request timed out) and DEADLINE_EXCEEDED.
        matches!(
            self,
            Self::NoAnswer { .. }
                | Self::Refused {
                    code: Some(4 | 14),
                    ..
                }
        )
    }

    /// Whether the error is a wrong setting (a usage error) rather than a failing cluster.
    pub fn is_setup(&self) -> bool {
        matches!(
            self,
            Self::Config { .. } | Self::Tls { .. } | Self::SealKey { .. }
        )
    }
}
