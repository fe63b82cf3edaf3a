//! Deterministic models of the code flow screen: `example.com` endpoints, a fixed PKCE
//! verifier and `state`, literal timestamps.

use grantty::app::{
    App, Capture, CodeEnd, CodeEndKind, CodeSignIn, CodeStage, ErrorView, RequestId, Screen,
};
use grantty::domain::clock::Timestamp;

use super::example::{STATE, at, provider, request};

/// A code screen that started at `at(0)` with `capture`.
pub fn code_app(capture: Capture, edit: impl FnOnce(&mut CodeSignIn)) -> App {
    let mut code = CodeSignIn::new(request(), capture, at(0));
    edit(&mut code);
    App::with_screen(provider(), Screen::Code(Box::new(code)))
}

/// No browser (over SSH): the address is pasted.
pub fn paste() -> Capture {
    Capture::Paste {
        note: "Not opening a browser here: connected over SSH.".to_owned(),
    }
}

/// Waiting for the paste, nothing typed.
pub fn paste_waiting() -> App {
    code_app(paste(), |_| {})
}

/// Part of an address typed, the cursor inside it.
pub fn typed() -> App {
    code_app(paste(), |c| {
        c.input.insert("http://127.0.0.1/callback?code=");
        c.input.left();
        c.input.left();
    })
}

/// A long address pasted: the line shows a window around the cursor.
pub fn long_input() -> App {
    code_app(paste(), |c| {
        c.input.insert(&format!(
            "http://127.0.0.1/callback?code={}&state={STATE}",
            "a".repeat(200)
        ));
    })
}

/// An address of another sign-in was pasted.
pub fn bad_paste() -> App {
    code_app(paste(), |c| {
        let answer = grantty::oauth::pkce::parse_callback(
            "http://127.0.0.1/callback?code=abc&state=another",
            STATE,
        );
        if let Err(e) = answer {
            c.error = Some(grantty::words::code_flow::rejected(&e));
        }
    })
}

/// A browser was opened; the listener waits.
pub fn listening() -> App {
    code_app(
        Capture::Listening {
            port: 53_682,
            note: "Opened your browser on that address.".to_owned(),
        },
        |_| {},
    )
}

/// The listener got the answer; the code is being exchanged.
pub fn exchanging() -> App {
    code_app(Capture::Answered, |c| {
        c.stage = CodeStage::Exchanging {
            request: RequestId(1),
        };
    })
}

/// The `?` list.
pub fn help() -> App {
    code_app(paste(), |c| c.help = true)
}

/// Ended without tokens.
pub fn ended(kind: CodeEndKind) -> App {
    let again = "Run grantty login --profile default --flow code to try again.";
    let (title, detail, hint) = match kind {
        CodeEndKind::Denied => (
            "The sign-in was denied",
            "access denied: The user denied the request".to_owned(),
            again.to_owned(),
        ),
        CodeEndKind::Expired => (
            "No answer in time",
            "Nothing came back from the browser within 10 minutes, so the sign-in stopped."
                .to_owned(),
            again.to_owned(),
        ),
        CodeEndKind::Refused => (
            "The code exchange failed",
            "example.com refused: invalid_grant (code expired)".to_owned(),
            format!(
                "The code expired, was already used, or its verifier or redirect URI did not match. {again}"
            ),
        ),
        CodeEndKind::Unreachable => (
            "Could not reach example.com",
            "connection refused".to_owned(),
            format!("The code is single use, so it was not sent again. {again}"),
        ),
    };
    App::with_screen(
        provider(),
        Screen::CodeEnded(Box::new(CodeEnd {
            kind,
            view: ErrorView {
                kind: grantty::app::ErrorKind::default(),
                title: title.to_owned(),
                detail,
                hint,
            },
        })),
    )
}

/// Every code flow screen and the time it is drawn at.
pub fn all() -> Vec<(&'static str, App, Timestamp)> {
    vec![
        ("code_paste_waiting", paste_waiting(), at(1)),
        ("code_typed", typed(), at(30)),
        ("code_long_input", long_input(), at(30)),
        ("code_bad_paste", bad_paste(), at(45)),
        ("code_listening", listening(), at(5)),
        ("code_exchanging", exchanging(), at(62)),
        ("code_help", help(), at(3)),
        ("code_denied", ended(CodeEndKind::Denied), at(70)),
        ("code_expired", ended(CodeEndKind::Expired), at(600)),
        ("code_refused", ended(CodeEndKind::Refused), at(80)),
        ("code_unreachable", ended(CodeEndKind::Unreachable), at(80)),
    ]
}
