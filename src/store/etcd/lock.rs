//! Leases in etcd: the profile lock (one refresh per rotation, fleet-wide) and the keeper
//! election (one active keeper per session).
//!
//! Both are a key created in a transaction that compares its create revision with 0 (nobody
//! holds it), attached to a lease of a few seconds that a background thread keeps alive while
//! the holder runs. Letting go revokes the lease, which deletes the key; a holder that dies
//! (SIGKILL, machine loss, partition) loses it when the lease expires. A holder whose
//! keepalives fail for a whole TTL counts itself as no longer holding ([`Election::holds`]):
//! the lease may have expired and another may hold the key by now. Saves are guarded
//! separately by the compare-and-swap on the secrets' revision, so a lock lost mid-refresh
//! cannot overwrite newer tokens.
//!
//! Without a quorum nothing can be taken: a try says "held" (`None`), so a waiter keeps
//! waiting (and says so, as it does for a busy lock) within its `--wait` bound, and nothing
//! is sent to the authorization server meanwhile.
//!
//! The holder's line (`<pid> <activity>`) is the key's value, as in the lock file, and only
//! ever shown.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::Fleet;
use super::client::Compare;
use crate::store::StoreError;
use crate::store::lock::{Activity, LockHolder, parse_holder};

/// The lease of a profile lock: how long a dead holder blocks the fleet.
pub const LOCK_TTL_SECS: u64 = 10;
/// The lease of an active keeper: how long until a standby takes over from a dead one.
pub const KEEPER_TTL_SECS: u64 = 4;
/// The longest pause between two tries of a held lock.
const WAIT_CAP: Duration = Duration::from_millis(400);

/// A key held under a lease, released on drop.
#[derive(Debug)]
pub(crate) struct Leased {
    fleet: Arc<Fleet>,
    key: String,
    lease: i64,
    created: i64,
    holds: Arc<AtomicBool>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Leased {
    /// Takes `key` under a new lease of `ttl_secs`, or `None` at once if someone holds it.
    fn try_take(fleet: &Arc<Fleet>, key: &str, ttl_secs: u64) -> Result<Option<Self>, StoreError> {
        let client = fleet.client();
        let no_quorum = |e: super::EtcdError| {
            if e.is_no_quorum() {
                Ok(None)
            } else {
                Err(StoreError::from(e))
            }
        };
        // A cheap read first: a waiter polling a held key writes nothing.
        match client.get(key, false) {
            Ok(Some(_)) => return Ok(None),
            Ok(None) => {}
            Err(e) => return no_quorum(e),
        }
        let lease = match client.grant(ttl_secs) {
            Ok(lease) => lease,
            Err(e) => return no_quorum(e),
        };
        let created = match client.put_if(key, Compare::CreateRevision(0), b"", Some(lease)) {
            Ok(Some(created)) => created,
            Ok(None) => {
                let _ = client.revoke(lease);
                return Ok(None);
            }
            Err(e) => {
                let _ = client.revoke(lease);
                return no_quorum(e);
            }
        };
        let holds = Arc::new(AtomicBool::new(true));
        let (stop, stopped) = mpsc::channel();
        let thread = {
            let fleet = Arc::clone(fleet);
            let holds = Arc::clone(&holds);
            let ttl = Duration::from_secs(ttl_secs);
            std::thread::Builder::new()
                .name("grantty-etcd-lease".into())
                .spawn(move || keep_alive(&fleet, lease, ttl, &holds, &stopped))
                .map_err(StoreError::Other)?
        };
        Ok(Some(Self {
            fleet: Arc::clone(fleet),
            key: key.to_owned(),
            lease,
            created,
            holds,
            stop: Some(stop),
            thread: Some(thread),
        }))
    }

    /// Writes the holder's line (only while the key is still this lease's).
    fn record(&self, line: &str) {
        let _ = self.fleet.client().put_if(
            &self.key,
            Compare::CreateRevision(self.created),
            line.as_bytes(),
            Some(self.lease),
        );
    }
}

impl Drop for Leased {
    fn drop(&mut self) {
        // Closing the channel tells the thread to revoke the lease; joining waits for it, so
        // the next holder does not wait for the TTL.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Renews `lease` every third of `ttl` until told to stop, then revokes it. `holds` turns
/// false once no renewal has succeeded for a whole `ttl` (or etcd says the lease is gone).
fn keep_alive(
    fleet: &Fleet,
    lease: i64,
    ttl: Duration,
    holds: &AtomicBool,
    stopped: &mpsc::Receiver<()>,
) {
    let mut renewed = Instant::now();
    // Anything but a timeout (a stop, or the holder gone) ends the renewals.
    while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(ttl / 3) {
        match fleet.client().keep_alive(lease) {
            Ok(true) => renewed = Instant::now(),
            Ok(false) => holds.store(false, Ordering::SeqCst),
            Err(_) if renewed.elapsed() >= ttl => holds.store(false, Ordering::SeqCst),
            Err(_) => {}
        }
    }
    let _ = fleet.client().revoke(lease);
}

/// A profile lock held in etcd.
#[derive(Debug)]
pub(crate) struct EtcdLock(Leased);

impl EtcdLock {
    /// Takes the lock of `profile`, or `None` at once if another holder has it.
    pub(crate) fn try_lock(fleet: &Arc<Fleet>, profile: &str) -> Result<Option<Self>, StoreError> {
        Ok(Leased::try_take(fleet, &fleet.lock_key(profile), LOCK_TTL_SECS)?.map(Self))
    }

    /// Takes the lock of `profile`, polling with back-off while another holder has it.
    pub(crate) fn lock(fleet: &Arc<Fleet>, profile: &str) -> Result<Self, StoreError> {
        let mut pause = Duration::from_millis(20);
        loop {
            if let Some(lock) = Self::try_lock(fleet, profile)? {
                return Ok(lock);
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(WAIT_CAP);
        }
    }

    /// Records what the holder is doing.
    pub(crate) fn record(&self, activity: Activity) {
        self.0
            .record(&format!("{} {}\n", std::process::id(), activity.as_str()));
    }

    /// Who holds the lock of `profile`, as its value says.
    pub(crate) fn holder(fleet: &Fleet, profile: &str) -> Option<LockHolder> {
        let kv = fleet.client().get(&fleet.lock_key(profile), false).ok()??;
        parse_holder(&kv.value)
    }
}

/// The active keeper of one profile, while this value lives and [`holds`](Self::holds).
#[derive(Debug)]
pub struct Election(Leased);

impl Election {
    /// Becomes the active keeper of `profile` if there is none; `None` when another is.
    pub fn campaign(fleet: &Arc<Fleet>, profile: &str) -> Result<Option<Self>, StoreError> {
        let taken = Leased::try_take(fleet, &fleet.keeper_key(profile), KEEPER_TTL_SECS)?;
        Ok(taken.map(|leased| {
            leased.record(&format!("{} keeping\n", std::process::id()));
            Self(leased)
        }))
    }

    /// Whether this keeper is still the active one: false once its lease may have expired
    /// (renewals failed for a whole TTL, or etcd said it is gone). Drop it then.
    pub fn holds(&self) -> bool {
        self.0.holds.load(Ordering::SeqCst)
    }
}
