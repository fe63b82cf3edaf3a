//! What `grantty keep` says: one line per event on stderr, or NDJSON on stdout with `--json`
//! (the envelope of [`crate::ndjson`]). No event carries a token.

use std::io::Write;

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
    /// Something a person should hear about a session (the `--notify` hook ran for it).
    Alert {
        /// The profile.
        profile: String,
        /// `sign-in-soon`, `needs-human`, `recovered` or `ended`.
        alert: &'static str,
        /// What happened and what to do, in words.
        message: String,
        /// The session's end (unix seconds), where there is one.
        deadline: Option<i64>,
    },
    /// The `--notify` command failed or ran out of time (and was killed); keeping goes on.
    HookFailed {
        /// The profile of the alert.
        profile: String,
        /// The alert.
        alert: &'static str,
        /// What went wrong.
        message: String,
    },
    /// The stored session disappeared (a logout elsewhere): no longer kept.
    LoggedOut {
        /// The profile.
        profile: String,
        /// In words.
        message: String,
    },
    /// `--once`: how a session stands after the pass; one per session.
    Checked {
        /// The profile.
        profile: String,
        /// `healthy`, `needs_human`, `unreachable` or `store_failed`.
        health: &'static str,
        /// What happened to it, in words.
        message: String,
        /// The session's end (unix seconds), where there is one.
        deadline: Option<i64>,
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

/// A time in the keeper's lines: local, with the zone's abbreviation.
fn hms(secs: i64) -> String {
    words::time_of_day(Timestamp::from_unix_secs(secs))
}

/// The human line of `event`, stamped with `now` (local time, with the zone's abbreviation).
pub fn line(event: &KeepEvent, now: Timestamp) -> String {
    format!("grantty keep {} {}", words::time_of_day(now), text(event))
}

/// The human text of `event`, without the stamp.
pub fn text(event: &KeepEvent) -> String {
    match event {
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
            format!("{profile}: next refresh at {} ({reason})", hms(*at))
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
                |at| format!("valid until {}", hms(at)),
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
        KeepEvent::Alert {
            profile,
            alert,
            message,
            ..
        } => {
            format!("{profile}: ALERT {alert}: {message}")
        }
        KeepEvent::HookFailed {
            profile, message, ..
        }
        | KeepEvent::LoggedOut { profile, message } => format!("{profile}: {message}"),
        KeepEvent::Checked {
            health, message, ..
        } => format!("[{health}] {message}"),
        KeepEvent::Stopped { signal } => format!("{signal}: stopped"),
    }
}

/// The `needs_human` event of a notice given at `now`: a deadline already past reads "ended at".
pub fn needs_human(profile: &str, notice: Notice, now: Timestamp) -> KeepEvent {
    let login = format!("`{}`", words::login_command(profile));
    let (message, deadline) = match notice {
        Notice::NoRefreshToken { access_ends } => (
            format!(
                "the provider issued no refresh token, so this session {}; sign in again with {login}",
                access_ends.map_or_else(
                    || "ends with its access token".to_owned(),
                    |at| if at <= now {
                        format!("ended at {}", words::time_of_day(at))
                    } else {
                        format!("ends at {}", words::time_of_day(at))
                    }
                )
            ),
            access_ends,
        ),
        Notice::LifespanEnds { at } if at <= now => (
            format!(
                "the refresh token's lifespan ended at {}; sign in again with {login}",
                words::date_time(at)
            ),
            Some(at),
        ),
        Notice::SignInLifespanEnds { at } if at <= now => (
            format!(
                "the refresh token's lifespan, counted from the sign-in, ended at {}; refreshing is still tried and shows whether this server counts it from each rotation instead; sign in again with {login}",
                words::date_time(at)
            ),
            Some(at),
        ),
        Notice::LifespanEnds { at } => (
            format!(
                "the refresh token does not rotate and stops working at {}; sign in again before then with {login}",
                words::date_time(at)
            ),
            Some(at),
        ),
        Notice::SignInLifespanEnds { at } => (
            format!(
                "the refresh token rotates, but its lifespan may count from the sign-in, so this session may end at {}; sign in again before then with {login}",
                words::date_time(at)
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
            "grantty keep 01:00:00 UTC work: NEEDS YOU: sign in again with `grantty login --profile work`"
        );
    }

    #[test]
    fn a_notice_names_its_deadline_and_a_passed_one_reads_ended() {
        let at = Timestamp::from_unix_secs(7200);
        let message = |now: i64| match needs_human(
            "work",
            Notice::SignInLifespanEnds { at },
            Timestamp::from_unix_secs(now),
        ) {
            KeepEvent::NeedsHuman {
                message, deadline, ..
            } => {
                assert_eq!(deadline, Some(7200));
                message
            }
            other => panic!("{other:?}"),
        };
        let before = message(0);
        assert!(
            before.contains("may end at 1970-01-01 02:00:00 UTC")
                && before.contains("grantty login --profile work"),
            "{before}"
        );
        let after = message(7200);
        assert!(
            after.contains("ended at 1970-01-01 02:00:00 UTC") && !after.contains("before"),
            "{after}"
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
    fn alerts_checks_and_logouts_are_events_of_their_own() {
        let mut out = Vec::new();
        let mut reporter = Reporter::new(&mut out, true);
        let now = Timestamp::from_unix_secs(7);
        reporter.emit(
            &KeepEvent::Alert {
                profile: "p".into(),
                alert: "sign-in-soon",
                message: "m".into(),
                deadline: Some(100),
            },
            now,
        );
        reporter.emit(
            &KeepEvent::LoggedOut {
                profile: "p".into(),
                message: "gone".into(),
            },
            now,
        );
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"v\":1,\"event\":\"alert\",\"profile\":\"p\",\"alert\":\"sign-in-soon\",\"message\":\"m\",\"deadline\":100,\"time\":7}\n\
             {\"v\":1,\"event\":\"logged_out\",\"profile\":\"p\",\"message\":\"gone\",\"time\":7}\n"
        );
        let checked = KeepEvent::Checked {
            profile: "p".into(),
            health: "needs_human",
            message: "p: NEEDS YOU: sign in".into(),
            deadline: None,
        };
        assert_eq!(
            line(&checked, now),
            "grantty keep 00:00:07 UTC [needs_human] p: NEEDS YOU: sign in"
        );
    }
}
