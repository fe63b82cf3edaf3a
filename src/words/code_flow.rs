//! The code flow screen's sentences (`login --flow code` in a terminal); the line mode and the
//! screen share the exchange's words through [`crate::runtime::exchange`].

use crate::app::ErrorView;
use crate::app::code::CALLBACK_WAIT_SECS;
use crate::domain::text::sanitize;
use crate::oauth::pkce::CallbackError;

/// `grantty login --profile NAME --flow code`.
pub fn login_code_command(profile: &str) -> String {
    format!("{} --flow code", super::login_command(profile))
}

/// The next step after a sign-in that ended.
pub fn again(profile: &str) -> String {
    format!("Run {} to try again.", login_code_command(profile))
}

/// The notice after `u`.
pub fn copied() -> String {
    "Address sent to the clipboard (OSC 52); it stays on screen too".to_owned()
}

/// The notice after a paste longer than any real redirect.
pub fn paste_too_long() -> String {
    format!(
        "The pasted text was cut at {} bytes, longer than any redirect address",
        crate::oauth::pkce::CALLBACK_MAX_BYTES
    )
}

/// Enter on an empty input line.
pub fn nothing_pasted() -> String {
    "Paste the whole address from the browser's address bar first, then press Enter".to_owned()
}

/// Why a pasted address was not taken, and that another may be pasted.
pub fn rejected(err: &CallbackError) -> String {
    if *err == CallbackError::StartReused {
        return "Stopped: the start address on 127.0.0.1 was opened twice, so another program on this computer may have read this sign-in's request; grantty stopped listening for the browser and exchanged nothing. Leave this screen and sign in again.".to_owned();
    }
    let why = match err {
        // Its own wording sends the line mode's user to start over; here another paste works.
        CallbackError::StateMismatch => {
            "that address belongs to another sign-in (its state does not match this one); nothing was exchanged".to_owned()
        }
        other => sanitize(&other.to_string(), 300),
    };
    format!("Not accepted: {why}. Paste the address from this sign-in.")
}

/// The user or the server said no.
pub fn denied(err: &CallbackError, profile: &str) -> ErrorView {
    ErrorView {
        kind: crate::app::ErrorKind::default(),
        title: "The sign-in was denied".to_owned(),
        detail: sanitize(&err.to_string(), 400),
        hint: again(profile),
    }
}

/// No answer within the wait.
pub fn expired(profile: &str) -> ErrorView {
    ErrorView {
        kind: crate::app::ErrorKind::default(),
        title: "No answer in time".to_owned(),
        detail: format!(
            "Nothing came back from the browser within {} minutes, so the sign-in stopped.",
            CALLBACK_WAIT_SECS / 60
        ),
        hint: again(profile),
    }
}

/// `l` on the dashboard of a session that signed in in a browser: the dashboard starts device
/// grants only, and `grantty login` repeats the code flow with the stored endpoint and redirect.
pub fn sign_in_again_in_a_browser(profile: &str) -> String {
    format!(
        "This session signed in in a browser (authorization code flow). To sign in again that way, quit (q) and run `{} --force`",
        super::login_command(profile)
    )
}
