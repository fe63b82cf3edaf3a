//! Profile names and the file names derived from them.
//!
//! A profile name becomes part of file names, so it is restricted to `[A-Za-z0-9._-]{1,64}` and
//! may not start with `.`: no path separators, no `..`, no hidden files. Files that start with `.`
//! in the state directory are therefore never profile files (temporary files use that).

use std::path::{Path, PathBuf};

use super::StoreError;

/// The longest allowed profile name.
pub const PROFILE_MAX_CHARS: usize = 64;

const META_SUFFIX: &str = ".meta.json";
const SECRETS_SUFFIX: &str = ".secrets.json";
const LOCK_SUFFIX: &str = ".lock";

/// Checks that `name` can be a profile name.
pub fn validate_profile(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= PROFILE_MAX_CHARS
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidProfile {
            name: name.chars().take(80).collect(),
        })
    }
}

/// The backend key of the pre-refresh probe of `profile`: it starts with `.`, which no profile
/// name may, so a probe never writes or deletes a real profile's secrets.
pub(crate) fn probe_key(profile: &str) -> String {
    format!(".probe-{profile}")
}

/// `<dir>/<profile>.meta.json`.
pub(crate) fn meta_path(dir: &Path, profile: &str) -> PathBuf {
    dir.join(format!("{profile}{META_SUFFIX}"))
}

/// `<dir>/<profile>.secrets.json`.
pub(crate) fn secrets_path(dir: &Path, profile: &str) -> PathBuf {
    dir.join(format!("{profile}{SECRETS_SUFFIX}"))
}

/// `<dir>/<profile>.lock`.
pub(crate) fn lock_path(dir: &Path, profile: &str) -> PathBuf {
    dir.join(format!("{profile}{LOCK_SUFFIX}"))
}

/// The profile a metadata file name belongs to, if it is one.
pub(crate) fn profile_of_meta_file(file_name: &str) -> Option<&str> {
    let profile = file_name.strip_suffix(META_SUFFIX)?;
    validate_profile(profile).ok().map(|()| profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_accepted() {
        for name in [
            "default",
            "prod-eu",
            "a",
            "user.name_2",
            "A1",
            &"x".repeat(64),
        ] {
            assert!(validate_profile(name).is_ok(), "{name}");
        }
    }

    #[test]
    fn names_that_could_escape_or_hide_are_rejected() {
        let long = "x".repeat(65);
        for name in [
            "", ".", "..", ".hidden", "a/b", "../x", "a\\b", "a b", "é", "a\0b", "a\n", &long,
        ] {
            let err = validate_profile(name).unwrap_err();
            assert!(matches!(err, StoreError::InvalidProfile { .. }), "{name:?}");
        }
    }

    #[test]
    fn meta_file_names_map_back_to_profiles() {
        assert_eq!(profile_of_meta_file("work.meta.json"), Some("work"));
        assert_eq!(profile_of_meta_file("work.secrets.json"), None);
        assert_eq!(profile_of_meta_file(".work.meta.json.1.tmp"), None);
        assert_eq!(profile_of_meta_file(".meta.json"), None);
    }
}
