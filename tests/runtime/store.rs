//! Session storage against real files: permissions, atomic replacement, generations, locks,
//! backend failures and leaks. Keyrings are not touched: the backend choice is tested through
//! the pure `decide_auto`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, mpsc};
use std::time::Duration;

use grantty::domain::clock::Timestamp;
use grantty::domain::secret::{AccessToken, IdToken, RefreshToken};
use grantty::domain::session::{PendingRefresh, ProviderRecord, Session};
use grantty::domain::token::TokenSet;
use grantty::store::{
    AutoDecision, BackendInfo, BackendKind, Consistency, MemoryBackend, Persistence, SecretBackend,
    SessionStore, StoreChoice, StoreError, decide_auto,
};

const PROFILE: &str = "default";
const ACCESS: &str = "at-SECRET-first-0123456789";
const REFRESH: &str = "rt-SECRET-first-0123456789";

fn session(profile: &str, access: &str, refresh: &str) -> Session {
    let now = Timestamp::from_unix_secs(1_700_000_000);
    let provider = ProviderRecord {
        kind: "generic".into(),
        host: "example.com".into(),
        client_id: "client".into(),
        scope: "openid offline_access".into(),
        device_authorization_endpoint: "https://example.com/device".into(),
        token_endpoint: "https://example.com/token".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: None,
        logout_endpoint: None,
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    };
    let tokens = TokenSet {
        access_token: AccessToken::new(access),
        token_type: "Bearer".into(),
        expires_at: Some(now.plus_secs(3600)),
        refresh_token: Some(RefreshToken::new(refresh)),
        refresh_token_expires_at: None,
        scope: None,
        id_token: Some(IdToken::new("eyJhbGciOiJub25lIn0.e30.id-SECRET")),
        issued_at: now,
    };
    Session::new(profile, provider, tokens, now)
}

fn file_store(dir: &Path) -> SessionStore {
    SessionStore::open(dir.to_owned(), StoreChoice::File, true).unwrap()
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// A temporary file name the store will use for `target` in this process.
fn temp_path_of(target: &Path) -> std::path::PathBuf {
    let name = target.file_name().unwrap().to_str().unwrap();
    target.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Saves fine, fails every read: a locked or broken keyring.
struct UnreadableBackend(MemoryBackend);

impl SecretBackend for UnreadableBackend {
    fn info(&self) -> BackendInfo {
        BackendInfo {
            location: "test".into(),
            ..self.0.info()
        }
    }
    fn get(&self, profile: &str) -> Result<Option<String>, StoreError> {
        Err(StoreError::Backend {
            backend: "test keyring".into(),
            action: "read",
            profile: profile.into(),
            detail: "locked".into(),
        })
    }
    fn set(&self, profile: &str, secret: &str) -> Result<(), StoreError> {
        self.0.set(profile, secret)
    }
    fn delete(&self, profile: &str) -> Result<(), StoreError> {
        self.0.delete(profile)
    }
}

#[test]
fn files_are_0600_and_the_directory_0700() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("state").join("grantty");
    let store = file_store(&dir);
    store.save(&session("default", ACCESS, REFRESH)).unwrap();
    drop(store.lock("default").unwrap());
    assert_eq!(mode(&dir), 0o700);
    for name in ["default.meta.json", "default.secrets.json", "default.lock"] {
        assert_eq!(mode(&dir.join(name)), 0o600, "{name}");
    }
    let info = store.info();
    assert_eq!(
        (info.kind, info.persistence, info.plaintext),
        (BackendKind::File, Persistence::Durable, true)
    );
    assert!(
        info.describe().starts_with("plaintext files in "),
        "{}",
        info.describe()
    );
}

#[test]
fn a_saved_session_loads_back_and_each_save_advances_the_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    let mut s = session("work", ACCESS, REFRESH);
    store.save(&s).unwrap();
    let loaded = store.load_checked("work").unwrap().unwrap();
    assert_eq!(loaded.consistency, Consistency::Consistent);
    assert_eq!(loaded.session, s);
    s.secrets.access_token = AccessToken::new("at-SECRET-second");
    store.save(&s).unwrap();
    let loaded = store.load("work").unwrap().unwrap();
    assert_eq!(loaded.meta.generation, 2);
    assert_eq!(loaded.secrets.access_token.expose(), "at-SECRET-second");
    assert_eq!(store.load("nobody").unwrap(), None);
}

#[test]
fn a_failed_metadata_write_keeps_the_old_file_and_load_prefers_the_newer_tokens() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    store.save(&session("p", ACCESS, REFRESH)).unwrap();
    let meta_file = tmp.path().join("p.meta.json");
    let before = fs::read(&meta_file).unwrap();
    // A directory where the temporary file must go makes the metadata write fail after the
    // secrets were written: the crash-between-writes case.
    fs::create_dir(temp_path_of(&meta_file)).unwrap();
    let err = store
        .save(&session("p", "at-SECRET-new", "rt-SECRET-new"))
        .unwrap_err();
    assert!(matches!(err, StoreError::Io { .. }), "{err:?}");
    assert_eq!(fs::read(&meta_file).unwrap(), before, "old metadata intact");
    let loaded = store.load_checked("p").unwrap().unwrap();
    assert_eq!(
        loaded.consistency,
        Consistency::SecretsNewer {
            meta_generation: 1,
            secrets_generation: 2
        }
    );
    assert_eq!(
        loaded.session.secrets.access_token.expose(),
        "at-SECRET-new"
    );
    fs::remove_dir(temp_path_of(&meta_file)).unwrap();
    store.save(&loaded.session).unwrap();
    assert!(
        store
            .load_checked("p")
            .unwrap()
            .unwrap()
            .consistency
            .is_consistent()
    );
}

#[test]
fn a_failed_secrets_write_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    store.save(&session("p", ACCESS, REFRESH)).unwrap();
    let secrets_file = tmp.path().join("p.secrets.json");
    let before = fs::read(&secrets_file).unwrap();
    fs::create_dir(temp_path_of(&secrets_file)).unwrap();
    assert!(
        store
            .save(&session("p", "at-SECRET-new", "rt-SECRET-new"))
            .is_err()
    );
    assert_eq!(fs::read(&secrets_file).unwrap(), before);
    let loaded = store.load_checked("p").unwrap().unwrap();
    assert!(loaded.consistency.is_consistent());
    assert_eq!(loaded.session.secrets.access_token.expose(), ACCESS);
}

#[test]
fn load_meta_works_while_the_secret_backend_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let backend = Arc::new(UnreadableBackend(MemoryBackend::new()));
    let store = SessionStore::with_backend(tmp.path().to_owned(), backend).unwrap();
    let s = session("p", ACCESS, REFRESH);
    store.save(&s).unwrap();
    assert_eq!(store.load_meta("p").unwrap(), Some(s.meta));
    assert!(matches!(store.load("p"), Err(StoreError::Backend { .. })));
}

#[test]
fn a_lock_holds_off_a_second_locker_until_dropped() {
    let tmp = tempfile::tempdir().unwrap();
    // Two stores on one directory behave like two processes.
    let first = file_store(tmp.path());
    let second = file_store(tmp.path());
    let held = first.lock("p").unwrap();
    assert!(second.try_lock("p").unwrap().is_none());
    assert!(
        second.try_lock("other").unwrap().is_some(),
        "profiles lock separately"
    );
    let (tx, rx) = mpsc::channel();
    let waiter = std::thread::spawn(move || {
        let lock = second.lock("p").unwrap();
        tx.send(()).unwrap();
        drop(lock);
    });
    assert!(
        rx.try_recv().is_err(),
        "the waiter cannot have the lock yet"
    );
    drop(held);
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the waiter gets the lock after the drop");
    waiter.join().unwrap();
}

#[test]
fn the_memory_store_locks_and_keeps_sessions_in_process() {
    let store = SessionStore::memory();
    let s = session("m", ACCESS, REFRESH);
    store.save(&s).unwrap();
    assert_eq!(store.load("m").unwrap(), Some(s));
    assert_eq!(store.profiles().unwrap(), ["m"]);
    let held = store.lock("m").unwrap();
    assert!(store.try_lock("m").unwrap().is_none());
    drop(held);
    assert!(store.try_lock("m").unwrap().is_some());
    assert_eq!(store.info().persistence, Persistence::Process);
    store.delete("m").unwrap();
    assert_eq!(store.load("m").unwrap(), None);
}

#[test]
fn auto_without_a_secret_service_chooses_the_file_store_without_asking() {
    let probes = [(
        BackendKind::SecretService,
        Err::<(), _>("no D-Bus session bus".to_owned()),
    )];
    let AutoDecision::File(skipped) = decide_auto(probes) else {
        panic!("expected the file store");
    };
    assert_eq!(skipped[0].reason, "no D-Bus session bus");
}

#[test]
fn metadata_without_tokens_is_reported_and_status_still_works() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    store.save(&session("p", ACCESS, REFRESH)).unwrap();
    fs::remove_file(tmp.path().join("p.secrets.json")).unwrap();
    assert!(matches!(
        store.load("p"),
        Err(StoreError::SecretsMissing { .. })
    ));
    assert!(store.load_meta("p").unwrap().is_some());
}

#[test]
fn a_session_saved_in_another_backend_says_which_flag_to_pass() {
    let tmp = tempfile::tempdir().unwrap();
    file_store(tmp.path())
        .save(&session("p", ACCESS, REFRESH))
        .unwrap();
    let other =
        SessionStore::with_backend(tmp.path().to_owned(), Arc::new(MemoryBackend::new())).unwrap();
    let err = other.load("p").unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::WrongBackend {
                stored: BackendKind::File,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("--store file"), "{err}");
    other.delete("p").unwrap();
    assert!(
        !tmp.path().join("p.secrets.json").exists(),
        "plaintext tokens removed on delete"
    );
}

#[test]
fn save_meta_records_a_pending_refresh_without_breaking_the_generation() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    let mut s = session("p", ACCESS, REFRESH);
    store.save(&s).unwrap();
    store.save(&s).unwrap(); // stored generation 2; `s` still says 1
    let started_at = Timestamp::from_unix_secs(1_700_000_100);
    s.meta.pending_refresh = Some(PendingRefresh {
        started_at,
        pid: 7,
        machine: None,
    });
    store.save_meta(&s.meta).unwrap();
    let loaded = store.load_checked("p").unwrap().unwrap();
    assert!(loaded.consistency.is_consistent());
    assert_eq!(loaded.session.meta.generation, 2);
    assert_eq!(loaded.session.meta.pending_refresh, s.meta.pending_refresh);
}

#[test]
fn profiles_are_listed_sorted_and_delete_removes_them() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    for name in ["b", "a"] {
        store.save(&session(name, ACCESS, REFRESH)).unwrap();
    }
    drop(store.lock("a").unwrap());
    // Older versions left a `store-choice` file: it is no profile.
    fs::write(tmp.path().join("store-choice"), "file\n").unwrap();
    assert_eq!(store.profiles().unwrap(), ["a", "b"]);
    store.delete("a").unwrap();
    store.delete("a").unwrap();
    assert_eq!(store.profiles().unwrap(), ["b"]);
    assert!(!tmp.path().join("a.secrets.json").exists());
    assert_eq!(store.load("a").unwrap(), None);
}

#[test]
fn bad_profile_names_unknown_versions_and_links_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    for name in ["../escape", ".hidden", "", "a/b"] {
        assert!(
            matches!(
                store.load_meta(name),
                Err(StoreError::InvalidProfile { .. })
            ),
            "{name}"
        );
        assert!(
            matches!(store.lock(name), Err(StoreError::InvalidProfile { .. })),
            "{name}"
        );
    }
    fs::write(tmp.path().join("future.meta.json"), br#"{"version": 2}"#).unwrap();
    let err = store.load_meta("future").unwrap_err();
    assert!(
        matches!(err, StoreError::UnsupportedVersion { found: 2, .. }),
        "{err:?}"
    );
    std::os::unix::fs::symlink("/etc/hostname", tmp.path().join("link.meta.json")).unwrap();
    assert!(matches!(
        store.load_meta("link"),
        Err(StoreError::Symlink { .. })
    ));
}

#[test]
fn no_token_reaches_the_metadata_file_or_any_error() {
    let tmp = tempfile::tempdir().unwrap();
    let store = file_store(tmp.path());
    store.save(&session("p", ACCESS, REFRESH)).unwrap();
    let meta = fs::read_to_string(tmp.path().join("p.meta.json")).unwrap();
    assert!(!meta.contains("SECRET"), "{meta}");
    assert!(meta.contains("\"version\": 1"));

    let mut shown = Vec::new();
    let loaded = store.load_checked("p").unwrap().unwrap();
    shown.push(format!("{loaded:?} {store:?}"));
    // Damaged secrets whose JSON error would quote a token.
    let damaged = format!(r#"{{"version":1,"generation":"{REFRESH}","access_token":"{ACCESS}"}}"#);
    fs::write(tmp.path().join("p.secrets.json"), damaged).unwrap();
    let err = store.load("p").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    shown.push(format!("{err} {err:?}"));
    let backend = Arc::new(UnreadableBackend(MemoryBackend::new()));
    let failing = SessionStore::with_backend(tmp.path().join("x"), backend).unwrap();
    failing.save(&session("p", ACCESS, REFRESH)).unwrap();
    let err = failing.load("p").unwrap_err();
    shown.push(format!("{err} {err:?}"));
    for text in shown {
        assert!(!text.contains("SECRET"), "{text}");
    }
}

#[test]
fn the_memory_choice_writes_nothing_to_disk() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("never");
    let store = SessionStore::open(dir.clone(), StoreChoice::Memory, false).unwrap();
    store.save(&session("p", ACCESS, REFRESH)).unwrap();
    assert!(!dir.exists());
    assert_eq!(store.info().kind, BackendKind::Memory);
}

/// The cached `token` path reads without a lock: a reader racing 300 saves always gets tokens
/// and metadata of one save.
#[test]
fn a_reader_never_sees_tokens_older_than_their_metadata_claims() {
    let dir = tempfile::tempdir().unwrap();
    let store = file_store(&dir.path().join("grantty"));
    let base = 1_000_000;
    let session_at = |n: i64| {
        let mut s = session(PROFILE, &format!("at-{n}"), &format!("rt-{n}"));
        s.meta.access_expires_at = Some(Timestamp::from_unix_secs(base + n));
        s
    };
    store.save(&session_at(0)).unwrap();
    let done = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            for n in 1..=300 {
                store.save(&session_at(n)).unwrap();
            }
            done.store(true, Ordering::SeqCst);
        });
        for _ in 0..3 {
            scope.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    let s = store.load(PROFILE).unwrap().unwrap();
                    let at: i64 = s.secrets.access_token.expose()[3..].parse().unwrap();
                    let rt: i64 = s.secrets.refresh_token.as_ref().unwrap().expose()[3..]
                        .parse()
                        .unwrap();
                    assert_eq!(at, rt, "both tokens come from one save");
                    let claimed = s.meta.access_expires_at.unwrap().as_unix_secs() - base;
                    assert!(
                        at >= claimed,
                        "metadata of save {claimed} served with tokens of save {at}"
                    );
                }
            });
        }
    });
}
