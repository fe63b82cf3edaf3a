//! User-facing sentences about sessions, in one place (like gitui's `strings.rs`): the TUI,
//! plain mode, NDJSON and stderr say the same thing, and tests can check every sentence for the
//! profile name and the next step. Each sentence that asks the user to act names the command
//! that works, `--profile` included.

mod client_secret;
pub mod code_flow;
mod discovery;
mod lock_wait;
mod verify;

pub use client_secret::{
    client_secret_env_ignored, client_secret_file_readable, client_secret_file_unreadable,
    client_secret_sent, empty_client_secret, invalid_client_hint,
};
pub use discovery::retry_with_endpoints;
pub use lock_wait::{lock_holder, waiting_for_lock};
pub use verify::verify_failed;

use crate::domain::clock::Timestamp;
use crate::domain::session::Session;
use crate::oauth::wire::{BadAnswer, ErrorCode};
use crate::session_service::{EndReason, Health, NetProblem, RevokeStep};

/// `grantty login --profile NAME`: signs in again with the stored settings.
pub fn login_command(profile: &str) -> String {
    format!("grantty login --profile {profile}")
}

/// The one line printed instead of a QR code that does not fit the terminal.
pub fn qr_too_small(cols: u16, rows: u16) -> String {
    format!(
        "The terminal is too small for the QR code (it needs {cols}×{rows}); open the address above instead."
    )
}

/// A time of day for "before HH:MM" sentences.
pub fn time_of_day(at: Timestamp) -> String {
    format!("{} UTC", at.utc_hms())
}

/// No session for `profile`.
pub fn not_signed_in(profile: &str) -> String {
    format!(
        "profile {profile:?} is not signed in: run `{}` first",
        login_command(profile)
    )
}

fn is_anaplan(session: &Session) -> bool {
    session.meta.provider.kind == "anaplan"
}

fn detail(description: Option<&str>) -> String {
    description.map(|d| format!(": {d}")).unwrap_or_default()
}

/// Who can lift a refusal of `code`.
pub fn who_can_fix(code: &ErrorCode, anaplan: bool) -> &'static str {
    match (code.is_client_refusal(), anaplan) {
        (true, true) => {
            "a tenant security admin may have disabled this OAuth client (Administration › Security › OAuth Clients), or you are an SSO user without a device-grant exception; ask them, then try again"
        }
        (true, false) => {
            "the provider's administrator may have disabled this client or withdrawn its permission to refresh; ask them, then try again"
        }
        (false, _) => "check the profile's client id and scopes, then try again",
    }
}

/// The server refused a refresh; every token was kept. After `invalid_client`, what to check
/// about the client secret that was sent, if one was.
pub fn refresh_refused(code: &ErrorCode, description: Option<&str>, session: &Session) -> String {
    let host = &session.meta.provider.host;
    // A public client that signed in was not refused for lack of a secret: only a secret that
    // was sent is worth a hint.
    let sent = crate::oauth::record::stored_secret_source(session);
    let secret = match (code, sent) {
        (ErrorCode::InvalidClient, Some(source)) => format!(
            ". {}",
            invalid_client_hint(Some(&source), &session.meta.profile)
        ),
        _ => String::new(),
    };
    format!(
        "{host} refused to refresh the session of profile {:?} ({code}{}); {}{secret}. Every token is kept and the next refresh tries again{}",
        session.meta.profile,
        detail(description),
        who_can_fix(code, is_anaplan(session)),
        access_until(session),
    )
}

/// ", the access token works until HH:MM" when it has an expiry.
fn access_until(session: &Session) -> String {
    session
        .meta
        .access_expires_at
        .map(|at| format!("; the access token works until {}", time_of_day(at)))
        .unwrap_or_default()
}

/// The refresh token is dead.
pub fn session_ended(reason: &EndReason, session: &Session) -> String {
    let why = match reason {
        EndReason::NoRefreshToken => "the provider issued no refresh token".to_owned(),
        EndReason::RefreshRejected {
            description,
            interrupted: true,
        } => format!(
            "the refresh token was refused (invalid_grant{}); an earlier refresh was interrupted after it reached the server, so the rotated token was never saved",
            detail(description.as_deref())
        ),
        EndReason::RefreshRejected {
            description,
            interrupted: false,
        } => format!(
            "the refresh token was refused (invalid_grant{}): it expired, was revoked, or was already used",
            detail(description.as_deref())
        ),
    };
    format!(
        "the session of profile {:?} can no longer refresh: {why}; {}",
        session.meta.profile,
        sign_in_again(session)
    )
}

/// "sign in again before HH:MM with `grantty login --profile P`" (or "now" when expired).
pub fn sign_in_again(session: &Session) -> String {
    let login = login_command(&session.meta.profile);
    match session.meta.access_expires_at {
        Some(at) => format!(
            "sign in again before {} (when the access token expires) with `{login}`",
            time_of_day(at)
        ),
        None => format!("sign in again with `{login}`"),
    }
}

/// The server could not be reached or did not answer usefully.
pub fn unreachable(host: &str, problem: &NetProblem, session: &Session) -> String {
    let what = match problem {
        NetProblem::Transport(e) => format!("could not reach {host}: {e}"),
        NetProblem::Answer(BadAnswer::Unavailable {
            status,
            retry_after_secs: Some(secs),
        }) => format!("{host} is unavailable (HTTP {status}, retry after {secs} s)"),
        NetProblem::Answer(BadAnswer::Unavailable { status, .. }) => {
            format!("{host} is unavailable (HTTP {status})")
        }
        NetProblem::Answer(BadAnswer::Unparseable {
            status,
            body_excerpt,
        }) => format!(
            "{host} answered the refresh with something that is not a token response (HTTP {status}) {body_excerpt:?}"
        ),
    };
    format!(
        "{what}; the stored tokens of profile {:?} are unchanged, try again later (`grantty refresh --profile {}`)",
        session.meta.profile, session.meta.profile
    )
}

/// A session opened already refused: since when, and that nothing is lost.
pub fn refused_since(since: Timestamp, code: &ErrorCode, session: &Session) -> String {
    format!(
        "{} has refused to refresh this session since {} ({code}); every token is kept and refreshing is retried",
        session.meta.provider.host,
        time_of_day(since)
    )
}

/// The secret backend no longer holds a session's tokens (a kernel keyring emptied by a reboot
/// or by its expiry): only a new sign-in helps.
pub fn tokens_missing(profile: &str, backend: &str) -> String {
    format!(
        "the tokens of profile {profile:?} are missing from the {backend} (a reboot or the keyring's expiry empties a kernel keyring); sign in again with `{}`",
        login_command(profile)
    )
}

/// Why a dashboard's session ended without a word from the server.
pub const SIGNED_OUT_ELSEWHERE: &str =
    "the session is no longer in the store (signed out elsewhere)";

/// One line per server answer of a revocation (none for `--local` or a provider with no
/// endpoint).
pub fn revoke_lines(done: &crate::session_service::LoggedOut) -> Vec<String> {
    done.steps.iter().map(revoke_step).collect()
}

/// One line of a revocation's outcome.
pub fn revoke_step(step: &RevokeStep) -> String {
    match &step.answer {
        Ok(answer) => format!("{} at {}: {answer}", step.what, step.host),
        Err(e) => format!("{} at {}: not reached ({e})", step.what, step.host),
    }
}

/// No revocation was accepted, so the session was kept.
pub fn not_revoked(profile: &str, steps: &[RevokeStep]) -> String {
    let hosts: Vec<&str> = steps.iter().map(|s| s.host.as_str()).collect();
    let mut hosts = hosts;
    hosts.dedup();
    format!(
        "could not revoke the session of profile {profile:?} at {}: its tokens are still valid there, so the session was kept. Try again later, or `grantty logout --local --profile {profile}` to forget it without revoking",
        hosts.join(", ")
    )
}

/// The token printed although the refresh failed.
pub fn serving_despite(problem: &str, session: &Session, now: Timestamp) -> String {
    let left = session
        .access_remaining_secs(now)
        .map(|s| {
            format!(
                " (valid for {} more)",
                crate::domain::clock::format_countdown(s)
            )
        })
        .unwrap_or_default();
    format!("warning: printing the stored access token{left}: {problem}")
}

/// Even the fresh token is shorter than `--min-valid` asked.
pub fn shorter_than_asked(min_valid_secs: u64, left_secs: Option<u64>) -> String {
    let left = left_secs.map_or_else(|| "no expiry".to_owned(), |s| format!("{s} s left"));
    format!(
        "warning: the access token is shorter-lived than --min-valid {min_valid_secs} ({left}); the provider issues no longer tokens"
    )
}

/// New tokens could not be saved; where they went instead.
pub fn unsaved(reason: &str, rescued_at: Option<&std::path::Path>, profile: &str) -> String {
    match rescued_at {
        Some(path) => format!(
            "WARNING: the refreshed tokens of profile {profile:?} could not be saved ({reason}); they were written to {} (0600) and the next grantty run moves them back. Fix the store before the access token expires",
            path.display()
        ),
        None => format!(
            "WARNING: the refreshed tokens of profile {profile:?} could not be saved anywhere ({reason}); the refresh token may be lost. Fix the store, then `{}`",
            login_command(profile)
        ),
    }
}

/// A script command stopped by a signal.
pub fn interrupted(signal: &str, finished: bool) -> String {
    if finished {
        format!(
            "stopped by {signal} after finishing the refresh that was at the server; its tokens are kept"
        )
    } else {
        format!("stopped by {signal}; nothing was sent")
    }
}

/// Said while a signal waits for an in-flight refresh.
pub fn finishing_refresh(signal: &str) -> String {
    format!("{signal}: finishing the refresh that is at the server, then exiting…")
}

/// `status --min-valid N` found the token too short.
pub fn unhealthy(profile: &str, health: &Health, min_valid_secs: u64) -> String {
    match health {
        Health::Fine => format!("the access token of profile {profile:?} is good"),
        Health::RefreshNeeded { left_secs } => format!(
            "the access token of profile {profile:?} has {left_secs} s left, less than {min_valid_secs} s: `grantty refresh --profile {profile}` renews it"
        ),
        Health::SignInNeeded { left_secs } => format!(
            "the access token of profile {profile:?} has {left_secs} s left, less than {min_valid_secs} s, and it cannot be refreshed: sign in again with `{}`",
            login_command(profile)
        ),
    }
}

/// The session state line of `status`.
pub fn state_line(session: &crate::domain::session::SessionMeta, now: Timestamp) -> String {
    use crate::domain::session::SessionState;
    let before = |at: Option<Timestamp>| match at {
        Some(at) if at > now => format!("sign in again before {}", time_of_day(at)),
        _ => "sign in again now".to_owned(),
    };
    let login = login_command(&session.profile);
    match &session.state {
        SessionState::Active => "active".to_owned(),
        SessionState::RefreshRefused { code, since } => format!(
            "refresh refused ({code}) since {}; every token is kept and the next refresh tries again; {}",
            time_of_day(*since),
            who_can_fix(&ErrorCode::parse(code), session.provider.kind == "anaplan")
        ),
        SessionState::Ended { code, .. } => format!(
            "ended ({}): {} with `{login}`",
            code.as_deref().unwrap_or("no refresh token"),
            before(session.access_expires_at)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::session::SessionState;
    use crate::store::fixtures::full_session;

    /// Every sentence that asks the user to act names the command that works, `--profile`
    /// included, so it can be followed from inside kubectl's or git's output.
    #[test]
    fn sentences_that_ask_for_action_name_the_profile_and_the_command() {
        let mut session = full_session("work", 1);
        let profile = "--profile work";
        let ended = EndReason::RefreshRejected {
            description: None,
            interrupted: false,
        };
        session.meta.state = SessionState::Ended {
            code: Some("invalid_grant".into()),
            at: Timestamp::from_unix_secs(0),
            interrupted: false,
        };
        let problem = NetProblem::Answer(BadAnswer::Unavailable {
            status: 503,
            retry_after_secs: None,
        });
        for sentence in [
            not_signed_in("work"),
            session_ended(&ended, &session),
            session_ended(&EndReason::NoRefreshToken, &session),
            unreachable("idp.example.com", &problem, &session),
            not_revoked("work", &[]),
            unhealthy("work", &Health::SignInNeeded { left_secs: 1 }, 60),
            unhealthy("work", &Health::RefreshNeeded { left_secs: 1 }, 60),
            state_line(&session.meta, Timestamp::from_unix_secs(0)),
            unsaved("disk full", None, "work"),
        ] {
            assert!(sentence.contains(profile), "{sentence}");
        }
        assert!(
            refresh_refused(&ErrorCode::InvalidClient, None, &session)
                .contains("tenant security admin"),
            "Anaplan: who can fix it"
        );
        assert!(unreachable("idp.example.com", &problem, &session).contains("idp.example.com"));
    }
}
