//! What `grantty keep` says about alerts, hooks and sessions that left.

use super::{login_command, time_of_day};
use crate::domain::clock::{Timestamp, format_span};
use crate::domain::upkeep::{Alert, AlertKind};

/// The sentence of `alert` for `profile` at `now`; `cause` is what happened (a failed
/// refresh's own sentence), when there is one.
pub fn alert(profile: &str, alert: Alert, cause: Option<&str>, now: Timestamp) -> String {
    let login = login_command(profile);
    if let Some(cause) = cause {
        return cause.to_owned();
    }
    match (alert.kind, alert.deadline) {
        (AlertKind::SignInSoon, Some(end)) => format!(
            "the session of profile {profile:?} ends at {} (in {}); sign in again before then with `{login}`",
            time_of_day(end),
            format_span(now.secs_until(end))
        ),
        (AlertKind::SignInSoon, None) => {
            format!("the session of profile {profile:?} ends soon; sign in again with `{login}`")
        }
        (AlertKind::NeedsHuman, _) => format!(
            "the session of profile {profile:?} needs a person; see `grantty status --profile {profile}`"
        ),
        (AlertKind::Recovered, _) => {
            format!("the session of profile {profile:?} works again")
        }
        (AlertKind::Ended, Some(end)) if end <= now => format!(
            "the session of profile {profile:?} ended at {}; sign in again with `{login}`",
            time_of_day(end)
        ),
        (AlertKind::Ended, _) => {
            format!("the session of profile {profile:?} has ended; sign in again with `{login}`")
        }
    }
}

/// `keep --once --all` found no stored session at all.
pub fn keep_once_nothing_stored() -> String {
    "grantty keep: no session is stored here, so none was kept; sign in with `grantty login --profile NAME`".to_owned()
}

/// The stored session was removed (a logout elsewhere) while `keep` kept it.
pub fn logged_out_meanwhile(profile: &str) -> String {
    format!(
        "the session of profile {profile:?} was logged out by another process; no longer kept (after `{}` it is kept again)",
        login_command(profile)
    )
}

/// The `--notify` command failed or was stopped.
pub fn hook_failed(event: &str, problem: &str) -> String {
    format!("the --notify command for {event} {problem}; keeping on")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alerts_name_the_profile_and_the_command_that_helps() {
        let now = Timestamp::from_unix_secs(3600);
        let end = Some(Timestamp::from_unix_secs(3 * 3600));
        let soon = alert(
            "work",
            Alert {
                kind: AlertKind::SignInSoon,
                deadline: end,
            },
            None,
            now,
        );
        assert_eq!(
            soon,
            "the session of profile \"work\" ends at 03:00:00 UTC (in 2 h); sign in again before then with `grantty login --profile work`"
        );
        for kind in [AlertKind::NeedsHuman, AlertKind::Ended] {
            let text = alert(
                "work",
                Alert {
                    kind,
                    deadline: end,
                },
                None,
                now,
            );
            assert!(text.contains("--profile work"), "{text}");
        }
        let ended = Alert {
            kind: AlertKind::Ended,
            deadline: Some(now),
        };
        assert!(alert("work", ended, None, now).contains("ended at 01:00:00 UTC"));
        assert_eq!(
            alert("work", ended, Some("the refresh token was refused"), now),
            "the refresh token was refused",
            "the failure's own sentence"
        );
        assert!(logged_out_meanwhile("work").contains("grantty login --profile work"));
    }
}
