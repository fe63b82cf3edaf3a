//! `grantty keep --notify CMD`, `keep --once` and keep's logged-out notice: the real binary
//! against the demo server on 127.0.0.1 with short access tokens (40 s: a refresh every 30 s)
//! and short refresh-token lifespans. The hook writes its environment to a file per call; the
//! tests wait for those files and for keep's NDJSON events (conditions, not sleeps), and assert
//! what the server saw.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use grantty::demo::{DemoConfig, DemoServer};
use grantty::domain::clock::{Clock as _, SystemClock, Timestamp};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

use common::session::{Access, CLIENT_ID, PROFILE, Run, SignedIn, TOKEN_PREFIXES, signed_in};

/// Upper bound for anything a test waits for; a hang fails instead of blocking the suite.
const BOUND: Duration = Duration::from_secs(90);

/// The hook: its `GRANTTY_*` environment into `$HOOK_OUT/<event>.<pid>`, then whatever
/// `$HOOK_THEN` says.
const HOOK: &str = r#"env | grep '^GRANTTY_' | sort > "$HOOK_OUT/$GRANTTY_EVENT.$$.tmp" && mv "$HOOK_OUT/$GRANTTY_EVENT.$$.tmp" "$HOOK_OUT/$GRANTTY_EVENT.$$"; eval "$HOOK_THEN""#;

struct Keeper {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
    seen: Vec<Value>,
}

impl Keeper {
    /// `keep --json --notify HOOK <extra>`; the hook writes into `out` and then runs `then`.
    fn start(fixture: &SignedIn, out: &Path, then: &str, extra: &[&str]) -> Self {
        let mut args = vec!["keep", "--json", "--notify", HOOK];
        args.extend_from_slice(extra);
        let mut cmd = fixture.command(&args);
        cmd.env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .env("HOOK_OUT", out)
            .env("HOOK_THEN", then)
            // Never handed on to the hook (nor any other GRANTTY_ variable of the keeper's).
            .env("GRANTTY_SMUGGLED", "demo-rt-not-for-hooks");
        let mut child = cmd.spawn().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Reads events until one matches; returns it.
    async fn until(&mut self, what: &str, matches: impl Fn(&Value) -> bool) -> Value {
        tokio::time::timeout(BOUND, async {
            loop {
                let line = self.lines.next_line().await.unwrap().unwrap_or_else(|| {
                    panic!("keep ended before {what}; events so far: {:?}", self.seen)
                });
                for prefix in TOKEN_PREFIXES {
                    assert!(!line.contains(prefix), "an event carries a token: {line}");
                }
                let event: Value = serde_json::from_str(&line).unwrap();
                self.seen.push(event.clone());
                if matches(&event) {
                    return event;
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no {what}; events so far: {:?}", self.seen))
    }

    async fn event(&mut self, name: &str) -> Value {
        self.until(name, |e| e["event"] == name).await
    }

    async fn alert(&mut self, kind: &str) -> Value {
        self.until(kind, |e| e["event"] == "alert" && e["alert"] == kind)
            .await
    }

    /// Sends SIGTERM; returns the exit and every event.
    async fn terminate(mut self) -> (Run, Vec<Value>) {
        let pid = self.child.id().unwrap().to_string();
        let kill = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap();
        assert!(kill.success());
        let mut all = self.seen;
        while let Some(line) = self.lines.next_line().await.unwrap() {
            all.push(serde_json::from_str(&line).unwrap());
        }
        let output = tokio::time::timeout(BOUND, self.child.wait_with_output())
            .await
            .expect("keep did not stop on SIGTERM")
            .unwrap();
        (Run::from_output(&["keep"], output), all)
    }
}

/// The files the hook wrote for `event` so far.
fn calls(out: &Path, event: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with(&format!("{event}.")) && p.extension().is_none_or(|e| e != "tmp")
        })
        .collect();
    found.sort();
    found
}

/// Waits until the hook has written a file for `event`; returns its `GRANTTY_*` environment.
async fn hook_env(out: &Path, event: &str) -> Vec<(String, String)> {
    let file = tokio::time::timeout(BOUND, async {
        loop {
            if let Some(file) = calls(out, event).into_iter().next() {
                return file;
            }
            tokio::time::sleep(Duration::from_millis(50)).await; // polling a condition
        }
    })
    .await
    .unwrap_or_else(|_| panic!("the hook never ran for {event}"));
    let text = std::fs::read_to_string(file).unwrap();
    for prefix in TOKEN_PREFIXES {
        assert!(
            !text.contains(prefix),
            "a token in the hook's environment: {text}"
        );
    }
    text.lines()
        .map(|l| {
            let (k, v) = l.split_once('=').unwrap();
            (k.to_owned(), v.to_owned())
        })
        .collect()
}

fn get<'a>(env: &'a [(String, String)], key: &str) -> Option<&'a str> {
    env.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// Signed in two minutes ago with an access token that has expired: the upkeep policy's floor
/// (30 s after a token arrived) is behind it, so a refresh is due at once.
async fn expired(server: &DemoServer) -> SignedIn {
    let SignedIn {
        mut session,
        provider,
        transport,
        ..
    } = signed_in(server, Access::Expired).await;
    session.meta.access_issued_at =
        Timestamp::from_unix_secs(session.meta.access_issued_at.as_unix_secs() - 120);
    common::session::stored(&session, provider, transport)
}

async fn server(config: DemoConfig) -> DemoServer {
    common::session::demo_server(DemoConfig {
        access_token_lifetime_secs: 40,
        ..config
    })
    .await
}

#[tokio::test]
async fn sign_in_soon_fires_once_and_a_hanging_hook_is_killed_while_keep_goes_on_refreshing() {
    // Rotating refresh tokens that live an hour: less than 2 h left, so sign-in-soon at once.
    let server = server(DemoConfig {
        refresh_token_lifetime_secs: Some(3600),
        ..DemoConfig::default()
    })
    .await;
    let fixture = signed_in(&server, Access::Fresh).await;
    let out = tempfile::tempdir().unwrap();
    let pid_file = out.path().join("hook.pid");
    let then = format!("echo $$ > '{}'; exec sleep 1000", pid_file.display());
    let mut keep = Keeper::start(&fixture, out.path(), &then, &["--notify-timeout", "45"]);

    let alert = keep.alert("sign-in-soon").await;
    assert_eq!(alert["profile"], PROFILE);
    let deadline = alert["deadline"].as_i64().unwrap();
    let env = hook_env(out.path(), "sign-in-soon").await;
    assert_eq!(get(&env, "GRANTTY_EVENT"), Some("sign-in-soon"));
    assert_eq!(get(&env, "GRANTTY_PROFILE"), Some(PROFILE));
    let rfc3339 = get(&env, "GRANTTY_DEADLINE").unwrap();
    assert_eq!(rfc3339, Timestamp::from_unix_secs(deadline).to_rfc3339());
    assert!(rfc3339.ends_with('Z'), "UTC: {rfc3339}");
    let message = get(&env, "GRANTTY_MESSAGE").unwrap();
    assert!(
        message.contains("grantty login --profile default"),
        "{message}"
    );
    assert_eq!(get(&env, "GRANTTY_SMUGGLED"), None, "{env:?}");
    assert_eq!(
        env.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
        [
            "GRANTTY_DEADLINE",
            "GRANTTY_EVENT",
            "GRANTTY_MESSAGE",
            "GRANTTY_PROFILE"
        ]
    );

    // The hook hangs; keep refreshes meanwhile (twice: the server counts them), then kills it.
    let refreshed = keep.event("refreshed").await;
    assert!(
        !keep.seen.iter().any(|e| e["event"] == "hook_failed"),
        "refreshed while the hook was still running: {:?}",
        keep.seen
    );
    assert_eq!(refreshed["rotated"], true);
    assert!(server.stats().refreshes >= 1);
    let failed = keep.event("hook_failed").await;
    assert_eq!(failed["alert"], "sign-in-soon");
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("did not finish within 45 s"),
        "{failed}"
    );
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let alive = std::process::Command::new("kill")
        .args(["-0", pid.trim()])
        .status()
        .unwrap();
    assert!(!alive.success(), "the hook's sleep {pid} was killed");
    keep.event("refreshed").await;
    assert!(server.stats().refreshes >= 2, "{:?}", server.stats());

    // Once per event and session: rotations moved the end, and nothing was said again.
    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    assert_eq!(calls(out.path(), "sign-in-soon").len(), 1);
    let alerts: Vec<&Value> = events.iter().filter(|e| e["event"] == "alert").collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(server.stats().reuse_detections, 0);
}

#[tokio::test]
async fn a_refused_client_needs_a_person_once_then_recovers_and_a_failing_hook_is_reported() {
    let server = server(DemoConfig::default()).await;
    let fixture = expired(&server).await;
    server.disable_client(CLIENT_ID);
    let out = tempfile::tempdir().unwrap();
    let mut keep = Keeper::start(&fixture, out.path(), "exit 3", &[]);

    let needs = keep.alert("needs-human").await;
    assert!(
        needs["message"].as_str().unwrap().contains("default"),
        "{needs}"
    );
    let env = hook_env(out.path(), "needs-human").await;
    assert_eq!(get(&env, "GRANTTY_EVENT"), Some("needs-human"));
    assert!(!get(&env, "GRANTTY_MESSAGE").unwrap().contains('\n'));
    let failed = keep.event("hook_failed").await;
    assert!(
        failed["message"]
            .as_str()
            .unwrap()
            .contains("exit status: 3"),
        "{failed}"
    );
    // Retried with back-off, refused again: not said again. Then the admin lifts it.
    let refusals = server.stats().client_refusals;
    let mut stats = server.watch_stats();
    tokio::time::timeout(BOUND, stats.wait_for(|s| s.client_refusals > refusals))
        .await
        .expect("keep never retried")
        .unwrap();
    server.enable_client(CLIENT_ID);
    keep.alert("recovered").await;
    hook_env(out.path(), "recovered").await;
    assert!(server.stats().refreshes >= 1);

    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    assert_eq!(calls(out.path(), "needs-human").len(), 1);
    assert_eq!(calls(out.path(), "recovered").len(), 1);
    let kinds: Vec<&str> = events
        .iter()
        .filter(|e| e["event"] == "alert")
        .map(|e| e["alert"].as_str().unwrap())
        .collect();
    // The demo's refresh tokens live 43,000 s (Anaplan's default): under 24 h from the start.
    assert_eq!(kinds, ["sign-in-soon", "needs-human", "recovered"]);
}

#[tokio::test]
async fn a_dead_refresh_token_fires_ended_once() {
    let server = server(DemoConfig {
        refresh_token_lifetime_secs: Some(0),
        ..DemoConfig::default()
    })
    .await;
    let fixture = expired(&server).await;
    let out = tempfile::tempdir().unwrap();
    let mut keep = Keeper::start(&fixture, out.path(), "", &[]);
    let ended = keep.alert("ended").await;
    assert!(
        ended["message"].as_str().unwrap().contains("invalid_grant"),
        "{ended}"
    );
    let env = hook_env(out.path(), "ended").await;
    assert_eq!(get(&env, "GRANTTY_EVENT"), Some("ended"));
    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    assert_eq!(calls(out.path(), "ended").len(), 1);
    assert!(
        !events.iter().any(|e| e["event"] == "hook_failed"),
        "{events:?}"
    );
}

/// `keep --once` as cron runs it; the `checked` events of `--json`.
async fn once(fixture: &SignedIn, extra: &[&str]) -> (Run, Vec<Value>) {
    let mut args = vec!["keep", "--once", "--json"];
    args.extend_from_slice(extra);
    let run = fixture.run(&args).await;
    let events = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (run, events)
}

#[tokio::test]
async fn keep_once_exits_0_when_healthy_and_refreshes_only_what_is_due() {
    let server = server(DemoConfig::default()).await;
    let fresh = signed_in(&server, Access::Fresh).await;
    let (run, events) = once(&fresh, &[]).await;
    run.assert_code(0).assert_no_token_on_stdout();
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["event"], "checked");
    assert_eq!(events[0]["health"], "healthy");
    assert_eq!(server.stats().refreshes, 0, "nothing was due");

    let expired = expired(&server).await;
    let (run, events) = once(&expired, &["--all"]).await;
    run.assert_code(0);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["health"], "healthy");
    assert_eq!(server.stats().refreshes, 1, "the due refresh");
    // Without --json: one line per session on stderr.
    let run = expired.run(&["keep", "--once"]).await;
    run.assert_code(0);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("[healthy] default:"), "{}", run.stderr);
    assert_eq!(server.stats().refreshes, 1, "fresh now: nothing sent");
}

#[tokio::test]
async fn keep_once_exits_7_when_a_person_is_needed() {
    let server = server(DemoConfig {
        refresh_token_lifetime_secs: Some(0),
        ..DemoConfig::default()
    })
    .await;
    let dead = expired(&server).await;
    let before = server.stats().token_requests;
    let (run, events) = once(&dead, &[]).await;
    run.assert_code(7);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["health"], "needs_human");
    assert_eq!(
        server.stats().token_requests,
        before + 1,
        "one refresh tried"
    );
    assert_eq!(server.stats().refreshes, 0);
    // The stored session is ended: said again without asking the server.
    let run = dead.run(&["keep", "--once", "--all"]).await;
    run.assert_code(7);
    assert!(run.stderr.contains("[needs_human]"), "{}", run.stderr);
    assert_eq!(server.stats().token_requests, before + 1);

    let refused_server = server_refusing().await;
    let refused = expired(&refused_server).await;
    refused_server.disable_client(CLIENT_ID);
    let (run, _) = once(&refused, &[]).await;
    run.assert_code(7);
    assert_eq!(refused_server.stats().client_refusals, 1);
}

/// A cron job whose sessions are gone (logged out, the state directory wiped) hears it: `--all`
/// over an empty store is exit 7 with one line, not a silent 0.
#[tokio::test]
async fn keep_once_over_no_session_at_all_exits_7() {
    let server = server(DemoConfig::default()).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    fixture.run(&["logout", "--local"]).await.assert_code(0);
    let before = server.stats().token_requests;
    let run = fixture.run(&["keep", "--once", "--all"]).await;
    run.assert_code(7);
    assert!(
        run.stderr.contains("no session is stored"),
        "{}",
        run.stderr
    );
    assert_eq!(server.stats().token_requests, before, "nothing to send");
}

async fn server_refusing() -> DemoServer {
    server(DemoConfig::default()).await
}

#[tokio::test]
async fn keep_once_exits_6_when_the_provider_cannot_be_reached() {
    let server = server(DemoConfig::default()).await;
    let fixture = expired(&server).await;
    assert_eq!(server.stats().refreshes, 0);
    server.shutdown().await; // the port on 127.0.0.1 is closed now
    let (run, events) = once(&fixture, &[]).await;
    run.assert_code(6);
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["health"], "unreachable");
    assert_eq!(
        fixture.stored().unwrap().secrets,
        fixture.session.secrets,
        "tokens unchanged"
    );
}

#[tokio::test]
async fn keep_says_once_that_a_session_was_logged_out_elsewhere_and_stops_keeping_it() {
    let server = server(DemoConfig::default()).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    let out = tempfile::tempdir().unwrap();
    let mut keep = Keeper::start(&fixture, out.path(), "", &[]);
    let scheduled = keep.event("scheduled").await;
    let logout = fixture.run(&["logout"]).await;
    logout.assert_code(0);
    assert!(fixture.stored().is_none());

    let gone = keep.event("logged_out").await;
    assert_eq!(gone["profile"], PROFILE);
    assert!(
        gone["message"].as_str().unwrap().contains("logged out"),
        "{gone}"
    );
    let requests = server.stats().token_requests;
    // Past the refresh it had planned, nothing more is said or sent (bounded wait as the test).
    let planned = Timestamp::from_unix_secs(scheduled["at"].as_i64().unwrap());
    let quiet = Duration::from_secs(SystemClock.now().secs_until(planned) + 5);
    let more = tokio::time::timeout(quiet, keep.lines.next_line()).await;
    assert!(more.is_err(), "keep said more after logged_out: {more:?}");
    let (run, events) = keep.terminate().await;
    run.assert_code(0);
    assert_eq!(
        events.iter().filter(|e| e["event"] == "logged_out").count(),
        1
    );
    assert_eq!(server.stats().token_requests, requests, "nothing sent");
    assert!(calls(out.path(), "ended").is_empty());
}

#[tokio::test]
async fn the_systemd_unit_keeps_the_notify_command_word_for_word() {
    let server = server(DemoConfig::default()).await;
    let fixture = signed_in(&server, Access::Fresh).await;
    let run = fixture
        .run(&[
            "keep",
            "--all",
            "--notify",
            "notify-send \"$GRANTTY_EVENT\" 100%",
            "--print-systemd-unit",
        ])
        .await;
    run.assert_code(0);
    assert!(
        run.stdout.contains(
            " keep \"--all\" \"--notify\" \"notify-send \\\"$$GRANTTY_EVENT\\\" 100%%\" \"--notify-timeout\" \"30\"\n"
        ),
        "{}",
        run.stdout
    );
}
