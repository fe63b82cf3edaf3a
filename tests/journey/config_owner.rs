//! `profiles --default` edits only a configuration file the user owns: a file owned by another
//! uid or writable by others is refused with its name and left as it was. The other-uid case
//! runs as root (a file chowned to 65534) and is skipped with a notice otherwise.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::os::unix::fs::PermissionsExt as _;

use crate::common;

use common::home::Home;

const CONFIG: &str = "# hand-written\n[profiles.ana]\nhost = \"eu3.app.anaplan.com\"\nclient_id = \"a\"\n\n[profiles.work]\nissuer = \"https://idp.example.com\"\nclient_id = \"w\"\n";

/// Another uid: `nobody`.
const OTHER_UID: u32 = 65534;

fn is_root() -> bool {
    rustix::process::geteuid().is_root()
}

#[tokio::test]
async fn a_config_file_owned_by_another_uid_is_not_edited() {
    if !is_root() {
        eprintln!("not root: the other-uid configuration file case is skipped");
        return;
    }
    let home = Home::with_config(CONFIG);
    let file = home.config_file();
    std::os::unix::fs::chown(&file, Some(OTHER_UID), Some(OTHER_UID)).unwrap();
    let run = home.run(&["profiles", "--default", "work"], &[]).await;
    run.assert_code(2);
    assert!(
        run.stderr.contains(&file.display().to_string()) && run.stderr.contains("owned by"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CONFIG);
    let meta = std::fs::metadata(&file).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), OTHER_UID);
}

#[tokio::test]
async fn a_config_file_writable_by_others_is_not_edited() {
    let home = Home::with_config(CONFIG);
    let file = home.config_file();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o666)).unwrap();
    let run = home.run(&["profiles", "--default", "work"], &[]).await;
    run.assert_code(2);
    assert!(
        run.stderr.contains(&file.display().to_string()) && run.stderr.contains("writable"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), CONFIG);
}
