//! `grantty login --flow code` with a loopback listener, against another local user: the real
//! binary, the demo server on 127.0.0.1 and a `BROWSER` script that records what any user
//! could read of it (its argv). The browser gets only `http://127.0.0.1:PORT/`, which
//! redirects once to the authorization URL; forged callbacks (another `state`, another or no
//! RFC 9207 `iss`) neither end nor jam the sign-in; the one exchange happens once; afterwards
//! the listener is gone. As root, a second uid (65534) reads the browser's argv and knocks on
//! the listener itself. Waits are on conditions (a line, a file, the exit), bounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::authorize::{code_login_args, decide};

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use grantty::demo::{DemoClock, DemoConfig, DemoServer};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr};

/// The uid another local user runs as in the cross-user checks.
const OTHER_UID: &str = "65534";

async fn demo() -> DemoServer {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let addr = "127.0.0.1:0".parse().unwrap();
    DemoServer::start(DemoConfig::default(), DemoClock::system(), addr)
        .await
        .unwrap()
}

fn no_redirects() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn running_as_root() -> bool {
    rustix::process::geteuid().is_root()
}

/// `prefix` + a command run as [`OTHER_UID`] when root, as ourselves otherwise.
fn as_other_user(root: bool) -> String {
    if root {
        format!("setpriv --reuid {OTHER_UID} --regid {OTHER_UID} --clear-groups ")
    } else {
        String::new()
    }
}

/// A browser that leaves in `argv` what any local user reads of it: its `/proc/PID/cmdline`
/// (read by uid 65534 when the test runs as root), NULs as newlines.
fn recording_browser(dir: &Path, root: bool) -> (PathBuf, PathBuf) {
    let argv = dir.join("browser-argv");
    let script = dir.join("browser");
    let reader = as_other_user(root);
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\n{reader}cat /proc/$$/cmdline | tr '\\0' '\\n' > '{0}.tmp' && mv '{0}.tmp' '{0}'\n",
            argv.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    (script, argv)
}

/// Waits (bounded) until `path` exists; returns its text.
async fn wait_for_file(path: &Path) -> String {
    let appear = async {
        loop {
            if let Ok(text) = std::fs::read_to_string(path) {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(20), appear)
        .await
        .unwrap_or_else(|_| panic!("{} never appeared", path.display()))
}

struct Login {
    child: Child,
    lines: Lines<BufReader<ChildStderr>>,
    transcript: String,
    /// The authorize URL grantty printed on stderr.
    authorize: String,
    /// What the browser's argv showed.
    argv: String,
}

/// Starts `login --flow code` with a display and the recording browser; returns once it waits.
async fn start(server: &DemoServer, home: &Path, root: bool) -> Login {
    let (browser, argv_file) = recording_browser(home, root);
    let args = code_login_args(&server.issuer());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut command = common::isolated::isolated_command(home, &args);
    command.env("DISPLAY", ":99").env("BROWSER", &browser);
    let mut child = command.spawn().unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut transcript = String::new();
    let mut authorize = None;
    loop {
        let line = lines.next_line().await.unwrap();
        let line = line.unwrap_or_else(|| panic!("stderr ended early:\n{transcript}"));
        transcript.push_str(&line);
        transcript.push('\n');
        if authorize.is_none() && line.starts_with("http") {
            authorize = Some(line.clone());
        }
        if line.starts_with("Waiting for the browser") {
            break;
        }
    }
    assert!(transcript.contains("Opened your browser"), "{transcript}");
    let recorded = wait_for_file(&argv_file).await;
    Login {
        child,
        lines,
        transcript,
        authorize: authorize.expect("the authorize URL on stderr"),
        argv: recorded,
    }
}

impl Login {
    /// The one address the browser was given.
    fn start_address(&self) -> String {
        let urls: Vec<&str> = self
            .argv
            .lines()
            .filter(|a| a.starts_with("http"))
            .collect();
        assert_eq!(urls.len(), 1, "{}", self.argv);
        urls[0].to_owned()
    }

    /// Whether grantty is still waiting.
    fn waiting(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Waits for the exit; returns the code and the whole stderr.
    async fn finish(mut self) -> (Option<i32>, String) {
        while let Some(line) = self.lines.next_line().await.unwrap() {
            self.transcript.push_str(&line);
            self.transcript.push('\n');
        }
        let status = tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("grantty did not exit")
            .unwrap();
        (status.code(), self.transcript)
    }
}

/// GET `url` (no redirects followed): the status, or `None` when nothing answers.
async fn status_of(url: &str) -> Option<u16> {
    no_redirects()
        .get(url)
        .send()
        .await
        .ok()
        .map(|r| r.status().as_u16())
}

/// GET `url` as another local user (root only): the HTTP status curl saw.
async fn status_as_other_user(url: &str) -> String {
    let out = tokio::process::Command::new("setpriv")
        .args([
            "--reuid",
            OTHER_UID,
            "--regid",
            OTHER_UID,
            "--clear-groups",
            "curl",
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            url,
        ])
        .output()
        .await
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `location` with the value of `key` replaced by `value` (or the pair dropped for `None`).
fn with_param(location: &str, key: &str, value: Option<&str>) -> String {
    let mut url = url::Url::parse(location).unwrap();
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != key)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    {
        let mut query = url.query_pairs_mut();
        query.clear();
        for (k, v) in &pairs {
            query.append_pair(k, v);
        }
        if let Some(value) = value {
            query.append_pair(key, value);
        }
    }
    url.to_string()
}

#[tokio::test]
async fn the_browser_argv_holds_nothing_and_forged_callbacks_change_nothing() {
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    let root = running_as_root();
    let mut login = start(&server, home.path(), root).await;

    // What any local user reads of the browser: only grantty's own start address.
    let start = login.start_address();
    for secret in ["state=", "code_challenge", "/authorize", "redirect_uri"] {
        assert!(
            !login.argv.contains(secret),
            "{secret} in argv: {}",
            login.argv
        );
    }
    let port = url::Url::parse(&start).unwrap().port().unwrap();
    assert_eq!(start, format!("http://127.0.0.1:{port}/"));

    if root {
        // Another user knocking on the start address first gets nothing and spoils nothing.
        assert_eq!(status_as_other_user(&start).await, "403");
    } else {
        eprintln!("not root: the second-uid knock on the start address is skipped");
    }

    // The browser follows the start address to the authorization URL.
    let redirect = no_redirects().get(&start).send().await.unwrap();
    assert_eq!(redirect.status(), 302);
    let authorize = redirect.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(authorize, login.authorize);
    assert!(authorize.contains("state=") && authorize.contains("code_challenge="));
    // Only once: the next request no longer learns the request.
    drop(redirect);

    let location = decide(&authorize, "approve").await;
    assert!(location.contains("/callback?code="), "{location}");

    // A forged callback (another state) before the real one: refused, the wait goes on.
    let forged = with_param(&location, "state", Some("forged"));
    assert_eq!(status_of(&forged).await, Some(400));
    if root {
        assert_eq!(status_as_other_user(&location).await, "403");
    } else {
        eprintln!("not root: the second-uid forged callback is skipped");
    }
    assert!(login.waiting(), "a forged callback ended the sign-in");
    assert_eq!(server.stats().authorization_code_redemptions, 0);

    // The real one signs in, with one code redemption.
    assert_eq!(status_of(&location).await, Some(200));
    let (code, transcript) = login.finish().await;
    assert_eq!(code, Some(0), "{transcript}");
    assert!(
        transcript.contains("Signed in as demo.user@example.com"),
        "{transcript}"
    );
    assert_eq!(server.stats().authorization_code_redemptions, 1);

    // Afterwards the listener is gone: a second callback reaches nothing.
    assert_eq!(status_of(&location).await, None);
    assert_eq!(server.stats().authorization_code_redemptions, 1);
}

#[tokio::test]
async fn a_promised_iss_must_come_back_with_the_callback() {
    // The demo server advertises `authorization_response_iss_parameter_supported`.
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    let mut login = start(&server, home.path(), false).await;
    // The address grantty shows on stderr, as a person would open it by hand.
    let location = decide(&login.authorize, "approve").await;
    assert!(location.contains("iss="), "{location}");

    let without = with_param(&location, "iss", None);
    assert_eq!(status_of(&without).await, Some(400));
    let other = with_param(&location, "iss", Some("http://127.0.0.1:1"));
    assert_eq!(status_of(&other).await, Some(400));
    assert!(
        login.waiting(),
        "a callback without the right iss ended the sign-in"
    );
    assert_eq!(server.stats().authorization_code_redemptions, 0);

    assert_eq!(status_of(&location).await, Some(200));
    let (code, transcript) = login.finish().await;
    assert_eq!(code, Some(0), "{transcript}");
    assert_eq!(server.stats().authorization_code_redemptions, 1);
}

#[tokio::test]
async fn a_start_address_opened_twice_stops_the_sign_in() {
    let server = demo().await;
    let home = tempfile::tempdir().unwrap();
    let login = start(&server, home.path(), false).await;
    let start = login.start_address();
    assert_eq!(status_of(&start).await, Some(302));
    // Whoever asked second may be the user's browser, and the first may have read `state`.
    assert_eq!(status_of(&start).await, Some(410));
    let (code, transcript) = login.finish().await;
    assert_eq!(code, Some(1), "{transcript}");
    assert!(transcript.contains("opened twice"), "{transcript}");
    assert_eq!(server.stats().authorization_code_redemptions, 0);
    assert_eq!(server.stats().token_requests, 0);
}
