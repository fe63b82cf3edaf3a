#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! One sign-in serves a fleet: machines with their own homes get working tokens from the
//! session in etcd, and many `grantty token` calls at once on an expired rotating token cause
//! exactly one refresh.

use std::collections::HashSet;

use grantty::demo::{DemoConfig, DemoServer};

use crate::common::fleet::{Fleet, Machine};
use crate::common::session::{Access, Run, demo_server};

fn rotating() -> DemoConfig {
    DemoConfig {
        rotate_refresh_tokens: true,
        ..DemoConfig::default()
    }
}

/// Whether the demo server accepts `token` (Anaplan's `GET /token/validate`).
async fn accepted(server: &DemoServer, token: &str) -> bool {
    let client = reqwest::Client::new();
    let resp = client
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

#[tokio::test]
async fn a_sign_in_on_one_machine_serves_another_that_has_no_local_session() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(rotating()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    let session = fleet.sign_in(&server, &a, Access::Fresh).await;
    let requests = server.stats().token_requests;

    let run = b.run(&fleet, &["token"]).await;
    run.assert_code(0);
    assert_eq!(run.stdout.trim(), session.secrets.access_token.expose());
    assert_eq!(
        server.stats().token_requests,
        requests,
        "a valid token is served without asking"
    );
    assert!(
        std::fs::read_dir(b.state_dir()).map_or(true, |d| d.count() == 0),
        "machine B keeps no session of its own"
    );
}

#[tokio::test]
async fn a_refresh_on_one_machine_is_what_the_others_get() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(rotating()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    let session = fleet.sign_in(&server, &a, Access::Expired).await;

    let on_b = b.run(&fleet, &["token"]).await;
    on_b.assert_code(0);
    let fresh = on_b.stdout.trim().to_owned();
    assert_ne!(fresh, session.secrets.access_token.expose());
    let on_a = a.run(&fleet, &["token"]).await;
    on_a.assert_code(0);
    assert_eq!(on_a.stdout.trim(), fresh, "machine A is served B's refresh");
    let stats = server.stats();
    assert_eq!((stats.refreshes, stats.reuse_detections), (1, 0));
    assert!(accepted(&server, &fresh).await);
}

#[tokio::test]
async fn forty_four_token_calls_from_two_machines_at_once_refresh_once() {
    const CALLS: usize = 44;
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(rotating()).await;
    let machines: [Machine; 2] = [fleet.machine(), fleet.machine()];
    fleet.sign_in(&server, &machines[0], Access::Expired).await;

    let children: Vec<_> = (0..CALLS)
        .map(|i| machines[i % 2].command(&fleet, &["token"]).spawn().unwrap())
        .collect();
    let mut tokens = Vec::new();
    for child in children {
        let run = Run::from_output(&["token"], child.wait_with_output().await.unwrap());
        run.assert_code(0);
        tokens.push(run.stdout.trim().to_owned());
    }
    let stats = server.stats();
    assert_eq!(stats.refreshes, 1, "one refresh for the whole fleet");
    assert_eq!(stats.reuse_detections, 0);
    let distinct: HashSet<&String> = tokens.iter().collect();
    for token in &distinct {
        assert!(accepted(&server, token).await, "every token printed works");
    }
    assert_eq!(tokens.len(), CALLS);
    assert_eq!(server.stats().token_checks_accepted, distinct.len() as u64);
}

#[tokio::test]
async fn a_refresh_etcd_could_not_take_is_kept_aside_and_moved_back_for_the_fleet() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let server = demo_server(DemoConfig {
        refresh_reply_delay_ms: 1500,
        ..rotating()
    })
    .await;
    let (a, b) = (fleet.machine(), fleet.machine());
    fleet.sign_in(&server, &a, Access::Expired).await;
    let asked = server.stats().token_requests;

    let child = a.command(&fleet, &["token"]).spawn().unwrap();
    // The refresh is at the server: the whole cluster goes away before its answer is saved.
    let waited = std::time::Instant::now();
    while server.stats().token_requests == asked {
        assert!(
            waited.elapsed().as_secs() < 30,
            "the refresh never reached the server"
        );
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    for i in 0..3 {
        fleet.cluster.kill(i);
    }
    let first = Run::from_output(&["token"], child.wait_with_output().await.unwrap());
    assert_eq!(server.stats().refreshes, 1);
    first.assert_code(0);
    assert!(
        first.stderr.contains("could not be saved"),
        "{}",
        first.stderr
    );
    assert!(first.stderr.contains("kept-aside"), "{}", first.stderr);

    fleet.cluster.restart_all(&[0, 1, 2]);
    let again = a.run(&fleet, &["token"]).await;
    again.assert_code(0);
    let on_b = b.run(&fleet, &["token"]).await;
    on_b.assert_code(0);
    assert_eq!(
        on_b.stdout, again.stdout,
        "B is served the tokens A kept aside"
    );
    let stats = server.stats();
    assert_eq!((stats.refreshes, stats.reuse_detections), (1, 0));
    assert!(accepted(&server, on_b.stdout.trim()).await);
    assert_eq!(
        first.stdout, again.stdout,
        "what A printed is what it kept aside"
    );
}

#[tokio::test]
async fn status_and_logout_on_another_machine_act_on_the_fleet_session() {
    let Some(fleet) = Fleet::start() else { return };
    let server = demo_server(rotating()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    fleet.sign_in(&server, &a, Access::Fresh).await;

    let status = b.run(&fleet, &["status"]).await;
    status.assert_code(0);
    assert!(
        status.stdout.contains("etcd") || status.stderr.contains("etcd"),
        "{status:?}"
    );
    b.run(&fleet, &["logout"]).await.assert_code(0);
    assert_eq!(
        server.stats().revocations,
        1,
        "the tokens were revoked at the server"
    );
    let left: Vec<String> = fleet.everything().into_iter().map(|kv| kv.key).collect();
    assert!(left.iter().all(|k| !k.contains("/sessions/")), "{left:?}");
    a.run(&fleet, &["token"]).await.assert_code(7);
}
