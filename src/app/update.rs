//! The one function that changes [`App`]: `update(app, msg, now) -> effects`.
//!
//! Timers are data: on [`Msg::Tick`] the poller is asked whether a poll is due or the code's
//! deadline passed; nothing here sleeps or reads a clock.

use super::dashboard::{Dashboard, EventLevel};
use super::{
    App, Approved, CopyTarget, Effect, Key, Msg, Notice, SaveState, Screen, SignInSaved, Waiting,
    code_update, dashboard_update,
};
use crate::domain::clock::Timestamp;
use crate::domain::grant::{GrantFailure, PollDue, PollOutcome, Poller};
use crate::domain::token::TokenSet;

/// The first effects: a device code when the app opens on the sign-in screen; nothing when it
/// opens on a stored session's dashboard (that session needs no new sign-in).
pub fn start(app: &mut App, now: Timestamp) -> Vec<Effect> {
    match app.screen {
        Screen::Requesting { .. } if app.pending_code_request.is_none() => request_code(app, now),
        _ => Vec::new(),
    }
}

/// Applies `msg` at `now` and returns the effects to perform.
///
/// While leaving, keys and ticks start nothing new; answers are still taken, and once no work
/// that holds tokens is left, [`App::quit`] is set.
pub fn update(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    if app.leaving.is_some() && matches!(msg, Msg::Key(_) | Msg::Tick | Msg::Quit) {
        return Vec::new();
    }
    let effects = apply(app, msg, now);
    if app.leaving.is_some() && !app.holds_work() {
        app.quit = true;
    }
    effects
}

/// Leaves now, or once the work that holds tokens is done (see [`App::holds_work`]).
pub(super) fn quit(app: &mut App, now: Timestamp) -> Vec<Effect> {
    if !app.holds_work() {
        app.quit = true;
        return Vec::new();
    }
    app.leaving = Some(now);
    app.notice = Some(Notice {
        text: app.leaving_text().to_owned(),
        at: now,
    });
    dashboard_update::save_before_leaving(app)
}

fn apply(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    match msg {
        Msg::Quit => quit(app, now),
        Msg::Paste(text) => code_update::on_paste(app, &text, now),
        Msg::Callback(answer) => code_update::on_callback(app, answer),
        Msg::Exchanged { request, result } => code_update::on_exchanged(app, request, result),
        Msg::Key(key) => on_key(app, key, now),
        Msg::Tick => on_tick(app, now),
        Msg::Resize => Vec::new(),
        Msg::DeviceCode {
            request,
            result,
            skew,
        } => {
            if app.pending_code_request != Some(request) {
                return Vec::new();
            }
            app.pending_code_request = None;
            app.clock_skew = skew.or(app.clock_skew);
            app.screen = match result {
                Ok(auth) => Screen::Waiting(Box::new(Waiting {
                    poller: Poller::new(&auth, now),
                    auth,
                    poll_request: None,
                })),
                Err(view) => Screen::Failed(view),
            };
            Vec::new()
        }
        Msg::Polled { request, reply } => {
            let Screen::Waiting(waiting) = &mut app.screen else {
                return Vec::new();
            };
            if waiting.poll_request != Some(request) {
                return Vec::new();
            }
            waiting.poll_request = None;
            let user_code = waiting.auth.user_code.clone();
            match waiting.poller.on_reply(reply, now) {
                PollOutcome::Continue => {}
                PollOutcome::Approved(tokens) => {
                    return save_fresh_tokens(app, tokens, user_code);
                }
                PollOutcome::Ended(failure) => {
                    app.screen = Screen::Ended {
                        failure,
                        user_code: Some(user_code),
                    };
                }
            }
            Vec::new()
        }
        Msg::SignInSaved { request, result } => {
            if app.pending_save != Some(request) {
                return Vec::new();
            }
            app.pending_save = None;
            match result {
                Ok(saved) => return signed_in(app, saved, now),
                Err(reason) => {
                    if let Screen::Approved(approved) = &mut app.screen {
                        approved.saved = SaveState::Failed(reason.into());
                    }
                }
            }
            Vec::new()
        }
        Msg::Refreshed { .. }
        | Msg::Revoked { .. }
        | Msg::Exported { .. }
        | Msg::UnsavedSaved { .. }
        | Msg::ReplacedRevoked { .. } => dashboard_update::on_msg(app, msg, now),
    }
}

/// Shows the fresh tokens as approved and stores them before the dashboard shows anything
/// (never lose a token); `user_code` is the device grant's code (empty for the code flow).
pub(super) fn save_fresh_tokens(
    app: &mut App,
    tokens: Box<TokenSet>,
    user_code: String,
) -> Vec<Effect> {
    let claims = tokens.unverified_claims();
    let request = app.next_request();
    app.pending_save = Some(request);
    app.screen = Screen::Approved(Box::new(Approved {
        tokens: (*tokens).clone(),
        claims,
        user_code,
        saved: SaveState::Saving,
    }));
    vec![Effect::SaveSignIn {
        request,
        tokens,
        clock_skew: app.clock_skew,
    }]
}

fn on_key(app: &mut App, key: Key, now: Timestamp) -> Vec<Effect> {
    match app.screen {
        Screen::Dashboard(_) => return dashboard_update::on_key(app, key, now),
        Screen::Code(_) => return code_update::on_key(app, key, now),
        _ => {}
    }
    let cancellable = !matches!(app.screen, Screen::Approved(_));
    match key {
        // Back to the session this sign-in would have replaced: it is still valid.
        Key::Char('q') | Key::Esc if cancellable && app.replacing.is_some() => {
            dashboard_update::cancel_sign_in(app, now)
        }
        Key::Char('q') | Key::Esc | Key::CtrlC => quit(app, now),
        Key::Char('c') => copy(app, CopyTarget::UserCode, now),
        Key::Char('u') => copy(app, CopyTarget::Url, now),
        Key::Char('n') if matches!(app.screen, Screen::Ended { .. } | Screen::Failed(_)) => {
            request_code(app, now)
        }
        _ => Vec::new(),
    }
}

fn on_tick(app: &mut App, now: Timestamp) -> Vec<Effect> {
    match app.screen {
        Screen::Dashboard(_) => return dashboard_update::on_tick(app, now),
        Screen::Code(_) => return code_update::on_tick(app, now),
        _ => {}
    }
    let Screen::Waiting(waiting) = &mut app.screen else {
        return Vec::new();
    };
    match waiting.poller.due(now) {
        PollDue::Wait => Vec::new(),
        PollDue::PollNow => {
            app.next_request_id = app.next_request_id.wrapping_add(1);
            let request = super::RequestId(app.next_request_id);
            waiting.poller.poll_sent();
            waiting.poll_request = Some(request);
            vec![Effect::Poll {
                request,
                device_code: waiting.auth.device_code.clone(),
            }]
        }
        PollDue::Expired => {
            // An answer still in flight is dropped by its now-stale request id.
            let user_code = Some(waiting.auth.user_code.clone());
            app.screen = Screen::Ended {
                failure: GrantFailure::Expired { by_server: false },
                user_code,
            };
            Vec::new()
        }
    }
}

fn copy(app: &mut App, target: CopyTarget, now: Timestamp) -> Vec<Effect> {
    let Screen::Waiting(waiting) = &app.screen else {
        return Vec::new();
    };
    let (text, what) = match target {
        CopyTarget::UserCode => (waiting.auth.user_code.clone(), "Code"),
        CopyTarget::Url => (waiting.auth.qr_payload().to_owned(), "URL"),
    };
    app.notice = Some(Notice {
        text: format!("{what} sent to the clipboard (OSC 52); it stays on screen too"),
        at: now,
    });
    vec![Effect::Copy { target, text }]
}

/// Starts a new sign-in (also the dashboard's `l`).
pub(super) fn request_code(app: &mut App, now: Timestamp) -> Vec<Effect> {
    let request = app.next_request();
    app.pending_code_request = Some(request);
    app.screen = Screen::Requesting { since: now };
    app.notice = None;
    vec![Effect::RequestDeviceCode { request }]
}

/// The fresh sign-in is stored: show its dashboard, and revoke the grant of the session it
/// replaced in the store, if any (best effort), so no grant is left orphaned at the server.
fn signed_in(app: &mut App, saved: SignInSaved, now: Timestamp) -> Vec<Effect> {
    let text = format!("Signed in; tokens stored in {}", saved.storage.description);
    let mut board = Dashboard::new(*saved.session, saved.storage, now, &text);
    board.refresh_skew_secs = app.refresh_skew_secs;
    app.replacing = None;
    let mut effects = Vec::new();
    if let Some(old) = saved.replaced {
        let request = app.next_request();
        app.pending_replaced_revoke = Some(request);
        board.log(
            now,
            EventLevel::Info,
            format!(
                "Revoking the replaced session's grant at {}…",
                old.meta.provider.host
            ),
        );
        effects.push(Effect::RevokeReplaced {
            request,
            session: old,
        });
    }
    app.screen = Screen::Dashboard(Box::new(board));
    effects
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
