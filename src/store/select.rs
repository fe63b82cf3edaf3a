//! Choosing where secrets go: `--store auto|secret-service|keyutils|file|memory`.
//!
//! `auto` takes the first keyring whose probe succeeds, in the order Secret Service, keyutils.
//! When none works it uses the plaintext file only with the user's consent: `plaintext_ok`, or a
//! consent remembered in `<dir>/store-choice`. Otherwise it fails with
//! [`StoreError::NeedsConsent`]. The decision itself is the pure [`decide_auto`].

use std::path::Path;
use std::sync::Arc;

use super::file::{FileBackend, read_private, write_atomic};
use super::keyring::{self, KeyringBackend};
use super::{BackendKind, SecretBackend, SkippedBackend, StoreError};

/// The `--store` flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreChoice {
    /// The first keyring that works, else the plaintext file if allowed.
    #[default]
    Auto,
    /// The desktop keyring over D-Bus.
    SecretService,
    /// The kernel keyring; lost at reboot.
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
    /// The plaintext file, with consent; the keyrings that failed, and why.
    Plaintext(Vec<SkippedBackend>),
    /// No keyring works and there is no consent.
    NeedsConsent(Vec<SkippedBackend>),
}

/// Takes the first successful probe, in order; probes after it are never evaluated, so an
/// iterator that probes lazily stops at the first keyring that works.
pub fn decide_auto<B>(
    probes: impl IntoIterator<Item = (BackendKind, Result<B, String>)>,
    plaintext_consent: bool,
) -> AutoDecision<B> {
    let mut skipped = Vec::new();
    for (kind, probe) in probes {
        match probe {
            Ok(backend) => return AutoDecision::Keyring(backend, skipped),
            Err(reason) => skipped.push(SkippedBackend { kind, reason }),
        }
    }
    if plaintext_consent {
        AutoDecision::Plaintext(skipped)
    } else {
        AutoDecision::NeedsConsent(skipped)
    }
}

/// Opens and probes one keyring.
type Probe = fn(&Path) -> Result<KeyringBackend, String>;

const CONSENT_FILE: &str = "store-choice";
const CONSENT_PLAINTEXT: &str = "file";

/// Records in `<dir>/store-choice` that the user accepts the plaintext file.
pub(crate) fn remember_consent(dir: &Path) -> Result<(), StoreError> {
    write_atomic(
        &dir.join(CONSENT_FILE),
        format!("{CONSENT_PLAINTEXT}\n").as_bytes(),
    )
}

/// Whether `<dir>/store-choice` records consent to the plaintext file.
pub(crate) fn consent_remembered(dir: &Path) -> Result<bool, StoreError> {
    let bytes = read_private(&dir.join(CONSENT_FILE))?;
    Ok(bytes.is_some_and(|b| String::from_utf8_lossy(&b).trim() == CONSENT_PLAINTEXT))
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
    plaintext_ok: bool,
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
            let consent = plaintext_ok || consent_remembered(dir)?;
            let order: [(BackendKind, Probe); 2] = [
                (BackendKind::SecretService, keyring::secret_service),
                (BackendKind::Keyutils, keyring::keyutils),
            ];
            let probes = order.into_iter().map(|(kind, probe)| (kind, probe(dir)));
            match decide_auto(probes, consent) {
                AutoDecision::Keyring(backend, skipped) => (Arc::new(backend), skipped),
                AutoDecision::Plaintext(skipped) => (file(), skipped),
                AutoDecision::NeedsConsent(skipped) => {
                    return Err(StoreError::NeedsConsent {
                        dir: dir.to_owned(),
                        skipped,
                    });
                }
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
        let decision = decide_auto(
            probes.map(|kind| {
                ran.push(kind);
                (kind, Ok::<_, String>(kind))
            }),
            false,
        );
        assert_eq!(
            decision,
            AutoDecision::Keyring(BackendKind::SecretService, Vec::new())
        );
        assert_eq!(ran, [BackendKind::SecretService]);
    }

    #[test]
    fn keyutils_is_used_when_the_secret_service_fails_and_the_reason_is_kept() {
        let probes = [
            failed(BackendKind::SecretService),
            (BackendKind::Keyutils, Ok(BackendKind::Keyutils)),
        ];
        let AutoDecision::Keyring(chosen, skipped) = decide_auto(probes, false) else {
            panic!("expected a keyring");
        };
        assert_eq!(chosen, BackendKind::Keyutils);
        assert_eq!(skipped[0].kind, BackendKind::SecretService);
        assert_eq!(skipped[0].reason, "Secret Service failed");
    }

    #[test]
    fn no_keyring_and_no_consent_needs_consent_with_every_reason() {
        let probes = [
            failed(BackendKind::SecretService),
            failed(BackendKind::Keyutils),
        ];
        let AutoDecision::NeedsConsent(skipped) = decide_auto(probes, false) else {
            panic!("expected NeedsConsent");
        };
        assert_eq!(skipped.len(), 2);
        assert_eq!(skipped[1].reason, "kernel keyring (keyutils) failed");
    }

    #[test]
    fn no_keyring_with_consent_uses_the_plaintext_file() {
        let probes = [
            failed(BackendKind::SecretService),
            failed(BackendKind::Keyutils),
        ];
        assert!(matches!(decide_auto(probes, true), AutoDecision::Plaintext(s) if s.len() == 2));
    }

    #[test]
    fn consent_is_remembered_in_the_state_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!consent_remembered(dir.path()).unwrap());
        remember_consent(dir.path()).unwrap();
        assert!(consent_remembered(dir.path()).unwrap());
    }
}
