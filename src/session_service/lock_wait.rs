//! Waiting for a profile lock another process holds, without blocking the runtime: the lock is
//! tried every [`POLL`] (a non-blocking `flock`, on the blocking pool), so a signal raced against
//! the wait (`commands::hold::guarded`) ends the command at once instead of after the holder
//! lets go. After [`NOTICE_AFTER`] the caller's notice is told who holds the lock; after the
//! caller's bound the wait ends with [`StoreError::Busy`]. Nothing is sent while waiting.

use std::sync::Arc;
use std::time::Duration;

use super::SessionService;
use crate::oauth::http::Transport;
use crate::store::{Activity, LockHolder, ProfileLock, StoreError};

/// How often a held lock is tried again.
pub const POLL: Duration = Duration::from_millis(50);
/// How long a wait stays silent.
pub const NOTICE_AFTER: Duration = Duration::from_millis(500);

/// Told once who holds the lock (profile, holder as its lock file says).
pub type LockNotice = Arc<dyn Fn(&str, Option<LockHolder>) + Send + Sync>;

/// How a caller waits for a profile lock another process holds.
#[derive(Clone, Default)]
pub struct LockWait {
    /// Called once when the wait passes [`NOTICE_AFTER`]; `None` waits silently (the TUI).
    pub notice: Option<LockNotice>,
    /// Gives up with [`StoreError::Busy`] after this long; `None` waits as long as it takes.
    pub bound: Option<Duration>,
}

impl std::fmt::Debug for LockWait {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LockWait")
            .field("notice", &self.notice.is_some())
            .field("bound", &self.bound)
            .finish()
    }
}

impl<T: Transport> SessionService<T> {
    /// Takes the lock of `profile` and records `activity` in it, waiting as [`LockWait`] says.
    pub(super) async fn lock(
        &self,
        profile: &str,
        activity: Activity,
    ) -> Result<ProfileLock, StoreError> {
        let started = tokio::time::Instant::now();
        let mut told = false;
        loop {
            let name = profile.to_owned();
            if let Some(lock) = self.blocking(move |s| s.try_lock(&name)).await? {
                lock.record(activity);
                return Ok(lock);
            }
            let waited = started.elapsed();
            if let Some(bound) = self.lock_wait.bound
                && waited >= bound
            {
                return Err(StoreError::Busy {
                    profile: profile.to_owned(),
                    holder: self.holder(profile).await,
                    waited_secs: waited.as_secs(),
                });
            }
            if !told
                && waited >= NOTICE_AFTER
                && let Some(notice) = &self.lock_wait.notice
            {
                told = true;
                notice(profile, self.holder(profile).await);
            }
            let mut pause = POLL;
            if let Some(bound) = self.lock_wait.bound {
                pause = pause.min(bound.saturating_sub(waited));
            }
            tokio::time::sleep(pause).await;
        }
    }

    async fn holder(&self, profile: &str) -> Option<LockHolder> {
        let name = profile.to_owned();
        self.blocking(move |s| Ok(s.lock_holder(&name)))
            .await
            .ok()
            .flatten()
    }
}
