//! Journey: `grantty export` never hands out an expired access token with exit 0. It refreshes
//! as `grantty token` does (same `--min-valid`, one refresh at the server), whatever the format
//! and whether to stdout or `--output`; when no valid token can be had it exits with `token`'s
//! code and prints or writes nothing. And `--output` into a directory that does not exist says
//! so, instead of blaming ownership.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::DemoConfig;

use common::session::{Access, demo_server, signed_in};

/// Exit code of a refused command line.
const USAGE: i32 = 2;
/// `grantty`'s exit code for "sign in (again)".
const SIGN_IN_NEEDED: i32 = 7;

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once_before_it_is_exported() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");

    // A command line that cannot be followed costs no refresh.
    let wrong = [
        "export",
        "--format",
        "env",
        "--update",
        "--output",
        file.to_str().unwrap(),
    ];
    let before = server.stats().token_requests;
    s.run(&wrong).await.assert_code(USAGE);
    assert_eq!(server.stats().token_requests, before, "nothing sent");

    let env = s.run(&["export", "--format", "env"]).await;
    env.assert_code(0);
    assert_eq!(server.stats().refreshes, 1, "refreshed once");
    let new = s.stored().unwrap().secrets.access_token.expose().to_owned();
    assert_ne!(new, s.access_token());
    assert!(
        env.stdout
            .contains(&format!("export GRANTTY_ACCESS_TOKEN='{new}'")),
        "{}",
        env.stdout
    );
    assert!(!env.stdout.contains(s.access_token()), "the expired token");

    // Now valid: exported as it is, nothing sent.
    let header = s.run(&["export", "--format", "header"]).await;
    header.assert_code(0);
    assert_eq!(header.stdout, format!("Authorization: Bearer {new}\n"));
    assert_eq!(server.stats().refreshes, 1);

    // An explicit --min-valid longer than the token has: refreshed, as `token` would.
    s.run(&[
        "export",
        "--format",
        "raw",
        "--min-valid",
        "3000",
        "--output",
        file.to_str().unwrap(),
    ])
    .await
    .assert_code(0)
    .assert_no_token_on_stdout();
    assert_eq!(server.stats().refreshes, 2);
    let newer = s.stored().unwrap().secrets.access_token.expose().to_owned();
    assert_ne!(newer, new);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        format!("{newer}\n")
    );
}

#[tokio::test]
async fn a_refused_refresh_exits_7_and_exports_nothing() {
    // Every refresh token is dead at once: the expired access token cannot be renewed.
    let server = demo_server(DemoConfig {
        refresh_token_lifetime_secs: Some(0),
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Expired).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("grantty.json");

    for format in ["raw", "json", "env", "header", "netrc", "exec-credential"] {
        let run = s.run(&["export", "--format", format]).await;
        run.assert_code(SIGN_IN_NEEDED);
        assert!(run.stdout.is_empty(), "{format}: {}", run.stdout);
        assert!(
            run.stderr.contains("grantty login --profile default"),
            "{}",
            run.stderr
        );
    }
    let written = s
        .run(&[
            "export",
            "--format",
            "json",
            "--output",
            file.to_str().unwrap(),
        ])
        .await;
    written.assert_code(SIGN_IN_NEEDED);
    assert!(!file.exists(), "nothing written");
    assert_eq!(server.stats().refreshes, 0);
}

#[tokio::test]
async fn output_into_a_missing_directory_says_it_does_not_exist() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dir");
    let path = missing.join("token.env");

    let run = s
        .run(&[
            "export",
            "--format",
            "env",
            "--output",
            path.to_str().unwrap(),
        ])
        .await;
    run.assert_code(USAGE).assert_no_token_on_stdout();
    assert!(
        run.stderr
            .contains(&format!("{} does not exist, so", missing.display())),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("belongs to you"), "{}", run.stderr);
    assert!(!missing.exists());

    // A file where the directory should be.
    std::fs::write(&missing, "").unwrap();
    let run = s
        .run(&[
            "export",
            "--format",
            "env",
            "--output",
            path.to_str().unwrap(),
        ])
        .await;
    run.assert_code(USAGE);
    assert!(
        run.stderr
            .contains(&format!("{} is not a directory", missing.display())),
        "{}",
        run.stderr
    );
}
