//! What `grantty keep` says: one line per event on stderr, or NDJSON on stdout with `--json`
//! (the envelope of [`crate::ndjson`]). No event carries a token.

use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::domain::clock::Timestamp;
use crate::domain::upkeep::Notice;
use crate::words;

/// One thing the keeper did or noticed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum KeepEvent {
    /// The keeper started.
    Started {
        /// The profiles kept (with `--all`, those stored now; later ones join).
        profiles: Vec<String>,
        /// Whether every stored session is kept.
        all: bool,
    },
    /// The next refresh of a profile, when it changes.
    Scheduled {
        /// The profile.
        profile: String,
        /// When (unix seconds).
        at: i64,
        /// `access_expiring`, `lifespan_ending` or `retry`.
        why: &'static str,
    },
    /// This keeper refreshed; the new tokens are stored.
    Refreshed {
        /// The profile.
        profile: String,
        /// Whether the refresh token rotated.
        rotated: bool,
        /// When the new access token expires (unix seconds), if the server said.
        access_expires_at: Option<i64>,
    },
    /// Another process had refreshed first (under the same lock); nothing was sent.
    AlreadyFresh {
        /// The profile.
        profile: String,
    },
    /// Another client had rotated the token; its tokens were adopted.
    Adopted {
        /// The profile.
        profile: String,
    },
    /// A refresh failed in a way that may pass; it is retried after `retry_in` seconds.
    RefreshFailed {
        /// The profile.
        profile: String,
        /// What happened, in words.
        message: String,
        /// Seconds until the retry.
        retry_in: u64,
    },
    /// Only a person can fix this session; the keeper leaves it alone until it changes.
    NeedsHuman {
        /// The profile.
        profile: String,
        /// What happened and the command that fixes it.
        message: String,
        /// When the session stops working (unix seconds), if known.
        deadline: Option<i64>,
    },
    /// A signal arrived during a refresh: it is finished and saved first.
    Finishing {
        /// The profile being refreshed.
        profile: String,
        /// The signal's name.
        signal: &'static str,
    },
    /// The keeper stopped (exit code 0 follows).
    Stopped {
        /// The signal's name.
        signal: &'static str,
    },
}

/// Where events go.
pub struct Reporter<W: Write> {
    out: W,
    json: bool,
}

impl<W: Write> Reporter<W> {
    /// NDJSON on `out` with `json`, else human lines on `out`.
    pub fn new(out: W, json: bool) -> Self {
        Self { out, json }
    }

    /// Writes one event; a closed output is not a reason to stop keeping sessions.
    pub fn emit(&mut self, event: &KeepEvent, now: Timestamp) {
        let _ = if self.json {
            crate::ndjson::write_line(&mut self.out, event, now)
        } else {
            writeln!(self.out, "{}", line(event, now)).and_then(|()| self.out.flush())
        };
    }
}

fn hms(secs: i64) -> String {
    Timestamp::from_unix_secs(secs).utc_hms()
}

/// The human line of `event`, stamped with `now` (UTC).
pub fn line(event: &KeepEvent, now: Timestamp) -> String {
    let text = match event {
        KeepEvent::Started { profiles, all } => {
            let which = if *all {
                "every stored session"
            } else {
                "profile"
            };
            let names = if profiles.is_empty() {
                "(none yet)".to_owned()
            } else {
                profiles.join(", ")
            };
            format!("keeping {which}: {names}")
        }
        KeepEvent::Scheduled { profile, at, why } => {
            let reason = match *why {
                "lifespan_ending" => "before the refresh token's lifespan ends",
                "retry" => "retry",
                _ => "before the access token expires",
            };
            format!("{profile}: next refresh at {} UTC ({reason})", hms(*at))
        }
        KeepEvent::Refreshed {
            profile,
            rotated,
            access_expires_at,
        } => {
            let rotated = if *rotated {
                "; the refresh token rotated"
            } else {
                ""
            };
            let until = access_expires_at.map_or_else(
                || "no expiry given".to_owned(),
                |at| format!("valid until {} UTC", hms(at)),
            );
            format!("{profile}: refreshed{rotated}; access token {until}")
        }
        KeepEvent::AlreadyFresh { profile } => {
            format!("{profile}: another grantty had just refreshed; nothing sent")
        }
        KeepEvent::Adopted { profile } => {
            format!("{profile}: adopted the tokens another client had just rotated")
        }
        KeepEvent::RefreshFailed {
            profile,
            message,
            retry_in,
        } => format!("{profile}: refresh failed: {message}; retrying in {retry_in} s"),
        KeepEvent::NeedsHuman {
            profile, message, ..
        } => format!("{profile}: NEEDS YOU: {message}"),
        KeepEvent::Finishing { profile, signal } => {
            format!("{signal}: finishing the refresh of {profile}, then stopping")
        }
        KeepEvent::Stopped { signal } => format!("{signal}: stopped"),
    };
    format!("grantty keep {}Z {text}", now.utc_hms())
}

/// The `needs_human` event of a notice.
pub fn needs_human(profile: &str, notice: Notice) -> KeepEvent {
    let login = format!("`{}`", words::login_command(profile));
    let (message, deadline) = match notice {
        Notice::NoRefreshToken { access_ends } => (
            format!(
                "the provider issued no refresh token, so this session ends {}; sign in again then with {login}",
                access_ends.map_or_else(
                    || "with its access token".to_owned(),
                    |at| format!("at {} UTC", at.utc_hms())
                )
            ),
            access_ends,
        ),
        Notice::LifespanEnds { at } => (
            format!(
                "the refresh token does not rotate and stops working at {} UTC ({}); sign in again before then with {login}",
                at.utc_hms(),
                at.to_rfc3339()
            ),
            Some(at),
        ),
    };
    KeepEvent::NeedsHuman {
        profile: profile.to_owned(),
        message,
        deadline: deadline.map(Timestamp::as_unix_secs),
    }
}

/// A systemd user unit running `exe keep <selector>`, restarted on failure, stopped with SIGTERM
/// (the keeper finishes an in-flight refresh first, within the HTTP timeout).
pub fn systemd_unit(exe: &Path, selector: &[String]) -> String {
    let args = selector.join(" ");
    format!(
        "\
# grantty keep: refreshes grantty sessions ahead of expiry.
# Install: grantty keep --print-systemd-unit > ~/.config/systemd/user/grantty-keep.service
#          systemctl --user daemon-reload && systemctl --user enable --now grantty-keep
# Without a login session as well: loginctl enable-linger \"$USER\"
[Unit]
Description=grantty: keep OAuth sessions alive
Documentation=man:grantty(1)
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
ExecStart={exe} keep {args}
Restart=on-failure
RestartSec=30
TimeoutStopSec=45
KillMode=mixed
NoNewPrivileges=yes

[Install]
WantedBy=default.target
",
        exe = exe.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_name_the_profile_and_the_next_step() {
        let line = line(
            &KeepEvent::NeedsHuman {
                profile: "work".into(),
                message: "sign in again with `grantty login --profile work`".into(),
                deadline: None,
            },
            Timestamp::from_unix_secs(3600),
        );
        assert_eq!(
            line,
            "grantty keep 01:00:00Z work: NEEDS YOU: sign in again with `grantty login --profile work`"
        );
    }

    #[test]
    fn json_events_share_the_ndjson_envelope() {
        let mut out = Vec::new();
        Reporter::new(&mut out, true).emit(
            &KeepEvent::Refreshed {
                profile: "p".into(),
                rotated: true,
                access_expires_at: Some(100),
            },
            Timestamp::from_unix_secs(7),
        );
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\"v\":1,\"event\":\"refreshed\",\"profile\":\"p\",\"rotated\":true,\"access_expires_at\":100,\"time\":7}\n"
        );
    }

    #[test]
    fn the_unit_runs_this_binary_and_stops_with_sigterm() {
        let unit = systemd_unit(Path::new("/usr/bin/grantty"), &["--all".to_owned()]);
        assert!(
            unit.contains("ExecStart=/usr/bin/grantty keep --all\n"),
            "{unit}"
        );
        assert!(unit.contains("WantedBy=default.target"));
        assert!(!unit.contains("KillSignal"), "SIGTERM is systemd's default");
    }
}
