//! Journey: `grantty exec -- CMD` runs CMD with a valid access token in its environment
//! (`GRANTTY_ACCESS_TOKEN`, and `GRANTTY_AUTHORIZATION` with the provider's scheme), refreshed
//! first exactly as `grantty token` would, never in an argv, and exits as CMD does. When no valid
//! token can be had, CMD does not run and the exit code is `token`'s. The real binary replaces
//! itself with `sh`, which reports what it sees into files; the demo server on 127.0.0.1 says
//! what it saw.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt as _;
use std::os::unix::process::ExitStatusExt as _;
use std::path::Path;

use crate::common;

use grantty::demo::DemoConfig;

use common::home::{Home, approving_server};
use common::session::{Access, Run, SignedIn, demo_server, signed_in};

/// `grantty`'s exit code for "sign in (again)".
const SIGN_IN_NEEDED: i32 = 7;
/// What a shell says for a command it cannot find.
const NOT_FOUND: i32 = 127;
/// What a shell says for a command it found but cannot run.
const CANNOT_EXECUTE: i32 = 126;

/// The test's own `PATH`, so `sh` is found as a user's shell would find it.
fn path() -> String {
    std::env::var("PATH").unwrap_or_else(|_| "/usr/bin:/bin".to_owned())
}

/// `grantty --store file exec -- <command…>` on `s`'s session, with `PATH`.
async fn exec(s: &SignedIn, command: &[&str]) -> Run {
    let mut args = vec!["exec", "--"];
    args.extend_from_slice(command);
    let mut cmd = s.command(&args);
    cmd.env("PATH", path());
    Run::of(cmd, &args).await
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Writes what the command saw into `$0/…`: its two variables, its own argv and its open files.
const REPORT: &str = r#"printf %s "$GRANTTY_AUTHORIZATION" > "$0/authorization"
printf %s "$GRANTTY_ACCESS_TOKEN" > "$0/token"
tr '\0' ' ' < /proc/$$/cmdline > "$0/cmdline"
for fd in /proc/$$/fd/*; do printf '%s -> %s\n' "${fd##*/}" "$(readlink "$fd")"; done > "$0/fds"
"#;

#[tokio::test]
async fn an_expired_token_is_refreshed_once_and_the_command_gets_the_new_one_only_in_its_environment()
 {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let out = tempfile::tempdir().unwrap();
    let dir = out.path().to_str().unwrap();

    let run = exec(&s, &["sh", "-c", REPORT, dir]).await;
    run.assert_code(0).assert_no_token_on_stdout();
    assert_eq!(server.stats().refreshes, 1, "exactly one refresh");
    let stored = s.stored().unwrap();
    let new = stored.secrets.access_token.expose().to_owned();
    assert_ne!(new, s.access_token(), "the expired token was replaced");
    assert_eq!(
        read(&out.path().join("authorization")),
        format!("Bearer {new}")
    );
    assert_eq!(read(&out.path().join("token")), new);
    // The demo server accepts what the command got.
    s.run(&["status", "--verify"]).await.assert_code(0);
    assert_eq!(server.stats().token_checks_accepted, 1);

    let cmdline = read(&out.path().join("cmdline"));
    assert!(cmdline.starts_with("sh -c "), "{cmdline}");
    assert!(
        !cmdline.contains(&new) && !cmdline.contains("demo-at-"),
        "a token in the command's argv: {cmdline}"
    );
    // Nothing of grantty's is open in the command: no lock or session file, no socket, no
    // event loop.
    let fds = read(&out.path().join("fds"));
    let state = s.dir();
    for line in fds.lines() {
        assert!(
            !line.contains(state.to_str().unwrap())
                && !line.contains("socket:")
                && !line.contains("anon_inode:"),
            "an open file of grantty's leaked into the command: {line}\n{fds}"
        );
    }
}

#[tokio::test]
async fn a_valid_token_runs_the_command_without_asking_the_server() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats().token_requests;

    let run = exec(&s, &["sh", "-c", r#"printf %s "$GRANTTY_AUTHORIZATION""#]).await;
    run.assert_code(0);
    assert_eq!(run.stdout, format!("Bearer {}", s.access_token()));
    assert_eq!(server.stats().token_requests, before, "nothing sent");
}

#[tokio::test]
async fn an_anaplan_profile_gets_the_anaplan_auth_token_scheme() {
    let server = approving_server().await;
    let home = Home::with_config("");
    let login = [
        "login",
        "--client-id",
        "exec-client",
        "--store",
        "file",
        "--provider",
        "anaplan",
        "--host",
        &server.issuer(),
    ];
    home.run(&login, &[]).await.assert_code(0);

    let path = path();
    let run = home
        .run(
            &[
                "exec",
                "--",
                "sh",
                "-c",
                r#"printf %s "$GRANTTY_AUTHORIZATION""#,
            ],
            &[("PATH", path.as_str())],
        )
        .await;
    run.assert_code(0);
    let token = run
        .stdout
        .strip_prefix("AnaplanAuthToken ")
        .unwrap_or_else(|| panic!("not an AnaplanAuthToken header value: {:?}", run.stdout));
    assert!(token.starts_with("demo-at-"));
    // What Anaplan's own check accepts: `AnaplanAuthToken <that token>`.
    home.run(&["status", "--verify"], &[]).await.assert_code(0);
    assert_eq!(server.stats().token_checks_accepted, 1);
}

#[tokio::test]
async fn the_command_s_exit_status_and_the_signal_that_ended_it_are_grantty_s() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;

    exec(&s, &["sh", "-c", "exit 42"]).await.assert_code(42);
    let killed = exec(&s, &["sh", "-c", "kill -TERM $$"]).await;
    assert_eq!(killed.status.signal(), Some(15), "{:?}", killed.status);
    // As a shell reports it: 128 + 15.
    let grantty = env!("CARGO_BIN_EXE_grantty");
    let mut cmd = tokio::process::Command::new("sh");
    cmd.args([
        "-c",
        r#""$0" --store file exec -- sh -c 'kill -TERM $$'; echo $?"#,
        grantty,
    ])
    .env_clear()
    .env("PATH", path())
    .env("XDG_STATE_HOME", s.state_home.path())
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped());
    let shell_run = Run::of(cmd, &["(sh) exec -- sh -c 'kill -TERM $$'"]).await;
    assert_eq!(shell_run.stdout.trim(), "143");
}

#[tokio::test]
async fn a_missing_command_exits_127_and_one_that_cannot_run_126_with_a_clear_message() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;

    let missing = exec(&s, &["grantty-no-such-command"]).await;
    missing.assert_code(NOT_FOUND);
    assert!(
        missing
            .stderr
            .contains("command \"grantty-no-such-command\" not found in PATH"),
        "{}",
        missing.stderr
    );

    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("script.sh");
    std::fs::write(&script, "#!/bin/sh\necho ran\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).unwrap();
    let denied = exec(&s, &[script.to_str().unwrap()]).await;
    denied.assert_code(CANNOT_EXECUTE);
    assert!(
        denied.stderr.contains("is not executable"),
        "{}",
        denied.stderr
    );
    assert!(denied.stdout.is_empty(), "{}", denied.stdout);
}

#[tokio::test]
async fn when_the_session_needs_a_sign_in_the_command_does_not_run_and_exit_is_7() {
    // Every refresh token is dead at once: the expired access token cannot be renewed.
    let server = demo_server(DemoConfig {
        refresh_token_lifetime_secs: Some(0),
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Expired).await;
    let out = tempfile::tempdir().unwrap();
    let ran = out.path().join("ran");
    let before = server.stats().token_requests;

    let run = exec(&s, &["sh", "-c", r#": > "$0""#, ran.to_str().unwrap()]).await;
    run.assert_code(SIGN_IN_NEEDED).assert_no_token_on_stdout();
    assert!(!ran.exists(), "the command ran without a valid token");
    assert_eq!(
        server.stats().token_requests,
        before + 1,
        "one refresh, refused"
    );
    assert_eq!(server.stats().refreshes, 0);
    assert!(
        run.stderr.contains("grantty login --profile default"),
        "{}",
        run.stderr
    );

    // No session at all for the profile: the same.
    let other = s
        .run(&["exec", "--profile", "other", "--", "sh", "-c", "exit 0"])
        .await;
    other.assert_code(SIGN_IN_NEEDED);
}

#[tokio::test]
async fn the_profile_lock_is_released_before_the_command_runs() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let grantty = env!("CARGO_BIN_EXE_grantty");

    // The command itself refreshes the same profile, giving up at once if the lock is held.
    let run = exec(
        &s,
        &["sh", "-c", r#""$0" --store file refresh --wait 0"#, grantty],
    )
    .await;
    run.assert_code(0);
    assert_eq!(
        server.stats().refreshes,
        2,
        "exec's refresh, then the command's"
    );
}
