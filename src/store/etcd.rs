//! The etcd store (`--store etcd`): a fleet of machines shares one session per profile.
//!
//! Keys, under the configured prefix (default `/grantty/`):
//! - `sessions/<profile>/meta`: the metadata JSON (no secret in it);
//! - `sessions/<profile>/secrets`: the secrets JSON, sealed with the fleet's key (see `seal`);
//!   nothing in `etcdctl get` or a snapshot is readable without the key file;
//! - `locks/<profile>`: the profile lock, attached to a lease (see `lock`);
//! - `keepers/<profile>`: the active keeper's lease (see `lock::Election`).
//!
//! Invariants: a secrets write compares the key's mod revision with the one this process last
//! read (a save that lost a race is [`StoreError::Superseded`]: the caller keeps its tokens
//! aside); a sign-in that never read the key only refuses to overwrite a value it cannot
//! unseal. Kept-aside copies stay on the local machine, in the local state directory.
//!
//! Without a quorum: reads fall back to the answering member's own copy (a serializable read)
//! and stay there for the rest of the process, so `grantty token` still serves an access token
//! that is valid by its own expiry (an access token is not taken back by a later refresh, so a
//! possibly stale copy is safe to serve while it lasts). Writes, and therefore the lock and
//! refreshes, wait for the quorum (see `lock`); a save based on a stale read loses its
//! compare-and-swap and is kept aside, never written over newer tokens.

mod client;
mod config;
mod error;
mod lock;
mod seal;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

pub use client::{Compare, EtcdClient, Kv};
pub use config::{DEFAULT_PREFIX, EtcdConfig, EtcdSettings};
pub(crate) use config::{check_endpoint, check_prefix};
pub use error::EtcdError;
pub(crate) use lock::EtcdLock;
pub use lock::{Election, KEEPER_TTL_SECS, LOCK_TTL_SECS};
pub use seal::SealKey;

use super::StoreError;
use super::backend::{BackendInfo, BackendKind, Persistence, SecretBackend};

/// A connection to the fleet's etcd: client, prefix, seal key, and the revisions this
/// process has read.
#[derive(Debug)]
pub struct Fleet {
    client: EtcdClient,
    prefix: String,
    seal: SealKey,
    /// Mod revision of each secrets key as last read or written by this process.
    revisions: Mutex<HashMap<String, i64>>,
    /// Set once a consistent read failed for want of a quorum: reads are serializable since.
    degraded: AtomicBool,
}

impl Fleet {
    /// Connects as `config` says (nothing is sent yet); the seal key is read and checked now.
    pub fn open(config: &EtcdConfig) -> Result<Self, EtcdError> {
        let seal = SealKey::load(&config.seal_key_file)?;
        Ok(Self {
            client: EtcdClient::new(config)?,
            prefix: config.prefix.clone(),
            seal,
            revisions: Mutex::default(),
            degraded: AtomicBool::new(false),
        })
    }

    /// The client.
    pub fn client(&self) -> &EtcdClient {
        &self.client
    }

    /// The key prefix.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    fn session_key(&self, profile: &str, part: &str) -> String {
        format!("{}sessions/{profile}/{part}", self.prefix)
    }

    /// The key of `profile`'s metadata.
    pub fn meta_key(&self, profile: &str) -> String {
        self.session_key(profile, "meta")
    }

    /// The key of `profile`'s sealed secrets.
    pub fn secrets_key(&self, profile: &str) -> String {
        self.session_key(profile, "secrets")
    }

    /// The key of `profile`'s lock.
    pub fn lock_key(&self, profile: &str) -> String {
        format!("{}locks/{profile}", self.prefix)
    }

    /// The key of `profile`'s active keeper.
    pub fn keeper_key(&self, profile: &str) -> String {
        format!("{}keepers/{profile}", self.prefix)
    }

    /// Where the store is, for messages.
    pub fn location(&self) -> String {
        let endpoints: Vec<String> = self
            .client
            .endpoints()
            .iter()
            .map(|u| u.origin().ascii_serialization())
            .collect();
        format!("{} under {}", endpoints.join(","), self.prefix)
    }

    /// `key`, read consistently; without a quorum, the answering member's copy (see the
    /// module docs).
    pub fn read(&self, key: &str) -> Result<Option<Kv>, EtcdError> {
        if !self.degraded.load(Ordering::SeqCst) {
            match self.client.get(key, false) {
                Err(e) if e.is_no_quorum() => self.degraded.store(true, Ordering::SeqCst),
                other => return other,
            }
        }
        self.client.get(key, true)
    }

    fn remember(&self, key: &str, revision: Option<i64>) {
        let mut map = self
            .revisions
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match revision {
            Some(revision) => map.insert(key.to_owned(), revision),
            None => map.remove(key),
        };
    }

    fn remembered(&self, key: &str) -> Option<i64> {
        self.revisions
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(key)
            .copied()
    }

    /// The metadata document of `profile`, and where it is.
    pub(crate) fn read_meta(&self, profile: &str) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        let key = self.meta_key(profile);
        let found = self.read(&key)?;
        Ok(found.map(|kv| (kv.value, format!("etcd key {key:?}"))))
    }

    pub(crate) fn write_meta(&self, profile: &str, doc: &[u8]) -> Result<(), StoreError> {
        Ok(self.client.put(&self.meta_key(profile), doc, None)?)
    }

    pub(crate) fn remove_meta(&self, profile: &str) -> Result<(), StoreError> {
        Ok(self.client.delete(&self.meta_key(profile))?)
    }

    /// The profiles with metadata under the prefix, sorted.
    pub(crate) fn profiles(&self) -> Result<Vec<String>, StoreError> {
        let base = format!("{}sessions/", self.prefix);
        let mut names: Vec<String> = self
            .client
            .keys_with_prefix(&base)?
            .iter()
            .filter_map(|key| key.strip_prefix(&base)?.strip_suffix("/meta"))
            .filter(|name| super::validate_profile(name).is_ok())
            .map(str::to_owned)
            .collect();
        names.sort();
        names.dedup();
        Ok(names)
    }
}

/// The sealed secrets of each profile, in etcd.
#[derive(Debug)]
pub struct EtcdBackend(pub Arc<Fleet>);

impl SecretBackend for EtcdBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: BackendKind::Etcd,
            location: self.0.location(),
            persistence: Persistence::Durable,
            plaintext: false,
        }
    }

    fn get(&self, profile: &str) -> Result<Option<String>, StoreError> {
        let fleet = &self.0;
        let key = fleet.secrets_key(profile);
        let Some(kv) = fleet.read(&key)? else {
            fleet.remember(&key, Some(0));
            return Ok(None);
        };
        let plain = fleet.seal.open(&key, &kv.value)?;
        fleet.remember(&key, Some(kv.mod_revision));
        let text = String::from_utf8(plain).map_err(|_| StoreError::Corrupt {
            location: format!("etcd key {key:?}"),
            detail: "the unsealed secrets are not UTF-8".into(),
        })?;
        Ok(Some(text))
    }

    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError> {
        let fleet = &self.0;
        let key = fleet.secrets_key(profile);
        let expected = match fleet.remembered(&key) {
            Some(revision) => revision,
            None => {
                // Never read by this process (a sign-in): overwrite only what can be read.
                match fleet.client.get(&key, false)? {
                    Some(kv) => {
                        fleet.seal.open(&key, &kv.value)?;
                        kv.mod_revision
                    }
                    None => 0,
                }
            }
        };
        let sealed = fleet.seal.seal(&key, secret.as_bytes())?;
        let written = fleet
            .client
            .put_if(&key, Compare::ModRevision(expected), &sealed, None)?;
        fleet.remember(&key, written);
        if written.is_none() {
            // Someone else wrote since this process read: theirs stands.
            return Err(StoreError::Superseded {
                profile: profile.to_owned(),
            });
        }
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<(), StoreError> {
        let key = self.0.secrets_key(profile);
        self.0.client.delete(&key)?;
        self.0.remember(&key, None);
        Ok(())
    }
}
