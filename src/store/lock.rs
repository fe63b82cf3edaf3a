//! Per-profile exclusive locks, released on drop.
//!
//! On disk the lock is `flock(2)` (through `std::fs::File::lock`) on `<dir>/<profile>.lock`, a
//! separate empty file next to the data: the data files are replaced by rename, so a lock on
//! them would guard a file that no longer exists. Each lock opens the file anew, so two locks
//! exclude each other across threads as well as processes. Lock files are never deleted: deleting
//! one while another process waits on it would let two holders in.
//!
//! The holder writes its pid and what it is doing into the lock file (`4242 refreshing`), and
//! empties it before letting go, so a process that has waited a while can say whom it waits
//! for ([`read_holder`]). The line is only ever shown, never acted on.
//!
//! The memory store locks in-process with a set of held names and a condition variable.

use std::collections::HashSet;
use std::fs::{File, TryLockError};
use std::os::unix::fs::FileExt as _;
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
    Etcd(super::etcd::EtcdLock),
    Memory { state: Shared, profile: String },
}

/// What a lock holder is doing, as recorded in the lock file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activity {
    /// Refreshing the tokens.
    Refreshing,
    /// Saving a new sign-in.
    SigningIn,
    /// Revoking and deleting the session.
    LoggingOut,
    /// Reading or changing the stored session.
    Updating,
}

impl Activity {
    const ALL: [Self; 4] = [
        Self::Refreshing,
        Self::SigningIn,
        Self::LoggingOut,
        Self::Updating,
    ];

    /// The word in the lock file, and in "grantty (pid N) refreshing profile P".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Refreshing => "refreshing",
            Self::SigningIn => "signing in to",
            Self::LoggingOut => "logging out of",
            Self::Updating => "updating",
        }
    }
}

/// Who holds a profile's lock, as its lock file says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockHolder {
    /// The holder's process id.
    pub pid: u32,
    /// What it said it is doing; `None` if the word is not one this build knows.
    pub activity: Option<Activity>,
}

impl ProfileLock {
    /// Writes this process's pid and `activity` into the lock file (nothing for the memory
    /// store, whose holders are in this process). Best effort: a waiter then only says less.
    pub fn record(&self, activity: Activity) {
        match &self.held {
            Held::File(file) => {
                let line = format!("{} {}\n", std::process::id(), activity.as_str());
                if file.set_len(0).is_ok() {
                    let _ = file.write_all_at(line.as_bytes(), 0);
                }
            }
            Held::Etcd(lock) => lock.record(activity),
            Held::Memory { .. } => {}
        }
    }

    /// A lock held in etcd (released when the [`EtcdLock`](super::etcd::EtcdLock) drops).
    pub(crate) fn etcd(lock: super::etcd::EtcdLock) -> Self {
        Self {
            held: Held::Etcd(lock),
        }
    }
}

impl Drop for ProfileLock {
    fn drop(&mut self) {
        match &self.held {
            // Closing the file would release it too; unlocking first makes the order explicit.
            // Emptied first: the next reader must not name a holder that has gone.
            Held::File(file) => {
                let _ = file.set_len(0);
                drop(file.unlock());
            }
            // Its own drop revokes the lease.
            Held::Etcd(_) => {}
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

/// Who holds the file lock of `profile` in `dir`, as its lock file says; `None` when it says
/// nothing usable (free, an older grantty, or not written yet).
pub(crate) fn read_holder(dir: &Path, profile: &str) -> Option<LockHolder> {
    let path = lock_path(dir, profile);
    let file = open_lock_file(&path).ok()?;
    let mut buf = [0; 64];
    let n = file.read_at(&mut buf, 0).ok()?;
    parse_holder(buf.get(..n)?)
}

pub(crate) fn parse_holder(bytes: &[u8]) -> Option<LockHolder> {
    let line = std::str::from_utf8(bytes).ok()?.strip_suffix('\n')?;
    let (pid, word) = line.split_once(' ')?;
    if pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid = pid.parse().ok().filter(|&pid| pid > 0)?;
    let activity = Activity::ALL.into_iter().find(|a| a.as_str() == word);
    Some(LockHolder { pid, activity })
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

    #[test]
    fn the_holder_is_named_while_it_holds_and_forgotten_after() {
        let dir = tempfile::tempdir().unwrap();
        let lock = lock_file(dir.path(), "a").unwrap();
        assert_eq!(read_holder(dir.path(), "a"), None, "nothing recorded yet");
        lock.record(Activity::Refreshing);
        assert_eq!(
            read_holder(dir.path(), "a"),
            Some(LockHolder {
                pid: std::process::id(),
                activity: Some(Activity::Refreshing)
            })
        );
        drop(lock);
        assert_eq!(read_holder(dir.path(), "a"), None);
    }

    #[test]
    fn only_a_pid_and_a_known_word_are_believed() {
        assert_eq!(
            parse_holder(b"12 \x1b[2Jowned\n"),
            Some(LockHolder {
                pid: 12,
                activity: None
            })
        );
        for junk in [
            &b""[..],
            b"12 refreshing",
            b"-1 refreshing\n",
            b"+5 refreshing\n",
            b"0 refreshing\n",
            b"x refreshing\n",
        ] {
            assert_eq!(parse_holder(junk), None, "{junk:?}");
        }
    }
}
