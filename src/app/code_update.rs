//! `update` for the code flow screen: keys edit the input line or act through the key table
//! ([`CODE_KEYS`](super::keys::CODE_KEYS)); Enter, a bracketed paste followed by Enter, or the
//! loopback listener's answer brings an address, which is checked against our `state`; a good
//! one starts the one exchange, whose tokens are then stored like the device grant's.
//!
//! A wrong address (another sign-in's `state`, no code, a server `error=`) is explained and the
//! user may paste again; a denial ends the sign-in. The wait ends at the deadline on a tick.

use super::keys::{Action, CodeKeys, code_action};
use super::update::{quit, save_fresh_tokens};
use super::{
    App, Capture, CodeEnd, CodeEndKind, CodeSignIn, CodeStage, CopyTarget, Effect, Exchanged, Key,
    Notice, RequestId, Screen,
};
use crate::domain::clock::Timestamp;
use crate::oauth::pkce::{AuthorizationCode, CallbackError};
use crate::words::code_flow as words;

fn screen(app: &mut App) -> Option<&mut CodeSignIn> {
    match &mut app.screen {
        Screen::Code(code) => Some(code),
        _ => None,
    }
}

/// A key on the code screen.
pub(super) fn on_key(app: &mut App, key: Key, now: Timestamp) -> Vec<Effect> {
    let Some(code) = screen(app) else {
        return Vec::new();
    };
    if code.help {
        code.help = false;
        if !matches!(key, Key::CtrlC) {
            return Vec::new();
        }
    }
    let state = code.keys();
    match code_action(key, state) {
        Some(Action::Quit) => quit(app, now),
        Some(Action::Submit) => submit(app),
        Some(Action::ClearInput) => {
            code.input.clear();
            Vec::new()
        }
        Some(Action::Help) => {
            code.help = true;
            Vec::new()
        }
        Some(Action::CopyAddress) => {
            let text = code.authorization.url.to_string();
            app.notice = Some(Notice {
                text: words::copied(),
                at: now,
            });
            vec![Effect::Copy {
                target: CopyTarget::Url,
                text,
            }]
        }
        Some(_) => Vec::new(),
        None if state == CodeKeys::Exchanging => Vec::new(),
        None => {
            edit(code, key);
            Vec::new()
        }
    }
}

fn edit(code: &mut CodeSignIn, key: Key) {
    // The explanation was for the address that was refused; the user is on to the next one.
    code.error = None;
    let input = &mut code.input;
    match key {
        Key::Char(c) => {
            input.insert(c.encode_utf8(&mut [0; 4]));
        }
        Key::Backspace => input.backspace(),
        Key::Left => input.left(),
        Key::Right => input.right(),
        Key::Home => input.home(),
        Key::End => input.end(),
        _ => {}
    }
}

/// Pasted text goes into the input line (sanitised and capped); a paste after a rejected
/// address replaces it rather than adding to it.
pub(super) fn on_paste(app: &mut App, text: &str, now: Timestamp) -> Vec<Effect> {
    let Some(code) = screen(app) else {
        return Vec::new();
    };
    if code.exchanging() {
        return Vec::new();
    }
    code.error = None;
    if !code.input.insert(text) {
        app.notice = Some(Notice {
            text: words::paste_too_long(),
            at: now,
        });
    }
    Vec::new()
}

/// Enter: check the address in the input line.
fn submit(app: &mut App) -> Vec<Effect> {
    let Some(code) = screen(app) else {
        return Vec::new();
    };
    if code.input.is_empty() {
        code.error = Some(words::nothing_pasted());
        return Vec::new();
    }
    let answer = code.authorization.check_callback(code.input.text());
    answered(app, answer)
}

/// The loopback listener's answer (it passes on only answers carrying our `state` and, when
/// promised, `iss`; or the end of a sign-in whose start address was opened twice).
pub(super) fn on_callback(
    app: &mut App,
    answer: Result<AuthorizationCode, CallbackError>,
) -> Vec<Effect> {
    let Some(code) = screen(app) else {
        return Vec::new();
    };
    if code.exchanging() {
        return Vec::new();
    }
    code.capture = Capture::Answered;
    answered(app, answer)
}

fn answered(app: &mut App, answer: Result<AuthorizationCode, CallbackError>) -> Vec<Effect> {
    let request = app.next_request();
    let profile = app.profile.clone();
    let Some(code) = screen(app) else {
        return Vec::new();
    };
    match answer {
        Ok(auth_code) => {
            code.stage = CodeStage::Exchanging { request };
            code.error = None;
            vec![Effect::ExchangeCode {
                request,
                authorization: code.authorization.clone(),
                code: auth_code,
            }]
        }
        Err(err @ CallbackError::Denied { .. }) => {
            app.screen = Screen::CodeEnded(Box::new(CodeEnd {
                kind: CodeEndKind::Denied,
                view: words::denied(&err, &profile),
            }));
            Vec::new()
        }
        Err(err) => {
            code.error = Some(words::rejected(&err));
            code.input.clear();
            Vec::new()
        }
    }
}

/// The exchange's answer: store the tokens (then the dashboard), or end.
pub(super) fn on_exchanged(
    app: &mut App,
    request: RequestId,
    result: Result<Exchanged, CodeEnd>,
) -> Vec<Effect> {
    let expected = matches!(&app.screen, Screen::Code(c)
        if c.stage == CodeStage::Exchanging { request });
    if !expected {
        return Vec::new();
    }
    match result {
        Ok(Exchanged { tokens, skew }) => {
            app.clock_skew = skew.or(app.clock_skew);
            // "Address sent to the clipboard" is about a screen that is gone.
            app.notice = None;
            save_fresh_tokens(app, tokens, String::new())
        }
        Err(end) => {
            app.screen = Screen::CodeEnded(Box::new(end));
            Vec::new()
        }
    }
}

/// The wait ends at the deadline (an exchange already in flight is let finish).
pub(super) fn on_tick(app: &mut App, now: Timestamp) -> Vec<Effect> {
    let profile = app.profile.clone();
    let Some(code) = screen(app) else {
        return Vec::new();
    };
    if code.stage == CodeStage::Waiting && now >= code.deadline {
        app.screen = Screen::CodeEnded(Box::new(CodeEnd {
            kind: CodeEndKind::Expired,
            view: words::expired(&profile),
        }));
    }
    Vec::new()
}

#[cfg(test)]
#[path = "code_update_tests.rs"]
mod tests;
