//! `update` for the dashboard: automatic refresh on ticks, keys, and the answers to its effects.
//! Answers carry request ids; one that no longer matches (a refresh that lands after a revoke)
//! changes nothing.

use super::dashboard::{Dashboard, Ended, EventLevel, Overlay};
use super::update::{quit, request_code};
use super::{App, Effect, ExportTarget, Key, Msg, RefreshResult, RequestId, Screen};
use crate::domain::clock::Timestamp;
use crate::export::Format;

fn dashboard(app: &mut App) -> Option<&mut Dashboard> {
    match &mut app.screen {
        Screen::Dashboard(d) => Some(d),
        _ => None,
    }
}

/// The dashboard answers are for: the one on screen, or the one a sign-in in progress would
/// replace (its refresh may still be in flight).
fn answered_board(app: &mut App) -> Option<&mut Dashboard> {
    match &mut app.screen {
        Screen::Dashboard(d) => Some(d),
        _ => app.replacing.as_deref_mut(),
    }
}

/// Starts a new sign-in over the dashboard's session, which stays in the store until the new
/// one is saved, and comes back on screen if the sign-in is cancelled.
fn sign_in_again(app: &mut App, now: Timestamp) -> Vec<Effect> {
    let previous = std::mem::replace(&mut app.screen, Screen::Requesting { since: now });
    let effects = request_code(app, now);
    if let Screen::Dashboard(mut board) = previous
        && !matches!(board.ended, Some(Ended::Revoked))
    {
        board.overlay = Overlay::None;
        app.replacing = Some(board);
    }
    effects
}

/// `q`/`Esc` on a sign-in started over a session: back to that session's dashboard. An answer
/// to the abandoned sign-in is dropped by its stale request id.
pub(super) fn cancel_sign_in(app: &mut App, now: Timestamp) -> Vec<Effect> {
    if let Some(mut board) = app.replacing.take() {
        board.log(
            now,
            EventLevel::Info,
            "Sign-in cancelled; this session is unchanged".to_owned(),
        );
        app.pending_code_request = None;
        app.screen = Screen::Dashboard(board);
    }
    Vec::new()
}

/// Starts an automatic refresh when one is due.
pub(super) fn on_tick(app: &mut App, now: Timestamp) -> Vec<Effect> {
    let due = dashboard(app).is_some_and(|d| d.refresh_due(now));
    if due { refresh(app, false) } else { Vec::new() }
}

fn refresh(app: &mut App, force: bool) -> Vec<Effect> {
    let request = app.next_request();
    let Some(d) = dashboard(app) else {
        return Vec::new();
    };
    if d.ended.is_some() || d.refresh_request.is_some() || d.revoke_request.is_some() {
        return Vec::new();
    }
    d.refresh_request = Some(request);
    vec![Effect::Refresh {
        request,
        min_valid_secs: d.session.refresh_margin(d.refresh_skew_secs),
        force,
    }]
}

/// Dashboard keys.
pub(super) fn on_key(app: &mut App, key: Key, now: Timestamp) -> Vec<Effect> {
    let Some(d) = dashboard(app) else {
        return Vec::new();
    };
    match (d.overlay, key) {
        (_, Key::CtrlC) => quit(app, now),
        (Overlay::ConfirmSignIn, Key::Char('y')) => sign_in_again(app, now),
        (Overlay::ConfirmRevoke, Key::Char('y')) => {
            d.overlay = Overlay::None;
            // A refresh still in flight is now stale: its answer will be dropped.
            d.refresh_request = None;
            let request = app.next_request();
            if let Some(d) = dashboard(app) {
                d.revoke_request = Some(request);
                d.log(now, EventLevel::Info, "Revoking at the server…".to_owned());
            }
            vec![Effect::Revoke { request }]
        }
        (Overlay::ConfirmCopyToken, Key::Char('y')) => {
            d.overlay = Overlay::None;
            export(d, Format::Raw, ExportTarget::Clipboard)
        }
        (Overlay::Export { format: None }, Key::Char(c @ '1'..='7')) => {
            let format = match c {
                '1' => Format::Env,
                '2' => Format::Json,
                '3' => Format::Header,
                '4' => Format::Raw,
                '5' => Format::Netrc,
                '6' => Format::ExecCredential,
                _ => Format::GitCredential,
            };
            d.overlay = Overlay::Export {
                format: Some(format),
            };
            Vec::new()
        }
        (
            Overlay::Export {
                format: Some(format),
            },
            Key::Char('f'),
        ) => {
            d.overlay = Overlay::None;
            export(d, format, ExportTarget::File)
        }
        (
            Overlay::Export {
                format: Some(format),
            },
            Key::Char('c'),
        ) => {
            d.overlay = Overlay::None;
            export(d, format, ExportTarget::Clipboard)
        }
        (Overlay::None, _) => plain_key(app, key, now),
        // Any other key closes a question or menu: "no" is the default.
        (_, _) => {
            d.overlay = Overlay::None;
            Vec::new()
        }
    }
}

fn plain_key(app: &mut App, key: Key, now: Timestamp) -> Vec<Effect> {
    let Some(d) = dashboard(app) else {
        return Vec::new();
    };
    let live = d.ended.is_none() && d.revoke_request.is_none();
    match key {
        Key::Char('q') | Key::Esc => quit(app, now),
        Key::Char('r') if live => refresh(app, true),
        Key::Char('x') if live => set_overlay(d, Overlay::ConfirmRevoke),
        Key::Char('c') if live => set_overlay(d, Overlay::ConfirmCopyToken),
        Key::Char('e') if live => set_overlay(d, Overlay::Export { format: None }),
        // Replacing a live session asks first; an ended one has nothing left to lose.
        Key::Char('l') if live => set_overlay(d, Overlay::ConfirmSignIn),
        Key::Char('l') => sign_in_again(app, now),
        _ => Vec::new(),
    }
}

fn set_overlay(d: &mut Dashboard, overlay: Overlay) -> Vec<Effect> {
    d.overlay = overlay;
    Vec::new()
}

fn export(d: &Dashboard, format: Format, target: ExportTarget) -> Vec<Effect> {
    vec![Effect::Export {
        session: Box::new(d.session.clone()),
        format,
        target,
    }]
}

fn take(slot: &mut Option<RequestId>, request: RequestId) -> bool {
    if *slot == Some(request) {
        *slot = None;
        true
    } else {
        false
    }
}

/// Answers to dashboard effects.
pub(super) fn on_msg(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    if let Msg::ReplacedRevoked { request, result } = msg {
        if take(&mut app.pending_replaced_revoke, request)
            && let Some(d) = dashboard(app)
        {
            on_replaced_revoked(d, result, now);
        }
        return Vec::new();
    }
    let Some(d) = answered_board(app) else {
        return Vec::new();
    };
    match msg {
        Msg::Refreshed { request, result } if take(&mut d.refresh_request, request) => {
            on_refreshed(d, result, now);
        }
        Msg::Revoked { request, result } if take(&mut d.revoke_request, request) => match result {
            Ok(lines) => {
                for line in lines {
                    d.log(now, EventLevel::Info, line);
                }
                d.log(
                    now,
                    EventLevel::Info,
                    "Revoked; the session was deleted from the store".to_owned(),
                );
                d.ended = Some(Ended::Revoked);
            }
            Err(message) => d.log(now, EventLevel::Error, format!("Revoke failed: {message}")),
        },
        Msg::Exported { result } => match result {
            Ok(text) => d.log(now, EventLevel::Info, text),
            Err(text) => d.log(now, EventLevel::Error, text),
        },
        _ => {}
    }
    Vec::new()
}

fn on_replaced_revoked(d: &mut Dashboard, result: Result<Vec<String>, String>, now: Timestamp) {
    match result {
        Ok(lines) => {
            for line in lines {
                d.log(now, EventLevel::Info, format!("Replaced session: {line}"));
            }
        }
        Err(message) => d.log(
            now,
            EventLevel::Warn,
            format!("Could not revoke the replaced session's grant: {message}"),
        ),
    }
}

fn on_refreshed(d: &mut Dashboard, result: RefreshResult, now: Timestamp) {
    let until = |s: &crate::domain::session::Session| {
        s.meta.access_expires_at.map_or_else(
            || "no expiry given".to_owned(),
            |at| format!("valid until {} UTC", at.utc_hms()),
        )
    };
    match result {
        RefreshResult::Refreshed { session, rotated } => {
            d.failures = 0;
            d.retry_at = None;
            let rotation = if rotated {
                format!(
                    "; refresh token rotated (#{})",
                    session.meta.refresh.rotation_count
                )
            } else {
                String::new()
            };
            let text = format!("Refreshed; access token {}{rotation}", until(&session));
            d.log(now, EventLevel::Info, text);
            d.session = *session;
        }
        RefreshResult::StillValid { session } => {
            d.failures = 0;
            d.retry_at = None;
            if session.meta.generation == d.session.meta.generation {
                d.log(
                    now,
                    EventLevel::Info,
                    "Still valid; no refresh needed".to_owned(),
                );
            } else {
                d.log(
                    now,
                    EventLevel::Info,
                    format!(
                        "Picked up tokens refreshed by another process; {}",
                        until(&session)
                    ),
                );
            }
            d.session = *session;
        }
        RefreshResult::Adopted { session } => {
            d.failures = 0;
            d.retry_at = None;
            d.log(
                now,
                EventLevel::Warn,
                "Another client had rotated the refresh token; adopted its tokens".to_owned(),
            );
            d.session = *session;
        }
        RefreshResult::Failed { message } => {
            d.failures = d.failures.saturating_add(1);
            let wait = Dashboard::retry_wait_secs(d.failures);
            d.retry_at = Some(now.plus_secs(wait));
            d.log(
                now,
                EventLevel::Error,
                format!("Refresh failed: {message}; retrying in {wait} s"),
            );
        }
        RefreshResult::Ended { reason } => {
            d.log(
                now,
                EventLevel::Error,
                format!("Session ended: {reason}. Press l to sign in again"),
            );
            d.ended = Some(Ended::ByServer(reason));
        }
    }
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod lifecycle_tests;
