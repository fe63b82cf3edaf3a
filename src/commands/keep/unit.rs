//! The systemd user unit `grantty keep --print-systemd-unit` writes: the command line, the
//! sandbox, the writable places and the `Environment=` lines, quoted in systemd's syntax.

use std::os::unix::ffi::{OsStrExt as _, OsStringExt as _};
use std::path::{Path, PathBuf};

use crate::store::StoreChoice;
use crate::store::etcd::EtcdSettings;

/// The places the keeper writes, for the unit's `ReadWritePaths=`: the state directory and the
/// kept-aside places (tokens the store refused), each only where it exists when the unit starts.
#[derive(Debug, Clone, Default)]
pub struct UnitPaths {
    /// The state directory (sessions, locks).
    pub state_dir: PathBuf,
    /// Other directories to leave writable (a kept-aside place outside the runtime and cache
    /// directories systemd creates for the unit).
    pub writable: Vec<PathBuf>,
}

/// A systemd user unit running `exe keep <selector>`, restarted on failure but not when a person
/// is needed (exit 7) or the command line is wrong (exit 2), stopped with SIGTERM (the keeper
/// finishes an in-flight refresh first, within the HTTP timeout). Sandboxed: the file system is
/// read-only but for the state directory and the kept-aside places (`RuntimeDirectory=` and
/// `CacheDirectory=` create `$XDG_RUNTIME_DIR/grantty` and `~/.cache/grantty`, kept across
/// restarts, mode 0700), no core dumps. `environment` becomes one `Environment=` line per
/// variable (see [`unit_environment`]). Every path and value is quoted and escaped as
/// systemd.syntax(7) asks, so spaces, quotes, backslashes, `%` and `$` mean themselves.
pub fn systemd_unit(
    exe: &Path,
    selector: &[String],
    paths: &UnitPaths,
    environment: &[(&str, Vec<u8>)],
) -> String {
    let args: Vec<String> = selector
        .iter()
        .map(|a| quoted(a.as_bytes(), true))
        .collect();
    let mut lines = String::new();
    for (name, value) in environment {
        let mut assignment = format!("{name}=").into_bytes();
        assignment.extend_from_slice(value);
        lines.push_str("Environment=");
        lines.push_str(&quoted(&assignment, false));
        lines.push('\n');
    }
    let environment = lines;
    let mut writable = vec![quoted(&dash(&paths.state_dir), false)];
    writable.extend(paths.writable.iter().map(|p| quoted(&dash(p), false)));
    format!(
        "\
# grantty keep: refreshes grantty sessions ahead of expiry.
# Install: grantty keep --print-systemd-unit > ~/.config/systemd/user/grantty-keep.service
#          systemctl --user daemon-reload && systemctl --user enable --now grantty-keep
# Without a login session as well: loginctl enable-linger \"$USER\"
[Unit]
Description=grantty: keep OAuth sessions alive
Documentation=man:grantty-keep(1) man:grantty(1)
Wants=network-online.target
After=network-online.target

[Service]
Type=exec
{environment}ExecStart={exe} keep {args}
Restart=on-failure
RestartSec=30
RestartPreventExitStatus={sign_in} {usage}
TimeoutStopSec=45
KillMode=mixed
NoNewPrivileges=yes
LimitCORE=0
PrivateTmp=yes
ProtectSystem=strict
ProtectHome=read-only
ReadWritePaths={writable}
RuntimeDirectory=grantty
RuntimeDirectoryMode=0700
RuntimeDirectoryPreserve=yes
CacheDirectory=grantty
CacheDirectoryMode=0700

[Install]
WantedBy=default.target
",
        exe = quoted(exe.as_os_str().as_bytes(), true),
        args = args.join(" "),
        sign_in = crate::error::exit::SIGN_IN_NEEDED,
        usage = crate::error::exit::USAGE,
        writable = writable.join(" "),
    )
}

/// The variables the unit's keeper needs to find what this command found, none of them a
/// secret: `GRANTTY_CONFIG` when a configuration file was named (`--config` or the variable);
/// with the etcd store, `GRANTTY_STORE=etcd` and the `GRANTTY_ETCD_*` variables set here
/// (`etcd_env`, from [`EtcdSettings::from_env`](crate::store::etcd::EtcdSettings::from_env):
/// endpoints, prefix and file paths, never a key's contents), so that a keeper started by
/// systemd, which has none of this shell's environment, opens the same store. Relative paths
/// are made absolute against `cwd`: the unit runs elsewhere. What came from the configuration
/// file is not repeated; the keeper reads the same file.
pub fn unit_environment(
    store: Option<StoreChoice>,
    config: Option<&Path>,
    etcd_env: &EtcdSettings,
    cwd: &Path,
) -> Vec<(&'static str, Vec<u8>)> {
    let absolute = |path: &Path| cwd.join(path).into_os_string().into_vec();
    let mut out = Vec::new();
    if let Some(config) = config {
        out.push(("GRANTTY_CONFIG", absolute(config)));
    }
    if store != Some(StoreChoice::Etcd) {
        return out;
    }
    out.push(("GRANTTY_STORE", b"etcd".to_vec()));
    let text =
        |name, value: &Option<String>| value.as_ref().map(|v| (name, v.clone().into_bytes()));
    let file = |name, value: &Option<PathBuf>| value.as_deref().map(|p| (name, absolute(p)));
    out.extend(
        [
            text("GRANTTY_ETCD_ENDPOINTS", &etcd_env.endpoints),
            text("GRANTTY_ETCD_PREFIX", &etcd_env.prefix),
            file("GRANTTY_ETCD_SEAL_KEY_FILE", &etcd_env.seal_key_file),
            file("GRANTTY_ETCD_CACERT", &etcd_env.cacert),
            file("GRANTTY_ETCD_CERT", &etcd_env.cert),
            file("GRANTTY_ETCD_KEY", &etcd_env.key),
        ]
        .into_iter()
        .flatten(),
    );
    out
}

/// `-path`: systemd ignores a `ReadWritePaths=` entry with this prefix if it does not exist yet
/// (before the first sign-in), instead of refusing to start.
fn dash(path: &Path) -> Vec<u8> {
    let mut out = b"-".to_vec();
    out.extend_from_slice(path.as_os_str().as_bytes());
    out
}

/// One word of a unit file in double quotes (systemd.syntax(7)): `\` and `"` backslash-escaped,
/// `%` doubled (specifiers), `$` doubled in command lines (variables), control characters and
/// bytes that are not UTF-8 as `\xNN`.
fn quoted(bytes: &[u8], command: bool) -> String {
    let text = String::from_utf8_lossy(bytes);
    let utf8 = std::str::from_utf8(bytes).is_ok();
    let mut out = String::from("\"");
    if utf8 {
        for c in text.chars() {
            push_char(&mut out, c, command);
        }
    } else {
        for &b in bytes {
            if b.is_ascii() {
                push_char(&mut out, char::from(b), command);
            } else {
                push_byte(&mut out, b);
            }
        }
    }
    out.push('"');
    out
}

/// `\xNN`.
fn push_byte(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\x");
    out.push(char::from(HEX[usize::from(byte >> 4)]));
    out.push(char::from(HEX[usize::from(byte & 0xf)]));
}

fn push_char(out: &mut String, c: char, command: bool) {
    match c {
        '\\' => out.push_str("\\\\"),
        '"' => out.push_str("\\\""),
        '%' => out.push_str("%%"),
        '$' if command => out.push_str("$$"),
        c if c.is_control() => {
            for b in c.to_string().bytes() {
                push_byte(out, b);
            }
        }
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(state: &str) -> UnitPaths {
        UnitPaths {
            state_dir: PathBuf::from(state),
            writable: vec![PathBuf::from("/run/user/1000/grantty")],
        }
    }

    /// The value of `key=` in the unit, split into words the way systemd does for command
    /// lines and path lists: double quotes group, `\\` `\"` `\xNN` unescape, `%%` is `%`,
    /// `$$` is `$` (command lines only); a lone `%` or `$` would be a specifier or variable.
    fn words(unit: &str, key: &str) -> Vec<Vec<u8>> {
        let line = unit
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("no {key}= in {unit}"));
        split(line, key == "ExecStart")
    }

    /// The variables the unit's `Environment=` lines set, in order: each line one quoted
    /// `NAME=value` word, unescaped as [`words`] does (no `$` expansion there).
    fn environment(unit: &str) -> Vec<(String, Vec<u8>)> {
        unit.lines()
            .filter_map(|l| l.strip_prefix("Environment="))
            .map(|line| {
                let [word] = <[Vec<u8>; 1]>::try_from(split(line, false)).unwrap();
                let at = word.iter().position(|b| *b == b'=').unwrap();
                let name = String::from_utf8(word[..at].to_vec()).unwrap();
                (name, word[at + 1..].to_vec())
            })
            .collect()
    }

    fn split(line: &str, command: bool) -> Vec<Vec<u8>> {
        let (mut out, mut word, mut quoted, mut any) = (Vec::new(), Vec::new(), false, false);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                ' ' if !quoted => {
                    if any {
                        out.push(std::mem::take(&mut word));
                    }
                    any = false;
                }
                '\\' => match chars.next() {
                    Some('x') => {
                        let hex: String = chars.by_ref().take(2).collect();
                        word.push(u8::from_str_radix(&hex, 16).unwrap());
                    }
                    Some(e @ ('\\' | '"')) => word.push(e as u8),
                    other => panic!("unexpected escape {other:?} in {line}"),
                },
                '%' | '$' if c == '%' || command => {
                    assert_eq!(chars.next(), Some(c), "a lone {c} in {line}");
                    word.push(c as u8);
                    any = true;
                }
                c => {
                    let mut buf = [0; 4];
                    word.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                    any = true;
                }
            }
        }
        assert!(!quoted, "unbalanced quotes in {line}");
        if any {
            out.push(word);
        }
        out
    }

    #[test]
    fn the_unit_runs_this_binary_and_stops_with_sigterm() {
        let unit = systemd_unit(
            Path::new("/usr/bin/grantty"),
            &["--all".to_owned()],
            &paths("/home/a/.local/state/grantty"),
            &[],
        );
        assert!(
            unit.contains("ExecStart=\"/usr/bin/grantty\" keep \"--all\"\n"),
            "{unit}"
        );
        assert!(unit.contains("WantedBy=default.target"));
        assert!(!unit.contains("KillSignal"), "SIGTERM is systemd's default");
    }

    #[test]
    fn the_unit_is_sandboxed_and_stops_restarting_when_a_person_is_needed() {
        let unit = systemd_unit(
            Path::new("/usr/bin/grantty"),
            &["--all".to_owned()],
            &paths("/home/a/.local/state/grantty"),
            &[],
        );
        for line in [
            "ProtectSystem=strict",
            "ProtectHome=read-only",
            "PrivateTmp=yes",
            "NoNewPrivileges=yes",
            "LimitCORE=0",
            "RestartPreventExitStatus=7 2",
            "RuntimeDirectory=grantty",
            "RuntimeDirectoryPreserve=yes",
            "CacheDirectory=grantty",
            "Documentation=man:grantty-keep(1) man:grantty(1)",
        ] {
            assert!(unit.lines().any(|l| l == line), "no {line} in {unit}");
        }
        assert!(
            <crate::cli::Cli as clap::CommandFactory>::command()
                .get_subcommands()
                .any(|c| c.get_name() == "keep" && !c.is_hide_set()),
            "grantty man writes the grantty-keep(1) the unit points at"
        );
    }

    #[test]
    fn paths_with_spaces_percent_quotes_and_dollars_survive_the_unit_syntax() {
        let state = "/home/a b/100% \"x\" \\ $HOME/state";
        let exe = "/opt/my tools/50%/grantty$1";
        let unit = systemd_unit(
            Path::new(exe),
            &["--profile".to_owned(), "w%rk".to_owned()],
            &paths(state),
            &[],
        );
        let exec = words(&unit, "ExecStart");
        assert_eq!(
            exec,
            [
                exe.as_bytes(),
                b"keep".as_slice(),
                b"--profile".as_slice(),
                b"w%rk".as_slice()
            ]
        );
        let writable = words(&unit, "ReadWritePaths");
        assert_eq!(
            writable,
            [
                format!("-{state}").into_bytes(),
                b"-/run/user/1000/grantty".to_vec()
            ]
        );
        // Not UTF-8, and a newline: escaped, never raw.
        let odd = std::ffi::OsStr::from_bytes(b"/s/\xff\nx");
        let unit = systemd_unit(Path::new("/g"), &[], &paths(&odd.to_string_lossy()), &[]);
        assert!(
            unit.contains("ReadWritePaths=\"-/s/\u{fffd}\\x0ax\""),
            "{unit}"
        );
        let unit = systemd_unit(
            Path::new("/g"),
            &[],
            &UnitPaths {
                state_dir: PathBuf::from(odd),
                writable: Vec::new(),
            },
            &[],
        );
        assert_eq!(words(&unit, "ReadWritePaths"), [b"-/s/\xff\nx".to_vec()]);
    }

    /// systemd's own parser, where it is installed (skipped with a notice otherwise).
    #[test]
    fn systemd_analyze_accepts_the_unit() {
        let Ok(probe) = std::process::Command::new("systemd-analyze")
            .arg("--version")
            .output()
        else {
            eprintln!("skipped: systemd-analyze is not installed");
            return;
        };
        assert!(probe.status.success());
        let dir = tempfile::tempdir().unwrap();
        let exe = dir.path().join("my tools 100%");
        std::fs::create_dir(&exe).unwrap();
        let exe = exe.join("grantty");
        std::fs::write(&exe, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&exe, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let state = dir.path().join("state 50% \"q\"");
        std::fs::create_dir(&state).unwrap();
        let unit = systemd_unit(
            &exe,
            &["--all".to_owned()],
            &UnitPaths {
                state_dir: state,
                writable: Vec::new(),
            },
            &[
                ("GRANTTY_STORE", b"etcd".to_vec()),
                ("GRANTTY_ETCD_SEAL_KEY_FILE", b"/k 100% $x \"q\"".to_vec()),
            ],
        );
        let file = dir.path().join("grantty-keep.service");
        std::fs::write(&file, unit).unwrap();
        let out = std::process::Command::new("systemd-analyze")
            .args(["verify", "--man=no"])
            .arg(&file)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "systemd-analyze verify: {stderr}");
        assert!(!stderr.contains("grantty-keep.service:"), "{stderr}");
    }

    fn etcd_env() -> EtcdSettings {
        EtcdSettings {
            endpoints: Some("https://etcd1:2379,https://etcd2:2379".into()),
            prefix: Some("/team 100%/".into()),
            seal_key_file: Some("keys/seal \"1\".key".into()),
            cacert: Some("/etc/ca $HOME.pem".into()),
            cert: None,
            key: None,
        }
    }

    #[test]
    fn with_the_etcd_store_the_unit_carries_the_variables_it_was_printed_with() {
        let env = unit_environment(
            Some(StoreChoice::Etcd),
            Some(Path::new("conf/grantty.toml")),
            &etcd_env(),
            Path::new("/home/a b"),
        );
        let unit = systemd_unit(
            Path::new("/usr/bin/grantty"),
            &["--all".to_owned()],
            &paths("/s"),
            &env,
        );
        let found: Vec<(String, Vec<u8>)> = environment(&unit);
        let expected: Vec<(String, Vec<u8>)> = [
            ("GRANTTY_CONFIG", "/home/a b/conf/grantty.toml"),
            ("GRANTTY_STORE", "etcd"),
            (
                "GRANTTY_ETCD_ENDPOINTS",
                "https://etcd1:2379,https://etcd2:2379",
            ),
            ("GRANTTY_ETCD_PREFIX", "/team 100%/"),
            (
                "GRANTTY_ETCD_SEAL_KEY_FILE",
                "/home/a b/keys/seal \"1\".key",
            ),
            ("GRANTTY_ETCD_CACERT", "/etc/ca $HOME.pem"),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
        .collect();
        assert_eq!(found, expected, "{unit}");
        // In [Service], before the command it is for.
        let service = unit.find("[Service]").unwrap();
        let first = unit.find("Environment=").unwrap();
        assert!(service < first && first < unit.find("ExecStart=").unwrap());
    }

    #[test]
    fn without_the_etcd_store_no_etcd_variable_is_written_and_never_a_secret() {
        let local = unit_environment(Some(StoreChoice::File), None, &etcd_env(), Path::new("/"));
        assert!(local.is_empty(), "{local:?}");
        let none = systemd_unit(Path::new("/g"), &[], &paths("/s"), &local);
        assert!(!none.contains("Environment="), "{none}");
        // Only these names can ever be written: no token, no client secret.
        let env = unit_environment(
            Some(StoreChoice::Etcd),
            Some(Path::new("/c.toml")),
            &EtcdSettings {
                cert: Some("/c.pem".into()),
                key: Some("/c.key".into()),
                ..etcd_env()
            },
            Path::new("/"),
        );
        let names: Vec<&str> = env.iter().map(|(n, _)| *n).collect();
        for name in names {
            assert!(
                [
                    "GRANTTY_CONFIG",
                    "GRANTTY_STORE",
                    "GRANTTY_ETCD_ENDPOINTS",
                    "GRANTTY_ETCD_PREFIX",
                    "GRANTTY_ETCD_SEAL_KEY_FILE",
                    "GRANTTY_ETCD_CACERT",
                    "GRANTTY_ETCD_CERT",
                    "GRANTTY_ETCD_KEY",
                ]
                .contains(&name),
                "{name}"
            );
        }
    }
}
