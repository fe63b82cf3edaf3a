//! Where a client secret may go, the real binary against the demo server on 127.0.0.1: an
//! exported `GRANTTY_CLIENT_SECRET` is ignored (with a notice) by the sign-in of a client that
//! is not confidential by configuration, so the server sees no secret and none is stored; with
//! `--client-auth basic`, or with `GRANTTY_CLIENT_SECRET_PROFILE` naming the profile, it is sent
//! and the sign-in says so and where it came from. `--client-secret-file` reads a pipe, as
//! `<(pass show x)` hands one over. What the SERVER saw is asserted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::{Path, PathBuf};

use grantty::demo::{ConfidentialClient, DemoServer, SeenAuth};

use common::home::{Home, approving_server};
use common::session::Run;

const ENV: &str = "GRANTTY_CLIENT_SECRET";

/// `login --issuer … --client-id CLIENT --store file` plus `extra`, with `env`.
async fn login(
    home: &Home,
    server: &DemoServer,
    client: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let issuer = server.issuer();
    let mut args = vec![
        "login",
        "--issuer",
        &issuer,
        "--client-id",
        client,
        "--store",
        "file",
    ];
    args.extend_from_slice(extra);
    home.run(&args, env).await
}

fn stored_secret(home: &Home) -> Option<String> {
    grantty::store::SessionStore::open(home.state(), grantty::store::StoreChoice::File, true)
        .unwrap()
        .load("default")
        .unwrap()
        .expect("a stored session")
        .secrets
        .client_secret
        .map(|s| s.expose().to_owned())
}

#[tokio::test]
async fn an_exported_secret_never_reaches_a_public_client_sign_in() {
    let server = approving_server().await;
    let home = Home::with_config("");
    let secret = "exported-for-another-client-51c8";
    let run = login(&home, &server, "grantty-demo", &[], &[(ENV, secret)]).await;
    run.assert_code(0);
    let seen = server.client_requests();
    assert!(!seen.is_empty());
    for request in &seen {
        assert_eq!(request.auth, SeenAuth::None, "{request:?}");
        assert!(!request.params.iter().any(|p| p == "client_secret"));
    }
    assert_eq!(stored_secret(&home), None, "no secret is stored");
    let notice = format!("notice: {ENV} is set but not used");
    assert!(run.stderr.contains(&notice), "{}", run.stderr);
    assert!(
        run.stderr.contains("--client-auth")
            && run.stderr.contains("GRANTTY_CLIENT_SECRET_PROFILE=default"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("sending the client secret"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains(secret) && !run.stdout.contains(secret));
}

/// A confidential sign-in with `extra` and `env` authenticates every request with Basic and the
/// right secret, and says once where the secret came from.
async fn confidential_sign_in(extra: &[&str], env: &[(&str, &str)], from: &str) {
    let server = approving_server().await;
    let home = Home::with_config("");
    let client = ConfidentialClient::default();
    let run = login(&home, &server, &client.client_id, extra, env).await;
    run.assert_code(0);
    let seen = server.client_requests();
    assert!(!seen.is_empty());
    for request in &seen {
        assert_eq!(request.auth, SeenAuth::Basic, "{request:?}");
        assert!(request.secret_matched && request.accepted, "{request:?}");
    }
    assert_eq!(
        stored_secret(&home).as_deref(),
        Some(client.secret.as_str())
    );
    let said = format!(
        "sending the client secret from {from} to {} as HTTP Basic",
        server.issuer()
    );
    assert_eq!(run.stderr.matches(&said).count(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains(&client.secret) && !run.stdout.contains(&client.secret));
}

#[tokio::test]
async fn with_client_auth_the_exported_secret_is_sent_and_the_sign_in_says_so() {
    let secret = ConfidentialClient::default().secret;
    confidential_sign_in(&["--client-auth", "basic"], &[(ENV, &secret)], ENV).await;
}

#[tokio::test]
async fn a_secret_bound_to_the_profile_is_sent_without_client_auth() {
    let secret = ConfidentialClient::default().secret;
    let env = [
        (ENV, secret.as_str()),
        ("GRANTTY_CLIENT_SECRET_PROFILE", "default"),
    ];
    confidential_sign_in(&[], &env, ENV).await;
}

/// A named pipe at `dir/secret` with `secret` written into it by a thread once grantty opens it.
fn fifo_with(dir: &Path, secret: &str) -> (PathBuf, std::thread::JoinHandle<()>) {
    let path = dir.join("secret");
    let made = std::process::Command::new("mkfifo")
        .arg("-m")
        .arg("600")
        .arg(&path)
        .status()
        .unwrap();
    assert!(made.success(), "mkfifo");
    let (writer_path, text) = (path.clone(), format!("{secret}\n"));
    let writer = std::thread::spawn(move || {
        use std::io::Write as _;
        // Blocks until a reader opens the pipe; a reader that never comes is released below.
        let mut pipe = std::fs::OpenOptions::new()
            .write(true)
            .open(&writer_path)
            .unwrap();
        let _ = pipe.write_all(text.as_bytes());
    });
    (path, writer)
}

#[tokio::test]
async fn a_secret_handed_over_through_a_pipe_is_read_and_sent() {
    let keys = tempfile::tempdir().unwrap();
    let client = ConfidentialClient::default();
    let (fifo, writer) = fifo_with(keys.path(), &client.secret);
    let server = approving_server().await;
    let home = Home::with_config("");
    let shown = fifo.display().to_string();
    let run = login(
        &home,
        &server,
        &client.client_id,
        &["--client-secret-file", &shown],
        &[],
    )
    .await;
    // Release a writer nobody read from (opening a FIFO read-write never blocks on Linux).
    drop(
        std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&fifo),
    );
    writer.join().unwrap();
    run.assert_code(0);
    assert!(
        !run.stderr.contains("chmod"),
        "no mode warning for a pipe: {}",
        run.stderr
    );
    let seen = server.client_requests();
    assert!(!seen.is_empty());
    for request in &seen {
        assert_eq!(request.auth, SeenAuth::Basic, "{request:?}");
        assert!(request.secret_matched && request.accepted, "{request:?}");
    }
    assert_eq!(
        stored_secret(&home).as_deref(),
        Some(client.secret.as_str())
    );
    let from = format!("sending the client secret from the file {shown} (--client-secret-file)");
    assert!(run.stderr.contains(&from), "{}", run.stderr);
}

#[tokio::test]
async fn a_secret_from_process_substitution_is_read_from_dev_fd() {
    let bash = Path::new("/bin/bash");
    if !bash.exists() {
        eprintln!("skipped: no /bin/bash for <(…)");
        return;
    }
    let server = approving_server().await;
    let home = Home::with_config("");
    let client = ConfidentialClient::default();
    // `--client-secret-file <(printf …)`: grantty is handed /dev/fd/N, a pipe.
    let script = r#"exec "$GRANTTY" login --issuer "$ISSUER" --client-id "$CLIENT" --store file \
        --client-secret-file <(printf '%s\n' "$SECRET")"#;
    let output = tokio::process::Command::new(bash)
        .args(["-c", script])
        .env_clear()
        .env("GRANTTY", env!("CARGO_BIN_EXE_grantty"))
        .env("ISSUER", server.issuer())
        .env("CLIENT", &client.client_id)
        .env("SECRET", &client.secret)
        .env("XDG_CONFIG_HOME", home.dir.path().join("config"))
        .env("XDG_STATE_HOME", home.dir.path().join("state"))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .output()
        .await
        .unwrap();
    let run = Run::from_output(&["login", "--client-secret-file", "<(…)"], output);
    run.assert_code(0);
    assert!(
        run.stderr.contains("from the file /dev/fd/"),
        "{}",
        run.stderr
    );
    let seen = server.client_requests();
    assert!(!seen.is_empty());
    for request in &seen {
        assert_eq!(request.auth, SeenAuth::Basic, "{request:?}");
        assert!(request.secret_matched && request.accepted, "{request:?}");
    }
}
