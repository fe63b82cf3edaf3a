#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Faults: a member down changes nothing; unreachable endpoints and plain http to another
//! machine are clear refusals with exit codes.

use crate::common::fleet::Fleet;
use crate::common::session::{Access, Run, demo_server};

#[tokio::test]
async fn one_member_down_changes_nothing_for_a_refresh() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let server = demo_server(grantty::demo::DemoConfig::default()).await;
    let a = fleet.machine();
    fleet.sign_in(&server, &a, Access::Expired).await;
    fleet.cluster.kill(0);
    fleet.cluster.wait_healthy(1);
    let run = a.run(&fleet, &["token"]).await;
    run.assert_code(0);
    assert_eq!(server.stats().refreshes, 1);
}

#[tokio::test]
async fn unreachable_endpoints_are_a_store_error_naming_them() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let a = fleet.machine();
    let endpoints = fleet.cluster.endpoints();
    for i in 0..3 {
        fleet.cluster.kill(i);
    }
    let run = a.run(&fleet, &["token"]).await;
    run.assert_code(8);
    assert!(
        run.stderr.contains("no etcd endpoint could be reached"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(endpoints.split(',').next().unwrap()),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn plain_http_to_another_machine_is_refused_before_anything_is_sent() {
    let Some(fleet) = Fleet::start() else { return };
    let a = fleet.machine();
    let mut cmd = a.command(&fleet, &["token"]);
    cmd.env("GRANTTY_ETCD_ENDPOINTS", "http://etcd.example.com:2379");
    let run = Run::of(cmd, &["token"]).await;
    run.assert_code(2);
    assert!(run.stderr.contains("use https"), "{}", run.stderr);
}

#[tokio::test]
async fn a_cluster_without_the_prefix_says_there_is_no_session() {
    let Some(fleet) = Fleet::start() else { return };
    let a = fleet.machine();
    let run = a.run(&fleet, &["token"]).await;
    run.assert_code(7);
}

#[tokio::test]
async fn without_quorum_a_valid_token_is_still_served_and_a_refresh_waits_sending_nothing() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let server = demo_server(grantty::demo::DemoConfig::default()).await;
    let (a, b) = (fleet.machine(), fleet.machine());
    let session = fleet.sign_in(&server, &a, Access::Fresh).await;
    fleet.cluster.kill(0);
    fleet.cluster.kill(1);

    let run = b.run(&fleet, &["token"]).await;
    run.assert_code(0);
    assert_eq!(run.stdout.trim(), session.secrets.access_token.expose());

    let run = b.run(&fleet, &["refresh", "--wait", "2"]).await;
    run.assert_code(11);
    assert!(run.stderr.contains("waiting"), "{}", run.stderr);
    assert!(run.stderr.contains("nothing was sent"), "{}", run.stderr);
    assert_eq!(server.stats().refreshes, 0);

    fleet.cluster.restart_all(&[0, 1]);
    let run = b.run(&fleet, &["refresh"]).await;
    run.assert_code(0);
    assert_eq!(
        server.stats().refreshes,
        1,
        "with the quorum back the refresh goes through"
    );
}
