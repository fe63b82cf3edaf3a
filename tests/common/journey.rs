//! Helpers for journey tests: a running `grantty` whose stderr is read line by line (so a test
//! waits for "finishing the refresh…" instead of sleeping), signals sent by pid, and the
//! session's state directory broken and repaired.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStderr};

use super::session::Run;

/// A started `grantty` with its stderr being read.
pub struct Running {
    /// The arguments, for messages.
    pub args: Vec<String>,
    /// The process.
    pub child: Child,
    stderr: Lines<BufReader<ChildStderr>>,
    /// Every stderr line read so far.
    pub seen: Vec<String>,
}

impl Running {
    /// Starts `command` (stdout and stderr piped).
    pub fn start(mut command: tokio::process::Command, args: &[&str]) -> Self {
        command.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = command.spawn().unwrap();
        let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        Self {
            args: args.iter().map(|a| (*a).to_owned()).collect(),
            child,
            stderr,
            seen: Vec::new(),
        }
    }

    /// Reads stderr until a line contains `needle`; panics if stderr ends first.
    pub async fn wait_for_stderr(&mut self, needle: &str) {
        while let Some(line) = self.stderr.next_line().await.unwrap() {
            let found = line.contains(needle);
            self.seen.push(line);
            if found {
                return;
            }
        }
        panic!(
            "`grantty {}` never said {needle:?}; stderr: {:?}",
            self.args.join(" "),
            self.seen
        );
    }

    /// Sends `signal` (`TERM`, `INT`, `HUP`) to the process.
    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().unwrap().to_string();
        let status = std::process::Command::new("kill")
            .args(["-s", signal, &pid])
            .status()
            .unwrap();
        assert!(status.success(), "kill -s {signal} {pid}");
    }

    /// Waits for the end; stderr already read is included in the [`Run`].
    pub async fn finish(mut self) -> Run {
        while let Some(line) = self.stderr.next_line().await.unwrap() {
            self.seen.push(line);
        }
        let mut output = self.child.wait_with_output().await.unwrap();
        let mut stderr = self.seen.join("\n");
        stderr.push('\n');
        output.stderr = stderr.into_bytes();
        let args: Vec<&str> = self.args.iter().map(String::as_str).collect();
        Run::from_output(&args, output)
    }
}

/// The state directory moved aside and a plain file put in its place: every write into it
/// fails with "not a directory", whoever runs (root included).
pub struct BrokenDir {
    dir: PathBuf,
    aside: PathBuf,
}

impl BrokenDir {
    /// Breaks `dir`.
    pub fn break_it(dir: &Path) -> Self {
        let aside = dir.with_extension("aside");
        std::fs::rename(dir, &aside).unwrap();
        std::fs::write(dir, b"not a directory").unwrap();
        Self {
            dir: dir.to_owned(),
            aside,
        }
    }

    /// Puts the directory back.
    pub fn repair(self) {
        std::fs::remove_file(&self.dir).unwrap();
        std::fs::rename(&self.aside, &self.dir).unwrap();
    }
}

/// `grantty refresh` (as `command` runs it) whose answer meets a broken store: the demo server
/// holds the reply until the refresh is at the server, the state directory `dir` is broken, then
/// the reply goes out. Returns the finished run, with the directory still broken.
pub async fn refresh_as_the_store_breaks(
    server: &grantty::demo::DemoServer,
    command: tokio::process::Command,
    dir: &Path,
) -> (Run, BrokenDir) {
    server.hold_refresh_replies();
    let mut run = Running::start(command, &["refresh"]);
    tokio::select! {
        () = server.held_refreshes(1) => {}
        exited = run.child.wait() => panic!("refresh ended before reaching the server: {exited:?}"),
    }
    let broken = BrokenDir::break_it(dir);
    server.release_refresh_replies();
    (run.finish().await, broken)
}
