//! Sentences of a wait for a profile lock another process holds: who holds it (as its lock file
//! says), and what happened when the wait was cut short. Nothing was sent to the server by the
//! waiting process, and each sentence may say so.

use crate::store::LockHolder;

/// "grantty (pid 4242) refreshing profile work", or "another grantty … profile work".
pub fn lock_holder(holder: Option<LockHolder>, profile: &str) -> String {
    match holder {
        Some(LockHolder {
            pid,
            activity: Some(activity),
        }) => format!(
            "grantty (pid {pid}) {} profile {profile}",
            activity.as_str()
        ),
        Some(LockHolder {
            pid,
            activity: None,
        }) => format!("grantty (pid {pid}) using profile {profile}"),
        None => format!("another grantty using profile {profile}"),
    }
}

/// Printed once a lock wait passes half a second.
pub fn waiting_for_lock(holder: Option<LockHolder>, profile: &str) -> String {
    format!(
        "waiting for {}… (Ctrl-C stops; nothing has been sent)",
        lock_holder(holder, profile)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Activity;

    #[test]
    fn the_holder_is_named_with_its_pid_and_what_it_does() {
        let holder = LockHolder {
            pid: 42,
            activity: Some(Activity::Refreshing),
        };
        assert_eq!(
            waiting_for_lock(Some(holder), "work"),
            "waiting for grantty (pid 42) refreshing profile work… (Ctrl-C stops; nothing has been sent)"
        );
        assert_eq!(
            lock_holder(None, "work"),
            "another grantty using profile work"
        );
    }
}
