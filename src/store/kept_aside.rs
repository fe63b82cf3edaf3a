//! When the store itself fails: a probe of the secret backend before a rotating refresh token is
//! spent, and a place to keep aside tokens the server issued but the store would not take.
//!
//! The kept-aside copy is one 0600 file per state directory and profile, named after a hash of
//! the state directory so two stores never share one, holding the same two JSON documents as the
//! store. Its directory is one only this user owns and nobody else can create first:
//! `$XDG_RUNTIME_DIR/grantty`, else `/run/user/<euid>/grantty`, each only when its base is an
//! absolute, real directory owned by the effective user and closed to everyone else; else
//! `$XDG_CACHE_HOME/grantty/kept-aside` (or `~/.cache/…`), which is not the state directory, so
//! a broken state directory does not break its fallback. Never a shared, predictable place
//! such as `/tmp`. Directories are created 0700 and checked without following links; the file is
//! opened with `O_NOFOLLOW` and refused unless `fstat` shows a regular file of ours that nobody
//! else may read or write.
//!
//! A kept-aside copy is only ever accepted as newer tokens of the same session (see [`judge`]),
//! after its tokens pass the checks tokens from the wire pass. The session service asks
//! [`SessionStore::kept_aside_for`] under the profile lock, moves an accepted copy back into the
//! store, and clears the copy on logout and new sign-in.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::file::{
    Privacy, check_dir, ensure_private_dir, euid, exposure, read_checked, remove_private,
    write_atomic,
};
use super::format::{decode_meta, decode_secrets, encode_meta, encode_secrets};
use super::loaded::reconcile;
use super::{SessionStore, StoreError, validate_profile};
use crate::domain::session::Session;

/// Bytes added to the current secrets' size for the probe: a refresh answer may carry longer
/// tokens than the ones it replaces.
pub const PROBE_SLACK_BYTES: usize = 1024;

#[derive(Serialize, Deserialize)]
struct KeptDoc {
    meta: serde_json::Value,
    secrets: String,
}

/// What to do with a kept-aside copy, given the stored session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Newer tokens of the stored session, or the store cannot be read: serve the copy.
    Serve,
    /// Older, or of another session, or there is no session: delete the copy.
    Discard,
}

/// The acceptance rule. A copy is newer tokens of the same session when it has the same
/// provider record and sign-in time as the stored session and a higher generation; a new
/// sign-in (another sign-in time) always wins over it, and with no stored session (logged out)
/// it is dropped. When the store cannot be read the copy is all there is, and is served.
pub(crate) fn judge(kept: &Session, stored: Result<Option<&Session>, &StoreError>) -> Verdict {
    match stored {
        Err(_) => Verdict::Serve,
        Ok(None) => Verdict::Discard,
        Ok(Some(stored)) => {
            let same_session = kept.meta.provider == stored.meta.provider
                && kept.meta.signed_in_at == stored.meta.signed_in_at;
            if same_session && kept.meta.generation > stored.meta.generation {
                Verdict::Serve
            } else {
                Verdict::Discard
            }
        }
    }
}

/// The environment the kept-aside place is chosen from.
#[derive(Clone, Debug, Default)]
pub(crate) struct PlaceEnv {
    /// `XDG_RUNTIME_DIR`.
    pub runtime_dir: Option<OsString>,
    /// `XDG_CACHE_HOME`.
    pub cache_home: Option<OsString>,
    /// `HOME`.
    pub home: Option<OsString>,
    /// The effective user id.
    pub euid: u32,
}

impl PlaceEnv {
    fn current() -> Self {
        Self {
            runtime_dir: std::env::var_os("XDG_RUNTIME_DIR"),
            cache_home: std::env::var_os("XDG_CACHE_HOME"),
            home: std::env::var_os("HOME"),
            euid: euid(),
        }
    }
}

fn absolute(value: Option<&OsString>) -> Option<PathBuf> {
    value
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
}

/// The kept-aside directory: the first runtime base for which `private_base` holds (joined
/// with `grantty`), else the cache directory's `grantty/kept-aside`; `None` when there is no
/// absolute candidate at all.
pub(crate) fn kept_aside_dir(
    env: &PlaceEnv,
    private_base: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let runtime = [
        absolute(env.runtime_dir.as_ref()),
        Some(PathBuf::from(format!("/run/user/{}", env.euid))),
    ];
    if let Some(base) = runtime
        .into_iter()
        .flatten()
        .find(|base| private_base(base))
    {
        return Some(base.join("grantty"));
    }
    let cache = absolute(env.cache_home.as_ref())
        .or_else(|| absolute(env.home.as_ref()).map(|home| home.join(".cache")))?;
    Some(cache.join("grantty").join("kept-aside"))
}

/// The directory kept-aside copies go to for this process's environment, if any is known (the
/// printed systemd unit leaves it writable).
pub fn kept_aside_place() -> Option<PathBuf> {
    kept_aside_dir(&PlaceEnv::current(), is_private_base)
}

/// Whether `base` is a real directory (not a link) of the effective user that nobody else may
/// enter, read or write: a runtime directory fit to hold tokens.
fn is_private_base(base: &Path) -> bool {
    use std::os::unix::fs::MetadataExt as _;
    std::fs::symlink_metadata(base).is_ok_and(|meta| {
        meta.is_dir()
            && exposure(meta.uid(), meta.mode() & 0o7777, euid(), Privacy::Private).is_none()
    })
}

impl SessionStore {
    /// Checks that the secret backend takes a write of `size` bytes, reads it back and deletes
    /// it, under a key no profile can have. Run before spending a rotating refresh token: a full
    /// keyring or disk must not cost one.
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

    /// Where the kept-aside copy of `profile` goes, if any place is known.
    pub fn kept_aside_path(&self, profile: &str) -> Option<PathBuf> {
        let dir = kept_aside_dir(&PlaceEnv::current(), is_private_base)?;
        Some(dir.join(format!("{:016x}-{profile}.unsaved.json", fnv1a(&self.dir))))
    }

    /// Whether something sits where the kept-aside copy of `profile` would be (without reading
    /// it): the fast `grantty token` path then leaves the decision to the session service.
    pub fn has_kept_aside(&self, profile: &str) -> bool {
        self.kept_aside_path(profile)
            .is_some_and(|path| std::fs::symlink_metadata(path).is_ok())
    }

    /// Keeps `session` aside (0600, atomic) and returns the path. Its generation is stamped
    /// above the stored one when the metadata can be read, so it counts as newer.
    pub fn write_kept_aside(&self, session: &Session) -> Result<PathBuf, StoreError> {
        let profile = &session.meta.profile;
        validate_profile(profile)?;
        let path = self
            .kept_aside_path(profile)
            .ok_or_else(|| StoreError::Io {
                action: "find a place to keep the tokens aside in",
                path: PathBuf::from("$XDG_CACHE_HOME"),
                source: std::io::Error::other(
                    "neither XDG_RUNTIME_DIR, XDG_CACHE_HOME nor HOME names a usable directory",
                ),
            })?;
        if let Some(dir) = path.parent() {
            if let Some(grantty) = dir.parent().filter(|_| dir.ends_with("kept-aside")) {
                ensure_private_dir(grantty)?;
            }
            ensure_private_dir(dir)?;
        }
        let meta = session.meta.clone();
        // Never above what the store moved on to: a copy of another sign-in, or one no newer
        // than the stored tokens, would only be served over them.
        if let Ok(Some(stored)) = self.read_meta(profile)
            && (stored.meta.signed_in_at != meta.signed_in_at
                || stored.meta.generation >= meta.generation)
        {
            return Err(StoreError::Superseded {
                profile: profile.to_owned(),
            });
        }
        let kind = self.backend.info().kind;
        let doc = KeptDoc {
            meta: serde_json::from_slice(&encode_meta(&meta, kind)?)
                .map_err(|e| encode_error(&e))?,
            secrets: encode_secrets(&session.secrets, meta.generation)?,
        };
        let bytes = serde_json::to_vec(&doc).map_err(|e| encode_error(&e))?;
        write_atomic(&path, &bytes)?;
        Ok(path)
    }

    /// The kept-aside copy of `profile` to serve instead of `stored` (what the store's `load`
    /// returned), under the caller's profile lock. `Ok(None)`: serve `stored`; a copy that is
    /// older, of another session, or for a profile with no session is deleted here (see
    /// [`judge`]). `Err`: something sits in the kept-aside place that is not ours, is open to
    /// others, is damaged or holds tokens the wire checks refuse; it was not used, and the
    /// caller serves `stored` (the error says which file and what to do).
    pub fn kept_aside_for(
        &self,
        profile: &str,
        stored: Result<Option<&Session>, &StoreError>,
    ) -> Result<Option<Session>, StoreError> {
        validate_profile(profile)?;
        let Some(path) = self.kept_aside_path(profile) else {
            return Ok(None);
        };
        if let Some(dir) = path.parent()
            && !check_dir(dir)?
        {
            return Ok(None);
        }
        let Some(bytes) = read_checked(&path, Privacy::Private)? else {
            return Ok(None);
        };
        let kept = match decode_kept(&bytes, &path, profile) {
            Ok(kept) => kept,
            Err(err) => {
                // Ours (the checks above passed) and unusable: it would block every run.
                remove_private(&path)?;
                return Err(err);
            }
        };
        match judge(&kept, stored) {
            Verdict::Serve => Ok(Some(kept)),
            Verdict::Discard => {
                remove_private(&path)?;
                Ok(None)
            }
        }
    }

    /// Deletes the kept-aside copy of `profile`, if there is one.
    pub fn clear_kept_aside(&self, profile: &str) -> Result<(), StoreError> {
        match self.kept_aside_path(profile) {
            Some(path) => remove_private(&path).map(|_| ()),
            None => Ok(()),
        }
    }
}

/// A kept-aside document back as a session of `profile`, its tokens checked as on the wire.
fn decode_kept(bytes: &[u8], path: &Path, profile: &str) -> Result<Session, StoreError> {
    let location = path.display().to_string();
    let corrupt = |detail: String| StoreError::Corrupt {
        location: location.clone(),
        detail,
    };
    let doc: KeptDoc = serde_json::from_slice(bytes).map_err(|e| {
        corrupt(format!(
            "not a kept-aside document (line {}, column {})",
            e.line(),
            e.column()
        ))
    })?;
    let meta_bytes = serde_json::to_vec(&doc.meta).map_err(|e| encode_error(&e))?;
    let mut meta = decode_meta(&meta_bytes, &location)?.meta;
    profile.clone_into(&mut meta.profile);
    // Its tokens are checked as on the wire by `decode_secrets`, as the main store's are.
    let (secrets, generation) = decode_secrets(&doc.secrets, &location)?;
    Ok(reconcile(meta, secrets, generation).session)
}

fn encode_error(e: &serde_json::Error) -> StoreError {
    StoreError::Encode {
        what: "the kept-aside document",
        detail: format!("line {}, column {}", e.line(), e.column()),
    }
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
#[path = "kept_aside_tests.rs"]
mod tests;
