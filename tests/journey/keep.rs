//! `grantty keep` as a systemd service or a nohup job runs it: the real binary against the demo
//! server on 127.0.0.1 with 40-second access tokens, so the keeper must refresh every 30 seconds
//! (the upkeep policy's floor between automatic refreshes, which tokens this short meet).
//! The test follows its NDJSON events and the server's counters (no sleeps), asserts that
//! `grantty token` run meanwhile gets the keeper's rotated token, that the server never sees a
//! rotated-away refresh token again, and that SIGTERM — while sleeping, or while a refresh is held
//! at the server — ends with exit 0 and the newest token stored.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::time::Duration;

use grantty::demo::{DemoConfig, DemoServer};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

use common::session::{Access, PROFILE, Run, TOKEN_PREFIXES, signed_in};

/// Upper bound for anything the test waits for; a hang fails instead of blocking the suite.
const BOUND: Duration = Duration::from_secs(60);

struct Keeper {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    seen: Vec<Value>,
}

impl Keeper {
    fn start(cmd: &mut tokio::process::Command) -> Self {
        let mut child = cmd.spawn().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads events until one named `name`; returns it.
    async fn until(&mut self, name: &str) -> Value {
        tokio::time::timeout(BOUND, async {
            loop {
                let line = self.lines.next_line().await.unwrap().unwrap_or_else(|| {
                    panic!("keep ended before `{name}`; events so far: {:?}", self.seen)
                });
                for prefix in TOKEN_PREFIXES {
                    assert!(!line.contains(prefix), "an event carries a token: {line}");
                }
                let event: Value = serde_json::from_str(&line).unwrap();
                self.seen.push(event.clone());
                if event["event"] == name {
                    return event;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no `{name}` event; events so far: {:?}", self.seen))
    }

    /// Sends SIGTERM and returns the exit and the remaining events.
    async fn terminate(mut self) -> (Run, Vec<Value>) {
        let pid = self.child.id().unwrap().to_string();
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(kill.success());
        let mut rest = self.seen;
        while let Some(line) = self.lines.next_line().await.unwrap() {
            rest.push(serde_json::from_str(&line).unwrap());
        }
        let output = tokio::time::timeout(BOUND, self.child.wait_with_output())
            .await
            .expect("keep did not stop on SIGTERM")
            .unwrap();
        (Run::from_output(&["keep", "--json"], output), rest)
    }
}

fn names(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect()
}

async fn short_lived_server(refresh_reply_delay_ms: u64) -> DemoServer {
    common::session::demo_server(DemoConfig {
        access_token_lifetime_secs: 40,
        refresh_reply_delay_ms,
        ..DemoConfig::default()
    })
    .await
}

#[tokio::test]
async fn keep_refreshes_ahead_of_expiry_and_token_callers_get_its_rotated_token() {
    let server = short_lived_server(0).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    let first_access = fixture.access_token().to_owned();
    let mut keep = Keeper::start(&mut fixture.command(&["keep", "--json"]));

    let started = keep.until("started").await;
    assert_eq!(started["profiles"], serde_json::json!([PROFILE]));
    let scheduled = keep.until("scheduled").await;
    let expires = fixture
        .session
        .meta
        .access_expires_at
        .unwrap()
        .as_unix_secs();
    assert!(
        scheduled["at"].as_i64().unwrap() < expires,
        "scheduled before the access token expires: {scheduled}"
    );
    let refreshed = keep.until("refreshed").await;
    assert_eq!(refreshed["rotated"], true);
    assert!(
        refreshed["time"].as_i64().unwrap() < expires,
        "refreshed ahead of expiry: {refreshed} (expiry {expires})"
    );

    // A script asking now gets the token the keeper stored, from the cache.
    let requests = server.stats().token_requests;
    let token = fixture.run(&["token", "--min-valid", "1"]).await;
    token.assert_code(0);
    let stored = fixture.stored().unwrap();
    assert_eq!(
        token.stdout.trim_end(),
        stored.secrets.access_token.expose()
    );
    assert_ne!(
        token.stdout.trim_end(),
        first_access,
        "the rotated token, not the signed-in one"
    );
    assert_eq!(
        server.stats().token_requests,
        requests,
        "token sent nothing"
    );

    // It keeps going: a second refresh, on the newest refresh token.
    keep.until("refreshed").await;
    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    assert_eq!(names(&events).last(), Some(&"stopped"), "{events:?}");
    let stats = server.stats();
    assert!(stats.refreshes >= 2, "{stats:?}");
    assert_eq!(
        stats.reuse_detections, 0,
        "a rotated-away refresh token was reused"
    );

    // The store holds the newest refresh token: the server accepts it.
    fixture.run(&["refresh"]).await.assert_code(0);
    assert_eq!(server.stats().reuse_detections, 0);
}

#[tokio::test]
async fn sigterm_during_a_refresh_held_at_the_server_finishes_it_and_exits_0() {
    let server = short_lived_server(1500).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    let mut stats = server.watch_stats();
    let mut keep = Keeper::start(&mut fixture.command(&["keep", "--json"]));
    keep.until("scheduled").await;

    // The server has rotated the refresh token and holds its reply: the refresh is in flight.
    tokio::time::timeout(BOUND, stats.wait_for(|s| s.refreshes >= 1))
        .await
        .expect("keep never refreshed")
        .unwrap();
    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    assert_eq!(
        names(&events)[names(&events).len() - 3..],
        ["finishing", "refreshed", "stopped"],
        "{events:?}"
    );
    let stored = fixture.stored().unwrap();
    assert_eq!(
        stored.meta.refresh.rotation_count, 1,
        "the rotated token was saved"
    );
    fixture.run(&["refresh"]).await.assert_code(0);
    assert_eq!(server.stats().reuse_detections, 0);
}

#[tokio::test]
async fn sigterm_while_asleep_exits_0_at_once_and_the_unit_file_runs_this_binary() {
    let server = common::session::demo_server(DemoConfig::default()).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    let mut keep = Keeper::start(&mut fixture.command(&["keep", "--json"]));
    keep.until("scheduled").await;
    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    // The alert: the demo's refresh tokens live 43,000 s, under the 24 h sign-in-soon mark.
    assert_eq!(names(&events), ["started", "alert", "scheduled", "stopped"]);
    assert_eq!(
        server.stats().refreshes,
        0,
        "a 35-minute token needs nothing yet"
    );

    let unit = fixture.run(&["keep", "--print-systemd-unit"]).await;
    unit.assert_code(0);
    let exec = format!(
        "ExecStart=\"{}\" keep \"--profile\" \"{PROFILE}\"\n",
        env!("CARGO_BIN_EXE_grantty")
    );
    assert!(unit.stdout.contains(&exec), "{}", unit.stdout);
    let writable = format!("ReadWritePaths=\"-{}\"", fixture.dir().display());
    assert!(unit.stdout.contains(&writable), "{}", unit.stdout);
}

#[tokio::test]
async fn a_refused_client_is_said_once_kept_and_resumed_after_back_off_when_enabled_again() {
    let server = short_lived_server(0).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    server.disable_client(common::session::CLIENT_ID);
    let mut keep = Keeper::start(&mut fixture.command(&["keep", "--json"]));

    let human = keep.until("needs_human").await;
    let message = human["message"].as_str().unwrap();
    assert!(message.contains("invalid_client"), "{message}");
    assert!(
        message.contains("administrator"),
        "who can fix it: {message}"
    );
    assert_eq!(human["profile"], PROFILE);
    assert_eq!(
        fixture.stored().unwrap().secrets,
        fixture.session.secrets,
        "every token kept"
    );

    // The administrator enables the client again; the back-off retry picks the session up.
    server.enable_client(common::session::CLIENT_ID);
    keep.until("refreshed").await;
    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    let names = names(&events);
    assert_eq!(
        names.iter().filter(|n| **n == "needs_human").count(),
        1,
        "said once: {events:?}"
    );
    let stats = server.stats();
    assert_eq!(stats.device_authorizations, 1, "no new sign-in");
    assert_eq!(stats.reuse_detections, 0);
}
