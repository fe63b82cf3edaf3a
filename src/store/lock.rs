//! Per-profile exclusive locks, released on drop.
//!
//! On disk the lock is `flock(2)` (through `std::fs::File::lock`) on `<dir>/<profile>.lock`, a
//! separate empty file next to the data: the data files are replaced by rename, so a lock on
//! them would guard a file that no longer exists. Each lock opens the file anew, so two locks
//! exclude each other across threads as well as processes. Lock files are never deleted: deleting
//! one while another process waits on it would let two holders in.
//!
//! The memory store locks in-process with a set of held names and a condition variable.

use std::collections::HashSet;
use std::fs::{File, TryLockError};
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use super::StoreError;
use super::file::open_lock_file;
use super::profile::lock_path;

/// Holds a profile's lock until dropped.
#[derive(Debug)]
#[must_use = "the lock is released when this value is dropped"]
pub struct ProfileLock {
    held: Held,
}

#[derive(Debug)]
enum Held {
    File(File),
    Memory { state: Shared, profile: String },
}

impl Drop for ProfileLock {
    fn drop(&mut self) {
        match &self.held {
            // Closing the file would release it too; unlocking first makes the order explicit.
            Held::File(file) => drop(file.unlock()),
            Held::Memory { state, profile } => {
                let (held, freed) = &**state;
                held.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .remove(profile);
                freed.notify_all();
            }
        }
    }
}

/// Takes the file lock of `profile` in `dir`, waiting while another holder has it.
pub(crate) fn lock_file(dir: &Path, profile: &str) -> Result<ProfileLock, StoreError> {
    let path = lock_path(dir, profile);
    let file = open_lock_file(&path)?;
    file.lock().map_err(|e| StoreError::io("lock", &path, e))?;
    Ok(ProfileLock {
        held: Held::File(file),
    })
}

/// Takes the file lock of `profile` in `dir`, or `None` at once if another holder has it.
pub(crate) fn try_lock_file(dir: &Path, profile: &str) -> Result<Option<ProfileLock>, StoreError> {
    let path = lock_path(dir, profile);
    let file = open_lock_file(&path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(ProfileLock {
            held: Held::File(file),
        })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(StoreError::io("lock", &path, e)),
    }
}

type Shared = Arc<(Mutex<HashSet<String>>, Condvar)>;

/// In-process locks by profile name.
#[derive(Debug, Default)]
pub(crate) struct MemoryLocks {
    state: Shared,
}

impl MemoryLocks {
    /// Takes the lock of `profile`, waiting while it is held.
    pub(crate) fn lock(&self, profile: &str) -> ProfileLock {
        let (held, freed) = &*self.state;
        let mut names = held.lock().unwrap_or_else(PoisonError::into_inner);
        while names.contains(profile) {
            names = freed.wait(names).unwrap_or_else(PoisonError::into_inner);
        }
        self.take(&mut names, profile)
    }

    /// Takes the lock of `profile`, or `None` at once if it is held.
    pub(crate) fn try_lock(&self, profile: &str) -> Option<ProfileLock> {
        let mut names = self.state.0.lock().unwrap_or_else(PoisonError::into_inner);
        (!names.contains(profile)).then(|| self.take(&mut names, profile))
    }

    fn take(&self, names: &mut HashSet<String>, profile: &str) -> ProfileLock {
        names.insert(profile.to_owned());
        let state = Arc::clone(&self.state);
        ProfileLock {
            held: Held::Memory {
                state,
                profile: profile.to_owned(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_locks_exclude_per_profile_and_release_on_drop() {
        let locks = MemoryLocks::default();
        let first = locks.lock("a");
        assert!(locks.try_lock("a").is_none());
        assert!(
            locks.try_lock("b").is_some(),
            "other profiles are independent"
        );
        drop(first);
        assert!(locks.try_lock("a").is_some());
    }

    #[test]
    fn file_locks_exclude_within_one_process() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_file(dir.path(), "a").unwrap();
        assert!(try_lock_file(dir.path(), "a").unwrap().is_none());
        drop(first);
        assert!(try_lock_file(dir.path(), "a").unwrap().is_some());
        assert!(dir.path().join("a.lock").exists(), "the lock file stays");
    }
}
