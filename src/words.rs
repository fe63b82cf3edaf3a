//! User-facing sentences about sessions, in one place (like gitui's `strings.rs`): the TUI,
//! plain mode, NDJSON and stderr say the same thing, and tests can check every sentence for the
//! profile name and the next step. Each sentence that asks the user to act names the command
//! that works, `--profile` included.

mod client_secret;
pub mod code_flow;
mod discovery;
mod docs;
mod exec;
mod keep;
mod lock_wait;
mod verify;

pub use client_secret::{
    client_secret_env_ignored, client_secret_file_readable, client_secret_file_unreadable,
    client_secret_sent, empty_client_secret, invalid_client_hint,
};
pub use discovery::retry_with_endpoints;
pub use docs::man_fallback;
pub use exec::exec_failed;
pub use keep::{alert, hook_failed, keep_once_nothing_stored, logged_out_meanwhile};
pub use lock_wait::{lock_holder, waiting_for_lock};
pub use verify::verify_failed;

use crate::domain::clock::Timestamp;
use crate::domain::session::RefreshKind;
use crate::domain::session::Session;
use crate::oauth::wire::{BadAnswer, ErrorCode};
use crate::session_service::{EndReason, Health, NetProblem, RefreshTokenFate, RevokeStep};

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

/// A time of day for "before HH:MM" sentences: local, with the zone's abbreviation
/// ([`crate::local_time::process_zone`]).
pub fn time_of_day(at: Timestamp) -> String {
    crate::local_time::process_zone().time_of_day(at)
}

/// A deadline that may be days away: local date, time and zone abbreviation.
pub fn date_time(at: Timestamp) -> String {
    crate::local_time::process_zone().date_time(at)
}

/// The moment an error sentence is written (`Display` has no other context): the system clock.
/// Sentences are written when shown, so a deadline passed since the error was built reads as
/// passed.
pub fn now() -> Timestamp {
    use crate::domain::clock::Clock as _;
    crate::domain::clock::SystemClock.now()
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

/// Who can lift a refusal of `code` after a sign-in worked (refresh, `status`): short, and
/// without the SSO exception, which only a sign-in can lack (see `runtime::error_view`).
pub fn who_can_fix(code: &ErrorCode, anaplan: bool) -> &'static str {
    match (code.is_client_refusal(), anaplan) {
        (true, true) => "a tenant admin may have disabled the client or you",
        (true, false) => "the provider's admin may have disabled this client",
        (false, _) => "check the profile's client id and scopes",
    }
}

/// The server refused a refresh; every token was kept. After `invalid_client`, what to check
/// about the client secret that was sent, if one was.
pub fn refresh_refused(
    code: &ErrorCode,
    description: Option<&str>,
    session: &Session,
    now: Timestamp,
) -> String {
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
        "{host} refused to refresh {:?} ({code}{}): {}{secret}. Tokens kept; next refresh tries again{}",
        session.meta.profile,
        detail(description),
        who_can_fix(code, is_anaplan(session)),
        access_until(session, now),
    )
}

/// "; access token good until HH:MM" when it has an expiry ("expired at" once past).
fn access_until(session: &Session, now: Timestamp) -> String {
    session
        .meta
        .access_expires_at
        .map(|at| {
            if at > now {
                format!("; access token good until {}", time_of_day(at))
            } else {
                format!("; access token expired at {}", time_of_day(at))
            }
        })
        .unwrap_or_default()
}

/// The refresh token is dead.
pub fn session_ended(reason: &EndReason, session: &Session, now: Timestamp) -> String {
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
        sign_in_again(session, now)
    )
}

/// "sign in again before HH:MM (when the access token expires) with `grantty login --profile
/// P`"; once that has passed, "sign in again with … (the access token expired at HH:MM)".
pub fn sign_in_again(session: &Session, now: Timestamp) -> String {
    let login = login_command(&session.meta.profile);
    match session.meta.access_expires_at {
        Some(at) if at > now => format!(
            "sign in again before {} (when the access token expires) with `{login}`",
            time_of_day(at)
        ),
        Some(at) => format!(
            "sign in again with `{login}` (the access token expired at {})",
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

/// Another machine of the fleet has a refresh of these tokens whose answer it has not saved.
pub fn refresh_pending_elsewhere(machine: &str, since: Timestamp, session: &Session) -> String {
    let profile = &session.meta.profile;
    let machine = crate::domain::text::sanitize(machine, 200);
    format!(
        "a refresh of profile {profile:?} sent by machine {machine} at {} may have reached the server and its answer is not in the store: that machine keeps the new tokens aside, and the stored refresh token may already be spent, so this machine sent nothing; run `grantty token --profile {profile}` on that machine (it moves its tokens into the store), then try again here; if that machine is gone, sign in again with `grantty login --profile {profile}`",
        time_of_day(since)
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

/// At a sign-in, one line on where the tokens go when `auto` chose the file store, or when the
/// kernel keyring (lost at reboot) was asked for; `None` for any other store.
pub fn store_notice(store: &crate::store::SessionStore, profile: &str) -> Option<String> {
    let file = store.auto_chose_file().then(|| store.secrets_file(profile));
    store_notice_for(store.info().kind, file.as_deref(), profile)
}

/// [`store_notice`] from what it depends on: the backend, and the secrets file when `auto`
/// chose the file store.
fn store_notice_for(
    kind: crate::store::BackendKind,
    auto_file: Option<&std::path::Path>,
    profile: &str,
) -> Option<String> {
    if let Some(path) = auto_file {
        return Some(format!(
            "no Secret Service here, so the tokens of profile {profile:?} are kept in {} (0600, only you can read it; survives reboots); to choose another place, sign in with --store secret-service|keyutils|memory",
            path.display()
        ));
    }
    (kind == crate::store::BackendKind::Keyutils).then(|| {
        format!(
            "the kernel keyring keeps the tokens of profile {profile:?} only until the machine reboots (or days unused); then `{}` is needed again. --store file survives reboots",
            login_command(profile)
        )
    })
}

/// Why a dashboard's session ended without a word from the server.
pub const SIGNED_OUT_ELSEWHERE: &str =
    "the session is no longer in the store (signed out elsewhere)";

/// One line per server answer of a revocation (none for `--local` or a provider with no
/// endpoint), then what became of the refresh token when that is not plain from them.
pub fn revoke_lines(done: &crate::session_service::LoggedOut) -> Vec<String> {
    done.steps
        .iter()
        .map(revoke_step)
        .chain(refresh_token_fate(&done.refresh_token))
        .collect()
}

/// One line of a revocation's outcome.
pub fn revoke_step(step: &RevokeStep) -> String {
    match &step.answer {
        Ok(answer) if step.already_invalid() => format!(
            "{} at {}: already invalid there ({answer})",
            step.what, step.host
        ),
        Ok(answer) => format!("{} at {}: {answer}", step.what, step.host),
        Err(e) => format!("{} at {}: not reached ({e})", step.what, step.host),
    }
}

/// What a logout did to the refresh token, when a sentence is owed: Anaplan's cannot be
/// revoked by any client, and saying "revoked" there would be false.
pub fn refresh_token_fate(fate: &RefreshTokenFate) -> Option<String> {
    match fate {
        RefreshTokenFate::NotRevocable { kind, expires_at } => {
            let expiry = match (kind, expires_at) {
                (RefreshKind::Rotating, Some(at)) => {
                    format!(
                        "a rotatable one at the end of its lifespan, {}",
                        time_of_day(*at)
                    )
                }
                (RefreshKind::Rotating, None) => {
                    "a rotatable one at the end of its lifespan".to_owned()
                }
                (RefreshKind::Fixed, _) => "a non-rotatable one never".to_owned(),
                _ => "a rotatable one at the end of its lifespan, a non-rotatable one never"
                    .to_owned(),
            };
            Some(format!(
                "Anaplan lets no client revoke a refresh token: this one stays usable until a tenant admin disables the OAuth client or your user, or it expires ({expiry}); copies of it (exports, backups) stay usable too"
            ))
        }
        RefreshTokenFate::Revoked => {
            Some("the refresh token was revoked: no copy of it works any more".to_owned())
        }
        RefreshTokenFate::AlreadyEnded | RefreshTokenFate::LeftValid => None,
    }
}

/// The server did not confirm that the session's tokens ended. A logout kept the session (the
/// way to try again); a replaced session is gone from the store, and the new one stays.
pub fn not_revoked(profile: &str, steps: &[RevokeStep], replaced: bool) -> String {
    let mut hosts: Vec<&str> = steps.iter().map(|s| s.host.as_str()).collect();
    hosts.dedup();
    let at = if hosts.is_empty() {
        String::new()
    } else {
        format!(" at {}", hosts.join(", "))
    };
    if replaced {
        format!(
            "the server{at} did not confirm the end of the replaced session's grant of profile {profile:?}, so its tokens may stay valid there until they expire; the new session is not affected"
        )
    } else {
        format!(
            "could not revoke the session of profile {profile:?}{at}: its tokens may still be valid there, so the session was kept. Try again later, or `grantty logout --local --profile {profile}` to forget it without revoking"
        )
    }
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
    fn a_passed_access_expiry_is_no_deadline_to_sign_in_before() {
        let session = full_session("work", 1);
        let expires = session.meta.access_expires_at.unwrap();
        let before = sign_in_again(&session, Timestamp::from_unix_secs(0));
        assert!(before.contains("sign in again before"), "{before}");
        let after = sign_in_again(&session, expires);
        assert!(
            !after.contains("before") && after.contains("expired at"),
            "{after}"
        );
        assert!(after.contains("grantty login --profile work"), "{after}");
    }

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
            session_ended(&ended, &session, Timestamp::from_unix_secs(0)),
            session_ended(
                &EndReason::NoRefreshToken,
                &session,
                Timestamp::from_unix_secs(0),
            ),
            unreachable("idp.example.com", &problem, &session),
            not_revoked("work", &[], false),
            unhealthy("work", &Health::SignInNeeded { left_secs: 1 }, 60),
            unhealthy("work", &Health::RefreshNeeded { left_secs: 1 }, 60),
            state_line(&session.meta, Timestamp::from_unix_secs(0)),
            unsaved("disk full", None, "work"),
        ] {
            assert!(sentence.contains(profile), "{sentence}");
        }
        assert!(
            refresh_refused(
                &ErrorCode::InvalidClient,
                None,
                &session,
                Timestamp::from_unix_secs(0)
            )
            .contains("tenant admin"),
            "Anaplan: who can fix it"
        );
        assert!(unreachable("idp.example.com", &problem, &session).contains("idp.example.com"));
    }

    /// After a new sign-in replaced a session, no advice may touch the store: `logout --local`
    /// would delete the new session.
    #[test]
    fn a_replaced_session_that_could_not_be_revoked_gives_no_advice_that_deletes_the_new_one() {
        let replaced = not_revoked("work", &[], true);
        assert!(!replaced.contains("logout"), "{replaced}");
        assert!(
            replaced.contains("the new session is not affected"),
            "{replaced}"
        );
        assert!(!replaced.contains("still valid"), "{replaced}");
        let kept = not_revoked("work", &[], false);
        assert!(kept.contains("logout --local --profile work"), "{kept}");
    }

    #[test]
    fn anaplan_refresh_token_fate_names_who_can_end_it_and_when_it_expires() {
        let fate = |kind| RefreshTokenFate::NotRevocable {
            kind,
            expires_at: None,
        };
        let fixed = refresh_token_fate(&fate(RefreshKind::Fixed)).unwrap();
        assert!(fixed.contains("a non-rotatable one never"), "{fixed}");
        let rotating = refresh_token_fate(&fate(RefreshKind::Rotating)).unwrap();
        assert!(
            rotating.contains("at the end of its lifespan"),
            "{rotating}"
        );
        for text in [fixed, rotating] {
            assert!(text.contains("tenant admin disables the OAuth client or your user"));
            assert!(text.contains("copies of it (exports, backups) stay usable"));
        }
        assert_eq!(refresh_token_fate(&RefreshTokenFate::LeftValid), None);
    }

    #[test]
    fn the_store_notice_speaks_for_an_auto_file_store_and_the_kernel_keyring_only() {
        use crate::store::BackendKind;
        let path = std::path::Path::new("/state/grantty/work.secrets.json");
        let file = store_notice_for(BackendKind::File, Some(path), "work").unwrap();
        assert!(
            file.contains("/state/grantty/work.secrets.json (0600"),
            "{file}"
        );
        assert!(file.contains("survives reboots"), "{file}");
        let kernel = store_notice_for(BackendKind::Keyutils, None, "work").unwrap();
        assert!(kernel.contains("until the machine reboots"), "{kernel}");
        assert!(kernel.contains("grantty login --profile work"), "{kernel}");
        assert_eq!(
            store_notice_for(BackendKind::File, None, "work"),
            None,
            "asked for"
        );
        assert_eq!(
            store_notice_for(BackendKind::SecretService, None, "work"),
            None
        );
    }

    /// A disabled client on a refresh: one short sentence, and no SSO exception (a session that
    /// refreshes has already signed in; only a sign-in can lack one).
    #[test]
    fn a_refused_client_on_a_refresh_is_short_and_says_nothing_of_sso() {
        let mut session = full_session("work", 1);
        session.meta.provider.kind = "anaplan".into();
        session.meta.provider.host = "us1a.app.anaplan.com".into();
        for code in [ErrorCode::InvalidClient, ErrorCode::UnauthorizedClient] {
            let text = refresh_refused(&code, None, &session, Timestamp::from_unix_secs(0));
            assert!(text.chars().count() <= 200, "{} chars: {text}", text.len());
            assert!(!text.contains("SSO"), "{text}");
            assert!(text.contains("tenant admin"), "{text}");
            assert!(text.contains("Tokens kept"), "{text}");
            let line = state_line(
                &crate::domain::session::SessionMeta {
                    state: SessionState::RefreshRefused {
                        code: code.to_string(),
                        since: Timestamp::from_unix_secs(0),
                    },
                    ..session.meta.clone()
                },
                Timestamp::from_unix_secs(0),
            );
            assert!(!line.contains("SSO"), "{line}");
        }
    }
}
