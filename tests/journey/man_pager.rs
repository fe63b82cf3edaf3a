//! `grantty man` as a person runs it: in a terminal (a private tmux server) the page is handed
//! to `man -l -`, which formats it and pages it; without man(1), or when it fails, the roff is
//! printed after a notice; into a pipe the roff goes as it is and man(1) is never run.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Command, Stdio};

use common::tmux::Tmux;

/// A directory holding one executable `man` that runs `script`.
fn fake_man(dir: &Path, script: &str) {
    let man = dir.join("man");
    std::fs::write(&man, format!("#!/bin/sh\n{script}\n")).unwrap();
    std::fs::set_permissions(&man, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn path_env() -> String {
    format!("PATH={}", std::env::var("PATH").unwrap())
}

/// Whether a real man(1) is installed; if not, says so (past libtest's capture).
fn man_installed() -> bool {
    let found = Command::new("man")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        eprintln!("\n*** SKIPPED: man is not installed; the formatted page is not checked ***\n");
    }
    found
}

#[tokio::test]
async fn on_a_terminal_the_page_is_formatted_by_man() {
    if !man_installed() {
        assert!(std::env::var_os("CI").is_none(), "CI must install man-db");
        return;
    }
    let home = tempfile::tempdir().unwrap();
    let path = path_env();
    // man's own pager (less), as a person gets it.
    let tui = Tmux::start_then(home.path(), &["man", "keep"], (100, 40), &[&path], None);
    let screen = tui.wait_for("DESCRIPTION").await;
    // Formatted: headings and text, no roff requests or escapes.
    assert!(screen.contains("grantty-keep(1)"), "{screen}");
    assert!(screen.contains("Keep sessions alive"), "{screen}");
    let no_roff = |screen: &str| {
        for raw in [".TH", ".SH", ".PP", ".TP", "\\fB", "\\-"] {
            assert!(!screen.contains(raw), "raw {raw:?} on screen:\n{screen}");
        }
    };
    no_roff(&screen);
    // The pager searches the page; keep's own sections are there, formatted too.
    tui.keys("/SCHEDULE");
    tui.keys("Enter");
    let heading = |screen: &str| screen.lines().any(|l| l.trim_end() == "SCHEDULE");
    let screen = tui
        .wait_for_match("the SCHEDULE heading", |s| heading(s).then(|| s.to_owned()))
        .await;
    assert!(screen.contains("access token"), "{screen}");
    no_roff(&screen);
    tui.keys("q");
    let (status, after) = tui.exit_status().await;
    assert_eq!(status, 0, "{after}");
    assert!(
        !tui.final_history()
            .await
            .contains("printing the page as roff")
    );
}

#[tokio::test]
async fn without_man_the_roff_is_printed_after_a_notice() {
    let home = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    let path = format!("PATH={}", empty.path().display());
    let tui = Tmux::start_then(home.path(), &["man", "keep"], (100, 40), &[&path], None);
    let (status, _) = tui.exit_status().await;
    let all = tui.final_history().await;
    assert_eq!(status, 0, "{all}");
    assert!(
        all.contains("grantty: could not run man (") && all.contains("printing the page as roff"),
        "{all}"
    );
    assert!(all.contains(".TH grantty-keep 1"), "{all}");
    // Only the head of the page is asserted: a pty may drop the tail of a burst written just
    // before the program exits (seen under load), and the tail proves nothing more here.
    assert!(all.contains(".SH NAME"), "{all}");
}

#[tokio::test]
async fn when_man_fails_the_roff_is_printed_after_a_notice() {
    let home = tempfile::tempdir().unwrap();
    let bin = tempfile::tempdir().unwrap();
    fake_man(bin.path(), "exit 16");
    let path = format!("PATH={}:/usr/bin:/bin", bin.path().display());
    let tui = Tmux::start_then(home.path(), &["man"], (100, 40), &[&path], None);
    let (status, _) = tui.exit_status().await;
    let all = tui.final_history().await;
    assert_eq!(status, 0, "{all}");
    assert!(all.contains("`man -l -` failed (exit status: 16)"), "{all}");
    assert!(all.contains(".SH NAME"), "{all}");
}

#[test]
fn into_a_pipe_the_roff_is_printed_unchanged_and_man_is_not_run() {
    let bin = tempfile::tempdir().unwrap();
    let ran = bin.path().join("ran");
    fake_man(
        bin.path(),
        &format!("touch '{}'; cat >/dev/null", ran.display()),
    );
    let run = |path: &str| {
        Command::new(env!("CARGO_BIN_EXE_grantty"))
            .args(["man", "keep"])
            .env("PATH", path)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let with_man = run(&format!("{}:/usr/bin:/bin", bin.path().display()));
    let without = run("/nonexistent");
    assert_eq!(with_man.status.code(), Some(0));
    assert!(
        with_man.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&with_man.stderr)
    );
    assert!(!ran.exists(), "man was run for a pipe");
    assert_eq!(with_man.stdout, without.stdout);
    let page = String::from_utf8(with_man.stdout).unwrap();
    assert!(page.starts_with(".ie \\n(.g .ds Aq") || page.contains(".TH grantty-keep 1"));
    assert!(page.contains(".SH \"SCHEDULE\""));
}
