//! Journeys through the one door to a stored session, with the real binary against the demo
//! server on 127.0.0.1, asserting what the server saw as well as what the user saw:
//! - tokens kept aside after a failed save never come back over a newer sign-in
//!   (`login --force` replaces them, and the replaced grant is revoked, with its newest token);
//! - a secret store that forgot the tokens (a kernel keyring after a reboot; here the secrets
//!   file removed, which reaches the same state: metadata without tokens) is reported as such
//!   by `status` (exit 7, not "active"), and `login`, `login --force`, `logout --local`,
//!   `logout` and `keep` all get out of it without deleting anything by hand.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::time::Duration;

use grantty::demo::{Decision, DemoConfig};
use grantty::domain::clock::{Clock as _, SystemClock};
use grantty::domain::session::Session;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader};

use common::journey::refresh_as_the_store_breaks;
use common::session::{Access, CLIENT_ID, PROFILE, Run, SignedIn, demo_server, events_of};

/// Upper bound for anything a test waits for; a hang fails instead of blocking the suite.
const BOUND: Duration = Duration::from_secs(60);

/// `grantty login --force --json` on the fixture's state directory, the device code approved
/// at the demo server as it is issued.
async fn login_again(
    s: &SignedIn,
    server: &grantty::demo::DemoServer,
    runtime_dir: &std::path::Path,
) -> Run {
    let args = ["login", "--force", "--json"];
    let mut command = s.command(&args);
    command.env("XDG_RUNTIME_DIR", runtime_dir);
    let (events, _lines, run) = events_of(command, &args, Some((server, Decision::Approve))).await;
    assert!(
        events.iter().any(|e| e["event"] == "stored"),
        "{events:?}\n{}",
        run.stderr
    );
    run
}

/// The files in `dir`, if it exists.
fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(dir)
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn tokens_kept_aside_never_come_back_over_a_new_sign_in() {
    let server = demo_server(DemoConfig::default()).await;
    let s = common::session::signed_in(&server, Access::Expired).await;
    let runtime_dir = tempfile::tempdir().unwrap();
    // A runtime directory as logind makes it: private to its user (anything looser is refused).
    std::fs::set_permissions(
        runtime_dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o700),
    )
    .unwrap();
    let command = |args: &[&str]| {
        let mut command = s.command(args);
        command.env("XDG_RUNTIME_DIR", runtime_dir.path());
        command
    };

    // A refresh whose answer the store cannot take: the rotated tokens are kept aside.
    let (done, broken) =
        refresh_as_the_store_breaks(&server, command(&["refresh"]), &s.dir()).await;
    done.assert_code(0);
    let kept_aside = files_in(&runtime_dir.path().join("grantty"));
    assert_eq!(kept_aside.len(), 1, "{kept_aside:?}");
    broken.repair();

    // A new sign-in over it always wins.
    let login = login_again(&s, &server, runtime_dir.path()).await;
    login.assert_code(0);
    let new_session = s.stored().unwrap();
    assert_ne!(new_session.meta.signed_in_at, s.session.meta.signed_in_at);
    assert!(
        files_in(&runtime_dir.path().join("grantty")).is_empty(),
        "the sign-in cleared the kept-aside copy"
    );

    let token = Run::from_output(&["token"], command(&["token"]).output().await.unwrap());
    token.assert_code(0);
    assert_eq!(
        token.stdout,
        format!("{}\n", new_session.secrets.access_token.expose()),
        "the new sign-in's token, not the kept-aside one"
    );
    let stats = server.stats();
    assert_eq!(
        stats.device_authorizations, 2,
        "the fixture's and the new one"
    );
    assert_eq!(
        stats.refreshes, 1,
        "nothing refreshed the old session again"
    );
    assert!(
        stats.revocations >= 1,
        "the replaced grant was revoked with its newest token: {stats:?}"
    );
    assert_eq!(stats.reuse_detections, 0, "no rotated-away token was sent");
}

/// A signed-in fixture whose secret store then lost the tokens (the metadata stays).
async fn forgotten(access: Access) -> (grantty::demo::DemoServer, SignedIn) {
    let server = demo_server(DemoConfig::default()).await;
    let s = common::session::signed_in(&server, access).await;
    std::fs::remove_file(s.secrets_file()).unwrap();
    assert!(s.dir().join(format!("{PROFILE}.meta.json")).exists());
    (server, s)
}

#[tokio::test]
async fn status_says_the_tokens_are_missing_with_exit_7() {
    let (_server, s) = forgotten(Access::Fresh).await;
    let status = s.run(&["status"]).await;
    status.assert_code(7);
    assert!(
        status.stdout.contains("tokens missing"),
        "{}",
        status.stdout
    );
    assert!(!status.stdout.contains("active"), "{}", status.stdout);

    let json = s.run(&["status", "--json"]).await;
    json.assert_code(7);
    let doc: Value = serde_json::from_str(json.stdout.trim()).unwrap();
    assert_eq!(doc["tokens_missing"], true, "{doc}");
    assert_eq!(doc["signed_in"], false, "{doc}");

    let token = s.run(&["token"]).await;
    token.assert_code(7);
    assert!(token.stdout.is_empty());
    assert!(token.stderr.contains("missing"), "{}", token.stderr);
}

#[tokio::test]
async fn login_and_login_force_sign_in_again_with_the_stored_settings() {
    for args in [
        &["login", "--json"][..],
        &["login", "--force", "--json"][..],
    ] {
        let (server, s) = forgotten(Access::Fresh).await;
        // No client id, host or scope on the command line: they come from the metadata.
        let (events, _lines, run) =
            events_of(s.command(args), args, Some((&server, Decision::Approve))).await;
        run.assert_code(0).assert_no_token_on_stdout();
        assert!(events.iter().any(|e| e["event"] == "stored"), "{events:?}");
        assert!(run.stderr.contains("missing"), "said why: {}", run.stderr);
        let stats = server.stats();
        assert_eq!(stats.device_authorizations, 2, "{args:?}: one new sign-in");
        assert_eq!(stats.device_code_redemptions, 2);
        let asked = server.client_requests();
        assert!(
            asked
                .iter()
                .all(|r| r.client_id.as_deref() == Some(CLIENT_ID)),
            "{asked:?}"
        );
        let session = s.stored().expect("signed in again");
        let token = s.run(&["token"]).await;
        token.assert_code(0);
        assert_eq!(
            token.stdout,
            format!("{}\n", session.secrets.access_token.expose())
        );
    }
}

#[tokio::test]
async fn logout_and_logout_local_remove_a_session_whose_tokens_are_gone() {
    for args in [&["logout", "--local"][..], &["logout"][..]] {
        let (server, s) = forgotten(Access::Fresh).await;
        let run = s.run(args).await;
        run.assert_code(0);
        assert!(
            !s.dir().join(format!("{PROFILE}.meta.json")).exists(),
            "{args:?}: {}",
            run.stderr
        );
        assert_eq!(server.stats().revocations, 0, "nothing to revoke with");
        s.run(&["status"]).await.assert_code(7);
    }
}

/// A second stored session, `other`, signed in at the same server, whose access token has
/// expired (so a keeper refreshes it at once).
async fn other_session(s: &SignedIn, server: &grantty::demo::DemoServer) -> Session {
    let (provider, tokens) = common::session::sign_in(server, &s.transport).await;
    let now = SystemClock.now();
    let mut session = Session::new("other", provider.to_record(), tokens, now);
    session.meta.access_expires_at = Some(grantty::domain::clock::Timestamp::from_unix_secs(
        now.as_unix_secs() - 60,
    ));
    s.store.save(&session).unwrap();
    session
}

#[tokio::test]
async fn keep_says_a_person_is_needed_and_keeps_the_other_sessions() {
    let (server, s) = forgotten(Access::Fresh).await;
    other_session(&s, &server).await;
    let args = ["keep", "--all", "--json"];
    let mut child = s.command(&args).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen: Vec<Value> = Vec::new();
    let needs_human = |e: &Value| e["event"] == "needs_human" && e["profile"] == PROFILE;
    let refreshed = |e: &Value| e["event"] == "refreshed" && e["profile"] == "other";
    tokio::time::timeout(BOUND, async {
        while !(seen.iter().any(needs_human) && seen.iter().any(refreshed)) {
            let line = lines.next_line().await.unwrap().unwrap_or_else(|| {
                panic!("keep ended; events so far: {seen:?}");
            });
            seen.push(serde_json::from_str(&line).unwrap());
        }
    })
    .await
    .unwrap_or_else(|_| panic!("events so far: {seen:?}"));
    let event = seen.iter().find(|e| needs_human(e)).unwrap();
    assert!(
        event["message"].as_str().unwrap().contains("missing"),
        "{event}"
    );
    assert_eq!(
        seen.iter().filter(|e| needs_human(e)).count(),
        1,
        "said once: {seen:?}"
    );
    assert!(child.try_wait().unwrap().is_none(), "keep is still running");
    assert_eq!(server.stats().refreshes, 1, "the other session was kept");

    let pid = child.id().unwrap().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(BOUND, child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0), "a clean stop, not a restart loop");
}

#[tokio::test]
async fn keep_for_one_profile_whose_tokens_are_gone_does_not_exit() {
    let (_server, s) = forgotten(Access::Fresh).await;
    let args = ["keep", "--profile", PROFILE, "--json"];
    let mut child = s.command(&args).spawn().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut seen: Vec<Value> = Vec::new();
    tokio::time::timeout(BOUND, async {
        while !seen.iter().any(|e| e["event"] == "needs_human") {
            let line = lines.next_line().await.unwrap().unwrap_or_else(|| {
                panic!("keep ended; events so far: {seen:?}");
            });
            seen.push(serde_json::from_str(&line).unwrap());
        }
    })
    .await
    .unwrap_or_else(|_| panic!("events so far: {seen:?}"));
    assert!(child.try_wait().unwrap().is_none(), "keep is still running");
    child.start_kill().unwrap();
}

#[tokio::test]
async fn a_kernel_keyring_that_lost_the_tokens_is_reported_and_signed_in_again() {
    use grantty::store::{SessionStore, StoreChoice};
    let server = demo_server(DemoConfig::default()).await;
    let transport = grantty::oauth::http::ReqwestTransport::new().unwrap();
    let (provider, tokens) = common::session::sign_in(&server, &transport).await;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("grantty");
    let store = SessionStore::open(dir.clone(), StoreChoice::Keyutils, false).unwrap();
    let session = Session::new(PROFILE, provider.to_record(), tokens, SystemClock.now());
    store.save(&session).unwrap();
    let bare = |args: &[&str]| common::session::bare_command_in(home.path(), args);
    let run = |args: &'static [&'static str]| {
        let mut command = bare(args);
        async move { Run::from_output(args, command.output().await.unwrap()) }
    };
    run(&["status"]).await.assert_code(0);

    // What a reboot does: the kernel keyring entry goes, the metadata file stays.
    let meta_file = dir.join(format!("{PROFILE}.meta.json"));
    let meta = std::fs::read(&meta_file).unwrap();
    store.delete(PROFILE).unwrap();
    grantty::store::write_atomic(&meta_file, &meta).unwrap();

    let status = run(&["status"]).await;
    status.assert_code(7);
    assert!(
        status.stdout.contains("tokens missing"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("kernel keyring"),
        "{}",
        status.stdout
    );

    let args = ["login", "--force", "--json"];
    let (events, _lines, login) =
        events_of(bare(&args), &args, Some((&server, Decision::Approve))).await;
    login.assert_code(0);
    assert!(events.iter().any(|e| e["event"] == "stored"), "{events:?}");
    let again = store.load(PROFILE).unwrap().expect("signed in again");
    let token = run(&["token"]).await;
    token.assert_code(0);
    assert_eq!(
        token.stdout,
        format!("{}\n", again.secrets.access_token.expose())
    );
    assert_eq!(server.stats().device_authorizations, 2);
    run(&["logout", "--local"]).await.assert_code(0);
}
