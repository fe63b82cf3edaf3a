//! The session is found where it lives: `grantty login --store file`, then every other command
//! without `--store`, as a script or a kubeconfig would run them — the real binary against the
//! demo server on 127.0.0.1, asserting what the server saw as well as what the user saw. And the
//! cached `token` path takes no lock (that a reader never sees half a save is in the runtime
//! harness's `store`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::time::Duration;

use grantty::demo::{Decision, DemoConfig};
use grantty::store::{SessionStore, StoreChoice};
use serde_json::Value;

use common::session::{
    Access, CLIENT_ID, PROFILE, Run, SCOPE, bare_command_in, command_in, demo_server, events_of,
    signed_in,
};

/// Runs `grantty <args>` without `--store` in `state_home`.
async fn run_bare(state_home: &std::path::Path, args: &[&str]) -> Run {
    Run::of(bare_command_in(state_home, args), args).await
}

fn stored_access(state_home: &std::path::Path) -> String {
    let store = SessionStore::open(state_home.join("grantty"), StoreChoice::File, true).unwrap();
    let session = store.load(PROFILE).unwrap().expect("a stored session");
    session.secrets.access_token.expose().to_owned()
}

#[tokio::test]
async fn after_login_with_the_file_store_every_command_works_without_store() {
    let server = demo_server(DemoConfig {
        interval_secs: 1,
        ..DemoConfig::default()
    })
    .await;
    let state = tempfile::tempdir().unwrap();
    let home = state.path();
    let issuer = server.issuer();

    // Sign in as a person would, relaying the code to the server's approval.
    let login = [
        "login",
        "--json",
        "--issuer",
        &issuer,
        "--client-id",
        CLIENT_ID,
        "--scope",
        SCOPE,
    ];
    let (_, _, run) = events_of(
        command_in(home, &login),
        &login,
        Some((&server, Decision::Approve)),
    )
    .await;
    run.assert_code(0);
    let signed_in_token = stored_access(home);

    let token = run_bare(home, &["token"]).await;
    token.assert_code(0);
    assert_eq!(
        token.stdout.trim_end(),
        signed_in_token,
        "the stored token, found without --store"
    );

    let status = run_bare(home, &["status"]).await;
    status.assert_code(0).assert_no_token_on_stdout();
    assert!(
        status.stdout.contains("plaintext files"),
        "{}",
        status.stdout
    );

    run_bare(home, &["refresh"]).await.assert_code(0);
    assert_eq!(server.stats().refreshes, 1, "refresh reached the server");
    let refreshed = stored_access(home);
    assert_ne!(refreshed, signed_in_token);

    let kube = run_bare(home, &["kubectl-credential"]).await;
    kube.assert_code(0);
    let cred: Value = serde_json::from_str(&kube.stdout).unwrap();
    assert_eq!(cred["status"]["token"], refreshed.as_str());

    let export = run_bare(home, &["export", "--format", "json"]).await;
    export.assert_code(0);
    assert!(export.stdout.contains(&refreshed), "{}", export.stdout);

    // An explicit --store that contradicts the session names where it lives, and touches nothing.
    let wrong = run_bare(home, &["token", "--store", "keyutils"]).await;
    wrong.assert_code(2);
    assert!(
        wrong.stderr.contains("plaintext file store"),
        "{}",
        wrong.stderr
    );
    assert!(
        wrong.stderr.contains("without `--store`"),
        "{}",
        wrong.stderr
    );
    assert!(wrong.stdout.is_empty());

    let logout = run_bare(home, &["logout"]).await;
    logout.assert_code(0);
    assert!(
        server.stats().revocations >= 1,
        "logout revoked at the server"
    );
    run_bare(home, &["token"]).await.assert_code(7);
    assert_eq!(server.stats().reuse_detections, 0);
}

#[tokio::test]
async fn a_cached_token_is_served_while_another_process_holds_the_refresh_lock() {
    let server = demo_server(DemoConfig::default()).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    // A refresher elsewhere holds the exclusive lock (e.g. a slow server): readers of a valid
    // token must not queue behind it.
    let _held = fixture.store.lock(PROFILE).unwrap();
    let run = tokio::time::timeout(Duration::from_secs(30), fixture.run(&["token"]))
        .await
        .expect("`grantty token` waited for the refresh lock");
    run.assert_code(0);
    assert_eq!(run.stdout.trim_end(), fixture.access_token());
    let requests = server.stats().token_requests;
    assert_eq!(
        requests, 1,
        "only the sign-in: the cached path sent nothing"
    );
}
