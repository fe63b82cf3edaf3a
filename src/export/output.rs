//! `export --output PATH`: a token file at a path the user names, written without replacing
//! anything grantty did not write.
//!
//! How grantty knows its own files: after each write it records the path with the file's
//! identity (device, inode, size, modification time) in `<state dir>/exports/written` (0600).
//! An existing path is grantty's only while all five still match, so a file the user edited,
//! replaced or that merely reuses the name is someone else's. The rules:
//! - nothing there: written (0600, temp file + rename);
//! - a symbolic link: refused, never followed, even with `--force`;
//! - not a regular file (device, FIFO, directory, socket): refused, even with `--force`;
//! - a regular file grantty wrote: replaced; one it did not write: refused, unless `--force`;
//! - `--update` (netrc only): grantty's `machine` entry is replaced or added in place and every
//!   other byte of the file is kept, written atomically (temp file + rename, 0600).

use std::io::{self, Read as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::StoreError;

/// What `--output` may do with a file already at the path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Replace {
    /// Only a file grantty wrote (the default).
    OwnOnly,
    /// Any regular file (`--force`).
    AnyRegularFile,
    /// Update grantty's `machine` entry of a `.netrc`, keeping the rest (`--update`).
    NetrcEntry,
}

/// Why an `--output` path was not written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A symbolic link is at the path.
    #[error(
        "{} is a symbolic link; grantty never writes through one (not even with --force): give the path it points to, or another path",
        path.display()
    )]
    Symlink {
        /// The path.
        path: PathBuf,
    },
    /// Something other than a regular file is at the path.
    #[error(
        "{} is {kind}, not a regular file; grantty replaces only regular files (not even --force changes that): give another path",
        path.display()
    )]
    NotRegular {
        /// The path.
        path: PathBuf,
        /// What it is, in words.
        kind: &'static str,
    },
    /// A regular file grantty did not write is at the path.
    #[error(
        "{} exists and grantty did not write it, so it is left as it is: give another path, or --force to replace it{hint}",
        path.display()
    )]
    NotOurs {
        /// The path.
        path: PathBuf,
        /// A hint for the netrc format.
        hint: &'static str,
    },
    /// The directory the file would go in does not exist, or is not a directory.
    #[error(
        "{} {what}, so {} was not written: give a path in an existing directory, or create it first (mkdir -p)",
        dir.display(), path.display()
    )]
    NoDirectory {
        /// The parent of the path.
        dir: PathBuf,
        /// The path asked for.
        path: PathBuf,
        /// "does not exist" or "is not a directory".
        what: &'static str,
    },
    /// Reading or writing failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Writes `text` at `path` following the rules above; for [`Replace::NetrcEntry`], `text` is
/// the netrc entry for `host`. `state_dir` holds the record of written files.
pub fn write(
    state_dir: &Path,
    path: &Path,
    text: &str,
    replace: Replace,
    host: &str,
) -> Result<(), OutputError> {
    let absolute = std::path::absolute(path).map_err(|e| StoreError::io("resolve", path, e))?;
    check_directory(&absolute)?;
    let mut record = Record::load(state_dir);
    let bytes = match std::fs::symlink_metadata(&absolute) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => match replace {
            Replace::NetrcEntry => netrc_update("", host, text.trim_end()),
            _ => text.to_owned(),
        },
        Err(e) => return Err(StoreError::io("inspect", &absolute, e).into()),
        Ok(meta) => {
            check_regular(&absolute, &meta)?;
            match replace {
                Replace::NetrcEntry => {
                    netrc_update(&read_regular(&absolute, &meta)?, host, text.trim_end())
                }
                Replace::AnyRegularFile => text.to_owned(),
                Replace::OwnOnly if record.holds(&absolute, &meta) => text.to_owned(),
                Replace::OwnOnly => {
                    return Err(OutputError::NotOurs {
                        path: absolute,
                        hint: if host.is_empty() {
                            ""
                        } else {
                            "; to change only grantty's entry of a .netrc, --update"
                        },
                    });
                }
            }
        }
    };
    crate::store::write_atomic(&absolute, bytes.as_bytes())?;
    // A merged .netrc holds the user's other entries: it never becomes grantty's own file, or a
    // later export without --update would replace all of them.
    if matches!(replace, Replace::NetrcEntry) {
        return Ok(());
    }
    if let Ok(meta) = std::fs::symlink_metadata(&absolute) {
        record.note(&absolute, &meta);
        // The record only widens what may be replaced later: failing to write it refuses more.
        let _ = record.save(state_dir);
    }
    Ok(())
}

/// Refuses a path whose directory is missing or not one, naming it (not a bare ENOENT).
fn check_directory(absolute: &Path) -> Result<(), OutputError> {
    let dir = absolute.parent().unwrap_or(absolute);
    // Followed: a symbolic link to a directory is a directory to write in.
    let what = match std::fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => "does not exist",
        Ok(_) => "is not a directory",
        Err(e) if e.kind() == io::ErrorKind::NotADirectory => "is not a directory",
        // Unreadable or else: the write itself says what failed.
        Err(_) => return Ok(()),
    };
    Err(OutputError::NoDirectory {
        dir: dir.to_path_buf(),
        path: absolute.to_path_buf(),
        what,
    })
}

/// Refuses a symbolic link or anything but a regular file at `path`.
pub(crate) fn check_regular(path: &Path, meta: &std::fs::Metadata) -> Result<(), OutputError> {
    use std::os::unix::fs::FileTypeExt as _;
    let kind = meta.file_type();
    let what = if kind.is_symlink() {
        return Err(OutputError::Symlink {
            path: path.to_path_buf(),
        });
    } else if kind.is_file() {
        return Ok(());
    } else if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a named pipe"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "a special file"
    };
    Err(OutputError::NotRegular {
        path: path.to_path_buf(),
        kind: what,
    })
}

/// Reads the regular file `path` that `seen` described, never through a symbolic link, and
/// only if it is still that file.
fn read_regular(path: &Path, seen: &std::fs::Metadata) -> Result<String, OutputError> {
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| StoreError::io("open", path, e))?;
    let meta = file
        .metadata()
        .map_err(|e| StoreError::io("inspect", path, e))?;
    if !meta.is_file() || meta.dev() != seen.dev() || meta.ino() != seen.ino() {
        return Err(StoreError::io(
            "read",
            path,
            io::Error::other("the file changed while it was read"),
        )
        .into());
    }
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| StoreError::io("read", path, e))?;
    Ok(text)
}

/// The files grantty wrote with `--output`, by identity.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Record {
    files: Vec<Written>,
}

/// One written file.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
struct Written {
    path: PathBuf,
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
}

impl Written {
    fn of(path: &Path, meta: &std::fs::Metadata) -> Self {
        Self {
            path: path.to_path_buf(),
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec()),
        }
    }
}

impl Record {
    fn file(state_dir: &Path) -> PathBuf {
        state_dir.join("exports").join("written")
    }

    /// The record, or an empty one when there is none or it cannot be read (refusing more).
    fn load(state_dir: &Path) -> Self {
        if state_dir.as_os_str().is_empty() {
            return Self::default();
        }
        std::fs::read(Self::file(state_dir))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn holds(&self, path: &Path, meta: &std::fs::Metadata) -> bool {
        meta.is_file() && self.files.contains(&Written::of(path, meta))
    }

    /// Notes `path` as written; forgets files that are gone or changed since.
    fn note(&mut self, path: &Path, meta: &std::fs::Metadata) {
        self.files.retain(|w| {
            w.path != path
                && std::fs::symlink_metadata(&w.path).is_ok_and(|m| Written::of(&w.path, &m) == *w)
        });
        self.files.push(Written::of(path, meta));
    }

    fn save(&self, state_dir: &Path) -> Result<(), StoreError> {
        if state_dir.as_os_str().is_empty() {
            // No state directory: nothing is recorded, so nothing will be replaced later.
            return Ok(());
        }
        let exports = state_dir.join("exports");
        crate::store::ensure_private_dir(&exports)?;
        let bytes = serde_json::to_vec(self)
            .map_err(|e| StoreError::io("write", Self::file(state_dir), io::Error::other(e)))?;
        crate::store::write_atomic(&Self::file(state_dir), &bytes)
    }
}

/// One token of a netrc file: its bytes and text (quotes removed).
struct Token {
    start: usize,
    end: usize,
    text: String,
    /// In keyword position: not the value of `machine`, `login`, `password`, `account` or
    /// `macdef`, nor a macro body. A password spelled `default` is a value.
    keyword: bool,
}

/// The netrc keywords followed by a value.
const TAKES_VALUE: [&str; 5] = ["machine", "login", "password", "account", "macdef"];

/// Splits netrc text into tokens, skipping `#` comments and `macdef` bodies (which end at a
/// blank line); a macro body counts as one token so that it stays with its entry.
fn netrc_tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut tokens: Vec<Token> = Vec::new();
    // Whether the next word is a keyword's value, and whether that keyword was `macdef`.
    let (mut value_next, mut macro_next) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if bytes[i] == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        let start = i;
        let mut word = Vec::new();
        if bytes[i] == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                word.push(bytes[i]);
                i += 1;
            }
            i = (i + 1).min(bytes.len());
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                word.push(bytes[i]);
                i += 1;
            }
        }
        let is_macro_name = macro_next;
        let keyword = !value_next;
        let word = String::from_utf8_lossy(&word).into_owned();
        (value_next, macro_next) = if keyword {
            (TAKES_VALUE.contains(&word.as_str()), word == "macdef")
        } else {
            (false, false)
        };
        tokens.push(Token {
            start,
            end: i,
            text: word,
            keyword,
        });
        if is_macro_name {
            // The body runs to the first empty line.
            let body_start = i;
            let end = text[i..].find("\n\n").map_or(bytes.len(), |at| i + at + 1);
            if end > body_start {
                tokens.push(Token {
                    start: body_start,
                    end,
                    text: String::new(),
                    keyword: false,
                });
            }
            i = end;
        }
    }
    tokens
}

/// `existing` with the first `machine host` entry replaced by `entry` (one line, no newline),
/// or with `entry` added (before a `default` entry, which must stay last); every other byte
/// is kept.
pub(crate) fn netrc_update(existing: &str, host: &str, entry: &str) -> String {
    let tokens = netrc_tokens(existing);
    let starts_entry = |t: &Token| t.keyword && (t.text == "machine" || t.text == "default");
    let mut at = 0;
    while at < tokens.len() {
        let token = &tokens[at];
        if token.keyword && token.text == "default" {
            let mut out = existing[..token.start].to_owned();
            out.push_str(entry);
            out.push('\n');
            out.push_str(&existing[token.start..]);
            return out;
        }
        // Host names match as curl matches them: ignoring case.
        if token.keyword
            && token.text == "machine"
            && tokens
                .get(at + 1)
                .is_some_and(|name| name.text.eq_ignore_ascii_case(host))
        {
            let mut last = at + 1;
            while tokens.get(last + 1).is_some_and(|t| !starts_entry(t)) {
                last += 1;
            }
            let end = tokens[last].end;
            return format!("{}{entry}{}", &existing[..token.start], &existing[end..]);
        }
        at += 1;
    }
    let mut out = existing.to_owned();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(entry);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTRY: &str = "machine idp login oauth2 password NEW";

    #[test]
    fn netrc_update_replaces_only_its_machine_and_keeps_every_other_byte() {
        let other = "# mine\nmachine other.example\n  login me\n  password \"p w\"\n";
        let ours = "machine idp login oauth2 password OLD\n";
        let tail = "machine z login a password b   # trailing\n";
        let before = format!("{other}{ours}{tail}");
        let after = netrc_update(&before, "idp", ENTRY);
        assert_eq!(after, format!("{other}{ENTRY}\n{tail}"));
    }

    #[test]
    fn netrc_update_adds_an_entry_before_default_or_at_the_end() {
        assert_eq!(netrc_update("", "idp", ENTRY), format!("{ENTRY}\n"));
        assert_eq!(
            netrc_update("machine a login b password c", "idp", ENTRY),
            format!("machine a login b password c\n{ENTRY}\n")
        );
        assert_eq!(
            netrc_update(
                "machine a password c\ndefault login x password y\n",
                "idp",
                ENTRY
            ),
            format!("machine a password c\n{ENTRY}\ndefault login x password y\n")
        );
    }

    #[test]
    fn netrc_update_skips_macro_bodies_and_comments() {
        let before = "machine a macdef init\nmachine idp fake\n\n# machine idp\nmachine idp login l password OLD\n";
        let after = netrc_update(before, "idp", ENTRY);
        assert_eq!(
            after,
            format!("machine a macdef init\nmachine idp fake\n\n# machine idp\n{ENTRY}\n")
        );
    }

    #[test]
    fn netrc_update_takes_values_spelled_like_keywords_as_values() {
        // A login `default`, a password `machine` and one `macdef` are values, not entries.
        let other = "machine a login default password machine
machine b password macdef account x
";
        let ours = "machine IDP login oauth2 password OLD
";
        let before = format!("{other}{ours}");
        assert_eq!(
            netrc_update(&before, "idp", ENTRY),
            format!("{other}{ENTRY}\n"),
            "the entry found ignoring case, every other byte kept"
        );
    }

    #[test]
    fn a_file_grantty_wrote_is_replaced_and_another_is_refused_unless_forced() {
        let state = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let path = out.path().join("t.env");
        write(state.path(), &path, "one\n", Replace::OwnOnly, "").unwrap();
        write(state.path(), &path, "two\n", Replace::OwnOnly, "").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        std::fs::write(&path, "user's\n").unwrap();
        let err = write(state.path(), &path, "three\n", Replace::OwnOnly, "").unwrap_err();
        assert!(matches!(err, OutputError::NotOurs { .. }), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "user's\n");
        write(state.path(), &path, "four\n", Replace::AnyRegularFile, "").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "four\n");
    }

    #[test]
    fn links_and_special_files_are_refused_even_when_forced() {
        let state = tempfile::tempdir().unwrap();
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("target");
        std::fs::write(&target, "keep\n").unwrap();
        let link = out.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for replace in [Replace::AnyRegularFile, Replace::NetrcEntry] {
            let err = write(state.path(), &link, ENTRY, replace, "idp").unwrap_err();
            assert!(matches!(err, OutputError::Symlink { .. }), "{err}");
            let err = write(state.path(), out.path(), ENTRY, replace, "idp").unwrap_err();
            assert!(matches!(err, OutputError::NotRegular { .. }), "{err}");
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
