//! Journey: a state directory, a state file or a kept-aside copy that another user could have
//! written is refused (the run names it and the fix, and nothing reaches the server), and
//! kept-aside tokens live in a place only the user owns and never win over a new sign-in.
//!
//! Some cases need another owner (`chown 65534`) and run only as root; they say so on stderr
//! when skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use grantty::demo::{DemoConfig, DemoServer};
use grantty::domain::clock::Timestamp;
use grantty::domain::session::Session;
use serde_json::Value;

use common::journey::refresh_as_the_store_breaks;
use common::session::{Access, PROFILE, Run, SignedIn, demo_server, sign_in, signed_in};

const NOBODY: u32 = 65534;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn mode_of(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().mode() & 0o7777
}

fn chown_to_nobody(path: &Path) {
    std::os::unix::fs::lchown(path, Some(NOBODY), Some(NOBODY)).unwrap();
}

/// Asserts that `run` was refused for `path`, naming it and `fix`.
#[track_caller]
fn assert_refused(run: &Run, path: &Path, fix: &str) {
    assert_eq!(run.code(), Some(8), "the store error code; {}", run.stderr);
    assert!(
        run.stderr.contains(&path.display().to_string()),
        "names {}: {}",
        path.display(),
        run.stderr
    );
    assert!(run.stderr.contains(fix), "says `{fix}`: {}", run.stderr);
    run.assert_no_token_on_stdout();
}

#[tokio::test]
async fn a_state_directory_others_may_write_is_refused_and_nothing_is_sent() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let before = server.stats().token_requests;
    set_mode(&s.dir(), 0o777);

    for args in [&["token"][..], &["refresh"], &["status"]] {
        let run = s.run(args).await;
        assert_refused(&run, &s.dir(), "chmod go-rwx");
    }
    assert_eq!(server.stats().token_requests, before, "nothing was sent");
    assert_eq!(mode_of(&s.dir()), 0o777, "refused, not silently changed");

    // Once the owner has closed it again, the session works as before.
    set_mode(&s.dir(), 0o700);
    s.run(&["token"]).await.assert_code(0);
    assert_eq!(server.stats().refreshes, 1);
}

#[tokio::test]
async fn a_state_directory_or_metadata_file_of_another_user_is_refused() {
    if !is_root() {
        eprintln!("skipped: changing a file's owner needs root");
        return;
    }
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let before = server.stats().token_requests;

    chown_to_nobody(&s.dir());
    let run = s.run(&["token"]).await;
    assert_refused(&run, &s.dir(), "chown");
    assert!(run.stderr.contains("65534"), "{}", run.stderr);
    std::os::unix::fs::lchown(s.dir(), Some(0), Some(0)).unwrap();

    let meta = s.dir().join(format!("{PROFILE}.meta.json"));
    chown_to_nobody(&meta);
    let run = s.run(&["token"]).await;
    assert_refused(&run, &meta, "chown");
    assert_eq!(server.stats().token_requests, before, "nothing was sent");
}

/// FNV-1a of the state directory, as the kept-aside file name carries it.
fn kept_aside_name(state_dir: &Path) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    let hash = state_dir
        .as_os_str()
        .as_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{hash:016x}-{PROFILE}.unsaved.json")
}

/// A kept-aside document that would replace the stored session: a higher generation, the same
/// sign-in, and an access token carrying an OSC 52 clipboard write.
fn planted_doc(s: &SignedIn) -> Vec<u8> {
    let read = |name: &str| -> Value {
        serde_json::from_slice(&std::fs::read(s.dir().join(name)).unwrap()).unwrap()
    };
    let mut meta = read(&format!("{PROFILE}.meta.json"));
    let mut secrets = read(&format!("{PROFILE}.secrets.json"));
    let generation = meta["generation"].as_u64().unwrap() + 5;
    meta["generation"] = generation.into();
    secrets["generation"] = generation.into();
    secrets["access_token"] = "planted\u{1b}]52;c;ZXZpbA==\u{7}".into();
    let doc = serde_json::json!({ "meta": meta, "secrets": secrets.to_string() });
    serde_json::to_vec(&doc).unwrap()
}

/// A private runtime directory with an empty `grantty` directory in it, as a real one would be.
fn runtime_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    set_mode(dir.path(), 0o700);
    std::fs::create_dir(dir.path().join("grantty")).unwrap();
    set_mode(&dir.path().join("grantty"), 0o700);
    dir
}

#[tokio::test]
async fn a_kept_aside_file_behind_a_link_or_of_another_user_is_not_served() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats().token_requests;
    let runtime = runtime_dir();
    let kept = runtime
        .path()
        .join("grantty")
        .join(kept_aside_name(&s.dir()));
    let token = || {
        let mut command = s.command(&["token"]);
        command.env("XDG_RUNTIME_DIR", runtime.path());
        command
    };
    let mut cases = vec!["a link"];
    if is_root() {
        cases.push("another user's file");
    } else {
        eprintln!("skipped: a kept-aside file of another user needs root to plant");
    }
    for case in cases {
        let planted = runtime.path().join("planted.json");
        std::fs::write(&planted, planted_doc(&s)).unwrap();
        set_mode(&planted, 0o600);
        if case == "a link" {
            std::os::unix::fs::symlink(&planted, &kept).unwrap();
        } else {
            std::fs::rename(&planted, &kept).unwrap();
            chown_to_nobody(&kept);
        }
        let run = Run::from_output(&["token"], token().output().await.unwrap());
        run.assert_code(0);
        assert_eq!(
            run.stdout,
            format!("{}\n", s.access_token()),
            "{case}: the stored session is served"
        );
        for out in [&run.stdout, &run.stderr] {
            assert!(
                !out.contains('\u{1b}'),
                "{case}: an escape reached the output"
            );
            assert!(!out.contains("planted"), "{case}: {out}");
        }
        assert_eq!(
            s.stored().unwrap().secrets,
            s.session.secrets,
            "{case}: nothing planted reached the store"
        );
        let _ = std::fs::remove_file(&kept);
        let _ = std::fs::remove_file(&planted);
    }
    assert_eq!(server.stats().token_requests, before, "nothing was sent");
}

/// `grantty` with no runtime directory and `HOME` and `XDG_CACHE_HOME` at `home`.
fn command_without_runtime_dir(
    s: &SignedIn,
    home: &Path,
    args: &[&str],
) -> tokio::process::Command {
    let mut command = s.command(args);
    command
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"));
    command
}

/// Refreshes with the store broken while the answer is on its way: the tokens are kept aside.
/// Returns the kept-aside file.
async fn tokens_kept_aside(server: &DemoServer, s: &SignedIn, home: &Path) -> PathBuf {
    let command = command_without_runtime_dir(s, home, &["refresh"]);
    let (done, broken) = refresh_as_the_store_breaks(server, command, &s.dir()).await;
    broken.repair();
    done.assert_code(0).assert_no_token_on_stdout();
    assert!(
        done.stderr.contains("could not be saved"),
        "{}",
        done.stderr
    );
    let dir = home.join("cache").join("grantty").join("kept-aside");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}; stderr: {}", dir.display(), done.stderr))
        .map(|entry| entry.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(
        done.stderr.contains(&files[0].display().to_string()),
        "the warning says where: {}",
        done.stderr
    );
    assert_eq!(mode_of(&files[0]), 0o600);
    assert_eq!(mode_of(&dir), 0o700);
    assert_eq!(mode_of(dir.parent().unwrap()), 0o700);
    files[0].clone()
}

/// Whether `/run/user/<euid>` exists: then it, not the cache, is the kept-aside place.
fn has_run_user_dir() -> bool {
    let euid = rustix::process::geteuid().as_raw();
    Path::new(&format!("/run/user/{euid}")).exists()
}

#[tokio::test]
async fn without_a_runtime_directory_tokens_are_kept_aside_in_the_users_cache_and_come_back() {
    if has_run_user_dir() {
        eprintln!("skipped: /run/user/<euid> exists here, so the cache is not the fallback");
        return;
    }
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let home = tempfile::tempdir().unwrap();
    let kept = tokens_kept_aside(&server, &s, home.path()).await;
    assert!(
        kept.starts_with(home.path()),
        "under the user's cache: {}",
        kept.display()
    );
    let euid = rustix::process::geteuid().as_raw();
    let shared = std::env::temp_dir().join(format!("grantty-{euid}"));
    assert!(
        !shared.join(kept_aside_name(&s.dir())).exists(),
        "nothing in the shared {}",
        shared.display()
    );

    let args = ["token"];
    let mut command = command_without_runtime_dir(&s, home.path(), &args);
    let token = Run::from_output(&args, command.output().await.unwrap());
    token.assert_code(0);
    let stored = s.stored().unwrap();
    assert_eq!(
        token.stdout,
        format!("{}\n", stored.secrets.access_token.expose()),
        "the kept-aside access token, now back in the store"
    );
    assert_ne!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "the rotated refresh token is in the store"
    );
    assert!(!kept.exists(), "the kept-aside copy is gone");
    let stats = server.stats();
    assert_eq!(stats.refreshes, 1);
    assert_eq!(stats.reuse_detections, 0);
}

#[tokio::test]
async fn a_new_sign_in_wins_over_tokens_kept_aside_from_the_old_session() {
    if has_run_user_dir() {
        eprintln!("skipped: /run/user/<euid> exists here, so the cache is not the fallback");
        return;
    }
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let home = tempfile::tempdir().unwrap();
    let kept = tokens_kept_aside(&server, &s, home.path()).await;

    // A new sign-in saved over the old session (as `grantty login --force` does).
    let (provider, tokens) = sign_in(&server, &s.transport).await;
    let signed_in_at = Timestamp::from_unix_secs(s.session.meta.signed_in_at.as_unix_secs() + 60);
    let new = Session::new(PROFILE, provider.to_record(), tokens, signed_in_at);
    s.store.save(&new).unwrap();

    let args = ["token"];
    let mut command = command_without_runtime_dir(&s, home.path(), &args);
    let token = Run::from_output(&args, command.output().await.unwrap());
    token.assert_code(0);
    assert_eq!(
        token.stdout,
        format!("{}\n", new.secrets.access_token.expose()),
        "the new sign-in's token"
    );
    assert!(!kept.exists(), "the old session's kept-aside copy is gone");
    assert_eq!(
        s.stored().unwrap().secrets,
        new.secrets,
        "the store still holds the new sign-in"
    );
    assert_eq!(server.stats().refreshes, 1, "only the broken refresh");
}
