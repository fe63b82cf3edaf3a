//! `update` for the dashboard: automatic refresh on ticks, keys, and the answers to its effects.
//! Answers carry request ids; one that no longer matches (a refresh that lands after a revoke)
//! changes nothing.

use super::dashboard::{Dashboard, Ended, EventLevel, Overlay, Standing};
use super::keys::{Action, dashboard_action};
use super::outcomes::{on_refreshed, on_replaced_revoked, on_unsaved_saved, save_unsaved};
use super::update::{quit, request_code};
use super::{App, Effect, ExportTarget, Key, Msg, RequestId, Screen};
use crate::domain::clock::Timestamp;
use crate::domain::upkeep::Why;
use crate::export::Format;
use crate::session_service::RefreshTokenFate;

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
        && !matches!(board.ended, Some(Ended::Revoked | Ended::DeletedHere))
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

/// Asks the upkeep policy (through the dashboard) what is due: a save of unsaved tokens (or
/// keeping them aside), or an automatic refresh (forced when the refresh token's lifespan ends,
/// the access token being still good).
pub(super) fn on_tick(app: &mut App, now: Timestamp) -> Vec<Effect> {
    let save_due = dashboard(app).and_then(|d| {
        let u = d.unsaved.as_ref()?;
        (u.request.is_none() && now >= u.retry_at).then(|| d.keeps_aside_next())
    });
    if let Some(keep_aside) = save_due {
        return retry_save(app, keep_aside);
    }
    match dashboard(app).and_then(|d| d.refresh_due(now)) {
        Some(why) => refresh(app, why == Why::LifespanEnding),
        None => Vec::new(),
    }
}

/// Saves the unsaved tokens now (`r`, or on quit with the fallback file).
fn retry_save(app: &mut App, keep_aside: bool) -> Vec<Effect> {
    let request = app.next_request();
    dashboard(app)
        .and_then(|d| save_unsaved(d, request, keep_aside))
        .into_iter()
        .collect()
}

/// On quit: unsaved tokens get a last save, falling back to the 0600 kept-aside file.
pub(super) fn save_before_leaving(app: &mut App) -> Vec<Effect> {
    retry_save(app, true)
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
        ) => set_overlay(d, Overlay::ConfirmCopyExport { format }),
        (Overlay::ConfirmCopyExport { format }, Key::Char('y')) => {
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

/// A key with no overlay open: whatever the key table says it does now.
fn plain_key(app: &mut App, key: Key, now: Timestamp) -> Vec<Effect> {
    let Some(d) = dashboard(app) else {
        return Vec::new();
    };
    let live = d.ended.is_none() && d.revoke_request.is_none();
    let dead = matches!(d.standing, Standing::Dead { .. });
    let unsaved = d.unsaved.is_some();
    let can_refresh = d.session.meta.has_refresh_token && !dead;
    let Some(action) = dashboard_action(key, live, can_refresh || unsaved) else {
        return Vec::new();
    };
    match action {
        Action::Quit => quit(app, now),
        Action::Refresh if unsaved => retry_save(app, false),
        Action::Refresh => refresh(app, true),
        Action::Revoke => set_overlay(d, Overlay::ConfirmRevoke),
        Action::CopyToken => set_overlay(d, Overlay::ConfirmCopyToken),
        Action::Export => set_overlay(d, Overlay::Export { format: None }),
        Action::Help => set_overlay(d, Overlay::Help),
        Action::ScrollUp | Action::ScrollDown => {
            d.scroll_events(action == Action::ScrollUp);
            Vec::new()
        }
        // The dashboard starts device grants only; a browser sign-in is `grantty login`'s.
        Action::SignInAgain if d.session.meta.provider.code_flow.is_some() => {
            let text = crate::words::code_flow::sign_in_again_in_a_browser(&d.session.meta.profile);
            d.log(now, EventLevel::Warn, text);
            Vec::new()
        }
        // Replacing a live session asks first; an ended one has nothing left to lose.
        Action::SignInAgain if live => set_overlay(d, Overlay::ConfirmSignIn),
        Action::SignInAgain => sign_in_again(app, now),
        // The code flow screen's actions; not in the dashboard's table.
        Action::Submit | Action::ClearInput | Action::CopyAddress => Vec::new(),
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
    let (leaving, next) = (app.leaving.is_some(), app.next_request());
    let local_time = app.local_time.clone();
    let Some(d) = answered_board(app) else {
        return Vec::new();
    };
    match msg {
        Msg::UnsavedSaved { request, result }
            if d.unsaved.as_ref().and_then(|u| u.request) == Some(request) =>
        {
            if let Some(u) = d.unsaved.as_mut() {
                u.request = None;
            }
            return on_unsaved_saved(d, result, leaving, next, now)
                .into_iter()
                .collect();
        }
        Msg::Refreshed { request, result } if take(&mut d.refresh_request, request) => {
            on_refreshed(d, *result, &local_time, now);
        }
        Msg::Revoked { request, result } if take(&mut d.revoke_request, request) => match result {
            Ok(done) => {
                for line in crate::words::revoke_lines(&done) {
                    d.log(now, EventLevel::Info, line);
                }
                let revoked = matches!(
                    done.refresh_token,
                    RefreshTokenFate::Revoked | RefreshTokenFate::AlreadyEnded
                );
                let (line, ended) = if revoked {
                    (
                        "Revoked; the session was deleted from the store",
                        Ended::Revoked,
                    )
                } else {
                    (
                        "Signed out here; the session was deleted from the store",
                        Ended::DeletedHere,
                    )
                };
                d.log(now, EventLevel::Info, line.to_owned());
                d.ended = Some(ended);
            }
            Err(failed) => d.log(now, EventLevel::Error, format!("Revoke failed: {failed}")),
        },
        Msg::Exported { result } => match result {
            Ok(text) => d.log(now, EventLevel::Info, text),
            Err(text) => d.log(now, EventLevel::Error, text),
        },
        _ => {}
    }
    Vec::new()
}

#[cfg(test)]
#[path = "dashboard_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "lifecycle_tests.rs"]
mod lifecycle_tests;
