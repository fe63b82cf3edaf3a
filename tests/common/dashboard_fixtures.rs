//! Deterministic dashboards for the render tests: a session signed in at `at(40)` (13:14:55 UTC)
//! with fake tokens (`example::session`), brought to each state by mutating the model's public fields and logging
//! the events the update would have logged.

use grantty::app::dashboard::{Ended, EventLevel, Overlay};
use grantty::app::{App, Dashboard, RequestId, StorageView};
use grantty::domain::clock::Timestamp;
use grantty::domain::session::RefreshKind;
use grantty::export::Format;
use grantty::local_time::LocalTime;

use super::example::{ACCESS_LIFETIME_SECS, SIGNED_IN, at, provider, session};

/// The Secret Service, as the store describes itself.
pub fn keyring() -> StorageView {
    StorageView {
        description: "Secret Service (login keyring)".to_owned(),
        plaintext: false,
    }
}

/// The 0600 file, as the store describes itself.
pub fn plaintext_file() -> StorageView {
    StorageView {
        description: "plaintext file ~/.local/state/grantty/<profile>.secrets.json (0600)"
            .to_owned(),
        plaintext: true,
    }
}

/// A dashboard of [`session`] stored in `storage`, opening with `opening`.
pub fn dashboard_in(storage: StorageView, opening: &str) -> Dashboard {
    Dashboard::new(session(), storage, at(SIGNED_IN), opening)
}

/// [`dashboard_in`] the keyring.
pub fn dashboard() -> Dashboard {
    dashboard_in(keyring(), "Signed in; tokens stored in the Secret Service")
}

/// The app showing `dashboard`.
pub fn app(dashboard: Dashboard) -> App {
    App::with_dashboard(provider(), dashboard)
}

/// Ten minutes after signing in.
pub fn fresh() -> (App, Timestamp) {
    (app(dashboard()), at(SIGNED_IN + 600))
}

/// No refresh token was issued and 42 s of the access token are left.
pub fn expiring() -> (App, Timestamp) {
    let mut d = dashboard();
    d.session.secrets.refresh_token = None;
    d.session.meta.has_refresh_token = false;
    d.session.meta.refresh.kind = RefreshKind::None;
    d.log(
        at(SIGNED_IN),
        EventLevel::Warn,
        "The provider issued no refresh token: sign in again when the access token expires"
            .to_owned(),
    );
    (app(d), at(SIGNED_IN + ACCESS_LIFETIME_SECS - 42))
}

/// Three rotations, 55 min apart; each rotated token lives 30 days.
pub fn rotated() -> (App, Timestamp) {
    rotated_in(&LocalTime::utc())
}

/// [`rotated`], with times shown (and logged, as `update` logs them) in `zone`.
pub fn rotated_in(zone: &LocalTime) -> (App, Timestamp) {
    let mut d = dashboard();
    let lifespan_secs = 30 * 86_400;
    for n in 1..=3 {
        let when = at(SIGNED_IN + n * 3300);
        let until = when.plus_secs(ACCESS_LIFETIME_SECS);
        d.log(
            when,
            EventLevel::Info,
            format!(
                "Refreshed; access token valid until {}; refresh token rotated (#{n})",
                zone.time_of_day(until)
            ),
        );
        let meta = &mut d.session.meta;
        meta.access_issued_at = when;
        meta.access_expires_at = Some(until);
        meta.refresh.kind = RefreshKind::Rotating;
        meta.refresh.rotation_count = u32::try_from(n).unwrap();
        meta.refresh.issued_at = when;
        meta.refresh.last_rotation_at = Some(when);
        meta.refresh.last_refresh_at = Some(when);
        meta.refresh.expires_at = Some(when.plus_secs(lifespan_secs));
    }
    let mut app = app(d);
    app.local_time = zone.clone();
    (app, at(SIGNED_IN + 3 * 3300 + 900))
}

/// A fixed refresh token that the server says ends 1 h 30 min from now.
pub fn refresh_ending() -> (App, Timestamp) {
    let (mut app, now) = fresh();
    with_board(&mut app, |d| {
        d.session.meta.refresh.kind = RefreshKind::Fixed;
        d.session.meta.refresh.expires_at = Some(now.plus_secs(90 * 60));
    });
    (app, now)
}

/// Two failed refreshes; the next attempt is due in 20 s; 3 min 40 s of the token are left.
pub fn refresh_failed() -> (App, Timestamp) {
    let mut d = dashboard();
    let expires = SIGNED_IN + ACCESS_LIFETIME_SECS;
    let message = "could not refresh: error sending request for url \
                   (https://example.com/oauth/token): connection refused; the stored tokens are \
                   unchanged, try again later";
    d.log(
        at(expires - 299),
        EventLevel::Error,
        format!("Refresh failed: {message}; retrying in 15 s"),
    );
    d.log(
        at(expires - 250),
        EventLevel::Error,
        format!("Refresh failed: {message}; retrying in 30 s"),
    );
    d.attempts.failures = 2;
    d.attempts.retry_at = Some(at(expires - 220));
    (app(d), at(expires - 240))
}

/// The session left the store under the dashboard (a logout in another terminal).
pub fn session_ended() -> (App, Timestamp) {
    let mut d = dashboard();
    let when = at(SIGNED_IN + ACCESS_LIFETIME_SECS - 300);
    d.log(
        when,
        EventLevel::Error,
        format!(
            "Session ended: {}. Press l to sign in again",
            grantty::words::SIGNED_OUT_ELSEWHERE
        ),
    );
    d.ended = Some(Ended::SignedOutElsewhere);
    (app(d), when.plus_secs(5))
}

/// Revoked by the user.
pub fn revoked() -> (App, Timestamp) {
    let mut d = dashboard();
    let when = at(SIGNED_IN + 900);
    for text in [
        "Revoking at the server…",
        "example.com revoked the refresh token",
        "example.com revoked the access token",
        "Revoked; the session was deleted from the store",
    ] {
        d.log(when, EventLevel::Info, text.to_owned());
    }
    d.ended = Some(Ended::Revoked);
    (app(d), when.plus_secs(2))
}

/// Stored in the plaintext file.
pub fn plaintext_storage() -> (App, Timestamp) {
    let d = dashboard_in(
        plaintext_file(),
        "Signed in; tokens stored in a plaintext file (0600)",
    );
    (app(d), at(SIGNED_IN + 600))
}

/// [`fresh`] with `overlay` open.
pub fn with_overlay(overlay: Overlay) -> (App, Timestamp) {
    let (mut app, now) = fresh();
    with_board(&mut app, |d| d.overlay = overlay);
    (app, now)
}

/// The export menu, before a format is picked.
pub fn export_menu() -> (App, Timestamp) {
    with_overlay(Overlay::Export { format: None })
}

/// The export menu after `2` (JSON).
pub fn export_destination() -> (App, Timestamp) {
    with_overlay(Overlay::Export {
        format: Some(Format::Json),
    })
}

/// [`fresh`] with a refresh in flight.
pub fn refreshing() -> (App, Timestamp) {
    let (mut app, now) = fresh();
    with_board(&mut app, |d| d.refresh_request = Some(RequestId(7)));
    (app, now)
}

/// The key list (`?`) over [`fresh`].
pub fn help() -> (App, Timestamp) {
    with_overlay(Overlay::Help)
}

/// Thirty refreshes, one a minute: more events than any screen shows.
pub fn many_events() -> (App, Timestamp) {
    let mut d = dashboard();
    for n in 1..=30 {
        d.log(
            at(SIGNED_IN + n * 60),
            EventLevel::Info,
            format!("Still valid; no refresh needed (check #{n})"),
        );
    }
    (app(d), at(SIGNED_IN + 31 * 60))
}

/// An Anaplan-like session before its first refresh: the profile says rotating refresh tokens
/// live 43,000 s, and the kind is not known yet.
pub fn with_lifespan_unknown_kind() -> (App, Timestamp) {
    let (mut app, now) = fresh();
    with_board(&mut app, |d| {
        d.session.meta.provider.refresh_token_lifespan_secs = Some(43_000);
    });
    (app, now)
}

/// One rotation, 55 min after sign-in.
pub fn rotated_once() -> (App, Timestamp) {
    let (mut app, now) = fresh();
    with_board(&mut app, |d| {
        let when = at(SIGNED_IN + 3300);
        d.session.meta.access_issued_at = when;
        d.session.meta.access_expires_at = Some(when.plus_secs(ACCESS_LIFETIME_SECS));
        let refresh = &mut d.session.meta.refresh;
        refresh.kind = RefreshKind::Rotating;
        refresh.rotation_count = 1;
        refresh.issued_at = when;
        refresh.last_rotation_at = Some(when);
        refresh.last_refresh_at = Some(when);
    });
    (app, now.plus_secs(3300))
}

/// Applies `change` to the dashboard of `app`.
pub fn with_board(app: &mut App, change: impl FnOnce(&mut Dashboard)) {
    if let grantty::app::Screen::Dashboard(d) = &mut app.screen {
        change(d);
    } else {
        panic!("not a dashboard");
    }
}

/// Every dashboard state, for tests that must hold on all of them.
pub fn all_dashboards() -> Vec<(&'static str, App, Timestamp)> {
    let named: Vec<(&'static str, (App, Timestamp))> = vec![
        ("fresh", fresh()),
        ("expiring", expiring()),
        ("rotated", rotated()),
        ("refresh_ending", refresh_ending()),
        ("refresh_failed", refresh_failed()),
        ("refreshing", refreshing()),
        ("session_ended", session_ended()),
        ("revoked", revoked()),
        ("plaintext_storage", plaintext_storage()),
        ("export_menu", export_menu()),
        ("export_destination", export_destination()),
        ("revoke_confirm", with_overlay(Overlay::ConfirmRevoke)),
        ("copy_confirm", with_overlay(Overlay::ConfirmCopyToken)),
        ("help", help()),
        ("many_events", many_events()),
        ("lifespan_unknown_kind", with_lifespan_unknown_kind()),
        ("rotated_once", rotated_once()),
        (
            "copy_export_confirm",
            with_overlay(Overlay::ConfirmCopyExport {
                format: grantty::export::Format::Json,
            }),
        ),
    ];
    named
        .into_iter()
        .map(|(name, (app, now))| (name, app, now))
        .collect()
}
