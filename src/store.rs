//! Session storage: non-secret metadata in files, token strings in a secret backend.
//!
//! Layout in the state directory (0700, see [`default_dir`]):
//! - `<profile>.meta.json` (0600): [`SessionMeta`] as JSON, `"version": 1`. Readable without
//!   touching the secret backend, so `status` never unlocks a keyring (it only checks that a
//!   kernel keyring or the secrets file still holds the tokens).
//! - the secrets JSON (tokens and generation) in the backend: a keyring entry (service
//!   `grantty`, user = a hash of the state directory and the profile, see `keyring`) or
//!   `<profile>.secrets.json` (0600, plaintext: `--store file`, or `auto` without a Secret
//!   Service).
//! - `<profile>.lock`: the [`ProfileLock`] file.
//!
//! Commands open the store for a profile with [`SessionStore::open_for`], which finds the
//! backend the metadata records (see `open`).
//!
//! Invariants: secrets are written before metadata and every file write is atomic, so a crash
//! leaves either the old session, or new tokens with old metadata. `load` detects the latter by
//! generation and returns the stored tokens (the secrets win; [`Consistency`] says what was
//! corrected). The store owns generations: each `save` writes one more than the stored one, and
//! `save_meta` keeps it. Profile names are validated before they touch a path. No error message
//! contains a token. Every call blocks; async code uses `spawn_blocking`.

mod backend;
mod error;
pub mod etcd;
mod file;
#[cfg(test)]
pub(crate) mod fixtures;
mod format;
mod kept_aside;
mod keyring;
mod loaded;
mod lock;
mod memory;
mod open;
mod place;
mod profile;
mod select;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::domain::session::{Session, SessionMeta};

pub use backend::{BackendInfo, BackendKind, Persistence, SecretBackend};
pub use error::{SkippedBackend, StoreError};
pub(crate) use file::remove_private;
pub use file::{DIR_MODE, FILE_MODE, FileBackend, ensure_private_dir, write_atomic};
pub use format::FORMAT_VERSION;
pub use kept_aside::{PROBE_SLACK_BYTES, kept_aside_place};
pub use loaded::{Consistency, Loaded};
pub use lock::{Activity, LockHolder, ProfileLock};
pub use memory::MemoryBackend;
pub use open::{Purpose, stored_profiles};
pub use profile::{PROFILE_MAX_CHARS, validate_profile};
pub(crate) use profile::{meta_path, profile_of_meta_file};
pub use select::{AutoDecision, StoreChoice, decide_auto};

use format::StoredMeta;
use place::Place;
use profile::secrets_path;

/// `$XDG_STATE_HOME/grantty` when that is an absolute path, else `~/.local/state/grantty`.
pub fn default_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        let home = PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?);
        Some(home.join(".local").join("state"))
    })?;
    Some(base.join("grantty"))
}

/// Where sessions are kept; cheap to share behind an `Arc`.
pub struct SessionStore {
    dir: PathBuf,
    backend: Arc<dyn SecretBackend>,
    place: Place,
    skipped: Vec<SkippedBackend>,
    /// Configured refresh-token lifespans by profile, applied to sessions as they are read.
    lifespans: std::collections::BTreeMap<String, u64>,
    /// This machine, in a store machines share (see [`machine`](Self::machine)).
    machine: Option<String>,
}

impl std::fmt::Debug for SessionStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionStore")
            .field("dir", &self.dir)
            .field("backend", &self.backend.info())
            .field("skipped", &self.skipped)
            .finish_non_exhaustive()
    }
}

impl SessionStore {
    /// Opens the store in `dir` (created 0700; refused when it is a link, not ours or writable
    /// by others, see [`ensure_private_dir`]) with the backend `choice` selects:
    /// see [`StoreChoice`] and the `select` rules. `Memory` keeps everything in this process.
    ///
    /// `_plaintext_ok` is no longer read: `Auto` falls back to the 0600 file without consent.
    /// It stays while other branches still pass it, to be removed with their callers.
    pub fn open(
        dir: PathBuf,
        choice: StoreChoice,
        _plaintext_ok: bool,
    ) -> Result<Self, StoreError> {
        if choice == StoreChoice::Memory {
            return Ok(Self::in_memory(dir));
        }
        if choice == StoreChoice::Etcd {
            let config = etcd::EtcdSettings::from_env().validate()?;
            return Self::open_etcd(dir, &config);
        }
        file::ensure_private_dir(&dir)?;
        let (backend, skipped) = select::open_backend(&dir, choice)?;
        let place = Place::Files(dir.clone());
        Ok(Self {
            dir,
            backend,
            place,
            skipped,
            lifespans: std::collections::BTreeMap::new(),
            machine: None,
        })
    }

    /// A store with metadata in `dir` and secrets in `backend` (tests, custom backends).
    pub fn with_backend(dir: PathBuf, backend: Arc<dyn SecretBackend>) -> Result<Self, StoreError> {
        file::ensure_private_dir(&dir)?;
        let place = Place::Files(dir.clone());
        Ok(Self {
            dir,
            backend,
            place,
            skipped: Vec::new(),
            lifespans: std::collections::BTreeMap::new(),
            machine: None,
        })
    }

    /// A store whose sessions (metadata and sealed secrets) and locks live in etcd; `dir`, on
    /// this machine, only holds kept-aside copies. Nothing is sent before the first call.
    pub fn open_etcd(dir: PathBuf, config: &etcd::EtcdConfig) -> Result<Self, StoreError> {
        file::ensure_private_dir(&dir)?;
        let fleet = Arc::new(etcd::Fleet::open(config)?);
        let machine = format!("{} ({})", host_name(), dir.display());
        Ok(Self {
            dir,
            backend: Arc::new(etcd::EtcdBackend(Arc::clone(&fleet))),
            place: Place::Etcd(fleet),
            skipped: Vec::new(),
            lifespans: std::collections::BTreeMap::new(),
            machine: Some(machine),
        })
    }

    /// Who this machine is in a store machines share (etcd): its host name and state directory
    /// (where its kept-aside copies are), never a secret; `None` for a machine's own store.
    /// Recorded with a pending refresh, so that no other machine spends a refresh token whose
    /// rotated successor may be kept aside here.
    pub fn machine(&self) -> Option<&str> {
        self.machine.as_deref()
    }

    /// This store, as if machines shared it and this one were `machine` (tests).
    #[must_use]
    pub fn as_machine(mut self, machine: &str) -> Self {
        self.machine = Some(machine.to_owned());
        self
    }

    /// The etcd connection, when this is the etcd store.
    pub fn fleet(&self) -> Option<&Arc<etcd::Fleet>> {
        match &self.place {
            Place::Etcd(fleet) => Some(fleet),
            _ => None,
        }
    }

    /// A store that keeps everything in this process; [`dir`](Self::dir) is empty.
    pub fn memory() -> Self {
        Self::in_memory(PathBuf::new())
    }

    fn in_memory(dir: PathBuf) -> Self {
        let backend = Arc::new(MemoryBackend::new());
        Self {
            dir,
            backend,
            place: Place::memory(),
            skipped: Vec::new(),
            lifespans: std::collections::BTreeMap::new(),
            machine: None,
        }
    }

    /// This store with the configured refresh-token lifespans (`refresh_token_lifespan`, by
    /// profile): every session read from it carries the configured value rather than the one
    /// copied at its sign-in, so a changed configuration applies to live sessions.
    #[must_use]
    pub fn with_lifespans(mut self, lifespans: std::collections::BTreeMap<String, u64>) -> Self {
        self.lifespans = lifespans;
        self
    }

    /// Where the secrets go.
    pub fn info(&self) -> BackendInfo {
        self.backend.info()
    }

    /// The keyrings `Auto` tried and passed over, with their errors (empty otherwise).
    pub fn skipped(&self) -> &[SkippedBackend] {
        &self.skipped
    }

    /// Where the file store keeps `profile`'s tokens: `<dir>/<profile>.secrets.json`.
    pub fn secrets_file(&self, profile: &str) -> PathBuf {
        profile::secrets_path(&self.dir, profile)
    }

    /// True when `auto` found no Secret Service and chose the file store for a new session.
    pub fn auto_chose_file(&self) -> bool {
        self.backend.info().kind == BackendKind::File && !self.skipped.is_empty()
    }

    /// The state directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Takes the exclusive lock of `profile`, waiting while another thread or process holds it.
    pub fn lock(&self, profile: &str) -> Result<ProfileLock, StoreError> {
        validate_profile(profile)?;
        self.place.lock(profile)
    }

    /// Takes the lock of `profile`, or returns `None` at once if someone else holds it.
    pub fn try_lock(&self, profile: &str) -> Result<Option<ProfileLock>, StoreError> {
        validate_profile(profile)?;
        self.place.try_lock(profile)
    }

    /// Who holds the lock of `profile`, as far as its lock file says (only shown to people).
    pub fn lock_holder(&self, profile: &str) -> Option<LockHolder> {
        validate_profile(profile).ok()?;
        self.place.lock_holder(profile)
    }

    /// The session of `profile`, or `None` if there is none. See [`load_checked`](Self::load_checked).
    pub fn load(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        Ok(self.load_checked(profile)?.map(|loaded| loaded.session))
    }

    /// The session of `profile` with the generation check between its two halves. Metadata
    /// without secrets is [`StoreError::SecretsMissing`]; secrets without metadata (a first save
    /// that stopped half way) count as no session.
    pub fn load_checked(&self, profile: &str) -> Result<Option<Loaded>, StoreError> {
        let Some(stored) = self.read_meta(profile)? else {
            return Ok(None);
        };
        let current = self.backend.info().kind;
        if stored.backend != current {
            return Err(StoreError::WrongBackend {
                profile: profile.to_owned(),
                stored: stored.backend,
                current,
            });
        }
        let found = match self.backend.get(profile)? {
            Some(text) => Some(text),
            None => self.legacy_secrets(profile, stored.meta.generation),
        };
        let Some(text) = found else {
            return Err(StoreError::SecretsMissing {
                profile: profile.to_owned(),
                backend: self.backend.info().describe(),
            });
        };
        let location = match current {
            BackendKind::File => secrets_path(&self.dir, profile).display().to_string(),
            kind => format!("the {kind} entry of profile {profile:?}"),
        };
        let (secrets, generation) = format::decode_secrets(&text, &location)?;
        Ok(Some(loaded::reconcile(stored.meta, secrets, generation)))
    }

    /// Whether the secret backend still holds an entry for `profile`: the kernel keyring loses
    /// its entries at reboot while the metadata stays. A Secret Service is not asked (reading an
    /// item may ask to unlock the keyring, and it does not forget): `true`.
    pub fn has_secrets(&self, profile: &str) -> Result<bool, StoreError> {
        validate_profile(profile)?;
        if self.backend.info().kind == BackendKind::SecretService {
            return Ok(true);
        }
        Ok(self.backend.get(profile)?.is_some())
    }

    /// The metadata of `profile` alone; never touches the secret backend.
    pub fn load_meta(&self, profile: &str) -> Result<Option<SessionMeta>, StoreError> {
        Ok(self.read_meta(profile)?.map(|stored| stored.meta))
    }

    /// Saves a session: secrets first, then metadata, each atomically. The generation written
    /// is one more than the stored one (at least `session.meta.generation`); it is returned.
    pub fn save(&self, session: &Session) -> Result<u64, StoreError> {
        let profile = session.meta.profile.as_str();
        let previous = self.meta_before_write(profile)?;
        let stored_generation = previous.as_ref().map_or(0, |p| p.meta.generation);
        let mut meta = session.meta.clone();
        meta.generation = meta.generation.max(stored_generation.saturating_add(1));
        let kind = self.backend.info().kind;
        let secrets = format::encode_secrets(&session.secrets, meta.generation)?;
        let doc = format::encode_meta(&meta, kind)?;
        let host = crate::domain::text::sanitize(&meta.provider.host, 80);
        let label = format!("grantty: {profile} at {host}");
        self.backend.set_labelled(profile, &secrets, &label)?;
        self.place.write_meta(profile, doc)?;
        if let Some(previous) = &previous {
            // Moved under the state directory's key: the older key is ours no more.
            self.forget_legacy(profile, previous.meta.generation);
        }
        if previous.is_some_and(|p| p.backend == BackendKind::File) && kind != BackendKind::File {
            // The session moved to a keyring: drop the superseded plaintext copy.
            file::remove_private(&secrets_path(&self.dir, profile))?;
        }
        Ok(meta.generation)
    }

    /// Saves only the metadata (e.g. a [`PendingRefresh`](crate::domain::session::PendingRefresh)
    /// marker), keeping the stored generation and backend.
    pub fn save_meta(&self, meta: &SessionMeta) -> Result<(), StoreError> {
        let previous = self.meta_before_write(&meta.profile)?;
        let mut meta = meta.clone();
        let mut kind = self.backend.info().kind;
        if let Some(previous) = previous {
            meta.generation = meta.generation.max(previous.meta.generation);
            kind = previous.backend;
        }
        self.place
            .write_meta(&meta.profile, format::encode_meta(&meta, kind)?)
    }

    /// Forgets `profile`: its secrets, then its metadata. A missing profile is not an error.
    pub fn delete(&self, profile: &str) -> Result<(), StoreError> {
        validate_profile(profile)?;
        // Damaged metadata must not block signing out.
        let stored = self.read_meta(profile).ok().flatten().map(|s| s.backend);
        let current = self.backend.info().kind;
        match stored {
            Some(BackendKind::File) if matches!(self.place, Place::Files(_)) => {
                FileBackend::new(self.dir.clone()).delete(profile)?;
            }
            Some(stored) if stored != current => {
                return Err(StoreError::WrongBackend {
                    profile: profile.to_owned(),
                    stored,
                    current,
                });
            }
            _ => {}
        }
        if let Some(meta) = self.read_meta(profile).ok().flatten() {
            self.forget_legacy(profile, meta.meta.generation);
        }
        self.backend.delete(profile)?;
        self.place.remove_meta(profile)
    }

    /// The secrets an older grantty stored under the bare profile name, when they belong to
    /// the session whose metadata has `generation`; otherwise (another state directory's, or
    /// unreadable) none.
    fn legacy_secrets(&self, profile: &str, generation: u64) -> Option<String> {
        let text = self.backend.get_legacy(profile).ok()??;
        let (_, found) = format::decode_secrets(&text, "the legacy keyring entry").ok()?;
        (found == generation).then_some(text)
    }

    /// Removes the legacy entry of `profile` if it holds the session of `generation` (best
    /// effort: it is only ever read when its generation matches).
    fn forget_legacy(&self, profile: &str, generation: u64) {
        if self.legacy_secrets(profile, generation).is_some() {
            let _ = self.backend.delete_legacy(profile);
        }
    }

    /// The profiles that have metadata, sorted.
    pub fn profiles(&self) -> Result<Vec<String>, StoreError> {
        self.place.profiles()
    }

    fn read_meta(&self, profile: &str) -> Result<Option<StoredMeta>, StoreError> {
        validate_profile(profile)?;
        let Some((bytes, location)) = self.place.read_meta(profile)? else {
            return Ok(None);
        };
        let mut stored = format::decode_meta(&bytes, &location)?;
        // The file name is the key; a copied or renamed file takes the name it is found under.
        profile.clone_into(&mut stored.meta.profile);
        if let Some(&secs) = self.lifespans.get(profile) {
            stored.meta.provider.refresh_token_lifespan_secs = Some(secs);
        }
        Ok(Some(stored))
    }

    /// The stored metadata before overwriting it. Damaged metadata, or metadata in a format this
    /// build does not read, counts as none: saving a fresh sign-in replaces it.
    fn meta_before_write(&self, profile: &str) -> Result<Option<StoredMeta>, StoreError> {
        match self.read_meta(profile) {
            Err(StoreError::Corrupt { .. } | StoreError::UnsupportedVersion { .. }) => Ok(None),
            other => other,
        }
    }
}

/// This host's name, as the kernel has it (only ever shown to people and compared).
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .filter_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "an unnamed host".to_owned())
}

/// The size in bytes of `secrets` as stored: what a backend must take on the next save.
pub fn secrets_size(secrets: &crate::domain::session::SessionSecrets) -> usize {
    format::encode_secrets(secrets, u64::MAX).map_or(0, |text| text.len())
}
