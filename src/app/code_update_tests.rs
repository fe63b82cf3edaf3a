use super::super::update::update;
use super::super::{
    App, Capture, CodeEndKind, CodeSignIn, CodeStage, Effect, Key, Msg, ProviderInfo, Screen,
};
use crate::domain::clock::Timestamp;
use crate::oauth::pkce::{AuthorizationRequest, Pkce};
use crate::oauth::provider::Provider;

const T0: Timestamp = Timestamp::from_unix_secs(1_700_000_000);

fn app() -> App {
    let provider = Provider::generic(
        "c",
        Some("openid"),
        "https://example.com/device",
        "https://example.com/token",
        None,
    )
    .unwrap();
    let endpoint = url::Url::parse("https://example.com/authorize").unwrap();
    let redirect = url::Url::parse("http://127.0.0.1/callback").unwrap();
    let pkce = Pkce::from_verifier("v".repeat(43).as_str());
    let request =
        AuthorizationRequest::new(&provider, &endpoint, redirect, pkce, "st4te".to_owned());
    let info = ProviderInfo::example();
    let capture = Capture::Paste {
        note: "Not opening a browser here: over SSH.".into(),
    };
    App::with_screen(
        info,
        Screen::Code(Box::new(CodeSignIn::new(request, capture, T0))),
    )
}

fn code(app: &App) -> &CodeSignIn {
    match &app.screen {
        Screen::Code(c) => c,
        other => panic!("not the code screen: {other:?}"),
    }
}

fn paste_and_enter(app: &mut App, text: &str) -> Vec<Effect> {
    assert!(update(app, Msg::Paste(text.into()), T0).is_empty());
    update(app, Msg::Key(Key::Enter), T0)
}

#[test]
fn a_good_paste_starts_exactly_one_exchange() {
    let mut app = app();
    let effects = paste_and_enter(&mut app, "http://127.0.0.1/callback?code=abc&state=st4te");
    let [Effect::ExchangeCode { code: sent, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(sent.expose(), "abc");
    assert!(code(&app).exchanging());
    assert!(app.holds_work(), "quitting waits for the exchange");
    assert!(update(&mut app, Msg::Key(Key::Enter), T0).is_empty());
    assert!(update(&mut app, Msg::Paste("x".into()), T0).is_empty());
}

#[test]
fn a_wrong_state_is_explained_and_a_second_paste_works() {
    let mut app = app();
    let effects = paste_and_enter(&mut app, "http://127.0.0.1/callback?code=abc&state=other");
    assert!(effects.is_empty());
    let error = code(&app).error.clone().unwrap();
    assert!(error.contains("another sign-in"), "{error}");
    assert!(code(&app).input.is_empty(), "the next paste replaces it");
    update(&mut app, Msg::Paste("h".into()), T0);
    assert_eq!(code(&app).error, None, "a new paste clears the explanation");
    update(&mut app, Msg::Key(Key::CtrlU), T0);
    let effects = paste_and_enter(&mut app, "http://127.0.0.1/callback?code=abc&state=st4te");
    assert!(matches!(effects.as_slice(), [Effect::ExchangeCode { .. }]));
}

#[test]
fn a_denial_ends_the_sign_in() {
    let mut app = app();
    paste_and_enter(
        &mut app,
        "http://127.0.0.1/callback?error=access_denied&state=st4te",
    );
    let Screen::CodeEnded(end) = &app.screen else {
        panic!("{:?}", app.screen);
    };
    assert_eq!(end.kind, CodeEndKind::Denied);
    assert!(end.view.hint.contains("--flow code"), "{}", end.view.hint);
}

#[test]
fn letters_are_commands_only_while_the_input_is_empty() {
    let mut app = app();
    let effects = update(&mut app, Msg::Key(Key::Char('u')), T0);
    assert!(matches!(effects.as_slice(), [Effect::Copy { .. }]));
    assert!(app.notice.is_some());
    update(&mut app, Msg::Key(Key::Char('h')), T0);
    update(&mut app, Msg::Key(Key::Char('q')), T0);
    assert!(!app.quit, "q is typed once the line holds text");
    assert_eq!(code(&app).input.text(), "hq");
    update(&mut app, Msg::Key(Key::CtrlU), T0);
    assert!(code(&app).input.is_empty());
    update(&mut app, Msg::Key(Key::Char('?')), T0);
    assert!(code(&app).help);
    update(&mut app, Msg::Key(Key::Char('x')), T0);
    assert!(!code(&app).help, "any key closes the list");
    update(&mut app, Msg::Key(Key::Char('q')), T0);
    assert!(app.quit);
}

#[test]
fn the_wait_ends_at_the_deadline_but_not_during_the_exchange() {
    let mut app = app();
    update(&mut app, Msg::Tick, T0.plus_secs(599));
    assert!(matches!(app.screen, Screen::Code(_)));
    update(&mut app, Msg::Tick, T0.plus_secs(600));
    let Screen::CodeEnded(end) = &app.screen else {
        panic!("{:?}", app.screen);
    };
    assert_eq!(end.kind, CodeEndKind::Expired);

    let mut exchanging = app_exchanging();
    update(&mut exchanging, Msg::Tick, T0.plus_secs(700));
    assert!(code(&exchanging).exchanging());
}

fn app_exchanging() -> App {
    let mut app = app();
    paste_and_enter(&mut app, "http://127.0.0.1/callback?code=abc&state=st4te");
    app
}

#[test]
fn the_listener_answer_is_taken_and_stale_exchange_answers_are_dropped() {
    let mut app = app();
    if let Screen::Code(c) = &mut app.screen {
        c.capture = Capture::Listening {
            port: 8400,
            note: String::new(),
        };
    }
    let code_value = crate::oauth::pkce::parse_callback("code=zz&state=st4te", "st4te");
    let effects = update(&mut app, Msg::Callback(code_value), T0);
    assert!(matches!(effects.as_slice(), [Effect::ExchangeCode { .. }]));
    assert_eq!(code(&app).capture, Capture::Answered);
    let CodeStage::Exchanging { request } = code(&app).stage.clone() else {
        panic!();
    };
    let stale = super::super::RequestId(request.0 + 7);
    let end = crate::app::CodeEnd {
        kind: CodeEndKind::Unreachable,
        view: crate::app::ErrorView {
            kind: crate::app::ErrorKind::default(),
            title: "t".into(),
            detail: "d".into(),
            hint: "h".into(),
        },
    };
    update(
        &mut app,
        Msg::Exchanged {
            request: stale,
            result: Err(end.clone()),
        },
        T0,
    );
    assert!(code(&app).exchanging(), "a stale answer changes nothing");
    update(
        &mut app,
        Msg::Exchanged {
            request,
            result: Err(end),
        },
        T0,
    );
    assert!(matches!(app.screen, Screen::CodeEnded(_)));
}

#[test]
fn a_paste_past_the_cap_is_cut_and_the_screen_says_so() {
    let mut app = app();
    let huge = "a".repeat(crate::oauth::pkce::CALLBACK_MAX_BYTES + 1);
    update(&mut app, Msg::Paste(huge), T0);
    assert_eq!(
        code(&app).input.text().len(),
        crate::oauth::pkce::CALLBACK_MAX_BYTES
    );
    let notice = app.notice.clone().unwrap();
    assert!(notice.text.contains("was cut"), "{}", notice.text);
}
