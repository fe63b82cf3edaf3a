//! The real `grantty` binary in a real terminal: a private tmux server (its own socket, no
//! configuration) at a fixed size, keys typed with `send-keys`, the screen read with
//! `capture-pane`, signals sent to the program's own pid. The pane stays after the program
//! exits (`remain-on-exit`) so its exit status can be read.
//!
//! Waiting is on what the screen or the pane shows, with a deadline; no outcome depends on how
//! long a wait takes.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// How long a screen may take to show what a test waits for.
const SCREEN_DEADLINE: Duration = Duration::from_secs(60);
/// How often the screen is read while waiting.
const POLL_EVERY: Duration = Duration::from_millis(50);

/// A `grantty` running in its own tmux server; the server is killed on drop.
pub struct Tmux {
    socket: String,
    config: tempfile::NamedTempFile,
    /// grantty runs under a shell (`start_then` with a command after it).
    wrapped: bool,
}

impl Tmux {
    /// Starts `grantty --store file <args>` at `cols`×`rows`, with `XDG_STATE_HOME` at
    /// `state_home`, `NO_COLOR`, a UTF-8 `LANG` (`env` may override it), and nothing else from
    /// the environment but `PATH` and `TERM`.
    pub fn start(state_home: &Path, args: &[&str], cols: u16, rows: u16) -> Self {
        Self::start_then(state_home, args, (cols, rows), &[], None)
    }

    /// [`Tmux::start`] with `env` (`NAME=value`) added, and with `after` set, runs that shell
    /// command in the same terminal once grantty has exited (e.g. to see what the terminal was
    /// left in); `exit=N` is printed between the two.
    pub fn start_then(
        state_home: &Path,
        args: &[&str],
        (cols, rows): (u16, u16),
        env: &[&str],
        after: Option<&str>,
    ) -> Self {
        use std::io::Write as _;
        let socket = format!(
            "grantty-test-{}-{}",
            std::process::id(),
            state_home.file_name().unwrap().to_string_lossy()
        );
        let mut config = tempfile::NamedTempFile::new().unwrap();
        writeln!(config, "set -g remain-on-exit on").unwrap();
        // OSC 52 from the program lands in tmux's paste buffer (`Tmux::clipboard`).
        writeln!(config, "set -g set-clipboard on").unwrap();
        let exec = if after.is_some() { "" } else { "exec " };
        let mut command = format!(
            "{exec}env -i TERM=xterm-256color LANG=C.UTF-8 TZ=UTC NO_COLOR=1 XDG_STATE_HOME={} XDG_CONFIG_HOME={} {}{}",
            shell_quote(&state_home.to_string_lossy()),
            shell_quote(&state_home.to_string_lossy()),
            env.iter().map(|e| shell_quote(e) + " ").collect::<String>(),
            shell_quote(env!("CARGO_BIN_EXE_grantty")),
        );
        for arg in args.iter().chain(["--store", "file"].iter()) {
            command.push(' ');
            command.push_str(&shell_quote(arg));
        }
        if let Some(after) = after {
            command = format!("{command}; echo exit=$?; {after}");
        }
        let tmux = Self {
            socket,
            config,
            wrapped: after.is_some(),
        };
        let config_path = tmux.config.path().to_string_lossy().into_owned();
        let status = Command::new("tmux")
            .args(["-L", &tmux.socket, "-f", &config_path, "new-session", "-d"])
            .args(["-s", "t", "-x", &cols.to_string(), "-y", &rows.to_string()])
            .arg(command)
            .status()
            .unwrap();
        assert!(status.success(), "tmux did not start");
        tmux
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// What the screen shows now.
    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-t", "t"])
    }

    /// Everything the pane printed: its scrollback and the screen.
    pub fn history(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-S", "-", "-t", "t"])
    }

    /// The whole scrollback once tmux has read the program's last output: `exit_status` can
    /// return as soon as the process is a zombie, before tmux drained the pty, so this waits
    /// for tmux to mark the pane dead.
    pub async fn final_history(&self) -> String {
        let deadline = Instant::now() + SCREEN_DEADLINE;
        while self
            .tmux(&["display", "-p", "-t", "t", "#{pane_dead}"])
            .trim()
            != "1"
        {
            assert!(Instant::now() < deadline, "tmux never saw the program end");
            tokio::time::sleep(POLL_EVERY).await;
        }
        self.history()
    }

    /// What the screen shows now, with its SGR escapes (reverse video, colours) kept.
    pub fn screen_with_styles(&self) -> String {
        self.tmux(&["capture-pane", "-p", "-e", "-t", "t"])
    }

    /// Types `keys` (tmux key names, e.g. `q`, `Escape`, `C-c`).
    pub fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", "t", keys]);
    }

    /// Pastes `text` as a terminal does when the program asked for bracketed paste
    /// (`paste-buffer -p` wraps it in `ESC [200~ … ESC [201~` only then).
    pub fn paste(&self, text: &str) {
        self.tmux(&["set-buffer", "-b", "test-paste", "--", text]);
        self.tmux(&["paste-buffer", "-p", "-d", "-b", "test-paste", "-t", "t"]);
    }

    /// What the program last put on the clipboard with OSC 52 (tmux's newest buffer).
    pub fn clipboard(&self) -> String {
        self.tmux(&["show-buffer"])
    }

    /// A tmux format of the pane, e.g. `#{alternate_on}`.
    pub fn format(&self, format: &str) -> String {
        self.tmux(&["display", "-p", "-t", "t", format])
            .trim()
            .to_owned()
    }

    /// The program's pid (it was `exec`ed, so it is the pane's; under `start_then`'s shell,
    /// the shell's child).
    pub fn pid(&self) -> i32 {
        let pane: i32 = self
            .tmux(&["display", "-p", "-t", "t", "#{pane_pid}"])
            .trim()
            .parse()
            .unwrap();
        if !self.wrapped {
            return pane;
        }
        // Under a shell: its one child (`env` exec's grantty, keeping the pid).
        let children =
            std::fs::read_to_string(format!("/proc/{pane}/task/{pane}/children")).unwrap();
        children.split_whitespace().next().unwrap().parse().unwrap()
    }

    /// Sends `signal` (e.g. `TERM`, `HUP`) to the program.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([&format!("-{signal}"), &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Waits until the screen contains `text`; returns the screen.
    pub async fn wait_for(&self, text: &str) -> String {
        self.wait_for_match(text, |screen| {
            screen.contains(text).then(|| screen.to_owned())
        })
        .await
    }

    /// Waits until `find` finds something on the screen (`what` names it for the failure).
    pub async fn wait_for_match<R>(&self, what: &str, find: impl Fn(&str) -> Option<R>) -> R {
        let deadline = Instant::now() + SCREEN_DEADLINE;
        loop {
            let screen = self.screen();
            if let Some(found) = find(&screen) {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {what}; it shows:\n{screen}"
            );
            tokio::time::sleep(POLL_EVERY).await;
        }
    }

    /// Waits for the program to exit; returns its exit status and the last screen.
    pub async fn exit_status(&self) -> (i32, String) {
        let deadline = Instant::now() + SCREEN_DEADLINE;
        loop {
            let dead = self.tmux(&[
                "display",
                "-p",
                "-t",
                "t",
                "#{pane_dead} #{pane_dead_status}",
            ]);
            // tmux may mark the pane dead a moment before it records the status.
            if let ["1", status] = dead.split_whitespace().collect::<Vec<_>>()[..] {
                return (status.parse().unwrap(), self.screen());
            }
            if let Some(status) = zombie_status(self.pid()) {
                return (status, self.screen());
            }
            assert!(
                Instant::now() < deadline,
                "grantty never exited; the screen shows:\n{}",
                self.screen()
            );
            tokio::time::sleep(POLL_EVERY).await;
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The exit status of `pid` once it has exited but is not yet reaped (tmux can be slow to
/// reap its child): field 52 of `/proc/PID/stat`, a wait status, read as a shell reports it.
fn zombie_status(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    if fields.first() != Some(&"Z") {
        return None;
    }
    let wait_status: i32 = fields.get(49)?.parse().ok()?;
    let signal = wait_status & 0x7f;
    Some(if signal == 0 {
        (wait_status >> 8) & 0xff
    } else {
        128 + signal
    })
}

fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
