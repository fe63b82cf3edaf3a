//! OS keyrings through `keyring-core`: the Secret Service (D-Bus) and the kernel keyring
//! (keyutils). One entry per state directory and profile: service `grantty`, user
//! `<scope>/<profile>` where the scope is a hash of the canonical state directory (see
//! [`dir_scope`]), value = the secrets JSON. Two state directories with a profile of the same
//! name therefore never share tokens or a client secret. Secret Service items are labelled
//! "grantty: PROFILE at HOST"; keyutils has no labels.
//!
//! Sessions saved before the scope (user = the bare profile) are the "legacy" entry: the store
//! reads it when the scoped one is missing and its generation matches the metadata, and moves
//! it under the scoped key on the next save.
//!
//! Neither is trusted until a probe (set, get, compare, delete a throwaway entry) succeeds:
//! keyutils store creation never fails and its errors only show on `get`; the Secret Service may
//! be reachable but locked.
//!
//! keyutils needs a session keyring: without one, `@s` resolves to the user-session keyring and
//! every operation fails with `AccessDenied`. Session keyrings belong to a thread's credentials,
//! and callers run these blocking calls on whatever pool thread `spawn_blocking` picks, so every
//! keyutils operation first asks for the calling thread's session keyring with "create" set
//! (`KEYCTL_GET_KEYRING_ID`, through the safe `linux-keyutils` API). That is a no-op when the
//! thread has one (e.g. from `pam_keyinit` at login) and joins a new anonymous one otherwise.
//! Entries stay reachable from every thread and process because the store links them into the
//! user's persistent keyring, which the kernel drops at reboot or after days unused.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use keyring_core::{CredentialStore, Entry, Error as KeyringError};
use linux_keyutils::{KeyRing, KeyRingIdentifier};

use super::{BackendInfo, BackendKind, Persistence, SecretBackend, StoreError};

/// The keyring service name of every entry.
pub const SERVICE: &str = "grantty";

/// A keyring-core store used as a [`SecretBackend`].
pub struct KeyringBackend {
    kind: BackendKind,
    store: Arc<CredentialStore>,
    /// [`dir_scope`] of the state directory.
    scope: String,
}

/// A short stable name for the state directory `dir`: FNV-1a (64 bits, hex) of its canonical
/// path, so `~/state` and a link to it name the same entries.
pub(crate) fn dir_scope(dir: &Path) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
    let hash = canonical
        .as_os_str()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash: u64, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}")
}

/// The keyring user of `key` (a profile, or a probe key) in the state directory `scope`. A
/// profile holds no `/`, so no two (scope, key) pairs share a user, and none is a legacy
/// (bare-profile) user.
pub(crate) fn entry_user(scope: &str, key: &str) -> String {
    format!("{scope}/{key}")
}

impl std::fmt::Debug for KeyringBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringBackend")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Opens the keyring of `kind` (Secret Service or keyutils) for the state directory `dir`
/// without probing it, for a session already recorded there.
pub fn open(kind: BackendKind, dir: &Path) -> Result<KeyringBackend, String> {
    let store: Arc<CredentialStore> = if kind == BackendKind::SecretService {
        zbus_secret_service_keyring_store::Store::new().map_err(|e| detail(&e))?
    } else {
        linux_keyutils_keyring_store::Store::new().map_err(|e| detail(&e))?
    };
    Ok(KeyringBackend {
        kind,
        store,
        scope: dir_scope(dir),
    })
}

/// Connects to the Secret Service and probes it; the error text says why it cannot be used.
pub fn secret_service(dir: &Path) -> Result<KeyringBackend, String> {
    open(BackendKind::SecretService, dir)?.probed()
}

/// Opens the kernel keyring and probes it; the error text says why it cannot be used.
pub fn keyutils(dir: &Path) -> Result<KeyringBackend, String> {
    open(BackendKind::Keyutils, dir)?.probed()
}

impl KeyringBackend {
    fn entry(&self, key: &str) -> Result<Entry, KeyringError> {
        self.entry_for(&entry_user(&self.scope, key), None)
    }

    fn entry_for(&self, user: &str, label: Option<&str>) -> Result<Entry, KeyringError> {
        if self.kind == BackendKind::Keyutils {
            // Errors surface from the entry itself, with the store's own wording.
            let _ = KeyRing::from_special_id(KeyRingIdentifier::Session, true);
        }
        match label {
            // Only the Secret Service has labels; keyutils refuses unknown modifiers.
            Some(label) if self.kind == BackendKind::SecretService => {
                let modifiers = HashMap::from([("label", label)]);
                self.store.build(SERVICE, user, Some(&modifiers))
            }
            _ => self.store.build(SERVICE, user, None),
        }
    }

    fn read(&self, entry: &Entry, profile: &str) -> Result<Option<String>, StoreError> {
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e @ (KeyringError::BadEncoding(_) | KeyringError::BadDataFormat(..))) => {
                Err(StoreError::Corrupt {
                    location: format!("the {} entry of profile {profile:?}", self.kind),
                    detail: detail(&e),
                })
            }
            Err(e) => Err(self.failure("read", profile, &e)),
        }
    }

    fn remove(&self, entry: &Entry, profile: &str) -> Result<(), StoreError> {
        match entry.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(self.failure("delete", profile, &e)),
        }
    }

    fn probed(self) -> Result<Self, String> {
        let user = format!(".probe-{}", std::process::id());
        let value = format!("grantty probe {}", std::process::id());
        let entry = self
            .entry(&user)
            .map_err(|e| format!("probe entry: {}", detail(&e)))?;
        entry
            .set_password(&value)
            .map_err(|e| format!("probe save: {}", detail(&e)))?;
        let read = entry
            .get_password()
            .map_err(|e| format!("probe read: {}", detail(&e)));
        let deleted = entry
            .delete_credential()
            .map_err(|e| format!("probe delete: {}", detail(&e)));
        if read? == value {
            deleted.map(|()| self)
        } else {
            Err("probe read back a different value".to_owned())
        }
    }

    fn failure(&self, action: &'static str, profile: &str, err: &KeyringError) -> StoreError {
        StoreError::Backend {
            backend: self.kind.to_string(),
            action,
            profile: profile.to_owned(),
            detail: detail(err),
        }
    }
}

impl SecretBackend for KeyringBackend {
    fn info(&self) -> BackendInfo {
        match self.kind {
            BackendKind::SecretService => BackendInfo {
                kind: self.kind,
                location: "login keyring".to_owned(),
                persistence: Persistence::Durable,
                plaintext: false,
            },
            _ => BackendInfo {
                kind: self.kind,
                location: format!(
                    "persistent kernel keyring, key keyring:{}/<profile>@{SERVICE}",
                    self.scope
                ),
                persistence: Persistence::UntilReboot,
                plaintext: false,
            },
        }
    }

    fn get(&self, profile: &str) -> Result<Option<String>, StoreError> {
        let entry = self
            .entry(profile)
            .map_err(|e| self.failure("read", profile, &e))?;
        self.read(&entry, profile)
    }

    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError> {
        self.set_labelled(profile, secret, &format!("grantty: {profile}"))
    }

    fn set_labelled(&self, profile: &str, secret: &str, label: &str) -> Result<(), StoreError> {
        let entry = self
            .entry_for(&entry_user(&self.scope, profile), Some(label))
            .map_err(|e| self.failure("save", profile, &e))?;
        entry
            .set_password(secret)
            .map_err(|e| self.failure("save", profile, &e))
    }

    fn delete(&self, profile: &str) -> Result<(), StoreError> {
        let entry = self
            .entry(profile)
            .map_err(|e| self.failure("delete", profile, &e))?;
        self.remove(&entry, profile)
    }

    fn get_legacy(&self, profile: &str) -> Result<Option<String>, StoreError> {
        let entry = self
            .entry_for(profile, None)
            .map_err(|e| self.failure("read", profile, &e))?;
        self.read(&entry, profile)
    }

    fn delete_legacy(&self, profile: &str) -> Result<(), StoreError> {
        let entry = self
            .entry_for(profile, None)
            .map_err(|e| self.failure("delete", profile, &e))?;
        self.remove(&entry, profile)
    }
}

/// The error's text, without the stored bytes some variants carry.
fn detail(err: &KeyringError) -> String {
    match err {
        KeyringError::BadEncoding(_) => "the stored value is not UTF-8".to_owned(),
        KeyringError::BadDataFormat(..) => "the stored value is malformed".to_owned(),
        KeyringError::Ambiguous(entries) => format!("{} entries match", entries.len()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_state_directories_give_two_keys_for_one_profile() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        let (scope_a, scope_b) = (dir_scope(&a), dir_scope(&b));
        assert_ne!(entry_user(&scope_a, "work"), entry_user(&scope_b, "work"));
        assert_ne!(entry_user(&scope_a, "work"), "work", "never the legacy key");
        // A link to a directory is the same directory.
        let link = tmp.path().join("link");
        std::os::unix::fs::symlink(&a, &link).unwrap();
        assert_eq!(dir_scope(&link), scope_a);
        assert_eq!(dir_scope(&a.join(".")), scope_a);
    }

    #[test]
    fn two_state_directories_keep_separate_kernel_keyring_entries() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        let (Ok(store_a), Ok(store_b)) = (keyutils(&a), keyutils(&b)) else {
            eprintln!("skipped: the kernel keyring does not work here");
            return;
        };
        let profile = format!("same-{}", std::process::id());
        store_a.set(&profile, "secrets of a").unwrap();
        store_b.set(&profile, "secrets of b").unwrap();
        let (read_a, read_b) = (store_a.get(&profile), store_b.get(&profile));
        store_a.delete(&profile).unwrap();
        store_b.delete(&profile).unwrap();
        assert_eq!(read_a.unwrap().as_deref(), Some("secrets of a"));
        assert_eq!(read_b.unwrap().as_deref(), Some("secrets of b"));
        assert_eq!(store_a.get(&profile).unwrap(), None, "deleted");
    }

    #[test]
    fn a_session_under_the_legacy_key_loads_and_moves_on_the_next_save() {
        use crate::store::{SessionStore, fixtures::full_session};
        let tmp = tempfile::tempdir().unwrap();
        let Ok(backend) = keyutils(tmp.path()) else {
            eprintln!("skipped: the kernel keyring does not work here");
            return;
        };
        let mine = keyutils(tmp.path()).unwrap();
        let store = SessionStore::with_backend(tmp.path().to_owned(), Arc::new(backend)).unwrap();
        let profile = format!("legacy-{}", std::process::id());
        let generation = store.save(&full_session(&profile, 1)).unwrap();
        // What an older grantty left: the same secrets under the bare profile name.
        let text = mine.get(&profile).unwrap().unwrap();
        mine.delete(&profile).unwrap();
        let legacy = mine.entry_for(&profile, None).unwrap();
        legacy.set_password(&text).unwrap();

        let loaded = store.load(&profile).unwrap().unwrap();
        assert_eq!(loaded.meta.generation, generation);
        store.save(&loaded).unwrap();
        let moved = (
            mine.get(&profile).unwrap(),
            mine.get_legacy(&profile).unwrap(),
        );

        // A legacy entry of another session (another generation) is not ours: missing.
        legacy.set_password(&text).unwrap();
        mine.delete(&profile).unwrap();
        let foreign = store.load(&profile);
        let _ = legacy.delete_credential();
        store.delete(&profile).unwrap();

        assert!(moved.0.is_some(), "saved under the scoped key");
        assert_eq!(moved.1, None, "the legacy entry is gone");
        assert!(
            matches!(foreign, Err(StoreError::SecretsMissing { .. })),
            "{foreign:?}"
        );
    }

    #[test]
    fn the_probe_key_is_never_a_profiles_key() {
        let scope = "0123456789abcdef";
        for profile in ["work", "work.probe", "probe", ".probe-work", "a-b_c.d"] {
            let probe = crate::store::profile::probe_key(profile);
            assert!(
                crate::store::validate_profile(&probe).is_err(),
                "{probe} is a valid profile name"
            );
            assert_ne!(entry_user(scope, &probe), entry_user(scope, profile));
        }
        // Every valid profile's key differs from every probe key: probe keys start with '.',
        // which no profile may.
        assert!(crate::store::validate_profile(".probe-work").is_err());
    }

    #[test]
    fn error_details_never_carry_the_stored_bytes() {
        let secret = b"rt-SECRET-value".to_vec();
        let shown = detail(&KeyringError::BadEncoding(secret.clone()));
        assert!(!shown.contains("SECRET"), "{shown}");
        let shown = detail(&KeyringError::BadDataFormat(secret, "x".into()));
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
