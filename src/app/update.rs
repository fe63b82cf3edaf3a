//! The one function that changes [`App`]: `update(app, msg, now) -> effects`.
//!
//! Timers are data: on [`Msg::Tick`] the poller is asked whether a poll is due or the code's
//! deadline passed; nothing here sleeps or reads a clock.

use super::dashboard::Dashboard;
use super::{
    App, Approved, CopyTarget, Effect, Key, Msg, Notice, SaveState, Screen, Waiting,
    dashboard_update,
};
use crate::domain::clock::Timestamp;
use crate::domain::grant::{GrantFailure, PollDue, PollOutcome, Poller};

/// Asks for the first device code.
pub fn start(app: &mut App, now: Timestamp) -> Vec<Effect> {
    request_code(app, now)
}

/// Applies `msg` at `now` and returns the effects to perform.
pub fn update(app: &mut App, msg: Msg, now: Timestamp) -> Vec<Effect> {
    match msg {
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
                    let claims = tokens.unverified_claims();
                    let request = app.next_request();
                    app.pending_save = Some(request);
                    app.screen = Screen::Approved(Box::new(Approved {
                        tokens: (*tokens).clone(),
                        claims,
                        user_code,
                        saved: SaveState::Saving,
                    }));
                    // Persist before the dashboard shows anything (never lose a token).
                    return vec![Effect::SaveSignIn {
                        request,
                        tokens,
                        clock_skew: app.clock_skew,
                    }];
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
                Ok((session, storage)) => {
                    let text = format!("Signed in; tokens stored in {}", storage.description);
                    app.screen = {
                        let mut board = Dashboard::new(*session, storage, now, &text);
                        board.refresh_skew_secs = app.refresh_skew_secs;
                        Screen::Dashboard(Box::new(board))
                    };
                }
                Err(message) => {
                    if let Screen::Approved(approved) = &mut app.screen {
                        approved.saved = SaveState::Failed(message);
                    }
                }
            }
            Vec::new()
        }
        Msg::Refreshed { .. } | Msg::Revoked { .. } | Msg::Exported { .. } => {
            dashboard_update::on_msg(app, msg, now)
        }
    }
}

fn on_key(app: &mut App, key: Key, now: Timestamp) -> Vec<Effect> {
    if matches!(app.screen, Screen::Dashboard(_)) {
        return dashboard_update::on_key(app, key, now);
    }
    match key {
        Key::Char('q') | Key::Esc | Key::CtrlC => {
            app.quit = true;
            Vec::new()
        }
        Key::Char('c') => copy(app, CopyTarget::UserCode, now),
        Key::Char('u') => copy(app, CopyTarget::Url, now),
        Key::Char('n') if matches!(app.screen, Screen::Ended { .. } | Screen::Failed(_)) => {
            request_code(app, now)
        }
        _ => Vec::new(),
    }
}

fn on_tick(app: &mut App, now: Timestamp) -> Vec<Effect> {
    if matches!(app.screen, Screen::Dashboard(_)) {
        return dashboard_update::on_tick(app, now);
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

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
