//! Where metadata documents and profile locks live: files in the state directory, or process
//! memory for the memory store.

use std::path::PathBuf;

use super::StoreError;
use super::etcd::EtcdLock;
use super::file::{read_private, remove_private, write_atomic};
use super::lock::{self, MemoryLocks, ProfileLock};
use super::memory::MemoryMeta;
use super::profile::{meta_path, profile_of_meta_file};

/// Metadata and locks of a store.
#[derive(Debug)]
pub(crate) enum Place {
    /// `<dir>/<profile>.meta.json` and `<dir>/<profile>.lock`.
    Files(PathBuf),
    /// In etcd, shared by a fleet.
    Etcd(std::sync::Arc<super::etcd::Fleet>),
    /// In this process.
    Memory {
        meta: MemoryMeta,
        locks: MemoryLocks,
    },
}

impl Place {
    pub(crate) fn memory() -> Self {
        Self::Memory {
            meta: MemoryMeta::default(),
            locks: MemoryLocks::default(),
        }
    }

    /// The stored metadata document of `profile` and where it was, if there is one.
    pub(crate) fn read_meta(&self, profile: &str) -> Result<Option<(Vec<u8>, String)>, StoreError> {
        Ok(match self {
            Self::Files(dir) => {
                let path = meta_path(dir, profile);
                read_private(&path)?.map(|bytes| (bytes, path.display().to_string()))
            }
            Self::Etcd(fleet) => fleet.read_meta(profile)?,
            Self::Memory { meta, .. } => meta
                .get(profile)
                .map(|bytes| (bytes, format!("in-memory metadata of {profile:?}"))),
        })
    }

    pub(crate) fn write_meta(&self, profile: &str, doc: Vec<u8>) -> Result<(), StoreError> {
        match self {
            Self::Files(dir) => write_atomic(&meta_path(dir, profile), &doc),
            Self::Etcd(fleet) => fleet.write_meta(profile, &doc),
            Self::Memory { meta, .. } => {
                meta.set(profile, doc);
                Ok(())
            }
        }
    }

    pub(crate) fn remove_meta(&self, profile: &str) -> Result<(), StoreError> {
        match self {
            Self::Files(dir) => remove_private(&meta_path(dir, profile)).map(|_| ()),
            Self::Etcd(fleet) => fleet.remove_meta(profile),
            Self::Memory { meta, .. } => {
                meta.remove(profile);
                Ok(())
            }
        }
    }

    /// Profiles with metadata, sorted.
    pub(crate) fn profiles(&self) -> Result<Vec<String>, StoreError> {
        let dir = match self {
            Self::Files(dir) => dir,
            Self::Etcd(fleet) => return fleet.profiles(),
            Self::Memory { meta, .. } => return Ok(meta.profiles()),
        };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| StoreError::io("list", dir, e))? {
            let entry = entry.map_err(|e| StoreError::io("list", dir, e))?;
            if let Some(profile) = entry.file_name().to_str().and_then(profile_of_meta_file) {
                names.push(profile.to_owned());
            }
        }
        names.sort();
        Ok(names)
    }

    pub(crate) fn lock(&self, profile: &str) -> Result<ProfileLock, StoreError> {
        match self {
            Self::Files(dir) => lock::lock_file(dir, profile),
            Self::Etcd(fleet) => EtcdLock::lock(fleet, profile).map(ProfileLock::etcd),
            Self::Memory { locks, .. } => Ok(locks.lock(profile)),
        }
    }

    pub(crate) fn lock_holder(&self, profile: &str) -> Option<lock::LockHolder> {
        match self {
            Self::Files(dir) => lock::read_holder(dir, profile),
            Self::Etcd(fleet) => EtcdLock::holder(fleet, profile),
            Self::Memory { .. } => None,
        }
    }

    pub(crate) fn try_lock(&self, profile: &str) -> Result<Option<ProfileLock>, StoreError> {
        match self {
            Self::Files(dir) => lock::try_lock_file(dir, profile),
            Self::Etcd(fleet) => Ok(EtcdLock::try_lock(fleet, profile)?.map(ProfileLock::etcd)),
            Self::Memory { locks, .. } => Ok(locks.try_lock(profile)),
        }
    }
}
