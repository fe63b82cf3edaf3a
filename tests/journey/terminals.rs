//! Every terminal, with the real binary in a real pty (tmux) against the demo server: a `LANG=C`
//! terminal gets ASCII only (the QR code in reverse-video spaces that read back as the code of
//! the verification address, the user code as plain text), `--plain` prints a QR code only when
//! it fits the terminal (both flows), the sign-in title names the profile and its label, and
//! `grantty -h` says what `login` does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::common;

use common::authorize::code_login_args;
use common::session::{CLIENT_ID, SCOPE, demo_server};
use common::tmux::Tmux;
use grantty::demo::{Decision, DemoConfig, DemoServer};
use grantty::ui::qr::QrMatrix;

fn login_args(server: &DemoServer) -> Vec<String> {
    [
        "login",
        "--issuer",
        &server.issuer(),
        "--client-id",
        CLIENT_ID,
        "--scope",
        SCOPE,
    ]
    .map(str::to_owned)
    .to_vec()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// The user code on the screen (`XXXX-XXXX`).
fn user_code(screen: &str) -> Option<String> {
    screen.split_whitespace().find_map(|word| {
        let word = word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '-');
        let ok = word.len() == 9
            && word.as_bytes()[4] == b'-'
            && word
                .chars()
                .filter(|c| *c != '-')
                .all(|c| c.is_ascii_uppercase());
        ok.then(|| word.to_owned())
    })
}

fn assert_ascii(screen: &str) {
    for (i, line) in screen.lines().enumerate() {
        assert!(
            line.bytes().all(|b| b <= 0x7f),
            "line {i} has a character outside ASCII: {line:?}\n{screen}"
        );
    }
}

#[tokio::test]
async fn a_lang_c_terminal_gets_an_ascii_sign_in_and_dashboard_and_signs_in() {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let args = login_args(&server);
    let tui = Tmux::start_then(home.path(), &strs(&args), (80, 24), &["LANG=C"], None);
    let screen = tui.wait_for("and enter this code:").await;
    assert_ascii(&screen);
    assert!(screen.contains("grantty - sign in to"), "{screen}");
    // 80x24 is too small for the taller ASCII code: the address and a hint instead.
    assert!(screen.contains("Enlarge the terminal to"), "{screen}");
    assert!(screen.contains("/device"), "{screen}");
    let code = user_code(&screen).expect("the user code as plain text");
    server.decide(&code, Decision::Approve).unwrap();
    let screen = tui.wait_for("Signed in").await;
    assert_ascii(&screen);
    tui.keys("q");
    let (exit, last) = tui.exit_status().await;
    assert_eq!(exit, 0, "{last}");
    assert_ascii(&last);
    let stats = server.stats();
    assert_eq!(stats.device_authorizations, 1);
    assert_eq!(stats.device_code_redemptions, 1);
}

/// Reads the screen as a terminal shows it: per cell, whether it is a reverse-video space.
fn reversed_cells(styled: &str) -> Vec<Vec<bool>> {
    styled
        .lines()
        .map(|line| {
            let mut cells = Vec::new();
            let mut reverse = false;
            let mut rest = line;
            while let Some(ch) = rest.chars().next() {
                if let Some(sgr) = rest.strip_prefix("\x1b[") {
                    let end = sgr.find('m').unwrap();
                    for param in sgr[..end].split(';') {
                        match param {
                            "" | "0" | "27" => reverse = false,
                            "7" => reverse = true,
                            _ => {}
                        }
                    }
                    rest = &sgr[end + 1..];
                    continue;
                }
                cells.push(reverse && ch == ' ');
                rest = &rest[ch.len_utf8()..];
            }
            cells
        })
        .collect()
}

#[tokio::test]
async fn a_tall_lang_c_terminal_shows_a_reverse_video_qr_code_of_the_verification_address() {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let args = login_args(&server);
    let tui = Tmux::start_then(home.path(), &strs(&args), (120, 45), &["LANG=C"], None);
    let screen = tui.wait_for("and enter this code:").await;
    assert_ascii(&screen);
    assert!(!screen.contains("Enlarge the terminal"), "{screen}");
    let code = user_code(&screen).unwrap();
    // The QR code encodes the complete verification URI (RFC 8628 §3.3.1): the address shown,
    // with the code.
    let shown = screen
        .split_whitespace()
        .find(|w| w.starts_with("http") && w.ends_with("/device"))
        .unwrap();
    let payload = format!("{shown}?user_code={code}");
    let qr = QrMatrix::encode(&payload).unwrap();
    let grid = reversed_cells(&tui.screen_with_styles());
    // The top edge of the top-left finder pattern: the first run of 7 dark modules (14 cells).
    let (y0, x0) = grid
        .iter()
        .enumerate()
        .find_map(|(y, row)| {
            row.windows(14)
                .position(|w| w.iter().all(|&d| d))
                .map(|x| (y, x))
        })
        .expect("reverse-video cells");
    let side = usize::from(qr.modules());
    for my in 0..side {
        for mx in 0..side {
            // tmux leaves out the trailing blanks of a line: a missing cell is light.
            let at = |x: usize| grid[y0 + my].get(x).copied().unwrap_or(false);
            let (left, right) = (at(x0 + 2 * mx), at(x0 + 2 * mx + 1));
            assert_eq!(left, right, "module ({mx}, {my}) is two equal cells");
            let want = qr.is_dark(i32::try_from(mx).unwrap(), i32::try_from(my).unwrap());
            assert_eq!(left, want, "module ({mx}, {my}) of the code of {payload}");
        }
    }
    tui.keys("q");
    assert_eq!(tui.exit_status().await.0, 130);
    assert_eq!(server.stats().device_authorizations, 1);
    assert_eq!(server.stats().device_code_redemptions, 0);
}

#[tokio::test]
async fn plain_device_login_prints_the_qr_code_only_when_it_fits_the_terminal() {
    let server = demo_server(DemoConfig::default()).await;
    let mut args = login_args(&server);
    args.push("--plain".to_owned());
    // 80x24: the half-block code fits.
    let home = tempfile::tempdir().unwrap();
    let tui = Tmux::start(home.path(), &strs(&args), 80, 24);
    let screen = tui.wait_for("Asked by client").await;
    assert!(screen.contains('▀') || screen.contains('▄'), "{screen}");
    assert!(!screen.contains("too small for the QR code"), "{screen}");
    let code = user_code(&screen).unwrap();
    server.decide(&code, Decision::Approve).unwrap();
    let (exit, last) = tui.exit_status().await;
    assert_eq!(exit, 0, "{last}");
    // 60x15: one line instead.
    let home = tempfile::tempdir().unwrap();
    let tui = Tmux::start(home.path(), &strs(&args), 60, 15);
    let screen = tui.wait_for("Asked by client").await;
    assert!(
        screen.contains("The terminal is too small for the QR code"),
        "{screen}"
    );
    assert!(!screen.contains('▀') && !screen.contains('█'), "{screen}");
    tui.keys("C-c");
    assert_eq!(tui.exit_status().await.0, 130);
    // LANG=C at 80x24: the reverse-video code needs more rows than that.
    let home = tempfile::tempdir().unwrap();
    let tui = Tmux::start_then(home.path(), &strs(&args), (80, 24), &["LANG=C"], None);
    let screen = tui.wait_for("Asked by client").await;
    assert_ascii(&screen);
    assert!(
        screen.contains("too small for the QR code (it needs 68x"),
        "{screen}"
    );
    tui.keys("C-c");
    assert_eq!(tui.exit_status().await.0, 130);
    let stats = server.stats();
    assert_eq!(stats.device_authorizations, 3);
    assert_eq!(stats.device_code_redemptions, 1);
}

#[tokio::test]
async fn plain_code_flow_says_the_terminal_is_too_small_and_links_the_address() {
    let server = demo_server(DemoConfig::default()).await;
    let mut args = code_login_args(&server.issuer());
    args.push("--plain".to_owned());
    let home = tempfile::tempdir().unwrap();
    let tui = Tmux::start(home.path(), &strs(&args), 80, 24);
    let screen = tui.wait_for("Asked by client").await;
    assert!(
        screen.contains("The terminal is too small for the QR code"),
        "{screen}"
    );
    assert!(!screen.contains('▀') && !screen.contains('█'), "{screen}");
    // The address is an OSC 8 link: tmux keeps it as a hyperlink of the cells.
    let styled = tui.screen_with_styles();
    assert!(styled.contains("/authorize?"), "{styled}");
    // End of input: nothing will be pasted.
    tui.keys("C-d");
    assert_eq!(tui.exit_status().await.0, 130);
    // A tall terminal gets the code.
    let home = tempfile::tempdir().unwrap();
    let tui = Tmux::start(home.path(), &strs(&args), 100, 60);
    let screen = tui.wait_for("Asked by client").await;
    assert!(screen.contains('▀') || screen.contains('▄'), "{screen}");
    assert!(!screen.contains("too small for the QR code"), "{screen}");
    tui.keys("C-d");
    assert_eq!(tui.exit_status().await.0, 130);
    let stats = server.stats();
    assert_eq!(stats.authorization_codes_issued, 0, "nobody approved");
}

#[tokio::test]
async fn the_sign_in_title_names_the_profile_and_its_label() {
    let server = demo_server(DemoConfig::default()).await;
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("grantty");
    std::fs::create_dir_all(&dir).unwrap();
    let config = format!(
        "[profiles.tenant-a]\nissuer = \"{}\"\nclient_id = \"{CLIENT_ID}\"\nlabel = \"Tenant A (EU)\\u001b[31m\"\n",
        server.issuer()
    );
    std::fs::write(dir.join("config.toml"), config).unwrap();
    let tui = Tmux::start(home.path(), &["login", "--profile", "tenant-a"], 100, 30);
    let screen = tui.wait_for("and enter this code:").await;
    let title = screen.lines().next().unwrap();
    assert!(
        title.contains("profile tenant-a") && title.contains("Tenant A (EU)"),
        "{screen}"
    );
    assert!(
        !tui.screen_with_styles().contains("\x1b[31m"),
        "the label's escape was stripped"
    );
    tui.keys("q");
    assert_eq!(tui.exit_status().await.0, 130);
    assert_eq!(server.stats().device_authorizations, 1);
}

#[test]
fn grantty_help_says_login_does_the_device_grant_and_the_code_flow() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_grantty"))
        .arg("-h")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let login = help
        .lines()
        .find(|l| l.trim_start().starts_with("login "))
        .unwrap_or_else(|| panic!("{help}"));
    assert!(login.contains("device grant"), "{login}");
    assert!(login.contains("--flow code"), "{login}");
    assert!(help.lines().next().unwrap().contains("code flow"), "{help}");
}
