//! Choosing where secrets go: `--store auto|secret-service|keyutils|file|memory`.
//!
//! `auto` takes the Secret Service when its probe succeeds, else the 0600 file store, which
//! survives reboots: a server reached over SSH has no desktop keyring, and a patch-weekend
//! reboot must not end its sessions. The kernel keyring, which a reboot empties, is used only
//! when asked for (`--store keyutils`). No choice asks a question, so a sign-in without a
//! terminal never waits for an answer. The decision itself is the pure [`decide_auto`].

use std::path::Path;
use std::sync::Arc;

use super::file::FileBackend;
use super::keyring::{self, KeyringBackend};
use super::{BackendKind, SecretBackend, SkippedBackend, StoreError};

/// The `--store` flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreChoice {
    /// The Secret Service when one answers, else the plaintext file (0600; survives reboots).
    #[default]
    Auto,
    /// The desktop keyring over D-Bus.
    SecretService,
    /// The kernel keyring; lost at reboot. Used only when asked for.
    Keyutils,
    /// A plaintext file readable only by you (0600).
    File,
    /// Process memory; lost when grantty exits.
    Memory,
    /// An etcd cluster shared by a fleet (`GRANTTY_ETCD_ENDPOINTS`, `GRANTTY_ETCD_SEAL_KEY_FILE`).
    Etcd,
}

impl StoreChoice {
    /// The backend an explicit choice names; `None` for `Auto`.
    pub fn kind(self) -> Option<BackendKind> {
        match self {
            Self::Auto => None,
            Self::SecretService => Some(BackendKind::SecretService),
            Self::Keyutils => Some(BackendKind::Keyutils),
            Self::File => Some(BackendKind::File),
            Self::Memory => Some(BackendKind::Memory),
            Self::Etcd => Some(BackendKind::Etcd),
        }
    }
}

/// What `auto` settles on.
#[derive(Debug, PartialEq, Eq)]
pub enum AutoDecision<B> {
    /// A keyring whose probe succeeded; the keyrings before it that failed, and why.
    Keyring(B, Vec<SkippedBackend>),
    /// No keyring answered: the 0600 file store; the keyrings that failed, and why.
    File(Vec<SkippedBackend>),
}

/// Takes the first successful probe, in order, else the file store; probes after a success are
/// never evaluated, so an iterator that probes lazily stops at the first keyring that works.
pub fn decide_auto<B>(
    probes: impl IntoIterator<Item = (BackendKind, Result<B, String>)>,
) -> AutoDecision<B> {
    let mut skipped = Vec::new();
    for (kind, probe) in probes {
        match probe {
            Ok(backend) => return AutoDecision::Keyring(backend, skipped),
            Err(reason) => skipped.push(SkippedBackend { kind, reason }),
        }
    }
    AutoDecision::File(skipped)
}

/// The backend a stored session is recorded in, opened without a probe: its errors show on the
/// first read.
pub(crate) fn open_recorded(
    dir: &Path,
    kind: BackendKind,
) -> Result<Arc<dyn SecretBackend>, StoreError> {
    let unavailable = |reason| StoreError::Unavailable { kind, reason };
    Ok(match kind {
        BackendKind::SecretService | BackendKind::Keyutils => {
            Arc::new(keyring::open(kind, dir).map_err(unavailable)?)
        }
        BackendKind::File => Arc::new(FileBackend::new(dir.to_owned())),
        BackendKind::Memory => Arc::new(super::MemoryBackend::new()),
        BackendKind::Etcd => {
            return Err(StoreError::Unavailable {
                kind,
                reason: "pass --store etcd (or set GRANTTY_STORE=etcd) to reach the cluster".into(),
            });
        }
    })
}

/// The backend for a choice other than `Memory`, and the keyrings `Auto` passed over.
pub(crate) fn open_backend(
    dir: &Path,
    choice: StoreChoice,
) -> Result<(Arc<dyn SecretBackend>, Vec<SkippedBackend>), StoreError> {
    let unavailable = |kind| move |reason| StoreError::Unavailable { kind, reason };
    let file = || Arc::new(FileBackend::new(dir.to_owned())) as Arc<dyn SecretBackend>;
    Ok(match choice {
        StoreChoice::SecretService => (
            Arc::new(
                keyring::secret_service(dir).map_err(unavailable(BackendKind::SecretService))?,
            ),
            Vec::new(),
        ),
        StoreChoice::Keyutils => (
            Arc::new(keyring::keyutils(dir).map_err(unavailable(BackendKind::Keyutils))?),
            Vec::new(),
        ),
        StoreChoice::File => (file(), Vec::new()),
        StoreChoice::Memory => (Arc::new(super::MemoryBackend::new()), Vec::new()),
        StoreChoice::Etcd => {
            return Err(StoreError::Unavailable {
                kind: BackendKind::Etcd,
                reason: "opened apart from the local backends (a bug)".into(),
            });
        }
        StoreChoice::Auto => {
            // Only the Secret Service: the kernel keyring is lost at reboot (see the module docs).
            let probes = std::iter::once(BackendKind::SecretService)
                .map(|kind| (kind, keyring::secret_service(dir)));
            match decide_auto::<KeyringBackend>(probes) {
                AutoDecision::Keyring(backend, skipped) => (Arc::new(backend), skipped),
                AutoDecision::File(skipped) => (file(), skipped),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(kind: BackendKind) -> (BackendKind, Result<BackendKind, String>) {
        (kind, Err(format!("{kind} failed")))
    }

    #[test]
    fn the_first_working_keyring_wins_and_later_probes_are_not_run() {
        let mut ran = Vec::new();
        let probes = [BackendKind::SecretService, BackendKind::Keyutils].into_iter();
        let decision = decide_auto(probes.map(|kind| {
            ran.push(kind);
            (kind, Ok::<_, String>(kind))
        }));
        assert_eq!(
            decision,
            AutoDecision::Keyring(BackendKind::SecretService, Vec::new())
        );
        assert_eq!(ran, [BackendKind::SecretService]);
    }

    #[test]
    fn without_a_secret_service_auto_takes_the_file_store_and_keeps_the_reason() {
        let AutoDecision::File(skipped) = decide_auto([failed(BackendKind::SecretService)]) else {
            panic!("expected the file store");
        };
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].kind, BackendKind::SecretService);
        assert_eq!(skipped[0].reason, "Secret Service failed");
    }

    #[test]
    fn auto_never_needs_consent_and_no_probe_means_the_file_store() {
        assert_eq!(
            decide_auto(std::iter::empty::<(BackendKind, Result<BackendKind, String>)>()),
            AutoDecision::File(Vec::new())
        );
    }
}
