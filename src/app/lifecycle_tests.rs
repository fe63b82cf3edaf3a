//! The session's lifecycle on the dashboard: opening requests nothing, `l` asks and can be
//! cancelled back to the session, a replaced session is revoked, and quitting waits for a
//! refresh in flight.

use super::tests::{app, at, board, fresh, logged_out, refresh_request, session, store_error};
use super::*;
use crate::app::dashboard::Standing;
use crate::app::update::{start, update};
use crate::app::{RefreshResult, SavedAt, SignInSaved, StorageView};
use crate::domain::session::RefreshChange;
use crate::oauth::wire::ErrorCode;
use crate::session_service::{EndReason, RefreshFailed, Refreshed};

fn storage() -> StorageView {
    StorageView {
        description: "memory".into(),
        plaintext: false,
    }
}

fn code_request(effects: &[Effect]) -> RequestId {
    match effects {
        [Effect::RequestDeviceCode { request }] => *request,
        other => panic!("expected a device-code request, got {other:?}"),
    }
}

#[test]
fn opening_on_a_stored_session_requests_nothing() {
    let mut app = app();
    assert_eq!(start(&mut app, at(10)), Vec::new());
    assert!(matches!(app.screen, Screen::Dashboard(_)));
    assert!(update(&mut app, Msg::Tick, at(11)).is_empty());
}

#[test]
fn l_asks_first_and_no_keeps_the_session() {
    let mut app = app();
    assert!(update(&mut app, Msg::Key(Key::Char('l')), at(10)).is_empty());
    assert_eq!(board(&app).overlay, Overlay::ConfirmSignIn);
    assert!(update(&mut app, Msg::Key(Key::Char('n')), at(11)).is_empty());
    assert_eq!(board(&app).overlay, Overlay::None);
    assert!(matches!(app.screen, Screen::Dashboard(_)));
}

#[test]
fn cancelling_the_new_sign_in_returns_to_the_session() {
    let mut app = app();
    update(&mut app, Msg::Key(Key::Char('l')), at(10));
    let request = code_request(&update(&mut app, Msg::Key(Key::Char('y')), at(11)));
    assert!(matches!(app.screen, Screen::Requesting { .. }));
    update(&mut app, Msg::Key(Key::Esc), at(12));
    assert!(!app.quit, "Esc on the new sign-in must not quit");
    assert_eq!(board(&app).session.secrets.access_token.expose(), "a1");
    assert!(
        board(&app)
            .events
            .last()
            .is_some_and(|e| e.text.contains("cancelled")),
        "{:?}",
        board(&app).events
    );
    // The abandoned request's answer changes nothing.
    let late = Msg::DeviceCode {
        request,
        result: Err(crate::app::ErrorView {
            kind: crate::app::ErrorKind::default(),
            title: "late".into(),
            detail: String::new(),
            hint: String::new(),
        }),
        skew: None,
    };
    update(&mut app, late, at(13));
    assert!(matches!(app.screen, Screen::Dashboard(_)));
    // q on the dashboard itself still quits.
    update(&mut app, Msg::Key(Key::Char('q')), at(14));
    assert!(app.quit);
}

#[test]
fn a_sign_in_stored_over_a_session_revokes_the_replaced_grant() {
    let mut app = app();
    update(&mut app, Msg::Key(Key::Char('l')), at(10));
    update(&mut app, Msg::Key(Key::Char('y')), at(11));
    app.pending_save = Some(RequestId(99));
    let saved = SignInSaved {
        session: Box::new(session("a2", 20)),
        storage: storage(),
        replaced: Some(Box::new(session("a1", 0))),
    };
    let effects = update(
        &mut app,
        Msg::SignInSaved {
            request: RequestId(99),
            result: Ok(saved),
        },
        at(20),
    );
    let [Effect::RevokeReplaced { request, session }] = effects.as_slice() else {
        panic!("expected the replaced grant's revocation, got {effects:?}");
    };
    assert_eq!(session.secrets.access_token.expose(), "a1");
    assert_eq!(board(&app).session.secrets.access_token.expose(), "a2");
    assert!(app.replacing.is_none());
    // Quitting now waits for the revocation.
    update(&mut app, Msg::Key(Key::Char('q')), at(21));
    assert!(!app.quit);
    let answer = Msg::ReplacedRevoked {
        request: *request,
        result: Ok(logged_out()),
    };
    update(&mut app, answer, at(22));
    assert!(app.quit);
    assert!(
        board(&app).events.iter().any(|e| e.text
            == "Replaced session: refresh token (RFC 7009) at example.com: accepted (HTTP 200)"),
        "{:?}",
        board(&app).events
    );
}

#[test]
fn quitting_during_a_refresh_waits_for_it_and_starts_nothing_new() {
    let mut app = app();
    let request = refresh_request(&update(&mut app, Msg::Key(Key::Char('r')), at(10)));
    update(&mut app, Msg::Key(Key::Char('q')), at(11));
    assert!(!app.quit, "a refresh is in flight");
    assert_eq!(app.leaving, Some(at(11)));
    assert!(
        app.visible_notice(at(60))
            .is_some_and(|n| n.text.starts_with("Finishing the refresh")),
        "the notice stays while leaving"
    );
    assert!(update(&mut app, Msg::Key(Key::Char('r')), at(12)).is_empty());
    assert!(update(&mut app, Msg::Tick, at(3000)).is_empty());
    let result = fresh(session("a2", 12));
    update(&mut app, Msg::Refreshed { request, result }, at(13));
    assert!(app.quit);
    assert_eq!(board(&app).session.secrets.access_token.expose(), "a2");
}

#[test]
fn a_signal_with_nothing_in_flight_quits_at_once() {
    let mut app = app();
    update(&mut app, Msg::Quit, at(10));
    assert!(app.quit);
    assert_eq!(app.leaving, None);
}

#[test]
fn a_refresh_answered_during_a_new_sign_in_lands_on_the_session_it_would_replace() {
    let mut app = app();
    let request = refresh_request(&update(&mut app, Msg::Key(Key::Char('r')), at(10)));
    update(&mut app, Msg::Key(Key::Char('l')), at(11));
    update(&mut app, Msg::Key(Key::Char('y')), at(12));
    assert!(
        app.holds_work(),
        "the old session's refresh is still in flight"
    );
    let result = fresh(session("a2", 12));
    update(&mut app, Msg::Refreshed { request, result }, at(13));
    assert!(!app.holds_work());
    update(&mut app, Msg::Key(Key::Char('q')), at(14));
    assert_eq!(board(&app).session.secrets.access_token.expose(), "a2");
}

fn answer(app: &mut App, result: Box<RefreshResult>, now: Timestamp) {
    let request = refresh_request(&update(app, Msg::Key(Key::Char('r')), now));
    update(app, Msg::Refreshed { request, result }, now);
}

#[test]
fn a_refusal_keeps_the_tokens_and_retries_with_back_off_and_on_r() {
    let mut app = app();
    let result = Box::new(Err(RefreshFailed::Refused {
        session: Box::new(session("a1", 0)),
        code: ErrorCode::InvalidClient,
        description: None,
    }));
    answer(&mut app, result, at(100));
    assert_eq!(board(&app).session.secrets.access_token.expose(), "a1");
    assert!(matches!(board(&app).standing, Standing::Refused { .. }));
    assert_eq!(board(&app).attempts.retry_at, Some(at(115)));
    assert!(update(&mut app, Msg::Tick, at(114)).is_empty());
    // Once the retry is due and the token needs it (its margin has come), it refreshes again.
    refresh_request(&update(&mut app, Msg::Tick, at(1900)));
    let result = fresh(session("a2", 1900));
    let request = board(&app).refresh_request.unwrap();
    update(&mut app, Msg::Refreshed { request, result }, at(1901));
    assert_eq!(board(&app).standing, Standing::Active);
}

#[test]
fn a_dead_refresh_token_stops_refreshing_but_keeps_the_access_token() {
    let mut app = app();
    let result = Box::new(Err(RefreshFailed::Dead {
        session: Box::new(session("a1", 0)),
        reason: EndReason::NoRefreshToken,
    }));
    answer(&mut app, result, at(100));
    assert!(matches!(board(&app).standing, Standing::Dead { .. }));
    assert!(
        board(&app).ended.is_none(),
        "the access token is still shown"
    );
    assert!(update(&mut app, Msg::Tick, at(1900)).is_empty());
    assert!(update(&mut app, Msg::Key(Key::Char('r')), at(1901)).is_empty());
    update(&mut app, Msg::Key(Key::Char('l')), at(1902));
    assert_eq!(board(&app).overlay, Overlay::ConfirmSignIn);
}

fn save_request(effects: &[Effect], aside_wanted: bool) -> RequestId {
    match effects {
        [
            Effect::SaveUnsaved {
                request,
                session,
                keep_aside,
            },
        ] if *keep_aside == aside_wanted => {
            assert_eq!(session.secrets.access_token.expose(), "a2");
            *request
        }
        other => panic!("expected a save (keep aside {aside_wanted}), got {other:?}"),
    }
}

/// A dashboard whose refresh at 100 rotated the tokens to `a2` but could not save them.
fn unsaved_at_100() -> App {
    let mut app = app();
    let result = Box::new(Ok(Refreshed::Unsaved {
        session: session("a2", 100),
        change: RefreshChange::Rotated,
        reason: store_error("disk full"),
    }));
    answer(&mut app, result, at(100));
    app
}

#[test]
fn unsaved_tokens_stay_in_memory_and_are_saved_again_until_it_works() {
    let mut app = unsaved_at_100();
    assert_eq!(board(&app).session.secrets.access_token.expose(), "a2");
    assert!(update(&mut app, Msg::Tick, at(100)).is_empty());
    // The upkeep policy's first pause (250 ms), on a clock of whole seconds.
    let request = save_request(&update(&mut app, Msg::Tick, at(101)), false);
    let failed = Msg::UnsavedSaved {
        request,
        result: Err(store_error("still full")),
    };
    update(&mut app, failed, at(106));
    let reason = board(&app).unsaved.as_ref().unwrap().reason.to_string();
    assert!(reason.contains("still full"), "{reason}");
    // r saves at once rather than spending the stored (spent) refresh token.
    let request = save_request(&update(&mut app, Msg::Key(Key::Char('r')), at(107)), false);
    let saved = Msg::UnsavedSaved {
        request,
        result: Ok(SavedAt::Store),
    };
    update(&mut app, saved, at(108));
    assert_eq!(board(&app).unsaved, None);
}

#[test]
fn quitting_with_unsaved_tokens_saves_them_or_writes_the_fallback_file_first() {
    let mut app = unsaved_at_100();
    let request = save_request(&update(&mut app, Msg::Key(Key::Char('q')), at(101)), true);
    assert!(!app.quit);
    let kept_aside = Msg::UnsavedSaved {
        request,
        result: Ok(SavedAt::Aside(
            "/run/user/1000/grantty/default.keep_aside.json".into(),
        )),
    };
    update(&mut app, kept_aside, at(102));
    assert!(app.quit);
    assert!(
        board(&app)
            .events
            .last()
            .is_some_and(|e| e.text.contains("default.keep_aside.json")),
        "{:?}",
        board(&app).events
    );
}
