//! The real binary, as scripts and wrappers run it: no terminal on stdout, so plain mode.
//! Only loopback addresses are involved (the demo server binds 127.0.0.1).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Output, Stdio};

fn grantty(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantty"))
        .args(args)
        .env_remove("GRANTTY_CLIENT_ID")
        // Never the user's keyring or state directory: tokens stay in this process.
        .env("GRANTTY_STORE", "memory")
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join("grantty-cli-tests"),
        )
        // Nor the user's profiles.
        .env(
            "XDG_CONFIG_HOME",
            std::env::temp_dir().join("grantty-cli-tests-config"),
        )
        .env_remove("GRANTTY_CONFIG")
        .env_remove("GRANTTY_PROFILE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_signs_in_by_itself_and_exits_zero() {
    let out = grantty(&["demo", "--approve-after", "1", "--interval", "1"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {err}");
    assert!(err.contains("To sign in, open http://127.0.0.1:"), "{err}");
    assert!(err.contains("/device?user_code="), "{err}");
    assert!(
        err.contains("Signed in as demo.user@example.com (unverified)"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "stdout is for what scripts ask for: {}",
        text(&out.stdout)
    );
    assert!(
        !err.contains("demo-at-") && !err.contains("demo-rt-"),
        "a token leaked: {err}"
    );
}

#[test]
fn demo_deny_exits_with_the_denied_code() {
    let out = grantty(&["demo", "--deny", "--approve-after", "1", "--interval", "1"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "stderr: {err}");
    assert_eq!(err.matches("Access denied").count(), 1, "said once: {err}");
}

#[test]
fn login_without_a_provider_says_which_flags_to_use() {
    let out = grantty(&["login", "--client-id", "c"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("--issuer") && err.contains("--provider anaplan"),
        "{err}"
    );
}

#[test]
fn plain_http_issuer_outside_loopback_is_refused_without_a_request() {
    let out = grantty(&[
        "login",
        "--issuer",
        "http://idp.example.com",
        "--client-id",
        "c",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("must use https://"));
}

#[test]
fn unreachable_server_exits_with_the_network_code() {
    // Port 9 on loopback (discard) is closed here; connection refused, no traffic leaves the host.
    let out = grantty(&[
        "login",
        "--device-endpoint",
        "http://127.0.0.1:9/device",
        "--token-endpoint",
        "http://127.0.0.1:9/token",
        "--client-id",
        "c",
        // Plain mode ends when the sign-in does: a store that outlives the run.
        "--store",
        "file",
    ]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(err.contains("Could not reach 127.0.0.1:9"), "{err}");
    // Plain mode has no keys, and says how it ended once.
    assert!(!err.to_lowercase().contains("press"), "{err}");
    assert_eq!(err.matches("Could not reach").count(), 1, "{err}");
}

#[test]
fn plain_login_with_the_memory_store_is_refused_before_any_request() {
    // Nothing listens on port 9: had grantty asked for a code, the exit would be 6.
    for extra in [&[][..], &["--json"], &["--flow", "code"]] {
        let mut args = vec![
            "login",
            "--device-endpoint",
            "http://127.0.0.1:9/device",
            "--token-endpoint",
            "http://127.0.0.1:9/token",
            "--authorize-endpoint",
            "http://127.0.0.1:9/authorize",
            "--client-id",
            "c",
            "--store",
            "memory",
        ];
        args.extend_from_slice(extra);
        let out = grantty(&args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(
            err.contains("--store memory")
                && err.contains("grantty login --profile default --store auto"),
            "{err}"
        );
    }
}
