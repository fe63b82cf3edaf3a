//! Journey: a rotating refresh token whose lifespan the server does not announce (Anaplan's
//! rotatable tokens). grantty plans for the earliest end, sign-in + lifespan, across every
//! rotation, and says so in `status` and `status --json`; once the server accepts a refresh
//! after that end, the session's metadata records that this server's lifespan restarts at
//! rotation and the later end is shown. Against a server that counts from the sign-in, the
//! session ends when `status` said it would. The profile's `refresh_token_lifespan` applies to
//! a session that is already signed in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{DemoConfig, LifetimeStart};
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};
use grantty::domain::session::{LifespanStart, SessionState};
use serde_json::Value;

use common::session::{Access, SignedIn, demo_server, signed_in};

/// `grantty`'s exit code for "sign in (again)".
const SIGN_IN_NEEDED: i32 = 7;

/// An Anaplan-like server: rotating refresh tokens, lifetime `secs` counted from `from`, and
/// never a `refresh_token_expires_in` in its answers.
fn anaplan_like(secs: u64, from: LifetimeStart) -> DemoConfig {
    DemoConfig {
        refresh_token_lifetime_secs: Some(secs),
        refresh_token_lifetime_from: from,
        announce_refresh_token_lifetime: false,
        ..DemoConfig::default()
    }
}

/// A configuration file whose `default` profile sets `refresh_token_lifespan = secs`.
fn config_with_lifespan(s: &SignedIn, secs: u64) -> String {
    let path = s.state_home.path().join("config.toml");
    std::fs::write(
        &path,
        format!("[profiles.default]\nrefresh_token_lifespan = {secs}\n"),
    )
    .unwrap();
    path.to_str().unwrap().to_owned()
}

async fn run(s: &SignedIn, config: &str, args: &[&str]) -> common::session::Run {
    let mut all = vec!["--config", config];
    all.extend_from_slice(args);
    s.run(&all).await
}

async fn status_json(s: &SignedIn, config: &str) -> Value {
    let status = run(s, config, &["status", "--json"]).await;
    status.assert_code(0);
    serde_json::from_str(&status.stdout).unwrap()
}

/// The line of human `status` about the refresh token.
async fn refresh_line(s: &SignedIn, config: &str) -> String {
    let status = run(s, config, &["status"]).await;
    status.assert_code(0);
    status
        .stdout
        .lines()
        .find(|l| l.starts_with("refresh token"))
        .unwrap()
        .to_owned()
}

/// Waits (bounded) until the system clock reaches `at`.
async fn until(at: Timestamp) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while SystemClock.now() < at {
        assert!(
            std::time::Instant::now() < deadline,
            "the clock stood still"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn rotations_do_not_move_the_planned_end_until_the_server_accepts_a_refresh_past_it() {
    let server = demo_server(anaplan_like(3600, LifetimeStart::Issue)).await;
    let s = signed_in(&server, Access::Fresh).await;
    let config = config_with_lifespan(&s, 3600);
    let signed_in_at = s.session.meta.signed_in_at;
    let planned = signed_in_at.plus_secs(3600);

    // Rotations in later seconds than the sign-in, so "from the last rotation" would differ.
    until(signed_in_at.plus_secs(2)).await;
    for _ in 0..3 {
        run(&s, &config, &["refresh"]).await.assert_code(0);
    }
    assert_eq!(server.stats().refreshes, 3, "three rotations at the server");
    let stored = s.stored().unwrap();
    assert_eq!(stored.meta.refresh.rotation_count, 3);
    assert_eq!(stored.meta.refresh.lifespan_start, LifespanStart::SignIn);
    let exp = |s: &grantty::domain::session::Session| {
        s.meta.claims.as_ref().and_then(|c| c.expires_at).unwrap()
    };
    assert!(
        exp(&stored) > exp(&s.session),
        "the ID token's exp shown follows the refreshed ID token"
    );

    let json = status_json(&s, &config).await;
    assert_eq!(
        json["refresh_token"]["expires_at"],
        planned.as_unix_secs(),
        "{json}"
    );
    assert_eq!(json["session_ends_at"], planned.as_unix_secs(), "{json}");
    assert_eq!(json["refresh_token"]["lifespan_counted_from"], "sign_in");
    let line = refresh_line(&s, &config).await;
    assert!(
        line.contains(&format!("ends {}", planned.utc_hms()))
            && line.contains("counted from the sign-in"),
        "{line}"
    );

    // The sign-in was long ago: the planned end has passed, yet the server (counting from each
    // rotation) still accepts the token rotated a moment ago.
    let mut session = s.stored().unwrap();
    let long_ago = Timestamp::from_unix_secs(SystemClock.now().as_unix_secs() - 3700);
    session.meta.signed_in_at = long_ago;
    s.store.save(&session).unwrap();
    let json = status_json(&s, &config).await;
    let passed = long_ago.plus_secs(3600);
    assert_eq!(json["refresh_token"]["expires_at"], passed.as_unix_secs());
    let line = refresh_line(&s, &config).await;
    assert!(
        line.contains(&format!("ended at {}", passed.utc_hms())) && !line.contains("ends "),
        "a passed deadline reads \"ended at\": {line}"
    );

    run(&s, &config, &["refresh"]).await.assert_code(0);
    assert_eq!(server.stats().refreshes, 4, "the server accepted it");
    let stored = s.stored().unwrap();
    assert_eq!(
        stored.meta.refresh.lifespan_start,
        LifespanStart::Rotation,
        "recorded in the session's metadata"
    );
    let meta_file = std::fs::read_to_string(s.dir().join("default.meta.json")).unwrap_or_default();
    assert!(
        meta_file.contains("\"lifespan_counted_from\": \"rotation\""),
        "{meta_file}"
    );
    let later = stored.meta.refresh.issued_at.plus_secs(3600);
    let json = status_json(&s, &config).await;
    assert_eq!(json["refresh_token"]["expires_at"], later.as_unix_secs());
    assert_eq!(json["refresh_token"]["lifespan_counted_from"], "rotation");
    let line = refresh_line(&s, &config).await;
    assert!(
        line.contains(&format!("ends {}", later.utc_hms())) && line.contains("restarts"),
        "{line}"
    );
}

#[tokio::test]
async fn against_a_server_counting_from_sign_in_the_session_ends_when_status_said() {
    const LIFESPAN_SECS: u64 = 4;
    let server = demo_server(anaplan_like(LIFESPAN_SECS, LifetimeStart::SignIn)).await;
    let s = signed_in(&server, Access::Fresh).await;
    let config = config_with_lifespan(&s, LIFESPAN_SECS);

    until(s.session.meta.signed_in_at.plus_secs(1)).await;
    run(&s, &config, &["refresh"]).await.assert_code(0);
    run(&s, &config, &["refresh"]).await.assert_code(0);
    let json = status_json(&s, &config).await;
    let said = Timestamp::from_unix_secs(json["refresh_token"]["expires_at"].as_i64().unwrap());
    assert_eq!(said, s.session.meta.signed_in_at.plus_secs(LIFESPAN_SECS));

    // Stamps are whole seconds on our side and milliseconds at the server: one second after
    // the time status gave, the server has refused for certain.
    until(said.plus_secs(1)).await;
    let refresh = run(&s, &config, &["refresh"]).await;
    refresh.assert_code(SIGN_IN_NEEDED);
    assert!(
        refresh.stderr.contains("invalid_grant"),
        "{}",
        refresh.stderr
    );
    assert_eq!(server.stats().refreshes, 2, "only the two before the end");
    assert!(matches!(
        s.stored().unwrap().meta.state,
        SessionState::Ended { .. }
    ));
    assert_eq!(
        s.stored().unwrap().meta.refresh.lifespan_start,
        LifespanStart::SignIn,
        "nothing learned from a refusal"
    );
}

#[tokio::test]
async fn a_changed_profile_lifespan_applies_to_a_live_session() {
    let server = demo_server(anaplan_like(43_000, LifetimeStart::Issue)).await;
    let s = signed_in(&server, Access::Fresh).await;
    let signed_in_at = s.session.meta.signed_in_at;
    let config = config_with_lifespan(&s, 43_000);
    run(&s, &config, &["refresh"]).await.assert_code(0);
    let json = status_json(&s, &config).await;
    assert_eq!(
        json["refresh_token"]["expires_at"],
        signed_in_at.plus_secs(43_000).as_unix_secs()
    );

    // The admin shortened the client's lifespan; the profile says so now.
    let config = config_with_lifespan(&s, 7200);
    let json = status_json(&s, &config).await;
    assert_eq!(
        json["refresh_token"]["expires_at"],
        signed_in_at.plus_secs(7200).as_unix_secs(),
        "{json}"
    );
    assert_eq!(json["refresh_token"]["lifespan_secs"], 7200);
    assert_eq!(server.stats().refreshes, 1, "status asked no server");
}
