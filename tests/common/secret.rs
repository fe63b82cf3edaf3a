//! Fixtures for confidential-client journeys: a secret file, a stored session whose access
//! token is made to have expired, and the check that a secret appears nowhere but the store's
//! secrets file.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};
use grantty::domain::session::Session;
use grantty::store::{SessionStore, StoreChoice};

use super::session::{PROFILE, Run};

/// Writes `secret` and a newline to `dir/name` with `mode`.
pub fn secret_file(dir: &Path, name: &str, secret: &str, mode: u32) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, format!("{secret}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

/// The file store the binary used under `state_home`.
pub fn store(state_home: &Path) -> SessionStore {
    SessionStore::open(state_home.join("grantty"), StoreChoice::File, true).unwrap()
}

/// The stored session of the default profile.
pub fn stored(state_home: &Path) -> Session {
    store(state_home)
        .load(PROFILE)
        .unwrap()
        .expect("a stored session")
}

/// Whether a session of the default profile is stored.
pub fn has_session(state_home: &Path) -> bool {
    store(state_home).load(PROFILE).unwrap().is_some()
}

/// Moves the stored access token's expiry to a minute ago, so the next `grantty token` must
/// refresh. Returns the session as it was.
pub fn expire_access_token(state_home: &Path) -> Session {
    let store = store(state_home);
    let mut session = store.load(PROFILE).unwrap().expect("a stored session");
    let before = session.clone();
    let now = SystemClock.now().as_unix_secs();
    session.meta.access_expires_at = Some(Timestamp::from_unix_secs(now - 60));
    store.save(&session).unwrap();
    before
}

/// `grantty token` after the stored access token expired, in an environment without any
/// secret: it must refresh, print the new token and store it. Returns the run and the session
/// stored afterwards.
pub async fn token_after_expiry(state_home: &Path) -> (Run, Session) {
    expire_access_token(state_home);
    let token = Run::of(
        super::session::command_in(state_home, &["token"]),
        &["token"],
    )
    .await;
    token.assert_code(0);
    let refreshed = stored(state_home);
    assert_eq!(token.stdout.trim(), refreshed.secrets.access_token.expose());
    (token, refreshed)
}

/// Asserts that `secret` is in no file under `state_home` except the profile's secrets file,
/// and in none of `runs`' output.
#[track_caller]
pub fn assert_secret_only_in_the_secrets_file(state_home: &Path, secret: &str, runs: &[&Run]) {
    let secrets_file = state_home
        .join("grantty")
        .join(format!("{PROFILE}.secrets.json"));
    let mut seen = Vec::new();
    let mut dirs = vec![state_home.to_owned()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path != secrets_file {
                let bytes = std::fs::read(&path).unwrap_or_default();
                seen.push(path.clone());
                assert!(
                    !String::from_utf8_lossy(&bytes).contains(secret),
                    "the client secret is in {}",
                    path.display()
                );
            }
        }
    }
    assert!(
        seen.iter()
            .any(|p| p.extension().is_some_and(|e| e == "json")),
        "the metadata file was checked: {seen:?}"
    );
    let stored = std::fs::read_to_string(&secrets_file).unwrap();
    assert!(
        stored.contains(secret),
        "the secret is kept with the tokens"
    );
    for run in runs {
        assert!(
            !run.stdout.contains(secret) && !run.stderr.contains(secret),
            "`grantty {}` printed the client secret",
            run.args
        );
    }
}
