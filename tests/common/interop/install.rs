//! First-use installation of the interop server's pinned npm packages, so the README's one test
//! command (`cargo test --locked`) runs the interop tests on a fresh clone.
//!
//! Several test binaries (and several tests in each) start the server at the same time, so the
//! check and `npm ci` run under an exclusive lock on `tests/interop/oidc-provider/.npm-install.lock` (an
//! advisory `flock`, released when the file closes, even if the test process dies). An install
//! counts as done only when `node_modules/.grantty-installed` holds the exact bytes of
//! `package-lock.json`: an interrupted `npm ci`, or a changed pin, installs again.

use std::fs::{self, OpenOptions};
use std::io::ErrorKind;
use std::path::Path;
use std::process::{Command, Stdio};

/// Why the packages are not there.
pub enum Missing {
    /// npm is not on `PATH`: skip locally, fail in CI.
    NoNpm,
    /// npm ran and failed, or the directory could not be prepared: always a failure.
    Failed(String),
}

const LOCK_FILE: &str = ".npm-install.lock";
const STAMP: &str = "node_modules/.grantty-installed";
const PIN: &str = "package-lock.json";

/// Makes sure `dir/node_modules` holds what `dir/package-lock.json` pins, running
/// `npm ci` at most once across every concurrent caller.
pub fn ensure_installed(dir: &Path) -> Result<(), Missing> {
    let failed = |what: &str, e: std::io::Error| Missing::Failed(format!("{what}: {e}"));
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join(LOCK_FILE))
        .map_err(|e| failed("opening the install lock", e))?;
    lock.lock()
        .map_err(|e| failed("taking the install lock", e))?;
    let result = install_locked(dir);
    drop(lock);
    result
}

fn install_locked(dir: &Path) -> Result<(), Missing> {
    let pin = fs::read(dir.join(PIN))
        .map_err(|e| Missing::Failed(format!("reading tests/interop/oidc-provider/{PIN}: {e}")))?;
    if fs::read(dir.join(STAMP)).is_ok_and(|stamp| stamp == pin) {
        return Ok(());
    }
    let spawned = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    if spawned.is_ok() {
        notice("installing the oidc-provider interop server's pinned npm packages (npm ci, once)");
    }
    match spawned.and_then(std::process::Child::wait_with_output) {
        Err(e) if e.kind() == ErrorKind::NotFound => Err(Missing::NoNpm),
        Err(e) => Err(Missing::Failed(format!("could not run npm: {e}"))),
        Ok(out) if !out.status.success() => Err(Missing::Failed(format!(
            "`npm ci` in {} failed ({}): {}",
            dir.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))),
        Ok(_) => fs::write(dir.join(STAMP), &pin)
            .map_err(|e| Missing::Failed(format!("writing {STAMP}: {e}"))),
    }
}

/// Straight to the process's stderr: libtest captures `eprintln!`, and both an install and a
/// skip must be visible in a normal `cargo test` run.
pub fn notice(text: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "\n*** {text} ***\n");
}
