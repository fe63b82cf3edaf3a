//! Journey: every time written for a person is in the local zone (`TZ`), with the zone's
//! abbreviation: `grantty refresh`, `status`, `keep`'s lines and error sentences. Run here with
//! `TZ=XST-5`, a POSIX rule (five hours east of UTC, called XST) that needs no time-zone
//! database; nothing may say "UTC". JSON stays in unix seconds.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::time::Duration;

use grantty::demo::DemoConfig;
use grantty::local_time::LocalTime;

use common::journey::Running;
use common::session::{Access, Run, SignedIn, demo_server, signed_in};

const TZ: &str = "XST-5";

fn zone() -> LocalTime {
    LocalTime::posix(TZ).unwrap()
}

async fn run_in_zone(s: &SignedIn, args: &[&str]) -> Run {
    let mut command = s.command(args);
    command.env("TZ", TZ);
    Run::of(command, args).await
}

#[track_caller]
fn assert_local(text: &str, expected: &str) {
    assert!(text.contains(expected), "no {expected:?} in: {text}");
    assert!(!text.contains("UTC"), "UTC in: {text}");
}

#[tokio::test]
async fn refresh_status_keep_and_errors_write_the_local_zone() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;

    let refresh = run_in_zone(&s, &["refresh"]).await;
    refresh.assert_code(0);
    assert_eq!(server.stats().refreshes, 1);
    let until = s.stored().unwrap().meta.access_expires_at.unwrap();
    assert_local(
        &refresh.stderr,
        &format!("valid until {}", zone().time_of_day(until)),
    );

    let status = run_in_zone(&s, &["status"]).await;
    status.assert_code(0);
    assert_local(
        &status.stdout,
        &format!("(until {})", zone().time_of_day(until)),
    );
    let json = run_in_zone(&s, &["status", "--json"]).await;
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(json["access_token"]["expires_at"], until.as_unix_secs());

    // keep's lines: stamped and scheduled in XST.
    let mut command = s.command(&["keep"]);
    command.env("TZ", TZ);
    let mut keep = Running::start(command, &["keep"]);
    tokio::time::timeout(
        Duration::from_secs(60),
        keep.wait_for_stderr("next refresh at"),
    )
    .await
    .expect("keep said when it refreshes next");
    keep.signal("TERM");
    let keep = keep.finish().await;
    keep.assert_code(0);
    let line = keep
        .stderr
        .lines()
        .find(|l| l.contains("next refresh at"))
        .unwrap();
    assert!(line.starts_with("grantty keep "), "{line}");
    assert_eq!(
        line.split(' ').nth(3),
        Some("XST"),
        "the stamp's zone: {line}"
    );
    assert!(line.contains(" XST ("), "the refresh time's zone: {line}");
    assert!(!keep.stderr.contains("UTC"), "{}", keep.stderr);
}

#[tokio::test]
async fn an_error_sentence_writes_the_local_zone() {
    let server = demo_server(DemoConfig {
        refresh_token_lifetime_secs: Some(0),
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats();
    let refresh = run_in_zone(&s, &["refresh"]).await;
    refresh.assert_code(7);
    let after = server.stats();
    assert_eq!(
        after.token_requests,
        before.token_requests + 1,
        "asked once"
    );
    assert_eq!(after.refreshes, before.refreshes, "and refused");
    let until = s.session.meta.access_expires_at.unwrap();
    assert_local(
        &refresh.stderr,
        &format!("sign in again before {}", zone().time_of_day(until)),
    );
}
