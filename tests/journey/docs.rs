//! `grantty completions SHELL`, `grantty man` and `grantty --help`, run as the real binary:
//! generated from the clap definitions and the reference, printed on stdout, nothing on stderr.
//! The bash script is run by bash itself, profile names included.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Names that must appear wherever the command line is described.
const SUBCOMMANDS: [&str; 5] = [
    "login",
    "token",
    "status",
    "kubectl-credential",
    "completions",
];

fn grantty(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_grantty"))
        .args(args)
        .env_remove("GRANTTY_PROFILE")
        .env_remove("GRANTTY_STORE")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Stdout of a run that must succeed quietly.
fn stdout_of(args: &[&str]) -> String {
    let out = grantty(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
    assert!(stderr.is_empty(), "{args:?} wrote to stderr: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `bash -c script` with `args` ($0 is `docs-test`), feeding `stdin`.
fn bash(script: &str, args: &[&str], stdin: &str) -> Output {
    bash_in(Command::new("bash"), script, args, stdin)
}

/// [`bash`] with `cmd`'s environment.
fn bash_in(mut cmd: Command, script: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = cmd
        .arg("-c")
        .arg(script)
        .arg("docs-test")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn each_shell_gets_a_script_naming_the_subcommands_and_the_profile_flag() {
    for shell in ["bash", "zsh", "fish"] {
        let script = stdout_of(&["completions", shell]);
        assert!(script.len() > 500, "{shell}: suspiciously short script");
        for name in SUBCOMMANDS {
            assert!(script.contains(name), "{shell}: no {name:?}");
        }
        // fish writes long flags as `-l profile`; the others as `--profile`.
        let profile = if shell == "fish" {
            "-l profile"
        } else {
            "--profile"
        };
        assert!(script.contains(profile), "{shell}: no {profile:?}");
    }
}

#[test]
fn bash_script_parses() {
    let script = stdout_of(&["completions", "bash"]);
    let check = bash("bash -n", &[], &script);
    assert!(
        check.status.success(),
        "bash -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn bash_script_completes_subcommands_and_global_flags() {
    let script = stdout_of(&["completions", "bash"]);
    // Source the script, then ask its function what follows `grantty <word>` as bash would.
    let complete = r#"source /dev/stdin
        COMP_WORDS=(grantty "$1"); COMP_CWORD=1
        _grantty grantty "$1" grantty
        printf '%s\n' "${COMPREPLY[@]}""#;
    let words = |word: &str| {
        let out = bash(complete, &[word], &script);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let k = words("ku");
    assert_eq!(k.lines().collect::<Vec<_>>(), ["kubectl-credential"]);
    let flags = words("--pro");
    assert_eq!(flags.lines().collect::<Vec<_>>(), ["--profile"]);
    assert!(words("").lines().any(|w| w == "login"));
}

/// The sections a manual that replaces the README needs.
const REFERENCE_SECTIONS: [&str; 7] = [
    "PROFILES",
    "STORES",
    "EXIT STATUS",
    "FILES",
    "ENVIRONMENT",
    "CONFIGURATION",
    "EXAMPLES",
];

/// Every `grantty-NAME(1)` a page refers to (roff hyphens unescaped, fonts removed).
fn referenced_pages(page: &str) -> Vec<String> {
    let text = page
        .replace("\\-", "-")
        .replace("\\fB", "")
        .replace("\\fR", "");
    let mut names: Vec<String> = text
        .match_indices("grantty-")
        .filter_map(|(at, _)| {
            let rest = &text[at + "grantty-".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '-')
                .collect();
            rest[name.len()..].starts_with("(1)").then_some(name)
        })
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn man_page_is_roff_and_lists_the_subcommands() {
    let page = stdout_of(&["man"]);
    assert!(
        page.lines().any(|l| l.starts_with(".TH grantty 1 ")),
        "no .TH title line"
    );
    assert!(page.contains(".SH SYNOPSIS") && page.contains(".SH SUBCOMMANDS"));
    // roff escapes hyphens as `\-`.
    let text = page.replace("\\-", "-");
    for name in SUBCOMMANDS {
        assert!(text.contains(&format!("grantty-{name}(1)")), "no {name:?}");
    }
    assert!(text.contains("--profile"));
}

#[test]
fn man_page_has_the_reference_sections() {
    let page = stdout_of(&["man"]);
    for title in REFERENCE_SECTIONS {
        assert!(page.contains(&format!(".SH \"{title}\"\n")), "no {title}");
    }
    let text = page.replace("\\-", "-");
    for fact in [
        "\\fB130\\fR",
        "STATE/PROFILE.lock",
        "STATE/PROFILE.secrets.json",
        "STATE/exports/",
        "GRANTTY_STORE",
        "[profiles.work]",
        "default_profile",
        "grantty token --format header",
    ] {
        assert!(text.contains(fact), "{fact:?} not in the man page");
    }
    // No line of text may start a roff request by accident.
    let quoted: Vec<&str> = page.lines().filter(|l| l.starts_with('\'')).collect();
    assert!(
        quoted.is_empty(),
        "text lines start with a quote: {quoted:?}"
    );
}

#[test]
fn every_page_a_page_refers_to_exists() {
    let main = stdout_of(&["man"]);
    let referenced = referenced_pages(&main);
    for name in SUBCOMMANDS {
        assert!(
            referenced.iter().any(|r| r == name),
            "{name} not referenced"
        );
    }
    for name in &referenced {
        let page = stdout_of(&["man", name]);
        let title = format!(".TH grantty-{name} 1 ");
        assert!(page.contains(&title), "grantty man {name}: no {title:?}");
        assert!(
            page.contains(".SH OPTIONS"),
            "grantty man {name}: no options"
        );
        assert!(page.contains("\\fBgrantty\\fR(1)"), "{name}: no way back");
        for further in referenced_pages(&page) {
            assert!(referenced.contains(&further), "{name} refers to {further}");
        }
    }
    let unknown = grantty(&["man", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("commands with one: login,"));
}

#[test]
fn man_dir_writes_every_page() {
    let dir = tempfile::tempdir().unwrap();
    let out = grantty(&["man", "--dir", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    let mut wanted: Vec<String> = referenced_pages(&stdout_of(&["man"]))
        .iter()
        .map(|n| format!("grantty-{n}.1"))
        .collect();
    wanted.push("grantty.1".to_owned());
    wanted.sort();
    assert_eq!(files, wanted);
}

#[test]
fn long_help_has_the_reference_and_subcommand_help_only_one_line_per_global_flag() {
    let help = stdout_of(&["--help"]);
    for title in REFERENCE_SECTIONS {
        assert!(help.contains(&format!("\n{title}:\n")), "no {title}");
    }
    // The store choices are explained once, in the top-level help, not in each command's.
    assert!(help.contains("secret-service\n        The desktop keyring over D-Bus"));
    for command in ["token", "login", "status", "profiles"] {
        let sub = stdout_of(&[command, "--help"]);
        let globals = sub.split("Global options:").nth(1).unwrap();
        assert!(!globals.contains("Possible values"), "{command}: {globals}");
        assert!(!sub.contains("The desktop keyring over D-Bus"), "{command}");
        // The value name, a sentence wrapped once and the variable; the old block had 12.
        let store = globals.split("--store").nth(1).unwrap();
        let text_lines = store.split("--plain").next().unwrap().lines();
        assert!(
            text_lines.filter(|l| !l.trim().is_empty()).count() <= 4,
            "{command}: {store}"
        );
    }
}

#[test]
fn man_page_is_the_same_on_every_run() {
    assert_eq!(stdout_of(&["man"]), stdout_of(&["man"]));
}

#[test]
fn an_unknown_shell_is_a_usage_error() {
    let out = grantty(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("tcsh"));
}

/// Completes `grantty <words…>` (the last word being typed) with the sourced bash script, with
/// the real binary as `COMP_WORDS[0]`, in a home whose configuration is `config`.
fn bash_complete(script: &str, home: &std::path::Path, words: &[&str]) -> Vec<String> {
    let complete = r#"source /dev/stdin
        COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 ))
        _grantty_profiles "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        printf '%s\n' "${COMPREPLY[@]}""#;
    let mut args = vec![env!("CARGO_BIN_EXE_grantty")];
    args.extend_from_slice(words);
    let mut env = Command::new("bash");
    env.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap())
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"));
    let out = bash_in(env, complete, &args, script);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// A temporary home whose `config/grantty/config.toml` holds `config`.
fn home_with_config(config: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let dir = home.path().join("config/grantty");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("config.toml"), config).unwrap();
    home
}

#[test]
fn bash_completes_profile_names_from_the_configuration_and_stored_sessions() {
    let home = home_with_config(
        "[profiles.work]\nclient_id = \"w\"\n[profiles.wiki]\nclient_id = \"k\"\n",
    );
    // A stored session without a profile: its metadata file is what makes it known.
    let state = home.path().join("state/grantty");
    std::fs::create_dir_all(&state).unwrap();
    std::fs::write(state.join("lab.meta.json"), "{}").unwrap();
    let script = stdout_of(&["completions", "bash"]);

    let all = bash_complete(&script, home.path(), &["token", "--profile", ""]);
    assert_eq!(all, ["lab", "wiki", "work"]);
    let w = bash_complete(&script, home.path(), &["status", "--profile", "wo"]);
    assert_eq!(w, ["work"]);
    let default = bash_complete(&script, home.path(), &["profiles", "--default", ""]);
    assert_eq!(default, ["lab", "wiki", "work"]);
    // Everything else still completes as generated: store and format values, subcommands.
    let stores = bash_complete(&script, home.path(), &["token", "--store", ""]);
    assert_eq!(
        stores,
        [
            "auto",
            "secret-service",
            "keyutils",
            "file",
            "memory",
            "etcd"
        ]
    );
    let formats = bash_complete(&script, home.path(), &["token", "--format", "e"]);
    assert_eq!(formats, ["env", "exec-credential"]);
    let commands = bash_complete(&script, home.path(), &["prof"]);
    assert_eq!(commands, ["profiles"]);
}

#[test]
fn zsh_and_fish_scripts_ask_grantty_for_profile_names() {
    let zsh = stdout_of(&["completions", "zsh"]);
    assert!(zsh.contains(":PROFILE:_grantty_profiles'"), "zsh --profile");
    assert!(zsh.contains("profiles --names"));
    assert!(!zsh.contains(":PROFILE:_default"));
    let fish = stdout_of(&["completions", "fish"]);
    let profile = fish.lines().find(|l| l.contains(" -l profile ")).unwrap();
    assert!(
        profile.ends_with("-f -a \"(__fish_grantty_profiles)\""),
        "{profile}"
    );
    assert!(fish.contains("profiles --names"));
    assert!(fish.contains("-l store") && fish.contains("secret-service"));
}

/// Whether `shell` can be run here; if not, says so on stderr (past libtest's capture), since
/// bash's test above is the one that always runs.
fn installed(shell: &str) -> bool {
    let found = Command::new(shell)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: {shell} is not installed; its completion script is only checked as text ***\n"
        );
    }
    found
}

#[test]
fn zsh_accepts_its_script() {
    if !installed("zsh") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("_grantty");
    std::fs::write(&file, stdout_of(&["completions", "zsh"])).unwrap();
    let check = Command::new("zsh").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "zsh -n: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn fish_completes_profile_names_and_store_values() {
    if !installed("fish") {
        return;
    }
    let home = home_with_config("[profiles.work]\nclient_id = \"w\"\n");
    // The script calls `grantty` from PATH, as an installed one would.
    let bin = home.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_grantty"), bin.join("grantty")).unwrap();
    let script = home.path().join("grantty.fish");
    std::fs::write(&script, stdout_of(&["completions", "fish"])).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let complete = |line: &str| -> Vec<String> {
        let out = Command::new("fish")
            .arg("-c")
            .arg(format!("source {}; complete -C '{line}'", script.display()))
            .env_clear()
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_STATE_HOME", home.path().join("state"))
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && stderr.is_empty(), "fish: {stderr}");
        let stdout = String::from_utf8(out.stdout).unwrap();
        stdout
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(complete("grantty token --profile "), ["work"]);
    assert_eq!(complete("grantty profiles --default "), ["work"]);
    assert_eq!(
        complete("grantty token --store "),
        ["auto", "file", "keyutils", "memory", "secret-service"]
    );
}
