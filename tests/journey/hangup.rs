//! Journey: the SSH connection drops while a refresh is at the server. The real `grantty` runs
//! in a real pty (tmux) against the built-in demo server on 127.0.0.1; once the server has
//! rotated the refresh token and holds its answer, `tmux kill-session` closes the pty's master
//! as sshd does when a connection drops: the terminal is hung up (every write to it fails with
//! EIO, reads see end of file) and its session leader gets SIGHUP. The reply is released after
//! that (as the leader, once grantty has taken the SIGHUP: none pending in `/proc/PID/status`,
//! so the hang-up always comes first). grantty must exit by itself with the ROTATED refresh token saved, so the next
//! `grantty refresh` works and the server never sees a rotated-away refresh token again.
//!
//! Two seats in the terminal, as a login shell leaves them:
//! - `Seat::Leader`: grantty is the pane's process (exec'ed), so it gets the SIGHUP and the EIO;
//! - `Seat::UnderShell`: grantty runs under a shell that ignores SIGHUP and records grantty's
//!   exit status in a file once it ends; grantty gets no signal, only a dead terminal.
//!
//! Waits are on the demo server's announcement of a held reply, the pane's state, the taken
//! signal and the process's exit (bounded polling); nothing sleeps to let something happen.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use grantty::demo::{DemoConfig, DemoServer};
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};

use common::session::{Access, SignedIn, demo_server, signed_in};

/// Longer than grantty's own bound on finishing work after a hang-up (`FINISH_LIMIT_SECS`).
const EXIT_DEADLINE: Duration = Duration::from_secs(grantty::runtime::FINISH_LIMIT_SECS + 30);
/// How long the server may take to see the refresh, and the pane to show the program.
const START_DEADLINE: Duration = Duration::from_secs(60);
/// How often a polled condition is checked.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// Where grantty sits in the terminal that vanishes.
#[derive(Clone, Copy, Debug)]
enum Seat {
    /// The terminal's session leader: SIGHUP and EIO.
    Leader,
    /// A child of a shell that ignores SIGHUP: EIO only; the shell records the exit status.
    UnderShell,
}

/// A terminal of its own: a private tmux server running one `grantty` in an 80×24 pane.
struct Terminal {
    socket: String,
    seat: Seat,
    /// Where the shell writes grantty's exit status (`Seat::UnderShell`).
    status_file: PathBuf,
}

impl Terminal {
    /// Starts `grantty <args> --store file` on `s`'s state directory, in `seat`.
    fn start(s: &SignedIn, args: &[&str], seat: Seat) -> Self {
        let home = s.state_home.path();
        let socket = format!(
            "grantty-hangup-{}-{}",
            std::process::id(),
            home.file_name().unwrap().to_string_lossy()
        );
        let status_file = home.join("exit-status");
        let mut grantty = format!(
            "env -i TERM=xterm-256color NO_COLOR=1 XDG_STATE_HOME={} XDG_CONFIG_HOME={} {}",
            quote(home),
            quote(home),
            quote(Path::new(env!("CARGO_BIN_EXE_grantty"))),
        );
        for arg in args.iter().chain(&["--store", "file"]) {
            grantty.push(' ');
            grantty.push_str(&quote(Path::new(arg)));
        }
        let command = match seat {
            Seat::Leader => format!("exec {grantty}"),
            Seat::UnderShell => {
                format!("trap '' HUP; {grantty}; echo $? > {}", quote(&status_file))
            }
        };
        let status = Command::new("tmux")
            .args(["-L", &socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", "t", "-x", "80", "-y", "24", &command])
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        Self {
            socket,
            seat,
            status_file,
        }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// The pid of grantty: the pane's process, or under the shell its one child (`env`
    /// exec's grantty, keeping the pid).
    fn grantty_pid(&self) -> i32 {
        let pane: i32 = self
            .tmux(&["display", "-p", "-t", "t", "#{pane_pid}"])
            .parse()
            .unwrap();
        match self.seat {
            Seat::Leader => pane,
            Seat::UnderShell => {
                let children =
                    std::fs::read_to_string(format!("/proc/{pane}/task/{pane}/children")).unwrap();
                children.split_whitespace().next().unwrap().parse().unwrap()
            }
        }
    }

    /// Waits until the program has taken the terminal over (the alternate screen is on).
    async fn wait_for_alternate_screen(&self) {
        let deadline = Instant::now() + START_DEADLINE;
        while self.tmux(&["display", "-p", "-t", "t", "#{alternate_on}"]) != "1" {
            assert!(
                Instant::now() < deadline,
                "the dashboard never took the terminal; the screen shows:\n{}",
                self.tmux(&["capture-pane", "-p", "-t", "t"])
            );
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Closes the pty for real: tmux closes the master, the kernel hangs the terminal up.
    fn hang_up(&self) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "kill-session", "-t", "t"])
            .status()
            .unwrap();
        assert!(status.success(), "tmux could not kill the session");
    }

    /// Waits for `pid` to end; under the shell, returns the exit status it recorded.
    async fn wait_for_exit(&self, pid: i32, what: &str) -> Option<i32> {
        let deadline = Instant::now() + EXIT_DEADLINE;
        loop {
            let done = match self.seat {
                Seat::Leader => exited(pid),
                // The shell writes the status once grantty has ended.
                Seat::UnderShell => {
                    std::fs::read_to_string(&self.status_file).is_ok_and(|s| s.ends_with('\n'))
                }
            };
            if done {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{what} ({self:?}) was still running {EXIT_DEADLINE:?} after its terminal vanished"
            );
            tokio::time::sleep(POLL_EVERY).await;
        }
        match self.seat {
            Seat::Leader => None,
            Seat::UnderShell => Some(
                std::fs::read_to_string(&self.status_file)
                    .unwrap()
                    .trim()
                    .parse()
                    .unwrap(),
            ),
        }
    }
}

impl std::fmt::Debug for Terminal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.seat)
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .stderr(std::process::Stdio::null())
            .status();
    }
}

/// True once `pid` has ended (gone, or a zombie nobody has reaped yet).
fn exited(pid: i32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

/// True once `pid` has taken its SIGHUP (none pending any more) or has ended.
fn hangup_taken(pid: i32) -> bool {
    let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return true;
    };
    status
        .lines()
        .filter(|line| line.starts_with("SigPnd:") || line.starts_with("ShdPnd:"))
        .filter_map(|line| u64::from_str_radix(line.split_whitespace().nth(1)?, 16).ok())
        .all(|pending| pending & SIGHUP_BIT == 0)
}

/// SIGHUP (1) in a `/proc/PID/status` signal mask.
const SIGHUP_BIT: u64 = 1;

/// Polls `done` until it holds, with a deadline.
async fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + START_DEADLINE;
    while !done() {
        assert!(Instant::now() < deadline, "{what} never took its SIGHUP");
        tokio::time::sleep(POLL_EVERY).await;
    }
}

fn quote(text: &Path) -> String {
    format!("'{}'", text.to_string_lossy().replace('\'', r"'\''"))
}

/// Runs `grantty <args>` (no args: the dashboard) in a terminal in `seat` on a session whose access token has expired,
/// so it refreshes at once; hangs the terminal up while the server holds the refresh reply,
/// then releases it. Returns what the shell recorded as grantty's exit status, if anything.
async fn hang_up_during_a_held_refresh(
    server: &DemoServer,
    s: &SignedIn,
    args: &[&str],
    seat: Seat,
) -> Option<i32> {
    server.hold_refresh_replies();
    let term = Terminal::start(s, args, seat);
    let what = format!("`grantty {}`", args.join(" "));
    tokio::time::timeout(START_DEADLINE, server.held_refreshes(1))
        .await
        .unwrap_or_else(|_| panic!("{what} never sent its refresh"));
    let pid = term.grantty_pid();
    if args.is_empty() {
        term.wait_for_alternate_screen().await;
    }
    // The server has rotated the refresh token and holds the answer: the old one is spent.
    term.hang_up();
    if let Seat::Leader = seat {
        // The reply goes out only once grantty has taken the hang-up's SIGHUP.
        wait_until(&what, || hangup_taken(pid)).await;
    }
    server.release_refresh_replies();
    term.wait_for_exit(pid, &what).await
}

/// A signed-in session whose access token expired a minute ago after its full lifetime (so
/// the dashboard refreshes at once rather than treating it as a very short-lived token).
async fn expired_a_minute_ago(server: &DemoServer) -> SignedIn {
    let s = signed_in(server, Access::Fresh).await;
    let mut session = s.session.clone();
    let issued = session.meta.access_issued_at.as_unix_secs();
    let expires = session.meta.access_expires_at.unwrap().as_unix_secs();
    let shift = expires - SystemClock.now().as_unix_secs() + 60;
    session.meta.access_issued_at = Timestamp::from_unix_secs(issued - shift);
    session.meta.access_expires_at = Some(Timestamp::from_unix_secs(expires - shift));
    s.store.save(&session).unwrap();
    s
}

/// What must hold after the terminal vanished: the rotated refresh token is stored, no
/// refresh is left pending, the next `grantty refresh` (no terminal) works, and the server saw
/// two refreshes and no reuse of a rotated-away token.
async fn the_rotated_refresh_token_was_saved(server: &DemoServer, s: &SignedIn, what: &str) {
    let stored = s.stored().unwrap();
    assert_ne!(
        stored.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token(),
        "{what}: the refresh token the server rotated away is still the stored one"
    );
    assert_eq!(
        stored.meta.pending_refresh, None,
        "{what}: the refresh never finished"
    );
    assert_eq!(server.stats().refreshes, 1, "{what}");

    let next = s.run(&["refresh"]).await;
    next.assert_code(0).assert_no_token_on_stdout();
    let stats = server.stats();
    assert_eq!(stats.refreshes, 2, "{what}: both refreshes were honoured");
    assert_eq!(
        stats.reuse_detections, 0,
        "{what}: a rotated-away refresh token was sent"
    );
}

async fn journey(args: &[&str], seat: Seat) -> Option<i32> {
    let server = demo_server(DemoConfig::default()).await;
    let s = expired_a_minute_ago(&server).await;
    let status = hang_up_during_a_held_refresh(&server, &s, args, seat).await;
    let what = format!("`grantty {}` ({seat:?})", args.join(" "));
    the_rotated_refresh_token_was_saved(&server, &s, &what).await;
    status
}

#[tokio::test]
async fn dashboard_whose_terminal_vanishes_mid_refresh_saves_the_rotated_token() {
    assert_eq!(journey(&[], Seat::Leader).await, None);
}

#[tokio::test]
async fn dashboard_whose_terminal_dies_without_a_signal_saves_and_exits_zero() {
    let status = journey(&[], Seat::UnderShell).await;
    assert_eq!(status, Some(0), "the dashboard ends as after a hang-up");
}

#[tokio::test]
async fn refresh_whose_terminal_vanishes_mid_refresh_saves_the_rotated_token() {
    assert_eq!(journey(&["refresh"], Seat::Leader).await, None);
}

#[tokio::test]
async fn refresh_whose_terminal_dies_without_a_signal_saves_and_exits_zero() {
    let status = journey(&["refresh"], Seat::UnderShell).await;
    assert_eq!(
        status,
        Some(0),
        "the refresh succeeded; only its words were lost"
    );
}

#[tokio::test]
async fn token_whose_terminal_vanishes_mid_refresh_saves_the_rotated_token() {
    assert_eq!(journey(&["token"], Seat::Leader).await, None);
}
