//! `export --output` replaces nothing grantty did not write: another program's `.netrc`
//! entries survive (`--update` changes only grantty's machine), a device or a symbolic link at
//! the path is refused and left as it was, and a file grantty wrote earlier is replaced.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::{FileTypeExt as _, PermissionsExt as _};
use std::path::Path;

use crate::common;

use common::session::{Access, Run, SignedIn, demo_server, signed_in};
use grantty::demo::DemoConfig;

/// Exit code of a refused command line.
const USAGE: i32 = 2;

/// `export --format <format> --output <path> <extra…>`.
async fn export(s: &SignedIn, format: &str, path: &Path, extra: &[&str]) -> Run {
    let path = path.to_str().unwrap();
    let mut args = vec!["export", "--format", format, "--output", path];
    args.extend_from_slice(extra);
    s.run(&args).await
}

/// The netrc host of the demo server (its address without the port).
fn netrc_host(s: &SignedIn) -> String {
    grantty::export::host_without_port(&s.session.meta.provider.host).to_owned()
}

#[tokio::test]
async fn another_netrc_entry_survives_and_update_changes_only_grantty_s_machine() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let home = tempfile::tempdir().unwrap();
    let netrc = home.path().join(".netrc");
    let host = netrc_host(&s);
    let other = "# work\nmachine git.example.com\n  login me\n  password \"s3cret pass\"\n";
    let ours_old = format!("machine {host} login oauth2 password stale\n");
    let tail = "default login anonymous password guest\n";
    let before = format!("{other}{ours_old}{tail}");
    std::fs::write(&netrc, &before).unwrap();
    std::fs::set_permissions(&netrc, std::fs::Permissions::from_mode(0o644)).unwrap();
    let seen = server.stats().token_requests;

    let refused = export(&s, "netrc", &netrc, &[]).await;
    refused.assert_code(USAGE).assert_no_token_on_stdout();
    assert!(
        refused.stderr.contains("did not write it") && refused.stderr.contains("--update"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&netrc).unwrap(),
        before,
        "unchanged"
    );

    export(&s, "netrc", &netrc, &["--update"])
        .await
        .assert_code(0)
        .assert_no_token_on_stdout();
    let after = std::fs::read_to_string(&netrc).unwrap();
    let entry = format!("machine {host} login oauth2 password {}", s.access_token());
    assert_eq!(
        after,
        format!("{other}{entry}\n{tail}"),
        "only our entry changed"
    );
    let mode = std::fs::metadata(&netrc).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    // The merged file holds other entries: it never becomes grantty's to replace whole.
    export(&s, "netrc", &netrc, &[]).await.assert_code(USAGE);
    assert_eq!(
        std::fs::read_to_string(&netrc).unwrap(),
        after,
        "a later export without --update changes nothing"
    );
    assert_eq!(
        server.stats().token_requests,
        seen,
        "export asks the server nothing"
    );
}

#[tokio::test]
async fn a_symbolic_link_is_refused_and_its_target_unchanged() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("important");
    std::fs::write(&target, "keep me\n").unwrap();
    let link = dir.path().join("tokens.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    for extra in [&[][..], &["--force"]] {
        let run = export(&s, "json", &link, extra).await;
        run.assert_code(USAGE).assert_no_token_on_stdout();
        assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    }
    let run = export(&s, "netrc", &link, &["--update"]).await;
    run.assert_code(USAGE);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep me\n");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[tokio::test]
async fn a_device_or_a_pipe_is_refused_even_with_force() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let mut specials = vec![fifo];
    if rustix::process::geteuid().is_root() {
        // A /dev/null of the test's own: the real one must never be at stake.
        let null = dir.path().join("null");
        assert!(
            std::process::Command::new("mknod")
                .arg(&null)
                .args(["c", "1", "3"])
                .status()
                .unwrap()
                .success()
        );
        specials.push(null);
    } else {
        eprintln!("not root: the character-device case (a /dev/null as root) is skipped");
    }
    for path in &specials {
        for extra in [&[][..], &["--force"]] {
            let run = export(&s, "json", path, extra).await;
            run.assert_code(USAGE).assert_no_token_on_stdout();
            assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
        }
        let kind = std::fs::symlink_metadata(path).unwrap().file_type();
        assert!(kind.is_fifo() || kind.is_char_device(), "{kind:?}");
    }
    assert!(
        !dir.path().read_dir().unwrap().any(|e| {
            let name = e.unwrap().file_name();
            name.to_string_lossy().ends_with(".tmp")
        }),
        "no temporary file left behind"
    );
}

#[tokio::test]
async fn a_file_grantty_wrote_is_replaced_and_a_foreign_one_only_with_force() {
    let server = demo_server(DemoConfig::default()).await;
    let s = signed_in(&server, Access::Fresh).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tokens.env");
    export(&s, "env", &path, &[]).await.assert_code(0);
    std::fs::write(dir.path().join("unrelated"), "x").unwrap();
    export(&s, "raw", &path, &[]).await.assert_code(0);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        format!("{}\n", s.access_token()),
        "grantty's own file is replaced"
    );

    std::fs::write(&path, "edited by the user\n").unwrap();
    let run = export(&s, "env", &path, &[]).await;
    run.assert_code(USAGE);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "edited by the user\n"
    );
    export(&s, "env", &path, &["--force"]).await.assert_code(0);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains(s.access_token())
    );
    let run = export(&s, "env", &path, &["--update"]).await;
    run.assert_code(USAGE);
    assert!(run.stderr.contains("netrc"), "{}", run.stderr);
}
