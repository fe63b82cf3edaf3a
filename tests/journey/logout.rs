//! Journey: logout that means it. With the server up the tokens die there (an Anaplan-kind
//! session logs out at its own host's `/token/logout`, never at production); with the server
//! down the session is kept (exit 6) until `logout --local` forgets it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use grantty::demo::{Decision, DemoConfig};
use grantty::domain::clock::{Clock as _, SystemClock};
use grantty::domain::grant::PollReply;
use grantty::domain::session::Session;
use grantty::oauth::client::{poll_token, request_device_code};
use grantty::oauth::http::{ReqwestTransport, Transport as _};
use grantty::oauth::provider::Provider;
use grantty::oauth::wire;

use common::session::{
    Access, CLIENT_ID, PROFILE, SCOPE, SignedIn, demo_server, signed_in, stored,
};

/// `grantty`'s exit code when the server could not be reached.
const NETWORK: i32 = 6;
/// `grantty`'s exit code for "sign in (again)".
const SIGN_IN_NEEDED: i32 = 7;

/// An Anaplan-kind session whose host is the demo server (JSON bodies, `/oauth/…` paths).
async fn anaplan_signed_in(server: &grantty::demo::DemoServer) -> SignedIn {
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

/// Whether the demo server still accepts `access_token` (`/userinfo`).
async fn accepted(s: &SignedIn, issuer: &str, access_token: &str) -> bool {
    let mut request = wire::get(url::Url::parse(&format!("{issuer}/userinfo")).unwrap());
    request.authorization = Some(format!("Bearer {access_token}"));
    s.transport.send(request).await.unwrap().status == 200
}

#[tokio::test]
async fn an_anaplan_session_logs_out_at_its_own_host() {
    let server = demo_server(DemoConfig::default()).await;
    let s = anaplan_signed_in(&server).await;
    assert!(accepted(&s, &server.issuer(), s.access_token()).await);

    let logout = s.run(&["logout"]).await;
    logout.assert_code(0).assert_no_token_on_stdout();
    assert!(
        logout.stderr.contains(&format!(
            "Anaplan logout of the access token at {}: accepted (HTTP 204)",
            server.local_addr()
        )),
        "{}",
        logout.stderr
    );
    assert!(
        !logout.stderr.contains("auth.anaplan.com"),
        "{}",
        logout.stderr
    );
    assert_eq!(server.stats().logouts, 1, "the demo server ended the grant");
    assert!(
        !accepted(&s, &server.issuer(), s.access_token()).await,
        "dead at the server"
    );
    assert!(s.stored().is_none());
}

#[tokio::test]
async fn logout_with_the_server_down_keeps_the_session_until_local_logout() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let host = server.local_addr().to_string();
    server.shutdown().await;

    let logout = s.run(&["logout"]).await;
    logout.assert_code(NETWORK);
    for words in [
        "may still be valid",
        &host,
        "logout --local --profile default",
    ] {
        assert!(
            logout.stderr.contains(words),
            "{words:?}: {}",
            logout.stderr
        );
    }
    assert_eq!(s.stored().unwrap(), s.session, "kept, untouched");
    let status = s.run(&["status"]).await;
    status.assert_code(0);
    assert!(
        status.stdout.contains("session        active"),
        "{}",
        status.stdout
    );

    let local = s.run(&["logout", "--local"]).await;
    local.assert_code(0);
    assert!(s.stored().is_none());
    s.run(&["status"]).await.assert_code(SIGN_IN_NEEDED);
}

#[tokio::test]
async fn logout_endpoint_flag_overrides_the_stored_one() {
    let server = demo_server(DemoConfig::default()).await;
    let s = anaplan_signed_in(&server).await;
    // A closed port on loopback: nothing reaches a server, so the session stays.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let endpoint = format!("http://{closed}/token/logout");
    let logout = s.run(&["logout", "--logout-endpoint", &endpoint]).await;
    logout.assert_code(NETWORK);
    assert!(
        logout.stderr.contains(&closed.to_string()),
        "{}",
        logout.stderr
    );
    assert_eq!(server.stats().logouts, 0);
    assert!(s.stored().is_some());
}
