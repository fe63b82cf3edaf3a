#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! A refresh that reached the server from one machine and could not be saved in etcd: its
//! tokens are kept aside on that machine only. Until they are moved back, no other machine may
//! spend the refresh token etcd still holds (the server rotated it away: spending it again is
//! reuse, and a server may revoke the whole grant for it).

use std::time::{Duration, Instant};

use grantty::demo::{DemoConfig, DemoServer};

use crate::common::fleet::{Fleet, Machine};
use crate::common::session::{Access, PROFILE, Run, demo_server};

fn rotating() -> DemoConfig {
    DemoConfig {
        rotate_refresh_tokens: true,
        ..DemoConfig::default()
    }
}

/// Whether the demo server accepts `token` (Anaplan's `GET /token/validate`).
async fn accepted(server: &DemoServer, token: &str) -> bool {
    let resp = reqwest::Client::new()
        .get(format!(
            "{}/token/validate",
            server.issuer().trim_end_matches('/')
        ))
        .header("Authorization", format!("AnaplanAuthToken {token}"))
        .send()
        .await
        .unwrap();
    resp.status().is_success()
}

fn key(fleet: &Fleet, part: &str) -> String {
    format!("{}{part}", fleet.prefix)
}

/// Waits (bounded) until etcd answers and `key` is absent.
async fn until_gone(fleet: &Fleet, key: &str) {
    let client = fleet.client();
    let waited = Instant::now();
    loop {
        if matches!(client.get(key, false), Ok(None)) {
            return;
        }
        assert!(
            waited.elapsed() < Duration::from_secs(60),
            "{key} is still there"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The pending-refresh marker in the session's metadata as etcd holds it (no secret in it).
fn marker(fleet: &Fleet) -> serde_json::Value {
    let kv = fleet
        .client()
        .get(&key(fleet, &format!("sessions/{PROFILE}/meta")), false)
        .unwrap()
        .unwrap();
    let meta: serde_json::Value = serde_json::from_slice(&kv.value).unwrap();
    meta["pending_refresh"].clone()
}

/// Machine `a` sends a refresh; the server rotates the token and holds its answer while the
/// whole cluster is killed; `a` keeps the new tokens aside and exits. The cluster comes back
/// and `a`'s lock lease runs out.
async fn refresh_kept_aside_on(fleet: &mut Fleet, server: &DemoServer, a: &Machine) -> Run {
    server.hold_refresh_replies();
    let child = a.command(fleet, &["token"]).spawn().unwrap();
    server.held_refreshes(1).await;
    for i in 0..3 {
        fleet.cluster.kill(i);
    }
    server.release_refresh_replies();
    let first = Run::from_output(&["token"], child.wait_with_output().await.unwrap());
    first.assert_code(0);
    assert!(first.stderr.contains("kept-aside"), "{}", first.stderr);
    fleet.cluster.restart_all(&[0, 1, 2]);
    until_gone(fleet, &key(fleet, &format!("locks/{PROFILE}"))).await;
    first
}

#[tokio::test]
async fn another_machine_does_not_spend_a_token_whose_refresh_is_kept_aside_elsewhere() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let server = demo_server(rotating()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    fleet.sign_in(&server, &a, Access::Expired).await;
    let first = refresh_kept_aside_on(&mut fleet, &server, &a).await;
    let machine = marker(&fleet)["machine"].as_str().unwrap().to_owned();
    assert!(
        machine.contains(&a.state_dir().display().to_string()),
        "{machine}"
    );

    // B needs a fresh token: it must not spend the rotated-away refresh token etcd holds.
    let on_b = b.run(&fleet, &["refresh"]).await;
    let stats = server.stats();
    assert_eq!(
        (stats.refreshes, stats.reuse_detections),
        (1, 0),
        "B spent the stored token: {on_b:?}"
    );
    on_b.assert_code(8);
    assert!(on_b.stderr.contains("grantty token"), "{}", on_b.stderr);
    assert!(on_b.stderr.contains(&machine), "{}", on_b.stderr);
    // The access token etcd holds expired: nothing to serve either.
    b.run(&fleet, &["token"]).await.assert_code(8);
    assert_eq!(server.stats().token_requests, stats.token_requests);

    // A's next run moves its kept-aside tokens into etcd, which ends the pending refresh.
    let again = a.run(&fleet, &["token"]).await;
    again.assert_code(0);
    assert_eq!(again.stdout, first.stdout);
    assert!(marker(&fleet).is_null(), "{}", marker(&fleet));
    let on_b = b.run(&fleet, &["token"]).await;
    on_b.assert_code(0);
    assert_eq!(
        on_b.stdout, first.stdout,
        "B is served the tokens A kept aside"
    );
    assert!(accepted(&server, on_b.stdout.trim()).await);
    let stats = server.stats();
    assert_eq!((stats.refreshes, stats.reuse_detections), (1, 0));
}

#[tokio::test]
async fn the_marker_names_the_machine_before_the_refresh_is_sent_and_its_save_removes_it() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(rotating()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    fleet.sign_in(&server, &a, Access::Expired).await;
    assert!(marker(&fleet).is_null());

    server.hold_refresh_replies();
    let child = a.command(&fleet, &["token"]).spawn().unwrap();
    server.held_refreshes(1).await;
    // The refresh is at the server: etcd already says whose it is.
    let machine = marker(&fleet)["machine"].as_str().unwrap().to_owned();
    assert!(
        machine.contains(&a.state_dir().display().to_string()),
        "{machine}"
    );
    server.release_refresh_replies();
    let on_a = Run::from_output(&["token"], child.wait_with_output().await.unwrap());
    on_a.assert_code(0);
    assert!(marker(&fleet).is_null(), "{}", marker(&fleet));
    let on_b = b.run(&fleet, &["token"]).await;
    on_b.assert_code(0);
    assert_eq!(on_b.stdout, on_a.stdout);
    let stats = server.stats();
    assert_eq!((stats.refreshes, stats.reuse_detections), (1, 0));
}
