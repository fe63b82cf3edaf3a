//! End to end over real HTTP on 127.0.0.1: grantty's client against the built-in demo server.
//! Time on the server moves by `DemoClock::advance_secs`; nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{Ipv4Addr, SocketAddr};

use grantty::demo::{Decision, DemoClock, DemoConfig, DemoServer};
use grantty::domain::clock::{SystemClock, Timestamp};
use grantty::domain::grant::{DeviceAuthorization, GrantFailure, PollOutcome, PollReply, Poller};
use grantty::oauth::AuthError;
use grantty::oauth::client::{discover, poll_token, request_device_code};
use grantty::oauth::http::ReqwestTransport;
use grantty::oauth::provider::{BodyEncoding, Provider};

const START_MS: u64 = 1_800_000_000_000;

async fn server(config: DemoConfig) -> (DemoServer, DemoClock) {
    let clock = DemoClock::manual(START_MS);
    let server = DemoServer::start(
        config,
        clock.clone(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    (server, clock)
}

async fn generic(server: &DemoServer, transport: &ReqwestTransport) -> Provider {
    discover(
        transport,
        &server.issuer(),
        "grantty-test",
        Some("openid offline_access"),
    )
    .await
    .unwrap()
}

async fn code(transport: &ReqwestTransport, provider: &Provider) -> DeviceAuthorization {
    request_device_code(transport, provider, &SystemClock)
        .await
        .unwrap()
}

async fn poll(
    transport: &ReqwestTransport,
    provider: &Provider,
    auth: &DeviceAuthorization,
) -> PollReply {
    poll_token(transport, provider, &auth.device_code, &SystemClock).await
}

#[tokio::test]
async fn discovery_finds_the_demo_endpoints() {
    let (server, _) = server(DemoConfig::default()).await;
    let transport = ReqwestTransport::new().unwrap();
    let provider = generic(&server, &transport).await;
    assert_eq!(
        provider.device_authorization_endpoint.as_str(),
        format!("{}/device_authorization", server.issuer())
    );
    assert_eq!(
        provider.token_endpoint.as_str(),
        format!("{}/token", server.issuer())
    );
    assert!(provider.revocation_endpoint.is_some());
    assert_eq!(provider.body, BodyEncoding::Form);
}

#[tokio::test]
async fn approve_yields_tokens_and_the_code_is_single_use() {
    let (server, clock) = server(DemoConfig::default()).await;
    let transport = ReqwestTransport::new().unwrap();
    let provider = generic(&server, &transport).await;
    let auth = code(&transport, &provider).await;
    assert_eq!(auth.interval_secs, 5);
    assert!(
        auth.verification_uri_complete
            .as_deref()
            .is_some_and(|u| u.ends_with(&auth.user_code))
    );

    assert_eq!(poll(&transport, &provider, &auth).await, PollReply::Pending);
    server.decide(&auth.user_code, Decision::Approve).unwrap();
    clock.advance_secs(5);
    let PollReply::Approved(tokens) = poll(&transport, &provider, &auth).await else {
        panic!("not approved")
    };
    assert!(tokens.refresh_token.is_some());
    let claims = tokens.unverified_claims().unwrap();
    assert_eq!(claims.email.as_deref(), Some("demo.user@example.com"));

    clock.advance_secs(5);
    let again = poll(&transport, &provider, &auth).await;
    assert!(
        matches!(&again, PollReply::Error(e) if e.code == "invalid_grant"),
        "{again:?}"
    );
    assert_eq!(server.stats().device_code_redemptions, 1);
}

#[tokio::test]
async fn deny_ends_with_access_denied() {
    let (server, clock) = server(DemoConfig::default()).await;
    let transport = ReqwestTransport::new().unwrap();
    let provider = generic(&server, &transport).await;
    let auth = code(&transport, &provider).await;
    server.decide(&auth.user_code, Decision::Deny).unwrap();
    clock.advance_secs(5);
    assert!(matches!(
        poll(&transport, &provider, &auth).await,
        PollReply::Denied { .. }
    ));
}

#[tokio::test]
async fn expired_code_is_reported_by_the_server() {
    let (server, clock) = server(DemoConfig {
        device_code_lifetime_secs: 30,
        ..DemoConfig::default()
    })
    .await;
    let transport = ReqwestTransport::new().unwrap();
    let provider = generic(&server, &transport).await;
    let auth = code(&transport, &provider).await;
    clock.advance_secs(31);
    let now = Timestamp::from_unix_secs(0);
    let mut poller = Poller::new(&auth, now);
    poller.poll_sent();
    let reply = poll(&transport, &provider, &auth).await;
    assert_eq!(
        poller.on_reply(reply, now),
        PollOutcome::Ended(GrantFailure::Expired { by_server: true })
    );
}

#[tokio::test]
async fn polling_too_fast_is_slowed_down_and_the_client_backs_off() {
    let (server, clock) = server(DemoConfig::default()).await;
    let transport = ReqwestTransport::new().unwrap();
    let provider = generic(&server, &transport).await;
    let auth = code(&transport, &provider).await;
    let t = Timestamp::from_unix_secs(0);
    let mut poller = Poller::new(&auth, t);
    for (advance, want_interval) in [(0, 5), (1, 10), (1, 15)] {
        clock.advance_secs(advance);
        poller.poll_sent();
        let reply = poll(&transport, &provider, &auth).await;
        if want_interval > 5 {
            assert!(matches!(reply, PollReply::SlowDown { .. }), "{reply:?}");
        }
        assert_eq!(poller.on_reply(reply, t), PollOutcome::Continue);
        assert_eq!(poller.interval_secs(), want_interval);
    }
    assert_eq!(server.stats().slow_downs, 2);
    // Waiting the enforced interval is accepted again.
    clock.advance_secs(15);
    assert_eq!(poll(&transport, &provider, &auth).await, PollReply::Pending);
}

#[tokio::test]
async fn anaplan_profile_speaks_json_to_anaplan_paths() {
    let (server, clock) = server(DemoConfig::default()).await;
    let transport = ReqwestTransport::new().unwrap();
    let provider =
        Provider::anaplan(&server.issuer(), "0123456789abcdef0123456789abcdef", None).unwrap();
    assert_eq!(provider.body, BodyEncoding::Json);
    let auth = code(&transport, &provider).await;
    server.decide(&auth.user_code, Decision::Approve).unwrap();
    clock.advance_secs(5);
    let PollReply::Approved(tokens) = poll(&transport, &provider, &auth).await else {
        panic!("not approved")
    };
    assert_eq!(
        tokens.scope.as_deref(),
        Some("openid profile email offline_access")
    );
}

#[tokio::test]
async fn plain_http_to_a_non_loopback_issuer_is_refused_before_any_request() {
    let transport = ReqwestTransport::new().unwrap();
    let err = discover(&transport, "http://idp.example.com", "c", None)
        .await
        .unwrap_err();
    assert!(matches!(err, AuthError::Endpoint(_)));
    assert!(err.to_string().contains("https://"));
}
