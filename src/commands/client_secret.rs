//! Reading a confidential client's secret for `grantty login`: `--client-secret-file FILE`,
//! else `GRANTTY_CLIENT_SECRET`, else the profile's `client_secret_file`. Never from argv (any
//! user of the machine can read it through `ps`). The variable counts only for a client that is
//! confidential by configuration, or for the profile `GRANTTY_CLIENT_SECRET_PROFILE` binds it
//! to ([`env_applies`]); otherwise it is ignored with a notice.
//!
//! One trailing newline is dropped (files written by `echo`); an empty secret is a usage error;
//! a file group or others can read gets a warning naming it and `chmod 600`. Messages name the
//! source, never the value.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::domain::secret::ClientSecret;
use crate::error::Error;
use crate::oauth::client_auth::{
    CLIENT_SECRET_ENV, CLIENT_SECRET_PROFILE_ENV, ClientCredential, SecretSource,
};
use crate::words;

/// Longest secret file read, in bytes: a secret is a line, not a document.
const SECRET_FILE_MAX_BYTES: u64 = 64 * 1024;

/// The places a secret may be given, before any is read.
#[derive(Debug, Default)]
pub(super) struct SecretInputs<'a> {
    /// `--client-secret-file`.
    pub flag_file: Option<&'a Path>,
    /// `GRANTTY_CLIENT_SECRET`, as read from the environment.
    pub env: Option<String>,
    /// The profile's name and its `client_secret_file`.
    pub profile_file: Option<(&'a str, &'a Path)>,
}

impl SecretInputs<'_> {
    /// True when any input names a secret.
    pub fn any(&self) -> bool {
        self.flag_file.is_some() || self.env.is_some() || self.profile_file.is_some()
    }
}

/// The environment's `GRANTTY_CLIENT_SECRET`, if set (even to nothing: that is refused later).
pub(super) fn from_env() -> Option<String> {
    std::env::var_os(CLIENT_SECRET_ENV).map(|v| v.to_string_lossy().into_owned())
}

/// The profile `GRANTTY_CLIENT_SECRET_PROFILE` binds `GRANTTY_CLIENT_SECRET` to, if set.
pub(super) fn bound_profile_from_env() -> Option<String> {
    std::env::var_os(CLIENT_SECRET_PROFILE_ENV).map(|v| v.to_string_lossy().into_owned())
}

/// Whether an exported `GRANTTY_CLIENT_SECRET` may be used for a sign-in of `profile`: only
/// for a client that is confidential by configuration (`--client-auth`, a profile's
/// `client_auth` or `client_secret_file`, `--client-secret-file`), or for the profile
/// `GRANTTY_CLIENT_SECRET_PROFILE` names. A variable exported for one client must never reach
/// another provider's public client. Pure.
pub(super) fn env_applies(
    confidential_by_config: bool,
    bound_profile: Option<&str>,
    profile: &str,
) -> bool {
    confidential_by_config || bound_profile == Some(profile)
}

/// The secret the inputs name, first match wins; warnings go to `warn`.
pub(super) fn read(
    inputs: SecretInputs<'_>,
    warn: &mut dyn std::io::Write,
) -> Result<Option<ClientCredential>, Error> {
    let (raw, source) = if let Some(path) = inputs.flag_file {
        (read_file(path, warn)?, SecretSource::File(path.to_owned()))
    } else if let Some(value) = inputs.env {
        (value, SecretSource::Env)
    } else if let Some((profile, path)) = inputs.profile_file {
        let source = SecretSource::ProfileFile {
            profile: profile.to_owned(),
            path: path.to_owned(),
        };
        (read_file(path, warn)?, source)
    } else {
        return Ok(None);
    };
    let value = trim_one_newline(&raw);
    if value.is_empty() {
        return Err(Error::Usage(words::empty_client_secret(&source)));
    }
    Ok(Some(ClientCredential {
        secret: ClientSecret::new(value),
        source,
    }))
}

/// `value` without one trailing `\n` (or `\r\n`).
fn trim_one_newline(value: &str) -> &str {
    value
        .strip_suffix("\r\n")
        .or_else(|| value.strip_suffix('\n'))
        .unwrap_or(value)
}

/// Reads a secret file: a regular file, or a pipe or character device such as the
/// `/dev/fd/N` of `--client-secret-file <(pass show x)`, the way secret managers hand a secret
/// over. The kind and mode are taken from the opened file, not the path; the group/others
/// warning is for regular files only (a pipe's mode says nothing about who can read the secret
/// once it has been read). At most 64 KiB is read from anything.
fn read_file(path: &Path, warn: &mut dyn std::io::Write) -> Result<String, Error> {
    use std::io::Read as _;
    use std::os::unix::fs::FileTypeExt as _;

    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Usage(words::client_secret_file_unreadable(path, &e.to_string()))
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(&e))?;
    let meta = file.metadata().map_err(|e| unreadable(&e))?;
    let kind = meta.file_type();
    if kind.is_file() {
        if meta.len() > SECRET_FILE_MAX_BYTES {
            return Err(unreadable(&"longer than 64 KiB"));
        }
        if meta.permissions().mode() & 0o044 != 0 {
            // The secret is still used: the warning is for the person who can fix the mode.
            let _ = writeln!(warn, "{}", words::client_secret_file_readable(path));
        }
    } else if !(kind.is_fifo() || kind.is_char_device()) {
        return Err(unreadable(
            &"not a regular file, a pipe or a character device",
        ));
    }
    let mut bytes = Vec::new();
    file.take(SECRET_FILE_MAX_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(&e))?;
    if bytes.len() as u64 > SECRET_FILE_MAX_BYTES {
        return Err(unreadable(&"longer than 64 KiB"));
    }
    String::from_utf8(bytes).map_err(|_| unreadable(&"not UTF-8 text"))
}

/// The profile's `client_secret_file`, relative paths taken from the configuration file's
/// directory.
pub(super) fn profile_path(file: &Path, config_path: Option<&Path>) -> PathBuf {
    match config_path.and_then(Path::parent) {
        Some(dir) if file.is_relative() => dir.join(file),
        _ => file.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let path = dir.join("secret");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn the_flag_beats_the_environment_and_one_newline_is_trimmed() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "from-file\n\n", 0o600);
        let mut warned = Vec::new();
        let cred = read(
            SecretInputs {
                flag_file: Some(&path),
                env: Some("from-env".into()),
                profile_file: None,
            },
            &mut warned,
        )
        .unwrap()
        .unwrap();
        assert_eq!(cred.secret.expose(), "from-file\n");
        assert_eq!(cred.source, SecretSource::File(path));
        assert!(warned.is_empty());
    }

    #[test]
    fn a_group_readable_file_is_used_with_a_warning_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = file(dir.path(), "s3cret\n", 0o640);
        let mut warned = Vec::new();
        let inputs = SecretInputs {
            profile_file: Some(("work", &path)),
            ..SecretInputs::default()
        };
        let cred = read(inputs, &mut warned).unwrap().unwrap();
        assert_eq!(cred.secret.expose(), "s3cret");
        let text = String::from_utf8(warned).unwrap();
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("chmod 600"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
    }

    #[test]
    fn an_empty_secret_is_a_usage_error_naming_its_source() {
        let inputs = SecretInputs {
            env: Some("\n".into()),
            ..SecretInputs::default()
        };
        let err = read(inputs, &mut Vec::new()).unwrap_err();
        assert_eq!(err.exit_code(), crate::error::exit::USAGE);
        assert!(err.to_string().contains(CLIENT_SECRET_ENV), "{err}");
        assert!(
            read(SecretInputs::default(), &mut Vec::new())
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn the_environment_counts_only_for_a_confidential_or_bound_client() {
        assert!(env_applies(true, None, "work"));
        assert!(env_applies(false, Some("work"), "work"));
        assert!(!env_applies(false, None, "work"));
        assert!(!env_applies(false, Some("other"), "work"));
    }

    #[test]
    fn a_directory_is_refused_and_a_character_device_is_read_without_a_mode_warning() {
        let dir = tempfile::tempdir().unwrap();
        let inputs = SecretInputs {
            flag_file: Some(dir.path()),
            ..SecretInputs::default()
        };
        let err = read(inputs, &mut Vec::new()).unwrap_err();
        assert!(
            err.to_string().contains("not a regular file, a pipe"),
            "{err}"
        );
        // /dev/null is a character device others can read: empty, and no chmod advice.
        let mut warned = Vec::new();
        let inputs = SecretInputs {
            flag_file: Some(Path::new("/dev/null")),
            ..SecretInputs::default()
        };
        let err = read(inputs, &mut warned).unwrap_err();
        assert!(err.to_string().contains("is empty"), "{err}");
        assert!(warned.is_empty());
    }

    #[test]
    fn a_missing_file_is_a_usage_error_naming_it() {
        let inputs = SecretInputs {
            flag_file: Some(Path::new("/nonexistent/grantty-secret")),
            ..SecretInputs::default()
        };
        let err = read(inputs, &mut Vec::new()).unwrap_err();
        assert!(
            err.to_string().contains("/nonexistent/grantty-secret"),
            "{err}"
        );
    }
}
