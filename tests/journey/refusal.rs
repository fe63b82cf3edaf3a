//! Journey: an administrator disables the OAuth client (the demo server refuses it with
//! `invalid_client`, tokens untouched), then enables it again. Meanwhile `grantty token` serves
//! the still-valid access token with a warning, or fails with the documented code once it has
//! expired; afterwards the same session refreshes again and nothing was spent.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::DemoConfig;
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};
use grantty::domain::session::SessionState;

use common::session::{Access, CLIENT_ID, demo_server, signed_in};

/// `grantty`'s exit code for a server refusal.
const SERVER_REFUSED: i32 = 5;
/// `status --min-valid`: a refresh would renew the token.
const REFRESH_NEEDED: i32 = 9;

#[tokio::test]
async fn a_refused_client_keeps_its_session_and_resumes_when_enabled_again() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    server.disable_client(CLIENT_ID);

    // 35 minutes left, 50 asked: a refresh is tried, refused, and the valid token served.
    let token = s.run(&["token", "--min-valid", "3000"]).await;
    token.assert_code(0);
    assert_eq!(token.stdout, format!("{}\n", s.access_token()));
    for words in ["warning", "invalid_client", "administrator", "tries again"] {
        assert!(token.stderr.contains(words), "{words:?}: {}", token.stderr);
    }
    let stored = s.stored().unwrap();
    assert_eq!(stored.secrets, s.session.secrets, "every token kept");
    assert!(matches!(
        stored.meta.state,
        SessionState::RefreshRefused { ref code, .. } if code == "invalid_client"
    ));
    let status = s.run(&["status"]).await;
    status.assert_code(0);
    assert!(
        status.stdout.contains("refresh refused (invalid_client)"),
        "{}",
        status.stdout
    );
    s.run(&["status", "--min-valid", "3000"])
        .await
        .assert_code(REFRESH_NEEDED);

    // Once the access token has expired there is nothing to serve.
    let mut expired = stored.clone();
    expired.meta.access_expires_at = Some(Timestamp::from_unix_secs(
        SystemClock.now().as_unix_secs() - 60,
    ));
    s.store.save(&expired).unwrap();
    let refused = s.run(&["token"]).await;
    refused.assert_code(SERVER_REFUSED);
    assert!(refused.stdout.is_empty(), "{}", refused.stdout);
    assert!(
        refused.stderr.contains("administrator"),
        "{}",
        refused.stderr
    );
    assert_eq!(server.stats().client_refusals, 2);
    assert_eq!(server.stats().refreshes, 0);

    server.enable_client(CLIENT_ID);
    let refresh = s.run(&["refresh"]).await;
    refresh.assert_code(0);
    let resumed = s.stored().unwrap();
    assert_eq!(resumed.meta.state, SessionState::Active);
    assert_eq!(
        resumed.meta.signed_in_at, s.session.meta.signed_in_at,
        "the same session, not a new sign-in"
    );
    assert_ne!(resumed.secrets.access_token, s.session.secrets.access_token);
    let seen = server.stats();
    assert_eq!(seen.refreshes, 1);
    assert_eq!(
        seen.reuse_detections, 0,
        "the refused refresh token was never spent"
    );
    assert_eq!(seen.device_authorizations, 1, "no new sign-in");
}
