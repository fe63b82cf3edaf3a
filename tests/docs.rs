//! `grantty completions SHELL` and `grantty man`, run as the real binary: generated from the clap
//! definitions, printed on stdout, nothing on stderr.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Names that must appear wherever the command line is described.
const SUBCOMMANDS: [&str; 5] = [
    "login",
    "token",
    "status",
    "kubectl-credential",
    "completions",
];

fn grantty(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantty"))
        .args(args)
        .env_remove("GRANTTY_PROFILE")
        .env_remove("GRANTTY_STORE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Stdout of a run that must succeed quietly.
fn stdout_of(args: &[&str]) -> String {
    let out = grantty(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `bash -c script` with `args` ($0 is `docs-test`), feeding `stdin`.
fn bash(script: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(script)
        .arg("docs-test")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn each_shell_gets_a_script_naming_the_subcommands_and_the_profile_flag() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.len() > 500, "{shell}: suspiciously short script");
        for name in SUBCOMMANDS {
            assert!(script.contains(name), "{shell}: no {name:?}");
        }
        // fish writes long flags as `-l profile`; the others as `--profile`.
        let profile = if shell == "fish" {
            "-l profile"
        } else {
            "--profile"
        };
        assert!(script.contains(profile), "{shell}: no {profile:?}");
    }
}

#[test]
fn bash_script_parses() {
    let script = stdout_of(&["completions", "bash"]);
    let check = bash("bash -n", &[], &script);
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn bash_script_completes_subcommands_and_global_flags() {
    let script = stdout_of(&["completions", "bash"]);
    // Source the script, then ask its function what follows `grantty <word>` as bash would.
    let complete = r#"source /dev/stdin
        COMP_WORDS=(grantty "$1"); COMP_CWORD=1
        _grantty grantty "$1" grantty
        printf '%s\n' "${COMPREPLY[@]}""#;
    let words = |word: &str| {
        let out = bash(complete, &[word], &script);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let k = words("ku");
    assert_eq!(k.lines().collect::<Vec<_>>(), ["kubectl-credential"]);
    let flags = words("--pro");
    assert_eq!(flags.lines().collect::<Vec<_>>(), ["--profile"]);
    assert!(words("").lines().any(|w| w == "login"));
}

#[test]
fn man_page_is_roff_and_lists_the_subcommands() {
    let page = stdout_of(&["man"]);
    assert!(
        page.lines().any(|l| l.starts_with(".TH grantty 1 ")),
        "no .TH title line"
    );
    assert!(page.contains(".SH SYNOPSIS") && page.contains(".SH SUBCOMMANDS"));
    // roff escapes hyphens as `\-`.
    let text = page.replace("\\-", "-");
    for name in SUBCOMMANDS {
        assert!(text.contains(&format!("grantty-{name}(1)")), "no {name:?}");
    }
    assert!(text.contains("--profile"));
}

#[test]
fn man_page_is_the_same_on_every_run() {
    assert_eq!(stdout_of(&["man"]), stdout_of(&["man"]));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = grantty(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}
