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
