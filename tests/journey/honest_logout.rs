//! Journeys: logout that says what happened. An access token that already died (the normal
//! state of a session nobody kept) neither fails the logout nor is called "still valid"; an
//! RFC 7009 server sees the refresh token revoked and refuses it afterwards; an Anaplan-kind
//! session gets the plain truth (no client can revoke its refresh token, which the demo server,
//! like Anaplan, still honours) and is removed here; `logout --all` ends every profile, one line
//! each, with the worst exit code.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::net::{Ipv4Addr, SocketAddr};

use grantty::demo::{Decision, DemoClock, DemoConfig, DemoServer};
use grantty::domain::clock::{Clock as _, SystemClock};
use grantty::domain::grant::PollReply;
use grantty::domain::secret::RefreshToken;
use grantty::domain::session::Session;
use grantty::oauth::client::{poll_token, request_device_code};
use grantty::oauth::http::{ReqwestTransport, Transport as _};
use grantty::oauth::provider::Provider;
use grantty::oauth::refresh::refresh_request;

use common::session::{
    Access, CLIENT_ID, PROFILE, SCOPE, SignedIn, demo_server, sign_in, signed_in, stored,
};

/// `grantty`'s exit code when the server could not be reached.
const NETWORK: i32 = 6;

/// The words Anaplan's logout owes the user.
const ANAPLAN_TRUTH: [&str; 4] = [
    "Anaplan lets no client revoke a refresh token",
    "until a tenant admin disables the OAuth client or your user, or it expires",
    "copies of it (exports, backups) stay usable too",
    "deleted the session of profile \"default\"",
];

/// An Anaplan-kind session (JSON bodies, `/token/logout`) whose host is `server`.
async fn anaplan_signed_in(server: &DemoServer) -> SignedIn {
    let transport = ReqwestTransport::new().unwrap();
    let provider = Provider::anaplan(&server.issuer(), CLIENT_ID, Some(SCOPE)).unwrap();
    let auth = request_device_code(&transport, &provider, &SystemClock)
        .await
        .unwrap();
    server.decide(&auth.user_code, Decision::Approve).unwrap();
    let PollReply::Approved(tokens) =
        poll_token(&transport, &provider, &auth.device_code, &SystemClock).await
    else {
        panic!("the Anaplan-shaped sign-in did not yield tokens");
    };
    let session = Session::new(PROFILE, provider.to_record(), *tokens, SystemClock.now());
    stored(&session, provider, transport)
}

/// The HTTP status the server gives a refresh with `refresh_token` (200: it still mints tokens).
async fn refresh_status(s: &SignedIn, refresh_token: &str) -> u16 {
    let request = refresh_request(&s.provider, &RefreshToken::new(refresh_token));
    s.transport.send(request).await.unwrap().status
}

#[tokio::test]
async fn logout_with_an_expired_access_token_revokes_the_refresh_token_at_the_server() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Expired).await;

    let logout = s.run(&["logout"]).await;
    logout.assert_code(0).assert_no_token_on_stdout();
    assert!(
        logout.stderr.contains("refresh token (RFC 7009) at")
            && logout.stderr.contains("the refresh token was revoked"),
        "{}",
        logout.stderr
    );
    assert!(!logout.stderr.contains("still valid"), "{}", logout.stderr);
    assert_eq!(
        server.stats().refresh_token_revocations,
        1,
        "the server saw the refresh token revoked"
    );
    assert!(s.stored().is_none(), "deleted here");
    assert_eq!(
        refresh_status(&s, s.refresh_token()).await,
        400,
        "the old refresh token is refused by the server"
    );
    assert_eq!(server.stats().refreshes, 0);
}

/// The reported failure: the access token had died at Anaplan (its 35 minutes were over) and
/// logout answered exit 5, "its tokens are still valid there … Try again later", forever.
#[tokio::test]
async fn an_anaplan_logout_after_the_access_token_died_tells_the_truth_and_removes_the_session() {
    let clock = DemoClock::manual(u64::try_from(SystemClock.now().as_unix_secs()).unwrap() * 1000);
    let server = DemoServer::start(
        DemoConfig::default(),
        clock.clone(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let s = anaplan_signed_in(&server).await;
    // The server's hour passes; this machine still believes the access token is live.
    clock.advance_secs(DemoConfig::default().access_token_lifetime_secs + 60);

    let logout = s.run(&["logout"]).await;
    logout.assert_code(0).assert_no_token_on_stdout();
    assert!(
        logout
            .stderr
            .contains("Anaplan logout of the access token at")
            && logout.stderr.contains("already invalid there"),
        "{}",
        logout.stderr
    );
    for words in ANAPLAN_TRUTH {
        assert!(
            logout.stderr.contains(words),
            "{words:?}: {}",
            logout.stderr
        );
    }
    for false_claim in ["still valid", "Try again later", "revoked"] {
        assert!(
            !logout.stderr.contains(false_claim),
            "{false_claim:?}: {}",
            logout.stderr
        );
    }
    assert!(s.stored().is_none(), "removed here");
    assert_eq!(
        refresh_status(&s, s.refresh_token()).await,
        200,
        "as the words say: the refresh token still mints access tokens"
    );
}

#[tokio::test]
async fn an_anaplan_logout_ends_the_live_access_token_and_never_says_revoked() {
    let server = demo_server(DemoConfig::default()).await;
    let s = anaplan_signed_in(&server).await;

    let logout = s.run(&["logout"]).await;
    logout.assert_code(0);
    assert!(
        logout.stderr.contains("accepted (HTTP 204)"),
        "{}",
        logout.stderr
    );
    for words in ANAPLAN_TRUTH {
        assert!(
            logout.stderr.contains(words),
            "{words:?}: {}",
            logout.stderr
        );
    }
    assert!(!logout.stderr.contains("revoked"), "{}", logout.stderr);
    assert_eq!(server.stats().logouts, 1, "the access token was ended");
    assert!(s.stored().is_none());
    assert_eq!(refresh_status(&s, s.refresh_token()).await, 200);
}

#[tokio::test]
async fn logout_all_ends_every_profile_with_one_line_each() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let (provider, tokens) = sign_in(&server, &s.transport).await;
    let work = Session::new("work", provider.to_record(), tokens, SystemClock.now());
    s.store.save(&work).unwrap();

    let logout = s.run(&["logout", "--all"]).await;
    logout.assert_code(0).assert_no_token_on_stdout();
    let lines: Vec<&str> = logout.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", logout.stderr);
    assert!(
        lines[0].starts_with("grantty: default: refresh token revoked"),
        "{}",
        logout.stderr
    );
    assert!(
        lines[1].starts_with("grantty: work: refresh token revoked"),
        "{}",
        logout.stderr
    );
    assert_eq!(server.stats().refresh_token_revocations, 2);
    assert!(s.store.load("default").unwrap().is_none());
    assert!(s.store.load("work").unwrap().is_none());
}

#[tokio::test]
async fn logout_all_exits_with_the_worst_outcome_and_keeps_what_it_could_not_revoke() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let gone = demo_server(DemoConfig::default()).await;
    let (provider, tokens) = sign_in(&gone, &s.transport).await;
    let work = Session::new("work", provider.to_record(), tokens, SystemClock.now());
    s.store.save(&work).unwrap();
    gone.shutdown().await;

    let logout = s.run(&["logout", "--all"]).await;
    logout.assert_code(NETWORK);
    assert!(
        logout
            .stderr
            .contains("grantty: default: refresh token revoked"),
        "{}",
        logout.stderr
    );
    assert!(
        logout.stderr.contains("grantty: work: not logged out:"),
        "{}",
        logout.stderr
    );
    assert!(s.store.load("default").unwrap().is_none());
    assert!(
        s.store.load("work").unwrap().is_some(),
        "kept: the only means to revoke it later"
    );
}
