//! What a secret backend is and how it describes itself to the user.
//!
//! A backend holds one opaque string per profile (the secrets JSON); it knows nothing about its
//! contents. `describe` must be honest about where the tokens end up and how long they last.

use std::fmt;
use std::path::Path;

use super::StoreError;

/// The kinds of place a profile's tokens can live in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BackendKind {
    /// The desktop keyring over D-Bus (GNOME Keyring, `KWallet`, `KeePassXC`).
    SecretService,
    /// The Linux kernel keyring (keyutils), linked into the user's persistent keyring.
    Keyutils,
    /// A plaintext file readable only by the user (0600).
    File,
    /// Process memory only.
    Memory,
    /// An etcd cluster a fleet shares, the secrets sealed with the fleet's key.
    Etcd,
}

impl BackendKind {
    /// The `--store` value that selects this kind.
    pub fn flag(self) -> &'static str {
        match self {
            Self::SecretService => "secret-service",
            Self::Keyutils => "keyutils",
            Self::File => "file",
            Self::Memory => "memory",
            Self::Etcd => "etcd",
        }
    }

    /// Parses [`flag`](Self::flag) output.
    pub fn from_flag(s: &str) -> Option<Self> {
        Some(match s {
            "secret-service" => Self::SecretService,
            "keyutils" => Self::Keyutils,
            "file" => Self::File,
            "memory" => Self::Memory,
            "etcd" => Self::Etcd,
            _ => return None,
        })
    }
}

impl fmt::Display for BackendKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SecretService => "Secret Service",
            Self::Keyutils => "kernel keyring (keyutils)",
            Self::File => "plaintext file",
            Self::Memory => "memory",
            Self::Etcd => "etcd",
        })
    }
}

/// How long stored tokens survive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Persistence {
    /// Until deleted.
    Durable,
    /// Until the machine reboots (or the kernel expires the keyring after days unused).
    UntilReboot,
    /// Until this process exits.
    Process,
}

/// Where a backend keeps the tokens, for status lines and diagnostics.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BackendInfo {
    /// The kind of backend.
    pub kind: BackendKind,
    /// Where, in words or as a path (`~` for the home directory).
    pub location: String,
    /// How long the tokens survive.
    pub persistence: Persistence,
    /// True when the tokens are stored unencrypted.
    pub plaintext: bool,
}

impl BackendInfo {
    /// An honest one-line description, e.g. `kernel keyring (keyutils) — lost at reboot`.
    pub fn describe(&self) -> String {
        match self.kind {
            BackendKind::SecretService => format!("Secret Service ({})", self.location),
            BackendKind::Keyutils => "kernel keyring (keyutils) — lost at reboot".to_owned(),
            BackendKind::File => format!("plaintext files in {} (0600)", self.location),
            BackendKind::Memory => "memory only — lost when grantty exits".to_owned(),
            BackendKind::Etcd => format!("etcd at {} (sealed)", self.location),
        }
    }
}

/// A place that holds one secret string per profile.
///
/// Calls may block (D-Bus, syscalls, disk); async callers use `spawn_blocking`. Implementations
/// never put the secret into an error.
pub trait SecretBackend: Send + Sync {
    /// What this backend is.
    fn info(&self) -> BackendInfo;
    /// The stored secret of `profile`, or `None` when there is none.
    fn get(&self, profile: &str) -> Result<Option<String>, StoreError>;
    /// Stores (replaces) the secret of `profile`.
    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError>;
    /// Removes the secret of `profile`; removing a missing one is not an error.
    fn delete(&self, profile: &str) -> Result<(), StoreError>;
    /// [`set`](Self::set), with a human-readable label where the backend shows one.
    fn set_labelled(&self, profile: &str, secret: &str, label: &str) -> Result<(), StoreError> {
        let _ = label;
        self.set(profile, secret)
    }
    /// The secret of `profile` under a key an older grantty used, if this backend had one.
    fn get_legacy(&self, profile: &str) -> Result<Option<String>, StoreError> {
        let _ = profile;
        Ok(None)
    }
    /// Removes the secret under the older key; missing is not an error.
    fn delete_legacy(&self, profile: &str) -> Result<(), StoreError> {
        let _ = profile;
        Ok(())
    }
}

/// `path` with the home directory shown as `~`, for messages.
pub(crate) fn tilde(path: &Path) -> String {
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
        && let Ok(rest) = path.strip_prefix(&home)
    {
        return format!("~/{}", rest.display());
    }
    path.display().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_round_trip() {
        for kind in [
            BackendKind::SecretService,
            BackendKind::Keyutils,
            BackendKind::File,
            BackendKind::Memory,
            BackendKind::Etcd,
        ] {
            assert_eq!(BackendKind::from_flag(kind.flag()), Some(kind));
        }
        assert_eq!(BackendKind::from_flag("vault"), None);
    }

    #[test]
    fn describe_says_plaintext_and_reboot_loss() {
        let file = BackendInfo {
            kind: BackendKind::File,
            location: "~/.local/state/grantty".to_owned(),
            persistence: Persistence::Durable,
            plaintext: true,
        };
        assert_eq!(
            file.describe(),
            "plaintext files in ~/.local/state/grantty (0600)"
        );
        let keyutils = BackendInfo {
            kind: BackendKind::Keyutils,
            ..file
        };
        assert!(keyutils.describe().contains("lost at reboot"));
    }
}
