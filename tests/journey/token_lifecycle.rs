//! The stored session's life as scripts see it: real `grantty` processes over real HTTP on
//! 127.0.0.1 against the built-in demo server (system clock, rotating refresh tokens).
//!
//! The tests wait only for processes to exit and, in the crash test, on the demo server's counter
//! channel. The only timed waits are the server's own (`refresh_reply_delay_ms`: a slow provider,
//! a reply held past the client's timeout); no outcome depends on their length. Every run's
//! stderr is checked for token text (`common::session`).
//!
//! These run on tokio's current-thread runtime: the crate's tokio has no `rt-multi-thread`, and
//! nothing here needs a second worker (children are separate processes, the store's blocking
//! calls are short and happen between awaits).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::os::unix::process::ExitStatusExt as _;

use grantty::demo::DemoConfig;
use grantty::domain::clock::{Clock as _, SystemClock};
use grantty::domain::secret::RefreshToken;
use grantty::domain::session::SessionState;
use grantty::oauth::AuthError;
use grantty::oauth::http::Transport as _;
use grantty::oauth::refresh::refresh_request;
use grantty::oauth::wire::{self, parse_token_response};

use common::session::{Access, PROFILE, Run, SignedIn, demo_server, signed_in};

/// How many `grantty token` processes race for one expired token.
const RACERS: usize = 24;
/// `grantty`'s exit code for "sign in (again)".
const SIGN_IN_NEEDED: i32 = 7;
/// `grantty`'s exit code for a store failure.
const STORE_FAILED: i32 = 8;
/// A slow provider's refresh: racers that skipped the lock or the re-read would all have sent
/// the expired session's refresh token before the one answer lands. Correct code passes at any
/// value; this only makes a broken protocol fail reliably.
const SLOW_REFRESH_MS: u64 = 400;
/// Longer than the client's whole-request timeout (30 s): a held refresh reply cannot reach it.
const HELD_REPLY_MS: u64 = 60_000;

#[tokio::test]
async fn concurrent_token_calls_on_an_expired_token_refresh_exactly_once() {
    let server = demo_server(DemoConfig {
        refresh_reply_delay_ms: SLOW_REFRESH_MS,
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Expired).await;
    let before = server.stats();

    // Hold the profile lock while starting them, so none can get past step 1 of the refresh
    // protocol until every racer exists; then they all queue on the same lock.
    let held = s.store.lock(PROFILE).unwrap();
    let racers: Vec<_> = (0..RACERS)
        .map(|_| s.command(&["token"]).spawn().unwrap())
        .collect();
    drop(held);
    let mut runs = Vec::new();
    for child in racers {
        runs.push(Run::from_output(
            &["token"],
            child.wait_with_output().await.unwrap(),
        ));
    }

    for run in &runs {
        run.assert_code(0);
    }
    let stored = s.stored().unwrap();
    let new_at = stored.secrets.access_token.expose();
    assert_ne!(new_at, s.access_token(), "the expired token was refreshed");
    assert!(
        runs.iter().all(|r| r.stdout == format!("{new_at}\n")),
        "every process printed the one new access token: {:?}",
        runs.iter().map(|r| &r.stdout).collect::<Vec<_>>()
    );
    let after = server.stats();
    assert_eq!(
        after.refreshes, 1,
        "exactly one refresh for {RACERS} processes"
    );
    assert_eq!(after.reuse_detections, 0, "no process sent a spent token");
    assert_eq!(
        after.token_requests,
        before.token_requests + 1,
        "the others never called the token endpoint"
    );
    assert_eq!(stored.meta.refresh.rotation_count, 1);
    assert_ne!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "the rotated refresh token was saved"
    );
    assert_eq!(stored.meta.pending_refresh, None);
}

#[tokio::test]
async fn kill_between_the_servers_reply_and_the_write_says_why_on_the_next_run() {
    let server = demo_server(DemoConfig {
        refresh_reply_delay_ms: HELD_REPLY_MS,
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Expired).await;
    let mut counters = server.watch_stats();

    let mut child = s.command(&["token"]).spawn().unwrap();
    tokio::select! {
        rotated = counters.wait_for(|st| st.refreshes == 1) => { rotated.unwrap(); }
        exited = child.wait() => panic!("grantty token ended before the server rotated: {exited:?}"),
    }
    // The server has rotated and is holding its answer: the client has sent, not yet saved.
    child.start_kill().unwrap();
    let status = child.wait().await.unwrap();
    assert_eq!(status.signal(), Some(9), "killed, not finished: {status:?}");

    let left = s.stored().unwrap();
    assert_eq!(
        left.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "the store still holds the refresh token the server has spent"
    );
    assert!(
        left.meta.pending_refresh.is_some(),
        "the pending-refresh marker survived the kill"
    );
    let status = s.run(&["status", "--json"]).await;
    status.assert_code(0).assert_no_token_on_stdout();
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["refresh_interrupted"], true);

    let next = s.run(&["token"]).await;
    next.assert_code(SIGN_IN_NEEDED);
    assert!(next.stdout.is_empty(), "no token: {}", next.stdout);
    assert!(next.stderr.contains("sign in again"), "{}", next.stderr);
    assert!(
        next.stderr.contains("invalid_grant")
            && next
                .stderr
                .contains("an earlier refresh was interrupted after it reached the server"),
        "says the earlier refresh was interrupted: {}",
        next.stderr
    );
    let after = server.stats();
    assert_eq!(
        after.reuse_detections, 1,
        "the spent token was presented again"
    );
    assert_eq!(after.refreshes, 1, "and not honoured");
    let kept = s
        .stored()
        .expect("a dead session is kept until logout or a new sign-in");
    assert!(
        matches!(
            kept.meta.state,
            SessionState::Ended {
                interrupted: true,
                ..
            }
        ),
        "{:?}",
        kept.meta.state
    );
}

#[tokio::test]
async fn token_with_a_valid_cached_token_does_not_call_the_server() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats();

    let run = s.run(&["token"]).await;

    run.assert_code(0);
    assert_eq!(run.stdout, format!("{}\n", s.access_token()));
    assert_eq!(
        server.stats(),
        before,
        "no request of any kind reached the server"
    );
    assert_eq!(
        s.stored().unwrap(),
        s.session,
        "the store was not rewritten"
    );
}

#[tokio::test]
async fn token_formats() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;

    let header = s.run(&["token", "--format", "header"]).await;
    header.assert_code(0);
    assert_eq!(
        header.stdout,
        format!("Authorization: Bearer {}\n", s.access_token())
    );

    let json = s.run(&["token", "--format", "json"]).await;
    json.assert_code(0);
    let value: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(value["access_token"], s.access_token());
    let expires_at = s.session.meta.access_expires_at.unwrap().as_unix_secs();
    assert_eq!(value["expires_at"], expires_at);
    assert!(
        expires_at > SystemClock.now().as_unix_secs() + 300,
        "a token fresh enough for the default --min-valid"
    );
    assert_eq!(value["token_type"], "Bearer");
}

#[tokio::test]
async fn status_works_without_the_secrets() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let secrets = s.secrets_file();
    assert!(secrets.is_file(), "the fixture wrote {}", secrets.display());

    // Corrupt, then missing: status reads the metadata only, while the token needs the secrets.
    std::fs::write(&secrets, b"{ not json").unwrap();
    assert_status_shows_the_profile(&s).await;
    s.run(&["token"]).await.assert_code(STORE_FAILED);

    // Missing (a kernel keyring after a reboot): status says so instead of "active", and both
    // ask for a sign-in (exit 7).
    std::fs::remove_file(&secrets).unwrap();
    let status = s.run(&["status", "--json"]).await;
    status.assert_code(7);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
    assert_eq!(json["tokens_missing"], true, "{json}");
    let token = s.run(&["token"]).await;
    token.assert_code(7);
    assert!(token.stdout.is_empty());
}

async fn assert_status_shows_the_profile(s: &SignedIn) {
    let run = s.run(&["status", "--json"]).await;
    run.assert_code(0).assert_no_token_on_stdout();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["profile"], PROFILE);
    assert_eq!(json["client_id"], common::session::CLIENT_ID);
    assert_eq!(json["email"], "demo.user@example.com");
    assert_eq!(json["refresh_token"]["present"], true);
    assert_eq!(
        json["access_token"]["expires_at"],
        s.session.meta.access_expires_at.unwrap().as_unix_secs()
    );
}

#[tokio::test]
async fn logout_revokes_at_the_server_and_deletes_locally() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;

    let logout = s.run(&["logout"]).await;
    logout.assert_code(0).assert_no_token_on_stdout();
    for what in ["refresh token", "access token"] {
        assert!(
            logout.stderr.contains(&format!(
                "{what} (RFC 7009) at {}: accepted (HTTP 200)",
                server.local_addr()
            )),
            "{what} revoked: {}",
            logout.stderr
        );
    }
    // Revoking the refresh token revokes its whole grant, the access token with it (RFC 7009
    // §2.1); the demo counts live tokens revoked, so the second request finds nothing left.
    assert_eq!(server.stats().revocations, 1);
    assert!(s.stored().is_none());
    assert!(!s.secrets_file().exists());

    let token = s.run(&["token"]).await;
    token.assert_code(SIGN_IN_NEEDED);
    assert!(token.stderr.contains("not signed in"), "{}", token.stderr);

    // The revoked tokens are dead at the server too.
    let rt = RefreshToken::new(s.refresh_token());
    let resp = s
        .transport
        .send(refresh_request(&s.provider, &rt))
        .await
        .unwrap();
    match parse_token_response(&resp, SystemClock.now()) {
        Err(AuthError::Server(e)) => assert_eq!(e.code, "invalid_grant"),
        other => panic!("the revoked refresh token still worked: {other:?}"),
    }
    let mut userinfo = wire::get(format!("{}/userinfo", server.issuer()).parse().unwrap());
    userinfo.authorization = Some(format!("Bearer {}", s.access_token()));
    assert_eq!(s.transport.send(userinfo).await.unwrap().status, 401);
    let stats = server.stats();
    assert_eq!(
        (stats.refreshes, stats.reuse_detections),
        (0, 0),
        "refused as revoked, not as reused"
    );
}

#[tokio::test]
async fn no_token_in_any_output_but_token_and_export() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let export_file = s.state_home.path().join("tokens.json");
    let export_path = export_file.to_str().unwrap();

    // Every `Run` already asserts a token-free stderr; stdout is checked here per command.
    for args in [
        &["status"][..],
        &["status", "--json"],
        &["refresh"],
        &["export", "--format", "json", "--output", export_path],
    ] {
        s.run(args).await.assert_code(0).assert_no_token_on_stdout();
    }
    let stored = s.stored().unwrap();
    let at = stored.secrets.access_token.expose();
    let rt = stored.secrets.refresh_token.as_ref().unwrap().expose();
    assert_ne!(at, s.access_token(), "`refresh` refreshed");
    let exported = std::fs::read_to_string(&export_file).unwrap();
    assert!(exported.contains(at) && exported.contains(rt));

    let token = s.run(&["token"]).await;
    token.assert_code(0);
    assert_eq!(
        token.stdout,
        format!("{at}\n"),
        "asked for: the access token"
    );
    let export = s.run(&["export", "--format", "env"]).await;
    export.assert_code(0);
    assert!(
        export.stdout.contains(at) && !export.stdout.contains(rt),
        "env export carries the access token only: {}",
        export.stdout.len()
    );
    let export = s.run(&["export", "--format", "json"]).await;
    export.assert_code(0);
    assert!(export.stdout.contains(at) && export.stdout.contains(rt));

    s.run(&["logout"])
        .await
        .assert_code(0)
        .assert_no_token_on_stdout();
    for args in [&["token"][..], &["refresh"], &["status"]] {
        s.run(args)
            .await
            .assert_code(SIGN_IN_NEEDED)
            .assert_no_token_on_stdout();
    }
}

#[tokio::test]
async fn export_to_a_bare_file_name_writes_it_in_the_current_directory() {
    use std::os::unix::fs::PermissionsExt as _;
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let work = tempfile::tempdir().unwrap();
    let args = ["export", "--format", "env", "--output", "out.env"];
    let mut cmd = s.command(&args);
    cmd.current_dir(work.path());
    let run = Run::from_output(&args, cmd.output().await.unwrap());
    run.assert_code(0);
    let file = work.path().join("out.env");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains(s.access_token())
    );
    assert_eq!(
        std::fs::metadata(&file).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert!(run.stderr.contains("snapshot"), "{}", run.stderr);
}

#[tokio::test]
async fn logout_removes_the_profiles_own_export_files_only() {
    use grantty::export::{Format, write_file};
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let mine = write_file(&s.dir(), PROFILE, Format::Json, "{}").unwrap();
    let netrc = write_file(&s.dir(), PROFILE, Format::Netrc, "x").unwrap();
    let other = write_file(&s.dir(), "other", Format::Json, "{}").unwrap();
    let run = s.run(&["logout"]).await;
    run.assert_code(0);
    assert!(!mine.exists() && !netrc.exists(), "{}", run.stderr);
    assert!(
        other.exists(),
        "another profile's export is not ours to remove"
    );
    assert!(
        run.stderr.contains("removed the export file"),
        "{}",
        run.stderr
    );
}
