//! Reading a confidential client's secret for `grantty login`: `--client-secret-file FILE`,
//! else `GRANTTY_CLIENT_SECRET`, else the profile's `client_secret_file`. Never from argv (any
//! user of the machine can read it through `ps`).
//!
//! One trailing newline is dropped (files written by `echo`); an empty secret is a usage error;
//! a file group or others can read gets a warning naming it and `chmod 600`. Messages name the
//! source, never the value.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use crate::domain::secret::ClientSecret;
use crate::error::Error;
use crate::oauth::client_auth::{CLIENT_SECRET_ENV, ClientCredential, SecretSource};
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

fn read_file(path: &Path, warn: &mut dyn std::io::Write) -> Result<String, Error> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::Usage(words::client_secret_file_unreadable(path, &e.to_string()))
    };
    let meta = std::fs::metadata(path).map_err(|e| unreadable(&e))?;
    if !meta.is_file() || meta.len() > SECRET_FILE_MAX_BYTES {
        return Err(unreadable(&"not a regular file of at most 64 KiB"));
    }
    if meta.permissions().mode() & 0o044 != 0 {
        // The secret is still used: the warning is for the person who can fix the mode.
        let _ = writeln!(warn, "{}", words::client_secret_file_readable(path));
    }
    let bytes = std::fs::read(path).map_err(|e| unreadable(&e))?;
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
