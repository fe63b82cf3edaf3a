#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The numbers `scripts/fleet-measure.sh` reports (ignored in the normal run): 3 etcd members,
//! 3 machines, 100 concurrent `grantty token` calls on an expired rotating token (refreshes,
//! reuse detections, failures, wall time), and how long a standby keeper takes to become
//! active after the active one is killed with -9.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use grantty::demo::DemoConfig;

use crate::common::fleet::Fleet;
use crate::common::session::{Access, Run, demo_server};
use crate::keepers::{Keeper, active_pid};

const CALLS: usize = 100;

#[tokio::test]
#[ignore = "a measurement: run by scripts/fleet-measure.sh"]
async fn fleet_numbers() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let server = demo_server(DemoConfig {
        rotate_refresh_tokens: true,
        ..DemoConfig::default()
    })
    .await;
    let machines = [fleet.machine(), fleet.machine(), fleet.machine()];
    fleet.sign_in(&server, &machines[0], Access::Expired).await;

    let started = Instant::now();
    let children: Vec<_> = (0..CALLS)
        .map(|i| machines[i % 3].command(&fleet, &["token"]).spawn().unwrap())
        .collect();
    let mut failures = 0;
    let mut tokens = HashSet::new();
    for child in children {
        let run = Run::from_output(&["token"], child.wait_with_output().await.unwrap());
        if run.code() == Some(0) {
            tokens.insert(run.stdout.trim().to_owned());
        } else {
            failures += 1;
            eprintln!("fleet-measure: a call failed: {}", run.stderr.trim());
        }
    }
    let wall = started.elapsed();
    let stats = server.stats();
    println!(
        "fleet-measure: {CALLS} concurrent `grantty token` calls from 3 machines on an expired rotating token: {} refresh(es), {} reuse detection(s), {failures} failure(s), {} distinct token(s), wall time {:.2} s",
        stats.refreshes,
        stats.reuse_detections,
        tokens.len(),
        wall.as_secs_f64()
    );

    let mut keepers = [
        Keeper::start(&fleet, &machines[1]),
        Keeper::start(&fleet, &machines[2]),
    ];
    let bound = Instant::now();
    let active = loop {
        if let Some(pid) = active_pid(&fleet) {
            break pid;
        }
        assert!(
            bound.elapsed() < Duration::from_secs(30),
            "no active keeper"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let (dead, survivor) = if active == keepers[0].pid() {
        (0, 1)
    } else {
        (1, 0)
    };
    let survivor_pid = keepers[survivor].pid();
    fleet.cluster.kill(0);
    let killed = Instant::now();
    keepers[dead].child.start_kill().unwrap();
    keepers[dead].child.wait().await.unwrap();
    while active_pid(&fleet) != Some(survivor_pid) {
        assert!(killed.elapsed() < Duration::from_secs(60), "no takeover");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "fleet-measure: keeper failover (active keeper killed with -9 together with one etcd member): the standby was active after {:.2} s",
        killed.elapsed().as_secs_f64()
    );
}
