//! Waiting for a profile lock another process holds, without blocking the runtime: the lock is
//! tried every [`POLL`] (a non-blocking `flock`, on the blocking pool), so a signal raced against
//! the wait (`commands::hold::guarded`) ends the command at once instead of after the holder
//! lets go. After [`NOTICE_AFTER`] the caller's notice is told who holds the lock; after the
//! caller's bound the wait ends with [`StoreError::Busy`]. Nothing is sent while waiting.
//!
//! A caller that only needs a valid access token also re-reads the stored session between
//! tries ([`read_cached`](super::read_cached), the lock-free read of `grantty token`'s cached
//! path): once the holder's refresh is stored, every waiter is served at once instead of taking
//! the lock in turn only to find the session fresh (with the etcd store each turn costs a few
//! consensus writes: a hundred waiters used to queue for half a minute).

use std::sync::Arc;
use std::time::Duration;

use super::{MinValid, SessionService};
use crate::domain::session::Session;
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

/// What a wait for the lock ended with.
pub(super) enum Waited {
    /// The lock, held.
    Locked(ProfileLock),
    /// The stored session, valid long enough, read while another process held the lock.
    Valid(Box<Session>),
}

impl<T: Transport> SessionService<T> {
    /// Takes the lock of `profile` and records `activity` in it, waiting as [`LockWait`] says.
    pub(super) async fn lock(
        &self,
        profile: &str,
        activity: Activity,
    ) -> Result<ProfileLock, StoreError> {
        match self.lock_or_valid(profile, activity, None).await? {
            Waited::Locked(lock) => Ok(lock),
            // Not asked for: without `valid`, only the lock ends the wait.
            Waited::Valid(_) => Err(StoreError::Busy {
                profile: profile.to_owned(),
                holder: None,
                waited_secs: 0,
            }),
        }
    }

    /// [`lock`](Self::lock); with `valid`, the wait also ends as soon as the stored session
    /// (no kept-aside copy waiting) has an access token valid for that long.
    pub(super) async fn lock_or_valid(
        &self,
        profile: &str,
        activity: Activity,
        valid: Option<MinValid>,
    ) -> Result<Waited, StoreError> {
        let started = tokio::time::Instant::now();
        let mut told = false;
        loop {
            let name = profile.to_owned();
            if let Some(lock) = self.blocking(move |s| s.try_lock(&name)).await? {
                lock.record(activity);
                return Ok(Waited::Locked(lock));
            }
            if let Some(min_valid) = valid {
                let name = profile.to_owned();
                let stored = self
                    .blocking(move |s| Ok(super::read_cached(s, &name)))
                    .await
                    .ok()
                    .flatten();
                let now = self.clock.now();
                if let Some(session) = stored
                    && !session.needs_refresh(now, min_valid.margin(&session))
                {
                    return Ok(Waited::Valid(Box::new(session)));
                }
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
