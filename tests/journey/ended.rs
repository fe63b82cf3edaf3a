//! Journey: the refresh token dies (`invalid_grant`: here its lifespan is over) while the access
//! token still works. grantty stops refreshing but serves the access token until it expires,
//! `status` says "sign in again before …", and `logout` still revokes it at the server.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::DemoConfig;
use grantty::domain::session::SessionState;

use common::session::{Access, demo_server, signed_in};

/// `grantty`'s exit code for "sign in (again)".
const SIGN_IN_NEEDED: i32 = 7;

#[tokio::test]
async fn a_dead_refresh_token_still_serves_and_revokes_the_access_token() {
    let server = demo_server(DemoConfig {
        refresh_token_lifetime_secs: Some(0),
        ..DemoConfig::default()
    })
    .await;
    let s = signed_in(&server, Access::Fresh).await;
    let before = server.stats();

    let token = s.run(&["token", "--min-valid", "3000"]).await;
    token.assert_code(0);
    assert_eq!(token.stdout, format!("{}\n", s.access_token()));
    assert!(
        token.stderr.contains("sign in again before"),
        "{}",
        token.stderr
    );
    assert!(
        token.stderr.contains("grantty login --profile default"),
        "{}",
        token.stderr
    );
    assert_eq!(server.stats().token_requests, before.token_requests + 1);
    let stored = s.stored().unwrap();
    assert!(
        matches!(stored.meta.state, SessionState::Ended { .. }),
        "{:?}",
        stored.meta.state
    );
    assert_eq!(
        stored.secrets, s.session.secrets,
        "kept for serving and logout"
    );

    // Ended: served again without asking the server.
    let again = s.run(&["token", "--min-valid", "3000"]).await;
    again.assert_code(0);
    assert_eq!(again.stdout, token.stdout);
    assert_eq!(server.stats().token_requests, before.token_requests + 1);

    let status = s.run(&["status"]).await;
    status.assert_code(0);
    let until = s.session.meta.access_expires_at.unwrap().utc_hms();
    assert!(
        status.stdout.contains(&format!(
            "ended (invalid_grant): sign in again before {until}"
        )),
        "{}",
        status.stdout
    );
    s.run(&["status", "--min-valid", "3000"])
        .await
        .assert_code(SIGN_IN_NEEDED);
    s.run(&["status", "--min-valid", "60"]).await.assert_code(0);

    let logout = s.run(&["logout"]).await;
    logout.assert_code(0);
    assert_eq!(
        server.stats().revocations,
        before.revocations + 1,
        "revoked at the server"
    );
    assert!(s.stored().is_none());
}
