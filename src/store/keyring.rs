//! OS keyrings through `keyring-core`: the Secret Service (D-Bus) and the kernel keyring
//! (keyutils). One entry per profile: service `grantty`, user = the profile, value = the
//! secrets JSON.
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
}

impl std::fmt::Debug for KeyringBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyringBackend")
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Opens the keyring of `kind` (Secret Service or keyutils) without probing it, for a session
/// already recorded there.
pub fn open(kind: BackendKind) -> Result<KeyringBackend, String> {
    let store: Arc<CredentialStore> = if kind == BackendKind::SecretService {
        zbus_secret_service_keyring_store::Store::new().map_err(|e| detail(&e))?
    } else {
        linux_keyutils_keyring_store::Store::new().map_err(|e| detail(&e))?
    };
    Ok(KeyringBackend { kind, store })
}

/// Connects to the Secret Service and probes it; the error text says why it cannot be used.
pub fn secret_service() -> Result<KeyringBackend, String> {
    open(BackendKind::SecretService)?.probed()
}

/// Opens the kernel keyring and probes it; the error text says why it cannot be used.
pub fn keyutils() -> Result<KeyringBackend, String> {
    open(BackendKind::Keyutils)?.probed()
}

impl KeyringBackend {
    fn entry(&self, profile: &str) -> Result<Entry, KeyringError> {
        if self.kind == BackendKind::Keyutils {
            // Errors surface from the entry itself, with the store's own wording.
            let _ = KeyRing::from_special_id(KeyRingIdentifier::Session, true);
        }
        self.store.build(SERVICE, profile, None)
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
                location: format!("persistent kernel keyring, key keyring:<profile>@{SERVICE}"),
                persistence: Persistence::UntilReboot,
                plaintext: false,
            },
        }
    }

    fn get(&self, profile: &str) -> Result<Option<String>, StoreError> {
        let entry = self
            .entry(profile)
            .map_err(|e| self.failure("read", profile, &e))?;
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

    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError> {
        let entry = self
            .entry(profile)
            .map_err(|e| self.failure("save", profile, &e))?;
        entry
            .set_password(secret)
            .map_err(|e| self.failure("save", profile, &e))
    }

    fn delete(&self, profile: &str) -> Result<(), StoreError> {
        let entry = self
            .entry(profile)
            .map_err(|e| self.failure("delete", profile, &e))?;
        match entry.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(self.failure("delete", profile, &e)),
        }
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
    fn error_details_never_carry_the_stored_bytes() {
        let secret = b"rt-SECRET-value".to_vec();
        let shown = detail(&KeyringError::BadEncoding(secret.clone()));
        assert!(!shown.contains("SECRET"), "{shown}");
        let shown = detail(&KeyringError::BadDataFormat(secret, "x".into()));
        assert!(!shown.contains("SECRET"), "{shown}");
    }
}
