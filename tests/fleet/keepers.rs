#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! High-availability keepers: `grantty keep --all` on two machines with the etcd store elects
//! one active keeper; killing it with -9 (and one etcd member with it) hands over to the other
//! within the keeper lease, and the server sees one refresh per due time, never one per keeper.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use grantty::demo::{DemoConfig, DemoServer};
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

use crate::common::fleet::{Fleet, Machine};
use crate::common::session::{Access, PROFILE, TOKEN_PREFIXES, demo_server};

/// Upper bound for anything the test waits for.
const BOUND: Duration = Duration::from_secs(120);

pub(crate) struct Keeper {
    pub(crate) child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    /// Everything the keeper wrote on stderr so far, drained as it comes (an unread pipe could
    /// stall it) and shown when a wait fails.
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Keeper {
    pub(crate) fn start(fleet: &Fleet, machine: &Machine) -> Self {
        let mut child = machine
            .command(fleet, &["keep", "--all", "--json"])
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let sink = std::sync::Arc::clone(&stderr);
        tokio::spawn(async move {
            while let Ok(Some(line)) = err_lines.next_line().await {
                let mut all = sink.lock().unwrap();
                all.push_str(&line);
                all.push('\n');
            }
        });
        Self {
            child,
            lines,
            stderr,
        }
    }

    /// What the keeper has written on stderr so far.
    pub(crate) fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id().unwrap()
    }

    /// Reads events until one named `name`.
    async fn until(&mut self, name: &str) {
        tokio::time::timeout(BOUND, async {
            loop {
                let line = self.lines.next_line().await.unwrap().unwrap();
                for prefix in TOKEN_PREFIXES {
                    assert!(!line.contains(prefix), "an event carries a token: {line}");
                }
                let event: serde_json::Value = serde_json::from_str(&line).unwrap();
                if event["event"] == name {
                    return;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no `{name}` event"));
    }
}

/// Waits until the server has answered `n` refreshes; when that happened. `keepers` are shown
/// (their stderr) if it never does.
async fn refreshes(server: &DemoServer, n: u64, keepers: &[Keeper]) -> Instant {
    let start = Instant::now();
    while server.stats().refreshes < n {
        assert!(
            start.elapsed() < BOUND,
            "no refresh {n} within {BOUND:?}; server {:?}; keepers' stderr:\n{}",
            server.stats(),
            keepers.iter().fold(String::new(), |mut all, k| {
                let _ = writeln!(all, "--- pid {:?}\n{}", k.child.id(), k.stderr());
                all
            })
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Instant::now()
}

/// The pid in the active keeper's key, if etcd can say.
pub(crate) fn active_pid(fleet: &Fleet) -> Option<u32> {
    let key = format!("{}keepers/{PROFILE}", fleet.prefix);
    // No answer (an election under way after a member died) counts as not known yet.
    let kv = fleet.client().get(&key, false).ok()??;
    String::from_utf8(kv.value)
        .ok()?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

#[tokio::test]
async fn the_standby_keeper_takes_over_from_a_killed_one_with_one_refresh_per_due_time() {
    let Some(mut fleet) = Fleet::start() else {
        return;
    };
    let server = demo_server(DemoConfig {
        rotate_refresh_tokens: true,
        access_token_lifetime_secs: 40,
        ..DemoConfig::default()
    })
    .await;
    let (a, b) = (fleet.machine(), fleet.machine());
    fleet.sign_in(&server, &a, Access::Expired).await;
    let mut keepers = [Keeper::start(&fleet, &a), Keeper::start(&fleet, &b)];

    let first = refreshes(&server, 1, &keepers).await;
    let active = active_pid(&fleet).expect("an active keeper is recorded");
    let (dead, survivor) = if active == keepers[0].pid() {
        (0, 1)
    } else {
        (1, 0)
    };
    assert_eq!(active, keepers[dead].pid());
    keepers[dead].child.start_kill().unwrap(); // SIGKILL: no chance to let go
    keepers[dead].child.wait().await.unwrap();
    fleet.cluster.kill(0);
    fleet.cluster.wait_healthy(1);
    assert_eq!(
        server.stats().refreshes,
        1,
        "the standby did not refresh as well"
    );

    let second = refreshes(&server, 2, &keepers).await;
    let survivor = &mut keepers[survivor];
    survivor.until("refreshed").await;
    survivor.until("scheduled").await;
    let stats = server.stats();
    assert_eq!(stats.refreshes, 2, "one refresh for the second due time");
    assert_eq!(stats.reuse_detections, 0);
    assert_eq!(active_pid(&fleet), Some(survivor.pid()));
    assert!(
        second - first >= Duration::from_secs(20),
        "the second refresh came at the next due time, not at once: {:?}",
        second - first
    );
}
