//! Scenarios for `update`: ticks drive polls, stale answers are dropped, keys do what they say.

use super::*;
use crate::app::{ErrorView, ProviderInfo, RequestId};
use crate::domain::clock::Skew;
use crate::domain::grant::{DeviceAuthorization, PollReply};
use crate::domain::secret::{AccessToken, DeviceCode};
use crate::domain::token::TokenSet;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_000_000 + secs)
}

fn provider() -> ProviderInfo {
    ProviderInfo {
        name: "Demo".into(),
        host: "example.com".into(),
        client_id: "grantty-demo".into(),
        scopes: "openid".into(),
        local_host: "build-box".into(),
    }
}

fn auth() -> DeviceAuthorization {
    DeviceAuthorization {
        device_code: DeviceCode::new("dc-1"),
        user_code: "WDJB-MJHT".into(),
        verification_uri: "https://example.com/device".into(),
        verification_uri_complete: Some("https://example.com/device?user_code=WDJB-MJHT".into()),
        issued_at: at(0),
        expires_at: at(600),
        interval_secs: 5,
    }
}

fn tokens() -> TokenSet {
    TokenSet {
        access_token: AccessToken::new("at"),
        token_type: "Bearer".into(),
        expires_at: Some(at(2100)),
        refresh_token: None,
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: at(10),
    }
}

/// An app showing `auth()`, and the id of its device-code request.
fn waiting_app() -> App {
    let mut app = App::new(provider(), at(0));
    let effects = start(&mut app, at(0));
    let [Effect::RequestDeviceCode { request }] = effects.as_slice() else {
        panic!("expected a device-code request, got {effects:?}");
    };
    update(
        &mut app,
        Msg::DeviceCode {
            request: *request,
            result: Ok(auth()),
            skew: None,
        },
        at(0),
    );
    app
}

fn poll_request(effects: &[Effect]) -> RequestId {
    match effects {
        [
            Effect::Poll {
                request,
                device_code,
            },
        ] => {
            assert_eq!(device_code.expose(), "dc-1");
            *request
        }
        other => panic!("expected one poll, got {other:?}"),
    }
}

#[test]
fn ticks_poll_only_when_due_and_one_at_a_time() {
    let mut app = waiting_app();
    assert!(update(&mut app, Msg::Tick, at(4)).is_empty());
    let request = poll_request(&update(&mut app, Msg::Tick, at(5)));
    assert!(
        update(&mut app, Msg::Tick, at(30)).is_empty(),
        "second poll while one in flight"
    );
    update(
        &mut app,
        Msg::Polled {
            request,
            reply: PollReply::Pending,
        },
        at(31),
    );
    assert!(update(&mut app, Msg::Tick, at(36)).is_empty());
    poll_request(&update(&mut app, Msg::Tick, at(37)));
}

#[test]
fn approval_is_stored_before_the_dashboard_shows_it() {
    let mut app = waiting_app();
    app.refresh_skew_secs = 600;
    let request = poll_request(&update(&mut app, Msg::Tick, at(5)));
    let reply = PollReply::Approved(Box::new(tokens()));
    let effects = update(&mut app, Msg::Polled { request, reply }, at(6));
    let [
        Effect::SaveSignIn {
            request: save,
            tokens: saved,
            clock_skew: None,
        },
    ] = effects.as_slice()
    else {
        panic!("expected a save, got {effects:?}");
    };
    assert_eq!(saved.access_token.expose(), "at");
    assert!(
        matches!(&app.screen, Screen::Approved(a) if a.user_code == "WDJB-MJHT" && a.saved == SaveState::Saving)
    );
    assert!(!app.finished(), "not done until stored");

    let record = crate::oauth::provider::Provider::generic(
        "c",
        None,
        "https://example.com/d",
        "https://example.com/t",
        None,
    )
    .unwrap()
    .to_record();
    let session = crate::domain::session::Session::new("default", record, tokens(), at(7));
    let storage = crate::app::StorageView {
        description: "memory".into(),
        plaintext: false,
    };
    let stale = RequestId(save.0 + 7);
    update(
        &mut app,
        Msg::SignInSaved {
            request: stale,
            result: Err(std::sync::Arc::new(io_error("x"))),
        },
        at(7),
    );
    assert!(
        matches!(&app.screen, Screen::Approved(a) if a.saved == SaveState::Saving),
        "stale answer dropped"
    );
    update(
        &mut app,
        Msg::SignInSaved {
            request: *save,
            result: Ok(crate::app::SignInSaved {
                session: Box::new(session),
                storage,
                replaced: None,
            }),
        },
        at(7),
    );
    match &app.screen {
        Screen::Dashboard(board) => assert_eq!(board.refresh_skew_secs, 600, "the profile's skew"),
        other => panic!("not the dashboard: {other:?}"),
    }
    assert!(app.finished());
}

#[test]
fn a_failed_save_is_reported_and_ends_plain_mode() {
    let mut app = waiting_app();
    let request = poll_request(&update(&mut app, Msg::Tick, at(5)));
    let effects = update(
        &mut app,
        Msg::Polled {
            request,
            reply: PollReply::Approved(Box::new(tokens())),
        },
        at(6),
    );
    let [Effect::SaveSignIn { request: save, .. }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    update(
        &mut app,
        Msg::SignInSaved {
            request: *save,
            result: Err(std::sync::Arc::new(io_error("disk full"))),
        },
        at(7),
    );
    assert!(
        matches!(&app.screen, Screen::Approved(a) if matches!(&a.saved, SaveState::Failed(e) if e.to_string().contains("disk full")))
    );
    assert!(app.finished());
}

#[test]
fn a_stale_poll_answer_changes_nothing() {
    let mut app = waiting_app();
    let request = poll_request(&update(&mut app, Msg::Tick, at(5)));
    let stale = RequestId(request.0 + 100);
    let before = app.clone();
    update(
        &mut app,
        Msg::Polled {
            request: stale,
            reply: PollReply::Expired,
        },
        at(6),
    );
    assert_eq!(app, before);
}

#[test]
fn local_deadline_ends_the_grant_and_drops_the_late_answer() {
    let mut app = waiting_app();
    let request = poll_request(&update(&mut app, Msg::Tick, at(595)));
    update(&mut app, Msg::Tick, at(600));
    assert!(matches!(
        app.screen,
        Screen::Ended {
            failure: GrantFailure::Expired { by_server: false },
            ..
        }
    ));
    let reply = PollReply::Approved(Box::new(tokens()));
    update(&mut app, Msg::Polled { request, reply }, at(601));
    assert!(
        matches!(app.screen, Screen::Ended { .. }),
        "late tokens must not revive the grant"
    );
}

#[test]
fn n_asks_for_a_new_code_only_after_the_end() {
    let mut app = waiting_app();
    assert!(update(&mut app, Msg::Key(Key::Char('n')), at(1)).is_empty());
    let request = poll_request(&update(&mut app, Msg::Tick, at(5)));
    update(
        &mut app,
        Msg::Polled {
            request,
            reply: PollReply::Denied { description: None },
        },
        at(6),
    );
    let effects = update(&mut app, Msg::Key(Key::Char('n')), at(7));
    assert!(matches!(
        effects.as_slice(),
        [Effect::RequestDeviceCode { .. }]
    ));
    assert!(matches!(app.screen, Screen::Requesting { .. }));
}

#[test]
fn an_answer_to_an_abandoned_code_request_is_dropped() {
    let mut app = App::new(provider(), at(0));
    let first = start(&mut app, at(0));
    let [Effect::RequestDeviceCode { request: old }] = first.as_slice() else {
        panic!()
    };
    let old = *old;
    let failed = ErrorView {
        kind: crate::app::ErrorKind::default(),
        title: "t".into(),
        detail: "d".into(),
        hint: "h".into(),
    };
    update(
        &mut app,
        Msg::DeviceCode {
            request: old,
            result: Err(failed),
            skew: None,
        },
        at(1),
    );
    let again = update(&mut app, Msg::Key(Key::Char('n')), at(2));
    assert!(
        matches!(again.as_slice(), [Effect::RequestDeviceCode { request } ] if *request != old)
    );
    update(
        &mut app,
        Msg::DeviceCode {
            request: old,
            result: Ok(auth()),
            skew: Some(Skew::from_secs(900)),
        },
        at(3),
    );
    assert!(matches!(app.screen, Screen::Requesting { .. }));
    assert_eq!(app.clock_skew, None, "a dropped answer measures nothing");
}

#[test]
fn copy_keys_send_code_and_complete_url_and_leave_a_notice() {
    let mut app = waiting_app();
    let effects = update(&mut app, Msg::Key(Key::Char('c')), at(1));
    assert_eq!(
        effects,
        vec![Effect::Copy {
            target: CopyTarget::UserCode,
            text: "WDJB-MJHT".into()
        }]
    );
    assert!(app.visible_notice(at(2)).is_some());
    assert!(app.visible_notice(at(1 + 4)).is_none(), "notice fades");
    let effects = update(&mut app, Msg::Key(Key::Char('u')), at(1));
    assert_eq!(
        effects,
        vec![Effect::Copy {
            target: CopyTarget::Url,
            text: "https://example.com/device?user_code=WDJB-MJHT".into()
        }]
    );
}

#[test]
fn quit_keys_set_quit() {
    for key in [Key::Char('q'), Key::Esc, Key::CtrlC] {
        let mut app = waiting_app();
        update(&mut app, Msg::Key(key), at(1));
        assert!(app.quit, "{key:?}");
    }
}

#[test]
fn the_server_clock_skew_is_kept_and_stored_with_the_sign_in() {
    let mut app = App::new(provider(), at(0));
    let [Effect::RequestDeviceCode { request }] = start(&mut app, at(0))[..] else {
        panic!("expected a device-code request")
    };
    let skew = Some(Skew::from_secs(-42));
    let result = Ok(auth());
    update(
        &mut app,
        Msg::DeviceCode {
            request,
            result,
            skew,
        },
        at(0),
    );
    assert_eq!(app.clock_skew, skew);
    let request = poll_request(&update(&mut app, Msg::Tick, at(5)));
    let reply = PollReply::Approved(Box::new(tokens()));
    let effects = update(&mut app, Msg::Polled { request, reply }, at(6));
    assert!(
        matches!(effects.as_slice(), [Effect::SaveSignIn { clock_skew, .. }] if *clock_skew == skew),
        "{effects:?}"
    );
}

/// A store error as an IO failure would give.
fn io_error(text: &str) -> crate::session_service::StoreError {
    crate::session_service::StoreError::from(std::io::Error::other(text.to_owned()))
}
