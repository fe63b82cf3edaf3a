//! A rotating refresh answered `200` with a body that is not a usable token response (no
//! `access_token`, not JSON, an `invalid_grant` error object, another token type: a server that
//! broke mid-answer, before rotating): each `grantty refresh` reports a server problem (exit 5)
//! and keeps the session, every stored token and its state; the next refresh, answered
//! normally, succeeds and the server sees no reuse of a rotated token.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::session::{Access, demo_server, signed_in};
use grantty::demo::DemoConfig;
use grantty::domain::session::SessionState;

/// Exit code of a server problem.
const SERVER: i32 = 5;
/// The demo server's malformed answers, one each.
const MALFORMED: u32 = 4;

#[tokio::test]
async fn a_malformed_answer_to_a_rotating_refresh_keeps_the_session_and_is_reported() {
    let server = demo_server(DemoConfig {
        rotate_refresh_tokens: true,
        malformed_refresh_answers: MALFORMED,
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Fresh).await;

    for answer in 0..MALFORMED {
        let run = s.run(&["refresh"]).await;
        run.assert_code(SERVER).assert_no_token_on_stdout();
        assert!(
            run.stderr.contains("200"),
            "answer {answer}: {}",
            run.stderr
        );
        let kept = s.stored().unwrap();
        assert_eq!(
            kept.secrets.refresh_token.as_ref().unwrap().expose(),
            s.refresh_token(),
            "answer {answer}"
        );
        assert_eq!(kept.secrets.access_token.expose(), s.access_token());
        assert_eq!(kept.meta.token_type, s.session.meta.token_type);
        assert!(
            matches!(kept.meta.state, SessionState::Active),
            "answer {answer}: {:?}",
            kept.meta.state
        );
        let status = s.run(&["status", "--json"]).await;
        status.assert_code(0).assert_no_token_on_stdout();
        let status: serde_json::Value = serde_json::from_str(&status.stdout).unwrap();
        assert_eq!(status["state"]["kind"], "active", "{status}");
    }
    let stats = server.stats();
    assert_eq!((stats.refreshes, stats.reuse_detections), (0, 0));

    // The server answers normally again: the kept refresh token still works.
    s.run(&["refresh"]).await.assert_code(0);
    let after = s.stored().unwrap();
    assert_ne!(
        after.secrets.refresh_token.as_ref().unwrap().expose(),
        s.refresh_token()
    );
    assert!(matches!(after.meta.state, SessionState::Active));
    let stats = server.stats();
    assert_eq!((stats.refreshes, stats.reuse_detections), (1, 0));
}
