//! When the store itself fails: a probe of the secret backend before a rotating refresh token is
//! spent, and a fallback place for tokens the server issued but the store would not take.
//!
//! The fallback ("rescue") is one 0600 file per state directory and profile under
//! `$XDG_RUNTIME_DIR/grantty` (else `/run/user/<uid>/grantty`, else the temporary directory),
//! named after a hash of the state directory so two stores never share one. It holds the same
//! two JSON documents as the store. The session service reads it under the profile lock before
//! anything else, moves it back into the store as soon as the store works again, and deletes it
//! on logout and new sign-in.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::{ensure_private_dir, read_private, remove_private, write_atomic};
use super::format::{decode_meta, decode_secrets, encode_meta, encode_secrets};
use super::loaded::reconcile;
use super::{SessionStore, StoreError, validate_profile};
use crate::domain::session::Session;

/// Bytes added to the current secrets' size for the probe: a refresh answer may carry longer
/// tokens than the ones it replaces.
pub const PROBE_SLACK_BYTES: usize = 1024;

#[derive(Serialize, Deserialize)]
struct RescueDoc {
    meta: serde_json::Value,
    secrets: String,
}

impl SessionStore {
    /// Checks that the secret backend takes a write of `size` bytes, reads it back and deletes
    /// it, under a key of its own next to `profile`'s. Run before spending a rotating refresh
    /// token: a full keyring or disk must not cost one.
    pub fn probe_secrets(&self, profile: &str, size: usize) -> Result<(), StoreError> {
        validate_profile(profile)?;
        let key = super::profile::probe_key(profile);
        let value = "p".repeat(size.saturating_add(PROBE_SLACK_BYTES));
        self.backend.set(&key, &value)?;
        let read = self.backend.get(&key);
        let deleted = self.backend.delete(&key);
        match read? {
            Some(back) if back == value => deleted,
            _ => Err(StoreError::Corrupt {
                location: format!("the {} probe entry", self.backend.info().kind),
                detail: "a probe write did not read back".to_owned(),
            }),
        }
    }

    /// Where the rescue file of `profile` goes, if any place is known.
    pub fn rescue_path(&self, profile: &str) -> Option<PathBuf> {
        let dir = rescue_dir()?;
        Some(dir.join(format!("{:016x}-{profile}.unsaved.json", fnv1a(&self.dir))))
    }

    /// Writes `session` to the rescue file (0600, atomic) and returns its path.
    pub fn write_rescue(&self, session: &Session) -> Result<PathBuf, StoreError> {
        let profile = &session.meta.profile;
        validate_profile(profile)?;
        let path = self.rescue_path(profile).ok_or_else(|| StoreError::Io {
            action: "find a place for",
            path: PathBuf::from("$XDG_RUNTIME_DIR"),
            source: std::io::Error::other("no runtime or temporary directory"),
        })?;
        if let Some(dir) = path.parent() {
            ensure_private_dir(dir)?;
        }
        let kind = self.backend.info().kind;
        let meta = encode_meta(&session.meta, kind)?;
        let doc = RescueDoc {
            meta: serde_json::from_slice(&meta).map_err(|e| encode_error(&e))?,
            secrets: encode_secrets(&session.secrets, session.meta.generation)?,
        };
        let bytes = serde_json::to_vec(&doc).map_err(|e| encode_error(&e))?;
        write_atomic(&path, &bytes)?;
        Ok(path)
    }

    /// The rescued session of `profile`, if a rescue file exists.
    pub fn read_rescue(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        let Some(path) = self.rescue_path(profile) else {
            return Ok(None);
        };
        let Some(bytes) = read_private(&path)? else {
            return Ok(None);
        };
        let location = path.display().to_string();
        let doc: RescueDoc = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            location: location.clone(),
            detail: format!(
                "not a rescue document (line {}, column {})",
                e.line(),
                e.column()
            ),
        })?;
        let meta_bytes = serde_json::to_vec(&doc.meta).map_err(|e| encode_error(&e))?;
        let mut meta = decode_meta(&meta_bytes, &location)?.meta;
        profile.clone_into(&mut meta.profile);
        let (secrets, generation) = decode_secrets(&doc.secrets, &location)?;
        Ok(Some(reconcile(meta, secrets, generation).session))
    }

    /// Deletes the rescue file of `profile`, if there is one.
    pub fn clear_rescue(&self, profile: &str) -> Result<(), StoreError> {
        match self.rescue_path(profile) {
            Some(path) => remove_private(&path).map(|_| ()),
            None => Ok(()),
        }
    }
}

fn encode_error(e: &serde_json::Error) -> StoreError {
    StoreError::Encode {
        what: "the rescue document",
        detail: format!("line {}, column {}", e.line(), e.column()),
    }
}

/// `$XDG_RUNTIME_DIR/grantty`, else `/run/user/<uid>/grantty`, else `<tmp>/grantty-<uid>`.
fn rescue_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_RUNTIME_DIR")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
    {
        return Some(dir.join("grantty"));
    }
    let uid = std::fs::metadata("/proc/self").ok()?.uid();
    let run = PathBuf::from(format!("/run/user/{uid}"));
    if run.is_dir() {
        return Some(run.join("grantty"));
    }
    Some(std::env::temp_dir().join(format!("grantty-{uid}")))
}

/// FNV-1a of a path's bytes: a stable, short name for a state directory.
fn fnv1a(path: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt as _;
    path.as_os_str()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325, |hash: u64, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreChoice;
    use crate::store::fixtures::full_session;

    #[test]
    fn the_probe_leaves_nothing_behind_and_a_rescue_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = SessionStore::open(dir.path().join("s"), StoreChoice::File, true).unwrap();
        store.probe_secrets("work", 10).unwrap();
        assert_eq!(
            std::fs::read_dir(dir.path().join("s")).unwrap().count(),
            0,
            "probe removed"
        );
        let session = full_session("work", 3);
        let path = dir.path().join("run").join("r.json");
        ensure_private_dir(path.parent().unwrap()).unwrap();
        // The path itself comes from the environment; the document format is tested here.
        let doc = RescueDoc {
            meta: serde_json::from_slice(
                &encode_meta(&session.meta, crate::store::BackendKind::File).unwrap(),
            )
            .unwrap(),
            secrets: encode_secrets(&session.secrets, 3).unwrap(),
        };
        write_atomic(&path, &serde_json::to_vec(&doc).unwrap()).unwrap();
        assert_ne!(fnv1a(Path::new("/a")), fnv1a(Path::new("/b")));
    }
}
