//! Private files: the 0700 state directory, atomic 0600 writes, reads that never follow a
//! symbolic link, and the plaintext-file secret backend built on them.
//!
//! Ownership policy: grantty trusts only what the effective user owns and nobody else may change.
//! The state directory is created 0700; an existing one that is a symbolic link, not ours, or
//! writable by group or others is refused ([`StoreError::NotPrivate`] names it and the fix),
//! never silently repaired: someone else may already have put files in it. One of ours that
//! others may merely read is made 0700. Every file read is opened with `O_NOFOLLOW` and checked
//! with `fstat`: a regular file, ours, not writable by others.
//!
//! An atomic write creates `.<name>.<pid>.tmp` next to the target (`O_CREAT|O_EXCL|O_NOFOLLOW`,
//! mode 0600), writes, `fsync`s, renames it over the target and `fsync`s the directory. Until the
//! rename the target is untouched; on any failure the temporary file is removed. A rename
//! replaces a symbolic link at the target rather than writing through it. Atomic writes within
//! one process are serialised, so an existing temporary file with this process's id can only be
//! a leftover of a crashed process that had the same id, and is replaced.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use super::backend::tilde;
use super::error::Exposure;
use super::profile::secrets_path;
use super::{BackendInfo, BackendKind, Persistence, SecretBackend, StoreError};

/// Permission bits of files holding session data.
pub const FILE_MODE: u32 = 0o600;
/// Permission bits of the state directory.
pub const DIR_MODE: u32 = 0o700;

/// Serialises atomic writes in this process (see the module docs).
static WRITING: Mutex<()> = Mutex::new(());

/// The effective user id of this process: the only owner grantty trusts. Read from the kernel,
/// not from `/proc/self`, whose owner turns to root in a non-dumpable process.
pub(crate) fn euid() -> u32 {
    rustix::process::geteuid().as_raw()
}

/// What other users may do to a file or directory grantty trusts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Privacy {
    /// Group and others may not write (state files; a 0644 from another tool is still read).
    NotWritable,
    /// Group and others may neither read nor write (kept-aside tokens).
    Private,
}

/// What is wrong with something owned by `owner` with permission bits `mode`, for a process
/// running as `euid`; `None` when it may be trusted.
pub(crate) fn exposure(owner: u32, mode: u32, euid: u32, privacy: Privacy) -> Option<Exposure> {
    if owner != euid {
        return Some(Exposure::OwnedBy { uid: owner });
    }
    if mode & 0o022 != 0 {
        return Some(Exposure::Writable { mode });
    }
    if privacy == Privacy::Private && mode & 0o077 != 0 {
        return Some(Exposure::Readable { mode });
    }
    None
}

/// Refuses an opened file (`fstat`) that is not a regular file, not ours, or open to others.
pub(crate) fn check_file(file: &File, path: &Path, privacy: Privacy) -> Result<(), StoreError> {
    let meta = file
        .metadata()
        .map_err(|e| StoreError::io("inspect", path, e))?;
    let refuse = |problem| StoreError::NotPrivate {
        path: path.to_owned(),
        problem,
    };
    if !meta.is_file() {
        return Err(refuse(Exposure::NotAFile));
    }
    match exposure(meta.uid(), meta.mode() & 0o7777, euid(), privacy) {
        Some(problem) => Err(refuse(problem)),
        None => Ok(()),
    }
}

/// Creates `dir` (mode 0700, with any missing parents), or checks an existing one without
/// following a link: a directory, owned by us, not writable by group or others. One of ours
/// that others may only read or enter (an older grantty's 0755) is made 0700.
pub fn ensure_private_dir(dir: &Path) -> Result<(), StoreError> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => fs::DirBuilder::new()
            .recursive(true)
            .mode(DIR_MODE)
            .create(dir)
            .map_err(|e| StoreError::io("create the directory", dir, e))?,
        Err(e) => return Err(StoreError::io("inspect", dir, e)),
        Ok(_) => {}
    }
    let mode = trusted_dir_mode(dir)?;
    if mode & 0o077 != 0 {
        fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE)).map_err(|source| {
            StoreError::DirNotPrivate {
                path: dir.to_owned(),
                mode,
                source,
            }
        })?;
    }
    Ok(())
}

/// Checks an existing directory as [`ensure_private_dir`] does, without creating or changing
/// anything: `false` when it does not exist.
pub(crate) fn check_dir(dir: &Path) -> Result<bool, StoreError> {
    match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io("inspect", dir, e)),
        Ok(_) => trusted_dir_mode(dir).map(|_| true),
    }
}

/// The permission bits of `dir` if it is a real directory of ours that others may not write.
fn trusted_dir_mode(dir: &Path) -> Result<u32, StoreError> {
    let meta = fs::symlink_metadata(dir).map_err(|e| StoreError::io("inspect", dir, e))?;
    let refuse = |problem| StoreError::NotPrivate {
        path: dir.to_owned(),
        problem,
    };
    if meta.file_type().is_symlink() {
        return Err(StoreError::Symlink {
            path: dir.to_owned(),
        });
    }
    if !meta.is_dir() {
        return Err(refuse(Exposure::NotADirectory));
    }
    let mode = meta.mode() & 0o7777;
    match exposure(meta.uid(), mode, euid(), Privacy::NotWritable) {
        Some(problem) => Err(refuse(problem)),
        None => Ok(mode),
    }
}

/// Replaces `path` with `bytes` atomically: a 0600 temporary file next to it, `fsync`, rename,
/// directory `fsync`. On failure the old file is intact. Never writes through a symbolic link.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// [`write_atomic`] with the content produced by `write`; an error from `write` leaves the target
/// as it was.
pub(crate) fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> Result<(), StoreError> {
    let (dir, name) = match (path.parent(), path.file_name()) {
        // A bare file name (`--output out.env`) has an empty parent: the current directory.
        (Some(dir), Some(name)) if dir.as_os_str().is_empty() => {
            (Path::new("."), name.to_string_lossy())
        }
        (Some(dir), Some(name)) => (dir, name.to_string_lossy()),
        _ => {
            return Err(StoreError::io(
                "write",
                path,
                io::ErrorKind::InvalidInput.into(),
            ));
        }
    };
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let _writing = WRITING.lock().unwrap_or_else(PoisonError::into_inner);
    let mut file = match create_private(&tmp) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            fs::remove_file(&tmp).map_err(|e| StoreError::io("remove the stale", &tmp, e))?;
            create_private(&tmp)
        }
        other => other,
    }
    .map_err(|e| StoreError::io("create", &tmp, e))?;
    let written = write(&mut file)
        .and_then(|()| file.sync_all())
        .map_err(|e| StoreError::io("write", &tmp, e))
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| StoreError::io("replace", path, e)));
    if let Err(err) = written {
        let _ = fs::remove_file(&tmp);
        return Err(err);
    }
    sync_dir(dir)
}

fn create_private(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
}

/// Opens `path` for locking: created 0600 if missing, never through a symbolic link.
pub(crate) fn open_lock_file(path: &Path) -> Result<File, StoreError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path)
        .map_err(|e| nofollow_error("open", path, e))?;
    check_file(&file, path, Privacy::NotWritable)?;
    Ok(file)
}

/// The contents of `path`, `None` if it does not exist. Refuses symbolic links, and files that
/// are not ours or that others may write (see [`check_file`]).
pub(crate) fn read_private(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    read_checked(path, Privacy::NotWritable)
}

/// [`read_private`] with the given [`Privacy`].
pub(crate) fn read_checked(path: &Path, privacy: Privacy) -> Result<Option<Vec<u8>>, StoreError> {
    let opened = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(path);
    let mut file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(nofollow_error("read", path, e)),
    };
    check_file(&file, path, privacy)?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| StoreError::io("read", path, e))?;
    Ok(Some(bytes))
}

/// Removes `path` if it exists (a symbolic link is removed, not followed), then syncs the
/// directory. Returns whether something was removed.
pub(crate) fn remove_private(path: &Path) -> Result<bool, StoreError> {
    match fs::remove_file(path) {
        Ok(()) => {
            if let Some(dir) = path.parent() {
                sync_dir(dir)?;
            }
            Ok(true)
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(StoreError::io("remove", path, e)),
    }
}

fn sync_dir(dir: &Path) -> Result<(), StoreError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| StoreError::io("sync the directory", dir, e))
}

fn nofollow_error(action: &'static str, path: &Path, e: io::Error) -> StoreError {
    if e.raw_os_error() == Some(libc::ELOOP) {
        StoreError::Symlink {
            path: path.to_owned(),
        }
    } else {
        StoreError::io(action, path, e)
    }
}

/// Secrets in `<dir>/<profile>.secrets.json`, plaintext, mode 0600. Used only with consent.
#[derive(Debug)]
pub struct FileBackend {
    dir: PathBuf,
}

impl FileBackend {
    /// A backend writing into `dir`, which the caller has made private.
    pub fn new(dir: PathBuf) -> Self {
        Self { dir }
    }
}

impl SecretBackend for FileBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            kind: BackendKind::File,
            location: tilde(&self.dir),
            persistence: Persistence::Durable,
            plaintext: true,
        }
    }

    fn get(&self, profile: &str) -> Result<Option<String>, StoreError> {
        let path = secrets_path(&self.dir, profile);
        let Some(bytes) = read_private(&path)? else {
            return Ok(None);
        };
        String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| StoreError::Corrupt {
                location: path.display().to_string(),
                detail: "not UTF-8".to_owned(),
            })
    }

    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError> {
        write_atomic(&secrets_path(&self.dir, profile), secret.as_bytes())
    }

    fn delete(&self, profile: &str) -> Result<(), StoreError> {
        remove_private(&secrets_path(&self.dir, profile)).map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failing_fill_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        write_atomic(&target, b"old").unwrap();
        let err = write_atomic_with(&target, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("encoder failed"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("encoder failed"), "{err}");
        assert_eq!(fs::read(&target).unwrap(), b"old");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "temporary file removed"
        );
    }

    #[test]
    fn a_stale_temporary_from_a_dead_process_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("a.json");
        let stale = dir
            .path()
            .join(format!(".a.json.{}.tmp", std::process::id()));
        fs::write(&stale, b"junk").unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"new");
        assert!(!stale.exists());
    }

    #[test]
    fn reads_refuse_symbolic_links() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::write(&real, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(
            read_private(&link),
            Err(StoreError::Symlink { .. })
        ));
        assert!(matches!(
            open_lock_file(&link),
            Err(StoreError::Symlink { .. })
        ));
        assert_eq!(read_private(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn writes_replace_a_link_instead_of_following_it() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        fs::write(&victim, b"keep").unwrap();
        let target = dir.path().join("target");
        std::os::unix::fs::symlink(&victim, &target).unwrap();
        write_atomic(&target, b"new").unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"keep");
        assert!(
            !fs::symlink_metadata(&target)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn only_our_own_unwritable_things_are_trusted() {
        let (me, other) = (1000, 65534);
        assert_eq!(exposure(me, 0o700, me, Privacy::NotWritable), None);
        assert_eq!(exposure(me, 0o644, me, Privacy::NotWritable), None);
        assert_eq!(
            exposure(other, 0o700, me, Privacy::NotWritable),
            Some(Exposure::OwnedBy { uid: other })
        );
        for mode in [0o720, 0o702, 0o777, 0o1777] {
            assert_eq!(
                exposure(me, mode, me, Privacy::NotWritable),
                Some(Exposure::Writable { mode })
            );
        }
        assert_eq!(
            exposure(me, 0o640, me, Privacy::Private),
            Some(Exposure::Readable { mode: 0o640 })
        );
        assert_eq!(exposure(me, 0o600, me, Privacy::Private), None);
    }

    #[test]
    fn a_directory_others_may_write_is_refused_and_left_as_it_was() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        fs::create_dir(&state).unwrap();
        fs::set_permissions(&state, fs::Permissions::from_mode(0o777)).unwrap();
        let err = ensure_private_dir(&state).unwrap_err();
        assert!(
            matches!(&err, StoreError::NotPrivate { path, problem: Exposure::Writable { .. } } if *path == state),
            "{err:?}"
        );
        let text = err.to_string();
        assert!(text.contains(&state.display().to_string()), "{text}");
        assert!(text.contains("chmod go-rwx"), "{text}");
        assert_eq!(
            fs::metadata(&state).unwrap().permissions().mode() & 0o777,
            0o777
        );
    }

    #[test]
    fn a_linked_state_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::create_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        assert!(matches!(
            ensure_private_dir(&link),
            Err(StoreError::Symlink { .. })
        ));
    }

    #[test]
    fn files_others_may_write_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.meta.json");
        fs::write(&path, b"{}").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o666)).unwrap();
        assert!(matches!(
            read_private(&path),
            Err(StoreError::NotPrivate {
                problem: Exposure::Writable { .. },
                ..
            })
        ));
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_private(&path).unwrap().is_some());
        assert!(matches!(
            read_checked(&path, Privacy::Private),
            Err(StoreError::NotPrivate {
                problem: Exposure::Readable { .. },
                ..
            })
        ));
    }

    #[test]
    fn a_wide_open_directory_is_made_private() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state");
        fs::create_dir(&state).unwrap();
        fs::set_permissions(&state, fs::Permissions::from_mode(0o755)).unwrap();
        ensure_private_dir(&state).unwrap();
        assert_eq!(
            fs::metadata(&state).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
}
