//! The in-process backend (`--store memory` and tests): everything is lost when the process ends.
//!
//! The memory store keeps metadata in memory too, as the same JSON documents the files hold, so
//! it exercises the real formats.

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use super::{BackendInfo, BackendKind, Persistence, SecretBackend, StoreError};

/// Secrets in a map inside this process.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    secrets: Mutex<BTreeMap<String, String>>,
}

impl MemoryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretBackend for MemoryBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: BackendKind::Memory,
            location: "process memory".to_owned(),
            persistence: Persistence::Process,
            plaintext: false,
        }
    }

    fn get(&self, profile: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(profile)
            .cloned())
    }

    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError> {
        self.secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(profile.to_owned(), secret.to_owned());
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<(), StoreError> {
        self.secrets
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(profile);
        Ok(())
    }
}

/// Metadata documents by profile, for the memory store.
#[derive(Debug, Default)]
pub(crate) struct MemoryMeta {
    docs: Mutex<BTreeMap<String, Vec<u8>>>,
}

impl MemoryMeta {
    pub(crate) fn get(&self, profile: &str) -> Option<Vec<u8>> {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(profile)
            .cloned()
    }

    pub(crate) fn set(&self, profile: &str, doc: Vec<u8>) {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(profile.to_owned(), doc);
    }

    pub(crate) fn remove(&self, profile: &str) {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(profile);
    }

    pub(crate) fn profiles(&self) -> Vec<String> {
        self.docs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .keys()
            .cloned()
            .collect()
    }
}
