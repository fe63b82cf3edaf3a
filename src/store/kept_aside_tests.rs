use std::os::unix::fs::PermissionsExt as _;

use super::*;
use crate::domain::clock::Timestamp;
use crate::domain::secret::AccessToken;
use crate::store::StoreChoice;
use crate::store::fixtures::full_session;

fn env(runtime: Option<&str>, cache: Option<&str>, home: Option<&str>) -> PlaceEnv {
    PlaceEnv {
        runtime_dir: runtime.map(OsString::from),
        cache_home: cache.map(OsString::from),
        home: home.map(OsString::from),
        euid: 1000,
    }
}

#[test]
fn a_private_runtime_directory_is_used() {
    let e = env(Some("/run/user/1000"), None, Some("/home/u"));
    assert_eq!(
        kept_aside_dir(&e, |_| true),
        Some(PathBuf::from("/run/user/1000/grantty"))
    );
}

#[test]
fn without_a_private_runtime_directory_the_users_cache_is_used_never_tmp() {
    let e = env(None, None, Some("/home/u"));
    let dir = kept_aside_dir(&e, |base| base != Path::new("/run/user/1000"));
    assert_eq!(
        dir,
        Some(PathBuf::from("/home/u/.cache/grantty/kept-aside"))
    );
    // A runtime directory that fails the check (shared, someone else's, a link) is skipped.
    let e = env(Some("/tmp/shared"), Some("/c"), Some("/home/u"));
    let dir = kept_aside_dir(&e, |_| false);
    assert_eq!(dir, Some(PathBuf::from("/c/grantty/kept-aside")));
    // Relative values count as unset.
    let e = env(Some("run"), Some("cache"), None);
    assert_eq!(kept_aside_dir(&e, |_| false), None);
}

#[test]
fn the_runtime_candidates_come_in_order() {
    let e = env(Some("/xdg"), None, None);
    assert_eq!(
        kept_aside_dir(&e, |base| base == Path::new("/run/user/1000")),
        Some(PathBuf::from("/run/user/1000/grantty"))
    );
    assert_eq!(
        kept_aside_dir(&e, |_| true),
        Some(PathBuf::from("/xdg/grantty"))
    );
}

fn newer(stored: &Session) -> Session {
    let mut kept = stored.clone();
    kept.meta.generation = stored.meta.generation + 1;
    kept.secrets.access_token = AccessToken::new("at-newer".to_owned());
    kept
}

#[test]
fn newer_tokens_of_the_same_session_are_served() {
    let stored = full_session("work", 3);
    assert_eq!(judge(&newer(&stored), Ok(Some(&stored))), Verdict::Serve);
}

#[test]
fn an_older_or_equal_generation_is_discarded() {
    let stored = full_session("work", 3);
    let mut kept = newer(&stored);
    kept.meta.generation = 3;
    assert_eq!(judge(&kept, Ok(Some(&stored))), Verdict::Discard);
    kept.meta.generation = 2;
    assert_eq!(judge(&kept, Ok(Some(&stored))), Verdict::Discard);
}

#[test]
fn a_new_sign_in_wins_over_tokens_of_the_old_session() {
    let stored = full_session("work", 3);
    let mut kept = newer(&stored);
    kept.meta.generation = 99;
    kept.meta.signed_in_at = Timestamp::from_unix_secs(stored.meta.signed_in_at.as_unix_secs() - 1);
    assert_eq!(judge(&kept, Ok(Some(&stored))), Verdict::Discard);
}

#[test]
fn another_provider_record_is_another_session() {
    let stored = full_session("work", 3);
    let mut kept = newer(&stored);
    kept.meta.provider.token_endpoint = "https://evil.example/token".to_owned();
    assert_eq!(judge(&kept, Ok(Some(&stored))), Verdict::Discard);
    let mut kept = newer(&stored);
    kept.meta.provider.client_id = "other".to_owned();
    assert_eq!(judge(&kept, Ok(Some(&stored))), Verdict::Discard);
}

#[test]
fn logged_out_discards_and_a_broken_store_serves() {
    let stored = full_session("work", 3);
    let kept = newer(&stored);
    assert_eq!(judge(&kept, Ok(None)), Verdict::Discard);
    let broken = StoreError::SecretsMissing {
        profile: "work".to_owned(),
        backend: "x".to_owned(),
    };
    assert_eq!(judge(&kept, Err(&broken)), Verdict::Serve);
}

fn doc_bytes(session: &Session) -> Vec<u8> {
    let doc = KeptDoc {
        meta: serde_json::from_slice(
            &encode_meta(&session.meta, crate::store::BackendKind::File).unwrap(),
        )
        .unwrap(),
        secrets: encode_secrets(&session.secrets, session.meta.generation).unwrap(),
    };
    serde_json::to_vec(&doc).unwrap()
}

#[test]
fn a_kept_aside_document_round_trips_and_bad_token_characters_are_refused() {
    let session = full_session("work", 3);
    let path = Path::new("/k/x.json");
    let back = decode_kept(&doc_bytes(&session), path, "work").unwrap();
    assert_eq!(back.secrets, session.secrets);
    assert_eq!(back.meta.generation, 3);
    let mut evil = session.clone();
    evil.secrets.access_token = AccessToken::new("at\x1b]52;c;eA==\x07".to_owned());
    let err = decode_kept(&doc_bytes(&evil), path, "work").unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    assert!(!err.to_string().contains('\x1b'), "{err}");
}

#[test]
fn the_probe_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let store = SessionStore::open(dir.path().join("s"), StoreChoice::File, true).unwrap();
    store.probe_secrets("work", 10).unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path().join("s")).unwrap().count(),
        0,
        "probe removed"
    );
    assert_ne!(fnv1a(Path::new("/a")), fnv1a(Path::new("/b")));
}

#[test]
fn a_private_base_must_be_ours_closed_and_real() {
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path().join("run");
    std::fs::create_dir(&base).unwrap();
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(is_private_base(&base));
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert!(!is_private_base(&base));
    let link = dir.path().join("link");
    std::os::unix::fs::symlink(&base, &link).unwrap();
    std::fs::set_permissions(&base, std::fs::Permissions::from_mode(0o700)).unwrap();
    assert!(!is_private_base(&link));
    assert!(!is_private_base(&dir.path().join("missing")));
}
