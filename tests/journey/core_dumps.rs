//! A `grantty keep` holding a refresh token leaves nothing to dump: `/proc/<pid>/limits` shows a
//! core size of 0 although it was started with core dumps allowed, and (run as a second uid
//! when the test runs as root) the files in `/proc/<pid>` belong to root, which is how the kernel
//! shows a process that is not dumpable (no core by a pipe handler, no ptrace or
//! `/proc/<pid>/mem` by the same user); a dumpable one's belong to its uid.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt as _, BufReader};

use common::session::{Access, signed_in};

/// The uid the keeper runs as when the test is root.
const OTHER: u32 = 65534;

fn chown_tree(path: &Path, uid: u32) {
    std::os::unix::fs::lchown(path, Some(uid), Some(uid)).unwrap();
    if path.symlink_metadata().unwrap().is_dir() {
        for entry in std::fs::read_dir(path).unwrap() {
            chown_tree(&entry.unwrap().path(), uid);
        }
    }
}

#[tokio::test]
async fn a_keeper_started_with_core_dumps_allowed_turns_them_off_and_is_not_dumpable() {
    let server = common::session::demo_server(grantty::demo::DemoConfig::default()).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    let root = rustix::process::geteuid().is_root();
    // `sh` allows cores (soft limit 4 MiB) and then becomes grantty, same pid.
    let cmd = fixture.command(&["keep", "--json"]);
    let grantty = cmd.as_std().get_program().to_owned();
    let args: Vec<_> = cmd.as_std().get_args().map(ToOwned::to_owned).collect();
    let mut sh = tokio::process::Command::new("/bin/sh");
    sh.arg("-c")
        .arg("ulimit -S -c 4096 && exec \"$0\" \"$@\"")
        .arg(grantty)
        .args(args)
        .env_clear()
        .env("XDG_STATE_HOME", fixture.state_home.path())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if root {
        chown_tree(fixture.state_home.path(), OTHER);
        sh.uid(OTHER).gid(OTHER);
    } else {
        eprintln!("not root: the keeper runs as this uid, and only its core limit is checked");
    }
    let mut child = sh.spawn().unwrap();
    let pid = child.id().unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    // Its first event: grantty runs (main has long passed the switches), with the session loaded.
    let first = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("keep said nothing")
        .unwrap();
    let Some(first) = first else {
        let out = child.wait_with_output().await.unwrap();
        panic!("keep ended: {}", String::from_utf8_lossy(&out.stderr));
    };
    assert!(first.contains("\"started\""), "{first}");

    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let core = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap();
    let fields: Vec<&str> = core.split_whitespace().collect();
    assert_eq!(
        fields[4..6],
        ["0", "0"],
        "soft and hard core limits: {core}"
    );
    if root {
        let owner = std::fs::metadata(format!("/proc/{pid}/status"))
            .unwrap()
            .uid();
        assert_eq!(
            owner, 0,
            "/proc/{pid}/status of a keeper running as uid {OTHER} belongs to uid {owner}: it is dumpable"
        );
    }
    child.kill().await.unwrap();
}
