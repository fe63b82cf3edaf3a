//! Changing `default_profile` in the user's file without rewriting it: the value is replaced
//! where it is written (found by its span in the parsed document), or one line is inserted
//! before the first table; every other byte, comments and layout included, stays. The result
//! is parsed again before it is written, so a file is never replaced by one grantty would
//! reject.

use std::path::{Path, PathBuf};

use toml::de::DeTable;

use super::{Config, ConfigError};

/// Why `default_profile` could not be changed.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file as it stands does not parse (the caller reports its problems first).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The edit did not give the file the wanted value; the file is left as it was.
    #[error(
        "could not set default_profile in {} without disturbing the rest of the file; set default_profile = \"{name}\" at its top by hand",
        path.display()
    )]
    NotApplied {
        /// The file.
        path: PathBuf,
        /// The profile.
        name: String,
    },
    /// The file (or the directory a new one would go into) belongs to another user or others
    /// may write it: what it says is not the user's to change, nor safe to trust.
    #[error(
        "{} is {why}, so grantty does not edit it; set default_profile = \"{name}\" by hand as its owner, or pass --config with a file of your own",
        path.display()
    )]
    NotYours {
        /// The file or directory.
        path: PathBuf,
        /// "owned by uid N …" or "writable by others …".
        why: String,
        /// The profile.
        name: String,
    },
    /// Reading or writing the file failed.
    #[error("could not update {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS or store error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// `text` with `default_profile = "name"`; `name` must already be a valid profile name (it
/// is written between quotes as is).
pub fn with_default_profile(path: &Path, text: &str, name: &str) -> Result<String, EditError> {
    let line = format!("\"{name}\"");
    Config::parse(path, text)?;
    let root = DeTable::parse(text).map_err(|_| not_applied(path, name))?;
    let span = root
        .get_ref()
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == "default_profile")
        .map(|(_, v)| v.span());
    let edited = if let Some(span) = span {
        match (text.get(..span.start), text.get(span.end..)) {
            (Some(before), Some(after)) => format!("{before}{line}{after}"),
            _ => return Err(not_applied(path, name)),
        }
    } else {
        let at = first_table_line(text).unwrap_or(text.len());
        let (before, after) = text.split_at(at);
        let sep = if before.is_empty() || before.ends_with('\n') {
            ""
        } else {
            "\n"
        };
        let gap = if after.is_empty() { "" } else { "\n" };
        format!("{before}{sep}default_profile = {line}\n{gap}{after}")
    };
    match Config::parse(path, &edited) {
        Ok(config) if config.default_profile.as_deref() == Some(name) => Ok(edited),
        _ => Err(not_applied(path, name)),
    }
}

/// Refuses `path` when another uid owns it or others may write it.
fn check_yours(path: &Path, name: &str) -> Result<(), EditError> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = std::fs::metadata(path).map_err(|e| EditError::Io {
        path: path.to_owned(),
        source: e.into(),
    })?;
    let euid = rustix::process::geteuid().as_raw();
    let why = if meta.uid() != euid {
        format!("owned by uid {} (you are uid {euid})", meta.uid())
    } else if meta.mode() & 0o002 != 0 {
        format!("writable by others (mode {:o})", meta.mode() & 0o7777)
    } else {
        return Ok(());
    };
    Err(EditError::NotYours {
        path: path.to_owned(),
        why,
        name: name.to_owned(),
    })
}

fn not_applied(path: &Path, name: &str) -> EditError {
    EditError::NotApplied {
        path: path.to_owned(),
        name: name.to_owned(),
    }
}

/// Byte offset of the first line that opens a table (`[…]` after optional blanks).
fn first_table_line(text: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_start().starts_with('[') {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Sets `default_profile` in the file at `path` (created with just that line if missing),
/// atomically, through a symbolic link to its target, keeping the file's permissions.
pub fn set_default_profile(path: &Path, name: &str) -> Result<(), EditError> {
    let io = |source: Box<dyn std::error::Error + Send + Sync>| EditError::Io {
        path: path.to_owned(),
        source,
    };
    let (target, text, mode) = match std::fs::canonicalize(path) {
        Ok(real) => {
            let text = std::fs::read_to_string(&real).map_err(|e| io(e.into()))?;
            let mode = std::fs::metadata(&real)
                .map_err(|e| io(e.into()))?
                .permissions();
            (real, text, Some(mode))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| io(e.into()))?;
            }
            (path.to_owned(), String::new(), None)
        }
        Err(e) => return Err(io(e.into())),
    };
    let holder = match mode {
        Some(_) => target.clone(),
        // A new file: the directory it goes into must be the user's.
        None => match target.parent().filter(|d| !d.as_os_str().is_empty()) {
            Some(dir) => std::fs::canonicalize(dir).map_err(|e| io(e.into()))?,
            None => PathBuf::from("."),
        },
    };
    check_yours(&holder, name)?;
    let edited = with_default_profile(path, &text, name)?;
    crate::store::write_atomic(&target, edited.as_bytes()).map_err(|e| io(e.into()))?;
    if let Some(mode) = mode {
        std::fs::set_permissions(&target, mode).map_err(|e| io(e.into()))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edit(text: &str) -> String {
        with_default_profile(Path::new("c.toml"), text, "lab").unwrap()
    }

    #[test]
    fn an_existing_value_is_replaced_in_place_with_its_comment() {
        let text = "# mine\ndefault_profile = 'work'   # the usual one\n\n[profiles.work]\nclient_id = \"w\" # keep\n";
        assert_eq!(
            edit(text),
            "# mine\ndefault_profile = \"lab\"   # the usual one\n\n[profiles.work]\nclient_id = \"w\" # keep\n"
        );
    }

    #[test]
    fn a_missing_value_goes_above_the_first_table() {
        let text = "# profiles\n\n  [profiles.work] # w\nclient_id = \"w\"\n";
        assert_eq!(
            edit(text),
            "# profiles\n\ndefault_profile = \"lab\"\n\n  [profiles.work] # w\nclient_id = \"w\"\n"
        );
        assert_eq!(edit(""), "default_profile = \"lab\"\n");
        assert_eq!(edit("# only"), "# only\ndefault_profile = \"lab\"\n");
    }

    #[test]
    fn a_new_file_in_a_directory_of_another_uid_or_open_to_others_is_not_created() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        std::fs::create_dir(&open).unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
        let err = set_default_profile(&open.join("config.toml"), "lab").unwrap_err();
        assert!(matches!(err, EditError::NotYours { .. }), "{err}");
        assert!(!open.join("config.toml").exists());
        if !rustix::process::geteuid().is_root() {
            eprintln!("not root: the other-uid directory case is skipped");
            return;
        }
        let theirs = dir.path().join("theirs");
        std::fs::create_dir(&theirs).unwrap();
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        let err = set_default_profile(&theirs.join("config.toml"), "lab").unwrap_err();
        assert!(err.to_string().contains("owned by uid 65534"), "{err}");
        assert!(!theirs.join("config.toml").exists());
    }

    #[test]
    fn a_file_that_does_not_parse_is_not_edited() {
        let err = with_default_profile(Path::new("c.toml"), "[profiles.work\n", "lab");
        assert!(matches!(err, Err(EditError::Config(_))), "{err:?}");
    }

    #[test]
    fn the_file_is_replaced_keeping_its_mode_and_symlink() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.toml");
        std::fs::write(&real, "[profiles.lab]\nclient_id = \"l\"\n").unwrap();
        std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        set_default_profile(&link, "lab").unwrap();
        assert!(link.is_symlink());
        let text = std::fs::read_to_string(&real).unwrap();
        assert!(
            text.starts_with("default_profile = \"lab\"\n\n[profiles.lab]"),
            "{text}"
        );
        let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
}
