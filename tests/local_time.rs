//! Times in the user's zone, with the real binary: `grantty status` reads `TZ` once at start
//! and writes every time with the zone's abbreviation.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::{Command, Output, Stdio};

use common::dashboard_fixtures as dash;
use grantty::store::{SessionStore, StoreChoice};

fn status(state_dir: &std::path::Path, tz: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantty"))
        .arg("status")
        .env("XDG_STATE_HOME", state_dir)
        .env("GRANTTY_STORE", "file")
        .env("TZ", tz)
        .env_remove("GRANTTY_PROFILE")
        .env_remove("GRANTTY_CONFIG")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn status_writes_times_in_the_zone_from_tz() {
    let state = tempfile::tempdir().unwrap();
    let store = SessionStore::open(state.path().join("grantty"), StoreChoice::File, true).unwrap();
    let mut session = dash::session();
    // A rotating-token lifespan from the profile (Anaplan's default) before the first refresh.
    session.meta.provider.refresh_token_lifespan_secs = Some(43_000);
    store.save(&session).unwrap();

    // The fixture's access token expired on 2026-11-23 at 14:14:55 UTC: 15:14:55 in Berlin.
    let out = status(state.path(), "CET-1CEST,M3.5.0,M10.5.0/3");
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("expired at 15:14:55 CET"), "{text}");
    assert!(!text.contains("UTC"), "{text}");
    assert!(
        text.contains("refresh token  kind unknown until the first refresh, age "),
        "{text}"
    );
    assert!(text.contains("rotated 0 times"), "{text}");
    // 43,000 s after the 13:14:55 UTC sign-in: 01:11:35 UTC, long past.
    assert!(
        text.contains("ended at 02:11:35 CET if it rotates"),
        "lifespan counted from sign-in\n{text}"
    );

    let out = status(state.path(), "UTC0");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("expired at 14:14:55 UTC"), "{text}");
}
