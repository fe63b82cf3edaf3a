//! `keep --notify CMD`: runs `sh -c CMD` for an alert the upkeep policy decided
//! ([`crate::domain::upkeep::Alerts`]), in its own process group, beside the keeper: the hook
//! never delays a refresh. Its environment is the keeper's without any `GRANTTY_*` variable, plus
//! `GRANTTY_EVENT`, `GRANTTY_PROFILE`, `GRANTTY_DEADLINE` (RFC 3339, UTC; only when there is
//! one) and `GRANTTY_MESSAGE` (one line, sanitised, capped). No token is ever in its environment
//! or argv. A hook that outlives its time limit is killed with its whole process group; a hook
//! that fails or was killed is reported back ([`HookDone`]) and the keeper carries on.

use std::collections::BTreeSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use crate::domain::text::sanitize;
use crate::domain::upkeep::Alert;

/// Longest `GRANTTY_MESSAGE`, in characters.
pub const MESSAGE_MAX_CHARS: usize = 400;

/// A finished hook that did not succeed.
#[derive(Debug)]
pub struct HookDone {
    /// The profile of the alert.
    pub profile: String,
    /// The alert's name (`sign-in-soon`, …).
    pub event: &'static str,
    /// What went wrong, in words.
    pub problem: String,
}

/// The `--notify` command and the hooks running now.
pub struct Hook {
    command: String,
    limit: Duration,
    done: UnboundedSender<HookDone>,
    /// Process-group ids of the hooks running now.
    running: Arc<Mutex<BTreeSet<i32>>>,
}

impl Hook {
    /// A hook running `sh -c command`, stopped after `limit`; failures arrive on the receiver.
    pub fn new(command: String, limit: Duration) -> (Self, UnboundedReceiver<HookDone>) {
        let (done, rx) = unbounded_channel();
        let hook = Self {
            command,
            limit,
            done,
            running: Arc::default(),
        };
        (hook, rx)
    }

    /// Starts the hook for `alert` of `profile` and returns at once.
    pub fn fire(&self, profile: &str, alert: Alert, message: &str) {
        let event = alert.kind.as_str();
        let report = |problem: String| {
            let _ = self.done.send(HookDone {
                profile: profile.to_owned(),
                event,
                problem,
            });
        };
        let mut command = std::process::Command::new("sh");
        command.arg("-c").arg(&self.command);
        for (name, _) in std::env::vars_os() {
            if name.to_string_lossy().starts_with("GRANTTY_") {
                command.env_remove(name);
            }
        }
        command
            .env("GRANTTY_EVENT", event)
            .env("GRANTTY_PROFILE", profile)
            .env("GRANTTY_MESSAGE", sanitize(message, MESSAGE_MAX_CHARS));
        if let Some(deadline) = alert.deadline {
            command.env("GRANTTY_DEADLINE", deadline.to_rfc3339());
        }
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        std::os::unix::process::CommandExt::process_group(&mut command, 0);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return report(format!("could not start: {e}")),
        };
        let Ok(pgid) = i32::try_from(child.id()) else {
            let _ = child.kill();
            return report("could not start: process id out of range".to_owned());
        };
        self.lock().insert(pgid);
        let running = Arc::clone(&self.running);
        let done = self.done.clone();
        let limit = self.limit;
        let profile = profile.to_owned();
        tokio::spawn(async move {
            let mut wait = tokio::task::spawn_blocking(move || child.wait());
            let problem = match tokio::time::timeout(limit, &mut wait).await {
                Ok(Ok(Ok(status))) if status.success() => None,
                Ok(Ok(Ok(status))) => Some(format!("failed ({status})")),
                Ok(Ok(Err(e))) => Some(format!("could not be waited for: {e}")),
                Ok(Err(e)) => Some(format!("could not be waited for: {e}")),
                Err(_) => {
                    kill_group(pgid);
                    let _ = wait.await;
                    Some(format!(
                        "did not finish within {} s and was stopped",
                        limit.as_secs()
                    ))
                }
            };
            running
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&pgid);
            if let Some(problem) = problem {
                let _ = done.send(HookDone {
                    profile,
                    event,
                    problem,
                });
            }
        });
    }

    /// Kills every hook still running (the keeper is stopping).
    pub fn stop_all(&self) {
        for pgid in std::mem::take(&mut *self.lock()) {
            kill_group(pgid);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeSet<i32>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// SIGKILL to the process group `pgid` (the hook's `sh` and everything it started there).
fn kill_group(pgid: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    }
}

/// The next finished hook, or never (no hook, or none will come).
pub async fn next_done(rx: &mut Option<UnboundedReceiver<HookDone>>) -> HookDone {
    match rx {
        Some(rx) => match rx.recv().await {
            Some(done) => done,
            None => std::future::pending().await,
        },
        None => std::future::pending().await,
    }
}
