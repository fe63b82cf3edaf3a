//! Opening the store for one profile: the session is found where it lives.
//!
//! The metadata file records which backend holds a session's secrets, so commands other than
//! `login` never need `--store`: with `auto` they open the recorded backend, and an explicit choice
//! that contradicts it is [`StoreError::StoredElsewhere`], which names the recorded backend.
//! `login` chooses where a new session goes: its explicit choice wins; with `auto` it replaces
//! the session where it is.
//!
//! A recorded keyring is opened without the probe `auto` runs on a new one (a probe writes and
//! deletes a throwaway entry: costly on every `grantty token`, and a broken keyring shows on the
//! read anyway).

use std::path::{Path, PathBuf};

use super::file::{ensure_private_dir, read_private};
use super::format::decode_meta;
use super::place::Place;
use super::profile::meta_path;
use super::select::{self, StoreChoice};
use super::{BackendKind, SessionStore, StoreError, validate_profile};

/// What the store is opened for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Using the stored session: its recorded backend, which an explicit choice must match.
    Existing,
    /// Signing in: an explicit choice says where the new session goes.
    NewSession,
}

impl SessionStore {
    /// Opens the store in `dir` for `profile`: the backend recorded in the profile's metadata
    /// when there is a session, else the one `choice` selects (see the module docs). Any choice
    /// but `Auto` counts as asked for (`--store`, `GRANTTY_STORE` or the profile's `store`).
    /// `Memory` always opens an empty in-process store.
    pub fn open_for(
        dir: PathBuf,
        profile: &str,
        choice: StoreChoice,
        purpose: Purpose,
        plaintext_ok: bool,
    ) -> Result<Self, StoreError> {
        if matches!(choice, StoreChoice::Memory | StoreChoice::Etcd) {
            // Neither shares a namespace with the local state directory's sessions.
            return Self::open(dir, choice, plaintext_ok);
        }
        validate_profile(profile)?;
        let recorded = recorded_backend(&dir, profile);
        match (recorded, choice.kind(), purpose) {
            (Some(stored), None, _) => Self::open_recorded(dir, stored),
            (Some(stored), Some(asked), Purpose::Existing) if asked != stored => {
                Err(StoreError::StoredElsewhere {
                    profile: profile.to_owned(),
                    stored,
                    asked,
                })
            }
            (Some(stored), Some(asked), _) if asked == stored => Self::open_recorded(dir, stored),
            _ => Self::open(dir, choice, plaintext_ok),
        }
    }

    /// The store with the backend a session was recorded in, unprobed.
    fn open_recorded(dir: PathBuf, kind: BackendKind) -> Result<Self, StoreError> {
        ensure_private_dir(&dir)?;
        let backend = select::open_recorded(&dir, kind)?;
        Self::with_backend(dir, backend)
    }
}

/// The profiles with a session in the state directory `dir`, sorted; none when it does not exist.
pub fn stored_profiles(dir: &Path) -> Result<Vec<String>, StoreError> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    Place::Files(dir.to_owned()).profiles()
}

/// The backend recorded in `profile`'s metadata; `None` when there is no readable metadata (then
/// the chosen backend opens, and loading reports what is wrong).
fn recorded_backend(dir: &Path, profile: &str) -> Option<BackendKind> {
    let path = meta_path(dir, profile);
    let bytes = read_private(&path).ok()??;
    decode_meta(&bytes, &path.display().to_string())
        .ok()
        .map(|stored| stored.backend)
        .filter(|kind| *kind != BackendKind::Memory)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures;

    fn saved_in_file(dir: &Path) {
        let store = SessionStore::open(dir.to_owned(), StoreChoice::File, true).unwrap();
        store.save(&fixtures::full_session("p", 1)).unwrap();
    }

    #[test]
    fn auto_finds_a_session_in_the_file_store_without_consent() {
        let tmp = tempfile::tempdir().unwrap();
        saved_in_file(tmp.path());
        let store = SessionStore::open_for(
            tmp.path().to_owned(),
            "p",
            StoreChoice::Auto,
            Purpose::Existing,
            false,
        )
        .unwrap();
        assert_eq!(store.info().kind, BackendKind::File);
        assert!(store.load("p").unwrap().is_some());
    }

    #[test]
    fn an_explicit_store_that_contradicts_the_session_names_where_it_lives() {
        let tmp = tempfile::tempdir().unwrap();
        saved_in_file(tmp.path());
        let err = SessionStore::open_for(
            tmp.path().to_owned(),
            "p",
            StoreChoice::Keyutils,
            Purpose::Existing,
            false,
        )
        .unwrap_err();
        assert!(
            matches!(
                err,
                StoreError::StoredElsewhere {
                    stored: BackendKind::File,
                    asked: BackendKind::Keyutils,
                    ..
                }
            ),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains("plaintext file"), "{text}");
        assert!(text.contains("--profile p"), "{text}");
    }

    #[test]
    fn login_may_choose_another_store_for_the_new_session() {
        let tmp = tempfile::tempdir().unwrap();
        saved_in_file(tmp.path());
        let store = SessionStore::open_for(
            tmp.path().to_owned(),
            "p",
            StoreChoice::File,
            Purpose::NewSession,
            false,
        )
        .unwrap();
        assert_eq!(store.info().kind, BackendKind::File);
        let other = SessionStore::open_for(
            tmp.path().to_owned(),
            "p",
            StoreChoice::Memory,
            Purpose::NewSession,
            false,
        )
        .unwrap();
        assert_eq!(other.info().kind, BackendKind::Memory);
    }

    #[test]
    fn without_a_session_the_choice_decides() {
        let tmp = tempfile::tempdir().unwrap();
        let err = SessionStore::open_for(
            tmp.path().to_owned(),
            "p",
            StoreChoice::Auto,
            Purpose::Existing,
            false,
        );
        // Auto takes a Secret Service when one answers, else the file store; never asks.
        let store = err.unwrap();
        assert!(
            matches!(
                store.info().kind,
                BackendKind::SecretService | BackendKind::File
            ),
            "{:?}",
            store.info().kind
        );
        assert_eq!(
            store.auto_chose_file(),
            store.info().kind == BackendKind::File
        );
    }
}
