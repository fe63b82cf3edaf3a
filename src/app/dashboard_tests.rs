//! Dashboard scenarios, driven through [`update`] as the runtime drives it: automatic refresh
//! when the upkeep policy says so, back-off after failures, unsaved tokens saved again then kept
//! aside, confirmations, stale answers after a revoke.

use super::*;
use crate::app::update::update;
use crate::app::{ProviderInfo, RefreshResult, SavedAt, StorageView};
use crate::domain::session::RefreshChange;
use crate::oauth::http::TransportError;
use crate::session_service::{LoggedOut, NetProblem, RefreshFailed, Refreshed, StoreError};
use std::sync::Arc;

/// A refresh that rotated the tokens into `session`.
pub(super) fn fresh(session: Session) -> Box<RefreshResult> {
    Box::new(Ok(Refreshed::Fresh {
        session,
        change: RefreshChange::Rotated,
    }))
}

/// A refresh that got no answer.
fn unreachable() -> Box<RefreshResult> {
    Box::new(Err(RefreshFailed::Unreachable {
        host: "example.com".into(),
        problem: NetProblem::Transport(TransportError::no_answer("timed out")),
        session: Box::new(session("a1", 0)),
    }))
}

/// A store that failed with `text`.
pub(super) fn store_error(text: &str) -> Arc<StoreError> {
    Arc::new(StoreError::from(std::io::Error::other(text.to_owned())))
}

/// A revocation the server accepted.
pub(super) fn logged_out() -> LoggedOut {
    LoggedOut {
        profile: "p".into(),
        steps: vec![crate::session_service::RevokeStep {
            what: "refresh token (RFC 7009)",
            host: "example.com".into(),
            answer: Ok(crate::oauth::refresh::RevokeAnswer::Done { status: 200 }),
        }],
        no_endpoint: false,
        tokens_missing: false,
        refresh_token: crate::session_service::RefreshTokenFate::Revoked,
    }
}

use crate::domain::secret::{AccessToken, RefreshToken};
use crate::domain::session::{ProviderRecord, Session};
use crate::domain::token::TokenSet;

pub(super) fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_secs(1_000_000 + secs)
}

pub(super) fn session(access: &str, issued: i64) -> Session {
    session_living(access, issued, 2100)
}

fn session_living(access: &str, issued: i64, lifetime_secs: u64) -> Session {
    let record = ProviderRecord {
        kind: "generic".into(),
        host: "example.com".into(),
        client_id: "c".into(),
        scope: "openid".into(),
        device_authorization_endpoint: "https://example.com/d".into(),
        token_endpoint: "https://example.com/t".into(),
        userinfo_endpoint: None,
        code_flow: None,
        revocation_endpoint: Some("https://example.com/r".into()),
        logout_endpoint: None,
        refresh_token_lifespan_secs: None,
        client_auth: None,
        client_secret_source: None,
    };
    let tokens = TokenSet {
        access_token: AccessToken::new(access),
        token_type: "Bearer".into(),
        expires_at: Some(at(issued).plus_secs(lifetime_secs)),
        refresh_token: Some(RefreshToken::new("rt")),
        refresh_token_expires_at: None,
        scope: None,
        id_token: None,
        issued_at: at(issued),
    };
    Session::new("default", record, tokens, at(issued))
}

pub(super) fn app() -> App {
    let info = ProviderInfo::example();
    let storage = StorageView {
        description: "memory".into(),
        plaintext: false,
    };
    App::with_dashboard(
        info,
        Dashboard::new(session("a1", 0), storage, at(0), "opened"),
    )
}

pub(super) fn board(app: &App) -> &Dashboard {
    match &app.screen {
        Screen::Dashboard(d) => d,
        other => panic!("not the dashboard: {other:?}"),
    }
}

pub(super) fn refresh_request(effects: &[Effect]) -> RequestId {
    match effects {
        [Effect::Refresh { request, .. }] => *request,
        other => panic!("expected a refresh, got {other:?}"),
    }
}

#[test]
fn refresh_starts_skew_seconds_before_expiry_once() {
    let mut app = app();
    assert!(update(&mut app, Msg::Tick, at(2100 - 301)).is_empty());
    let request = refresh_request(&update(&mut app, Msg::Tick, at(2100 - 300 + 1)));
    assert!(
        update(&mut app, Msg::Tick, at(2000)).is_empty(),
        "one refresh at a time"
    );
    let result = fresh(session("a2", 1801));
    update(&mut app, Msg::Refreshed { request, result }, at(1802));
    let d = board(&app);
    assert_eq!(d.session.secrets.access_token.expose(), "a2");
    assert!(
        d.events
            .last()
            .unwrap()
            .text
            .contains("refresh token rotated")
    );
    assert!(
        update(&mut app, Msg::Tick, at(1803)).is_empty(),
        "the new token is fresh"
    );
}

#[test]
fn tokens_living_zero_seconds_are_refreshed_at_most_every_30_seconds() {
    let mut app = app();
    if let Screen::Dashboard(d) = &mut app.screen {
        d.session = session_living("a1", 0, 0);
    }
    assert!(
        update(&mut app, Msg::Tick, at(0)).is_empty(),
        "just received"
    );
    assert!(update(&mut app, Msg::Tick, at(29)).is_empty());
    let request = refresh_request(&update(&mut app, Msg::Tick, at(30)));
    let result = fresh(session_living("a2", 31, 0));
    update(&mut app, Msg::Refreshed { request, result }, at(31));
    for second in 31..61 {
        assert!(
            update(&mut app, Msg::Tick, at(second)).is_empty(),
            "at {second}"
        );
    }
    refresh_request(&update(&mut app, Msg::Tick, at(61)));
}

#[test]
fn failures_back_off_and_show_in_the_log() {
    let mut app = app();
    let request = refresh_request(&update(&mut app, Msg::Tick, at(1900)));
    update(
        &mut app,
        Msg::Refreshed {
            request,
            result: unreachable(),
        },
        at(1900),
    );
    assert!(
        board(&app)
            .events
            .last()
            .unwrap()
            .text
            .contains("retrying in 15 s")
    );
    assert!(update(&mut app, Msg::Tick, at(1914)).is_empty());
    let request = refresh_request(&update(&mut app, Msg::Tick, at(1915)));
    update(
        &mut app,
        Msg::Refreshed {
            request,
            result: unreachable(),
        },
        at(1915),
    );
    assert_eq!(board(&app).attempts.retry_at, Some(at(1915 + 30)));
}

#[test]
fn revoke_asks_first_and_a_late_refresh_changes_nothing() {
    let mut app = app();
    let refresh = refresh_request(&update(&mut app, Msg::Key(Key::Char('r')), at(10)));
    assert!(update(&mut app, Msg::Key(Key::Char('x')), at(11)).is_empty());
    assert_eq!(board(&app).overlay, Overlay::ConfirmRevoke);
    let effects = update(&mut app, Msg::Key(Key::Char('y')), at(12));
    let [Effect::Revoke { request: revoke }] = effects.as_slice() else {
        panic!("{effects:?}")
    };
    update(
        &mut app,
        Msg::Revoked {
            request: *revoke,
            result: Ok(logged_out()),
        },
        at(13),
    );
    let late = fresh(session("a-late", 12));
    update(
        &mut app,
        Msg::Refreshed {
            request: refresh,
            result: late,
        },
        at(14),
    );
    let d = board(&app);
    assert_eq!(d.ended, Some(Ended::Revoked));
    assert_eq!(
        d.session.secrets.access_token.expose(),
        "a1",
        "a stale refresh must not revive the session"
    );
    assert!(
        update(&mut app, Msg::Key(Key::Char('r')), at(15)).is_empty(),
        "no refresh after revoke"
    );
}

#[test]
fn any_other_key_answers_no() {
    let mut app = app();
    update(&mut app, Msg::Key(Key::Char('x')), at(1));
    assert!(update(&mut app, Msg::Key(Key::Char('n')), at(2)).is_empty());
    assert_eq!(board(&app).overlay, Overlay::None);
    update(&mut app, Msg::Key(Key::Char('c')), at(3));
    assert!(update(&mut app, Msg::Key(Key::Esc), at(4)).is_empty());
    assert!(!app.quit, "Esc closes the question, not the app");
}

#[test]
fn copy_token_and_export_go_through_confirmation_and_menu() {
    let mut app = app();
    update(&mut app, Msg::Key(Key::Char('c')), at(1));
    let effects = update(&mut app, Msg::Key(Key::Char('y')), at(2));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Export {
            format: Format::Raw,
            target: ExportTarget::Clipboard,
            ..
        }]
    ));
    update(&mut app, Msg::Key(Key::Char('e')), at(3));
    assert!(update(&mut app, Msg::Key(Key::Char('2')), at(4)).is_empty());
    assert!(
        update(&mut app, Msg::Key(Key::Char('c')), at(4)).is_empty(),
        "the clipboard path asks first, like `c`"
    );
    assert_eq!(
        board(&app).overlay,
        Overlay::ConfirmCopyExport {
            format: Format::Json
        }
    );
    assert!(
        update(&mut app, Msg::Key(Key::Char('n')), at(4)).is_empty(),
        "no: nothing copied"
    );
    update(&mut app, Msg::Key(Key::Char('e')), at(4));
    update(&mut app, Msg::Key(Key::Char('2')), at(4));
    update(&mut app, Msg::Key(Key::Char('c')), at(4));
    assert!(matches!(
        update(&mut app, Msg::Key(Key::Char('y')), at(4)).as_slice(),
        [Effect::Export {
            format: Format::Json,
            target: ExportTarget::Clipboard,
            ..
        }]
    ));
    update(&mut app, Msg::Key(Key::Char('e')), at(3));
    assert!(update(&mut app, Msg::Key(Key::Char('2')), at(4)).is_empty());
    let effects = update(&mut app, Msg::Key(Key::Char('f')), at(5));
    assert!(matches!(
        effects.as_slice(),
        [Effect::Export {
            format: Format::Json,
            target: ExportTarget::File,
            ..
        }]
    ));
}

#[test]
fn an_ended_session_offers_sign_in_again() {
    let mut app = app();
    let request = refresh_request(&update(&mut app, Msg::Tick, at(1900)));
    update(
        &mut app,
        Msg::Refreshed {
            request,
            result: Box::new(Err(RefreshFailed::NotSignedIn {
                profile: "p".into(),
            })),
        },
        at(1900),
    );
    assert!(matches!(board(&app).ended, Some(Ended::SignedOutElsewhere)));
    assert!(
        update(&mut app, Msg::Tick, at(5000)).is_empty(),
        "no automatic refresh after the end"
    );
    let effects = update(&mut app, Msg::Key(Key::Char('l')), at(5001));
    assert!(matches!(
        effects.as_slice(),
        [Effect::RequestDeviceCode { .. }]
    ));
    assert!(matches!(app.screen, Screen::Requesting { .. }));
}

#[test]
fn a_browser_session_is_not_replaced_by_a_device_grant_from_the_dashboard() {
    let mut app = app();
    let Screen::Dashboard(d) = &mut app.screen else {
        panic!()
    };
    d.session.meta.provider.code_flow = Some(crate::domain::session::CodeFlowRecord {
        authorization_endpoint: "https://example.com/authorize".into(),
        redirect_uri: Some("https://example.com/callback".into()),
    });
    let effects = update(&mut app, Msg::Key(Key::Char('l')), at(10));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(
        matches!(app.screen, Screen::Dashboard(_)),
        "no device code requested"
    );
    let last = board(&app).events.last().unwrap();
    assert_eq!(last.level, EventLevel::Warn);
    assert!(
        last.text
            .contains("quit (q) and run `grantty login --profile default --force`"),
        "{}",
        last.text
    );
}

#[test]
fn refresh_token_warning_starts_two_hours_before_it_ends() {
    let mut app = app();
    let Screen::Dashboard(d) = &mut app.screen else {
        panic!()
    };
    assert_eq!(
        d.refresh_token_warning(at(0)),
        None,
        "no known end, no warning"
    );
    d.session.meta.refresh.expires_at = Some(at(43_000));
    assert_eq!(d.refresh_token_warning(at(0)), None, "ten hours away");
    assert_eq!(d.refresh_token_warning(at(43_000 - 7200)), Some(at(43_000)));
    assert_eq!(
        d.refresh_token_warning(at(50_000)),
        Some(at(43_000)),
        "still warns once past"
    );
}

#[test]
fn failures_back_off_doubling_up_to_the_one_cap_shared_with_keep() {
    let mut app = app();
    let mut now = at(1900);
    let mut waits = Vec::new();
    for _ in 0..8 {
        let request = refresh_request(&update(&mut app, Msg::Tick, now));
        let result = unreachable();
        update(&mut app, Msg::Refreshed { request, result }, now);
        let retry_at = board(&app).attempts.retry_at.unwrap();
        assert!(
            update(
                &mut app,
                Msg::Tick,
                Timestamp::from_unix_secs(retry_at.as_unix_secs() - 1)
            )
            .is_empty(),
            "nothing before the retry"
        );
        waits.push(now.secs_until(retry_at));
        now = retry_at;
    }
    assert_eq!(waits, [15, 30, 60, 120, 240, 480, 900, 900]);
    assert_eq!(
        waits.iter().max(),
        Some(&crate::domain::upkeep::RETRY_CAP_SECS)
    );
}

fn save_request(effects: &[Effect]) -> (RequestId, bool) {
    match effects {
        [
            Effect::SaveUnsaved {
                request,
                keep_aside,
                ..
            },
        ] => (*request, *keep_aside),
        other => panic!("expected a save, got {other:?}"),
    }
}

#[test]
fn unsaved_tokens_are_saved_again_three_times_then_kept_aside() {
    let mut app = app();
    let request = refresh_request(&update(&mut app, Msg::Tick, at(1900)));
    let result = Box::new(Ok(Refreshed::Unsaved {
        session: session("a2", 1900),
        change: RefreshChange::Rotated,
        reason: store_error("disk full"),
    }));
    update(&mut app, Msg::Refreshed { request, result }, at(1900));
    assert_eq!(board(&app).session.secrets.access_token.expose(), "a2");
    let mut now = at(1900);
    let mut saves = Vec::new();
    loop {
        let retry_at = board(&app).unsaved.as_ref().unwrap().retry_at;
        let early = Timestamp::from_unix_secs(retry_at.as_unix_secs() - 1);
        if early > now {
            assert!(update(&mut app, Msg::Tick, early).is_empty());
        }
        now = retry_at;
        let (request, keep_aside) = save_request(&update(&mut app, Msg::Tick, now));
        saves.push(keep_aside);
        if keep_aside {
            let result = Ok(SavedAt::Aside("/run/user/1/grantty/default.unsaved".into()));
            update(&mut app, Msg::UnsavedSaved { request, result }, now);
            break;
        }
        let result = Err(store_error("disk full"));
        update(&mut app, Msg::UnsavedSaved { request, result }, now);
    }
    assert_eq!(
        saves,
        [false, false, false, true],
        "three retries, then aside"
    );
    assert_eq!(
        now,
        at(1903),
        "the retries' pauses, rounded up to whole seconds"
    );
    let d = board(&app);
    assert_eq!(d.unsaved, None);
    assert_eq!(
        d.session.secrets.access_token.expose(),
        "a2",
        "the new tokens stay"
    );
    assert!(
        d.events.last().unwrap().text.contains("default.unsaved"),
        "{:?}",
        d.events.last()
    );
}

#[test]
fn a_rotating_refresh_token_is_refreshed_by_force_before_its_lifespan_ends() {
    let mut app = app();
    if let Screen::Dashboard(d) = &mut app.screen {
        d.session = session_living("a1", 0, 100_000);
        d.session.meta.refresh.kind = crate::domain::session::RefreshKind::Rotating;
        d.session.meta.refresh.expires_at = Some(at(43_000));
    }
    assert!(update(&mut app, Msg::Tick, at(43_000 - 3601)).is_empty());
    let effects = update(&mut app, Msg::Tick, at(43_000 - 3600));
    assert!(
        matches!(effects.as_slice(), [Effect::Refresh { force: true, .. }]),
        "{effects:?}"
    );
}
