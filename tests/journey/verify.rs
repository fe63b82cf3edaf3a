//! Journey: `grantty status --verify` asks the provider whether the stored access token is
//! accepted — the demo server's `GET /userinfo` for a generic session signed in with --issuer,
//! its Anaplan-shaped `GET /token/validate` for `--provider anaplan --host http://127.0.0.1:PORT`.
//! Accepted exits 0 and names the user; a token the server no longer accepts (revoked at the
//! server, or past expiry on the server's clock) exits 7 and the session stays stored; a server
//! that is gone exits 6; a provider without a userinfo endpoint exits 10. The real binary, the
//! demo server on 127.0.0.1, nothing sleeps.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::net::{Ipv4Addr, SocketAddr};

use grantty::demo::{AutoDecision, Decision, DemoClock, DemoConfig, DemoServer};
use grantty::domain::clock::{Clock as _, SystemClock};
use grantty::domain::session::Session;
use grantty::oauth::http::{ReqwestTransport, Transport as _};
use grantty::oauth::provider::Provider;
use grantty::oauth::refresh::{TokenHint, revoke_request};
use grantty::store::{SessionStore, StoreChoice};
use serde_json::Value;

use common::home::{Home, approving_server};

const NETWORK: i32 = 6;
const REFUSED: i32 = 7;
const NOT_VERIFIABLE: i32 = 10;

fn stored(home: &Home) -> Session {
    SessionStore::open(home.state(), StoreChoice::File, true)
        .unwrap()
        .load("default")
        .unwrap()
        .expect("a stored session")
}

fn verify_json(stdout: &str) -> Value {
    let doc: Value = serde_json::from_str(stdout.trim()).unwrap();
    doc["verify"].clone()
}

async fn login(home: &Home, flags: &[&str]) {
    let mut args = vec!["login", "--client-id", "verify-client", "--store", "file"];
    args.extend_from_slice(flags);
    home.run(&args, &[]).await.assert_code(0);
}

#[tokio::test]
async fn a_generic_session_is_accepted_then_refused_after_revocation_then_unreachable() {
    let server = approving_server().await;
    let home = Home::with_config("");
    login(&home, &["--issuer", &server.issuer()]).await;
    let host = server.local_addr().to_string();

    let ok = home.run(&["status", "--verify"], &[]).await;
    ok.assert_code(0).assert_no_token_on_stdout();
    for words in [
        format!("verified       accepted by {host}"),
        "user demo.user@example.com".to_owned(),
        "(stored expiry)".to_owned(),
    ] {
        assert!(ok.stdout.contains(&words), "{words:?}: {}", ok.stdout);
    }
    assert_eq!(
        server.stats().token_checks_accepted,
        1,
        "the server was asked"
    );

    let json = home.run(&["status", "--verify", "--json"], &[]).await;
    json.assert_code(0).assert_no_token_on_stdout();
    let verify = verify_json(&json.stdout);
    assert_eq!(verify["accepted"], true);
    assert_eq!(verify["user"], "demo.user@example.com");
    assert_eq!(verify["endpoint_host"], host.as_str());
    assert_eq!(verify["valid_until_from"], "session");
    let meta = home.meta("default").unwrap();
    assert_eq!(
        verify["valid_until"].as_i64(),
        meta.access_expires_at
            .map(grantty::domain::clock::Timestamp::as_unix_secs)
    );
    let checked_at = verify["checked_at"].as_i64().unwrap();
    assert!((checked_at - SystemClock.now().as_unix_secs()).abs() < 60);

    // Revoked at the server (RFC 7009, as another machine's logout would).
    let before = stored(&home);
    let provider = Provider::from_record(&before.meta.provider).unwrap();
    let revoke = revoke_request(
        &provider,
        before.secrets.access_token.expose(),
        TokenHint::Access,
    )
    .unwrap();
    let transport = ReqwestTransport::new().unwrap();
    assert_eq!(transport.send(revoke).await.unwrap().status, 200);

    let refused = home.run(&["status", "--verify"], &[]).await;
    refused.assert_code(REFUSED);
    assert!(
        refused.stdout.contains(&format!("REFUSED by {host}")),
        "{}",
        refused.stdout
    );
    for words in [
        "refused the access token (HTTP 401)",
        "the session is kept",
        "grantty refresh --profile default",
    ] {
        assert!(
            refused.stderr.contains(words),
            "{words:?}: {}",
            refused.stderr
        );
    }
    let json = home.run(&["status", "--verify", "--json"], &[]).await;
    json.assert_code(REFUSED);
    let verify = verify_json(&json.stdout);
    assert_eq!(verify["accepted"], false);
    assert_eq!(verify["refused"]["status"], 401);
    assert_eq!(server.stats().token_checks_refused, 2);
    assert_eq!(server.stats().refreshes, 0, "a check never refreshes");
    assert_eq!(stored(&home), before, "a refusal changes nothing stored");

    server.shutdown().await;
    let down = home.run(&["status", "--verify"], &[]).await;
    down.assert_code(NETWORK);
    assert!(
        down.stderr.contains(&format!("could not reach {host}")),
        "{}",
        down.stderr
    );
    let json = home.run(&["status", "--verify", "--json"], &[]).await;
    json.assert_code(NETWORK);
    let verify = verify_json(&json.stdout);
    assert_eq!(verify["accepted"], Value::Null);
    assert!(
        verify["problem"]
            .as_str()
            .unwrap()
            .contains("could not reach")
    );
    assert_eq!(stored(&home), before);
}

#[tokio::test]
async fn an_anaplan_session_is_checked_at_its_own_hosts_token_validate() {
    let clock = DemoClock::manual(u64::try_from(SystemClock.now().as_unix_secs()).unwrap() * 1000);
    let server = DemoServer::start(
        DemoConfig {
            interval_secs: 1,
            auto_decision: Some(AutoDecision {
                after_secs: 0,
                decision: Decision::Approve,
            }),
            ..DemoConfig::default()
        },
        clock.clone(),
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
    )
    .await
    .unwrap();
    let home = Home::with_config("");
    login(
        &home,
        &["--provider", "anaplan", "--host", &server.issuer()],
    )
    .await;
    let host = server.local_addr().to_string();

    let ok = home.run(&["status", "--verify", "--json"], &[]).await;
    ok.assert_code(0).assert_no_token_on_stdout();
    let verify = verify_json(&ok.stdout);
    assert_eq!(verify["accepted"], true);
    assert_eq!(
        verify["endpoint_host"],
        host.as_str(),
        "never auth.anaplan.com"
    );
    assert_eq!(verify["valid_until_from"], "provider");
    assert_eq!(verify["user"], "demo.user@example.com");
    let expires = home.meta("default").unwrap().access_expires_at.unwrap();
    let until = verify["valid_until"].as_i64().unwrap();
    assert!(
        (until - expires.as_unix_secs()).abs() <= 2,
        "{until} vs {expires:?}"
    );
    let text = home.run(&["status", "--verify"], &[]).await;
    text.assert_code(0);
    assert!(text.stdout.contains(", valid until "), "{}", text.stdout);
    assert!(!text.stdout.contains("stored expiry"), "{}", text.stdout);
    // Only `AnaplanAuthToken <token>` is accepted at /token/validate: both checks used it.
    assert_eq!(server.stats().token_checks_accepted, 2);

    // Past the token's expiry on the server's clock.
    let before = stored(&home);
    clock.advance_secs(2200);
    let refused = home.run(&["status", "--verify"], &[]).await;
    refused.assert_code(REFUSED);
    assert!(
        refused.stderr.contains("Token is not valid"),
        "{}",
        refused.stderr
    );
    assert_eq!(server.stats().token_checks_refused, 1);
    assert_eq!(server.stats().refreshes, 0);
    assert_eq!(stored(&home), before);

    server.shutdown().await;
    let down = home.run(&["status", "--verify", "--json"], &[]).await;
    down.assert_code(NETWORK);
    assert_eq!(verify_json(&down.stdout)["endpoint_host"], host.as_str());
    assert_eq!(stored(&home), before);
}

#[tokio::test]
async fn a_provider_without_userinfo_cannot_be_checked_and_plain_status_needs_no_secrets() {
    let server = approving_server().await;
    let home = Home::with_config("");
    let device = format!("{}/device_authorization", server.issuer());
    let token = format!("{}/token", server.issuer());
    login(
        &home,
        &["--device-endpoint", &device, "--token-endpoint", &token],
    )
    .await;

    let run = home.run(&["status", "--verify"], &[]).await;
    run.assert_code(NOT_VERIFIABLE);
    assert!(
        run.stderr
            .contains("offers no way to check an access token"),
        "{}",
        run.stderr
    );
    let json = home.run(&["status", "--verify", "--json"], &[]).await;
    json.assert_code(NOT_VERIFIABLE);
    assert_eq!(verify_json(&json.stdout)["accepted"], Value::Null);
    let stats = server.stats();
    assert_eq!(
        (stats.token_checks_accepted, stats.token_checks_refused),
        (0, 0)
    );

    // Without the secrets (a kernel keyring after a reboot) `status` says the tokens are missing
    // rather than "active", with or without --verify, and asks nothing of the server.
    std::fs::remove_file(home.state().join("default.secrets.json")).unwrap();
    let plain = home.run(&["status"], &[]).await;
    plain.assert_code(REFUSED);
    assert!(plain.stdout.contains("tokens missing"), "{}", plain.stdout);
    let issuer_home = Home::with_config("");
    login(&issuer_home, &["--issuer", &server.issuer()]).await;
    std::fs::remove_file(issuer_home.state().join("default.secrets.json")).unwrap();
    issuer_home.run(&["status"], &[]).await.assert_code(REFUSED);
    issuer_home
        .run(&["status", "--verify"], &[])
        .await
        .assert_code(REFUSED);
    let stats = server.stats();
    assert_eq!(
        (stats.token_checks_accepted, stats.token_checks_refused),
        (0, 0)
    );
}
