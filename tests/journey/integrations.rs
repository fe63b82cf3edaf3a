//! Integrations for wrappers, as kubectl, git and scripts run them: the real `grantty` binary
//! over real HTTP on 127.0.0.1 against the built-in demo server, on a session signed in through
//! the library (`common::session`). Every run's stderr is checked for token text.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::process::Stdio;

use grantty::demo::DemoConfig;
use serde_json::Value;
use tokio::io::AsyncWriteExt as _;

use common::session::{
    Access, PROFILE, Run, SignedIn, command_in as grantty, demo_server, signed_in,
};

/// `grantty`'s exit code for "sign in (again)".
const SIGN_IN_NEEDED: i32 = 7;

/// Parses an `ExecCredential` and checks it against the stored session.
fn assert_exec_credential(run: &Run, s: &SignedIn) {
    run.assert_code(0);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["apiVersion"], "client.authentication.k8s.io/v1");
    assert_eq!(v["kind"], "ExecCredential");
    let stored = s.stored().unwrap();
    assert_eq!(v["status"]["token"], stored.secrets.access_token.expose());
    let expiry = v["status"]["expirationTimestamp"].as_str().unwrap();
    assert!(
        expiry.len() == 20 && expiry.ends_with('Z') && &expiry[10..11] == "T",
        "RFC 3339 UTC: {expiry}"
    );
    assert_eq!(
        expiry,
        stored.meta.access_expires_at.unwrap().to_rfc3339(),
        "the stored expiry"
    );
}

#[tokio::test]
async fn kubectl_credential_prints_the_stored_token_with_its_expiry() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let run = s.run(&["kubectl-credential"]).await;
    assert_exec_credential(&run, &s);
    assert_eq!(
        server.stats().refreshes,
        0,
        "a fresh token is not refreshed"
    );
}

#[tokio::test]
async fn kubectl_credential_refreshes_an_expired_token_first() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;
    let run = s.run(&["kubectl-credential", "--profile", PROFILE]).await;
    assert_exec_credential(&run, &s);
    assert_ne!(run.stdout, s.access_token());
    assert!(
        !run.stdout.contains(s.access_token()),
        "the expired token is not handed out"
    );
    assert_eq!(server.stats().refreshes, 1);
}

#[tokio::test]
async fn kubectl_credential_without_a_session_says_how_to_sign_in() {
    let state = tempfile::tempdir().unwrap();
    let args = ["kubectl-credential", "--profile", "ops"];
    let run = Run::from_output(&args, grantty(state.path(), &args).output().await.unwrap());
    run.assert_code(SIGN_IN_NEEDED);
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("grantty login --profile ops"),
        "{}",
        run.stderr
    );
}

/// `grantty git-credential <operation>` with `request` on stdin.
async fn git(s: &SignedIn, operation: &str, request: &str) -> Run {
    let args = ["git-credential", operation];
    let mut cmd = s.command(&args);
    cmd.stdin(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(request.as_bytes()).await.unwrap();
    drop(stdin);
    Run::from_output(&args, child.wait_with_output().await.unwrap())
}

#[tokio::test]
async fn git_credential_answers_for_the_provider_host_only_and_keeps_the_session() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let port = server.local_addr().port();
    let ours = format!("protocol=http\nhost=127.0.0.1:{port}\npath=team/repo.git\n\n");
    let expected = format!(
        "username=oauth2\npassword={}\npassword_expiry_utc={}\n",
        s.access_token(),
        s.session.meta.access_expires_at.unwrap().as_unix_secs()
    );

    let got = git(&s, "get", &ours).await;
    got.assert_code(0);
    assert_eq!(got.stdout, expected);

    for other in [
        "protocol=https\nhost=git.example.com\n\n".to_owned(),
        format!("protocol=http\nhost=127.0.0.1:{}\n\n", port.wrapping_add(1)),
        format!("protocol=ftp\nhost=127.0.0.1:{port}\n\n"),
        // A protocol that smuggles our host in front of another one.
        format!("protocol=http://127.0.0.1:{port}#\nhost=evil.example\n\n"),
        format!("protocol=http://127.0.0.1:{port}/\nhost=evil.example\n\n"),
    ] {
        let run = git(&s, "get", &other).await;
        run.assert_code(0);
        assert!(run.stdout.is_empty(), "{other:?} got {}", run.stdout);
    }

    let with_password = format!(
        "{}password={}\n\n",
        &ours[..ours.len() - 1],
        s.access_token()
    );
    for operation in ["store", "erase"] {
        let run = git(&s, operation, &with_password).await;
        run.assert_code(0);
        assert!(run.stdout.is_empty() && run.stderr.is_empty(), "{run:?}");
    }
    assert_eq!(
        s.stored().unwrap(),
        s.session,
        "store and erase change nothing"
    );
    assert_eq!(
        git(&s, "get", &ours).await.stdout,
        expected,
        "still answered"
    );
    assert_eq!(server.stats().refreshes, 0);
}

#[tokio::test]
async fn export_writes_netrc_exec_credential_and_git_credential() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let at = s.access_token();
    let netrc = s.run(&["export", "--format", "netrc"]).await;
    netrc.assert_code(0);
    assert_eq!(
        netrc.stdout,
        format!("machine 127.0.0.1 login oauth2 password {at}\n")
    );
    assert_exec_credential(&s.run(&["export", "--format", "exec-credential"]).await, &s);
    let git = s.run(&["export", "--format", "git-credential"]).await;
    git.assert_code(0);
    assert!(
        git.stdout.starts_with(&format!(
            "username=oauth2\npassword={at}\npassword_expiry_utc="
        )),
        "{}",
        git.stdout
    );
}
