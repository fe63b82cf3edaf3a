//! Journey: `grantty refresh` while another process holds the profile's lock (the test holds it
//! through the library, recorded as a refresh, as a second grantty would). After half a second
//! grantty names the holder; SIGTERM, SIGINT or SIGHUP end it at once with 130 while the lock
//! is still held; `--wait 1` gives up with exit 11; the waiting processes send nothing to the
//! server; once the lock is free, `refresh` works.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::time::{Duration, Instant};

use grantty::demo::DemoConfig;
use grantty::store::Activity;

use common::journey::Running;
use common::session::{Access, PROFILE, demo_server, signed_in};

/// `grantty`'s exit code after a signal.
const CANCELLED: i32 = 130;
/// `grantty refresh --wait SECS` ran out.
const BUSY: i32 = 11;
/// Upper bound on anything awaited; the old code waited for the lock until it was freed.
const BOUND: Duration = Duration::from_secs(20);

#[tokio::test]
async fn a_refresh_waiting_for_the_lock_names_the_holder_and_stops_on_signals_or_its_bound() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let held = s.store.lock(PROFILE).unwrap();
    held.record(Activity::Refreshing);
    let before = server.stats();
    let holder = format!(
        "waiting for grantty (pid {}) refreshing profile {PROFILE}",
        std::process::id()
    );

    for signal in ["TERM", "INT", "HUP"] {
        let mut run = Running::start(s.command(&["refresh"]), &["refresh"]);
        tokio::time::timeout(BOUND, run.wait_for_stderr(&holder))
            .await
            .unwrap_or_else(|_| panic!("no {holder:?} within {BOUND:?}"));
        let sent = Instant::now();
        run.signal(signal);
        let done = tokio::time::timeout(BOUND, run.finish())
            .await
            .unwrap_or_else(|_| panic!("SIG{signal} did not stop a refresh waiting for the lock"));
        let took = sent.elapsed();
        done.assert_code(CANCELLED).assert_no_token_on_stdout();
        assert!(took < Duration::from_secs(5), "SIG{signal} took {took:?}");
        assert!(
            s.store.try_lock(PROFILE).unwrap().is_none(),
            "the lock is still held"
        );
    }

    let started = Instant::now();
    let mut run = Running::start(s.command(&["refresh", "--wait", "1"]), &["refresh"]);
    run.wait_for_stderr(&holder).await;
    let done = tokio::time::timeout(BOUND, run.finish()).await.unwrap();
    let took = started.elapsed();
    done.assert_code(BUSY).assert_no_token_on_stdout();
    assert!(
        done.stderr.contains(&format!(
            "gave up after 1 s waiting for grantty (pid {}) refreshing profile {PROFILE} (--wait 1); nothing was sent",
            std::process::id()
        )),
        "{}",
        done.stderr
    );
    assert!(took >= Duration::from_secs(1), "gave up early: {took:?}");

    let after = server.stats();
    assert_eq!(
        (after.token_requests, after.refreshes),
        (before.token_requests, before.refreshes),
        "a waiting grantty sent nothing"
    );

    drop(held);
    let done = s.run(&["refresh", "--wait", "1"]).await;
    done.assert_code(0);
    assert_eq!(server.stats().refreshes, before.refreshes + 1);
}
