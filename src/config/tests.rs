use std::path::Path;

use clap::Parser as _;

use super::*;
use crate::cli::Cli;

const PATH: &str = "/home/u/.config/grantty/config.toml";

fn parse(text: &str) -> Result<Config, String> {
    Config::parse(Path::new(PATH), text).map_err(|e| e.to_string())
}

/// The single error line of `text`, which must not parse.
fn error(text: &str) -> String {
    let err = parse(text).unwrap_err();
    assert_eq!(err.lines().count(), 1, "one problem expected: {err}");
    err
}

#[track_caller]
fn assert_has(message: &str, part: &str) {
    assert!(message.contains(part), "{part:?} not in: {message}");
}

/// Profile `work` (lines 1–2) with `line` as line 3.
fn third_line(line: &str) -> String {
    error(&format!("[profiles.work]\n# settings\n{line}\n"))
}

const FULL: &str = r#"default_profile = "work"

[profiles.work]
provider = "anaplan"
host = "eu3.app.anaplan.com"
client_id = "0123456789abcdef0123456789abcdef"
client_secret_file = "work.secret"
client_auth = "post"
scopes = "openid profile email offline_access"
flow = "code"
redirect_uri = "https://example.com/callback"
authorize_endpoint = "https://eu3.app.anaplan.com/auth/prelogin"
store = "keyutils"
refresh_skew = 600
refresh_token_lifespan = 43_000
export_format = "header"

[profiles.idp]
issuer = "https://idp.example.com"
client_id = "my-cli"
scopes = ["openid", "offline_access"]

[profiles.local]
device_endpoint = "http://127.0.0.1:8080/device"
token_endpoint = "http://127.0.0.1:8080/token"
revocation_endpoint = "http://127.0.0.1:8080/revoke"
client_id = "local"
store = "memory"
"#;

#[test]
fn a_full_example_parses_into_every_setting() {
    let config = parse(FULL).unwrap();
    assert_eq!(config.path.as_deref(), Some(Path::new(PATH)));
    assert_eq!(config.default_profile.as_deref(), Some("work"));
    assert_eq!(
        config.profiles.keys().collect::<Vec<_>>(),
        ["idp", "local", "work"]
    );
    let work = &config.profiles["work"];
    assert_eq!(
        *work,
        Profile {
            provider: Some(ProviderArg::Anaplan),
            host: Some("eu3.app.anaplan.com".into()),
            client_id: Some("0123456789abcdef0123456789abcdef".into()),
            client_secret_file: Some("work.secret".into()),
            client_auth: Some(crate::cli::ClientAuthArg::Post),
            scopes: Some("openid profile email offline_access".into()),
            flow: Some(FlowArg::Code),
            redirect_uri: Some("https://example.com/callback".into()),
            authorize_endpoint: Some("https://eu3.app.anaplan.com/auth/prelogin".into()),
            store: Some(StoreChoice::Keyutils),
            refresh_skew_secs: Some(600),
            refresh_token_lifespan_secs: Some(43_000),
            export_format: Some(Format::Header),
            ..Profile::default()
        }
    );
    let idp = &config.profiles["idp"];
    assert_eq!(idp.scopes.as_deref(), Some("openid offline_access"));
    let local = &config.profiles["local"];
    assert_eq!(
        local.revocation_endpoint.as_deref(),
        Some("http://127.0.0.1:8080/revoke")
    );
    assert_eq!(local.store, Some(StoreChoice::Memory));
}

#[test]
fn an_empty_file_has_no_profiles() {
    let config = parse("# nothing yet\n").unwrap();
    assert!(config.profiles.is_empty() && config.default_profile.is_none());
}

#[test]
fn every_bad_value_names_the_file_line_column_key_and_valid_choices() {
    // (line 3 of the file, what follows "<line> is not valid" in the message)
    let cases: &[(&str, &str)] = &[
        (r#"provider = "okta""#, "; choose anaplan or generic"),
        (r#"flow = "browser""#, "; choose device or code"),
        ("flow = 1", "; choose device or code"),
        (
            r#"store = "vault""#,
            "; choose auto, secret-service, keyutils, file, memory or etcd",
        ),
        (
            r#"export_format = "yaml""#,
            "; choose env, json, header, raw",
        ),
        (
            "refresh_skew = 5",
            "; give a whole number of seconds from 10 to 3600",
        ),
        (
            "refresh_skew = 3601",
            "; give a whole number of seconds from 10 to 3600",
        ),
        (r#"refresh_skew = "5m""#, "; give a whole number of seconds"),
        ("refresh_skew = 1.5", "; give a whole number of seconds"),
        (
            "refresh_token_lifespan = 0",
            "; give a whole number of seconds, at least 1",
        ),
        (
            "refresh_token_lifespan = -5",
            "; give a whole number of seconds, at least 1",
        ),
        ("client_id = 42", "; give a non-empty string in quotes"),
        (
            r#"scopes = """#,
            r#"; give a string such as "openid offline_access", or an array"#,
        ),
        (r#"scopes = ["openid", 7]"#, "; give a string such as"),
        (
            r#"scopes = "openid,offline_access""#,
            r#": scopes are separated by spaces, not commas; write "openid offline_access" or ["openid", "offline_access"]"#,
        ),
        (
            r#"scopes = ["openid, email"]"#,
            r#": scopes are separated by spaces, not commas; write "openid email" or ["openid", "email"]"#,
        ),
        (
            r#"issuer = "http://idp.example.com""#,
            "; use https:// (plain http:// only for 127.0.0.1",
        ),
        (
            r#"issuer = "idp.example.com""#,
            " (relative URL without a base); give an https:// URL",
        ),
        (
            r#"host = "eu3 app""#,
            r#"; give a host name such as "eu3.app.anaplan.com""#,
        ),
        (
            r#"host = "127.0.0.1:3101""#,
            r#"; a loopback address needs its scheme: write host = "http://127.0.0.1:3101" for a local server"#,
        ),
        (
            r#"redirect_uri = "myapp:/cb""#,
            "; give an http:// or https:// URL",
        ),
    ];
    for (line, rest) in cases {
        let err = third_line(line);
        let (key, _) = line.split_once(" = ").unwrap();
        let column = key.len() + 4; // the value starts after `key = `
        let wanted = format!("{PATH}:3:{column}: {line} is not valid{rest}");
        assert!(err.starts_with(&wanted), "\n  got  {err}\n  want {wanted}");
    }
}

#[test]
fn an_unknown_key_lists_the_valid_keys_and_suggests_the_nearest() {
    let err = third_line("clientid = \"c\"");
    assert_eq!(
        err,
        format!(
            "{PATH}:3:1: unknown key \"clientid\" in profile \"work\" (did you mean client_id?); valid keys: {}",
            PROFILE_KEYS.join(", ")
        )
    );
    let err = third_line("colour = \"red\"");
    assert!(!err.contains("did you mean"), "{err}");
    assert_has(&err, "valid keys: provider, host, issuer,");
}

#[test]
fn keys_in_the_wrong_place_say_where_they_belong() {
    let err = error("client_id = \"c\"\n");
    assert!(
        err.starts_with(&format!("{PATH}:1:1: client_id belongs to a profile")),
        "{err}"
    );
    let err = error("defaultprofile = \"w\"\n");
    assert_has(
        &err,
        "(did you mean default_profile?); valid keys: default_profile, profiles, etcd",
    );
    let err = third_line("default_profile = \"work\"");
    assert_has(&err, "default_profile belongs at the top of the file");
}

#[test]
fn bad_profile_names_and_shapes_are_refused_at_their_line() {
    let err = error("\n[profiles.\"a b\"]\nclient_id = \"c\"\n");
    assert!(err.starts_with(&format!("{PATH}:2:")), "{err}");
    assert_has(&err, "profile name \"a b\" is not allowed");
    let err = error("default_profile = \"../x\"\n");
    assert_has(
        &err,
        "default_profile = \"../x\" is not valid: profile name",
    );
    let err = error("profiles = 3\n");
    assert_has(&err, "profiles must be a table");
    let err = error("[profiles]\nwork = \"x\"\n");
    assert!(
        err.starts_with(&format!("{PATH}:2:8: profiles.work must be a table")),
        "{err}"
    );
}

#[test]
fn keys_that_contradict_each_other_are_refused() {
    let err = third_line("issuer = \"https://idp.example.com\"\nhost = \"eu3.app.anaplan.com\"");
    assert_has(
        &err,
        ":4:1: issuer and host cannot both be set in profile \"work\"",
    );
    let err = third_line("device_endpoint = \"https://idp.example.com/device\"");
    assert_has(&err, ":3:1: device_endpoint needs token_endpoint");
    // Next to issuer, an endpoint key replaces only the discovered one.
    let config = parse(
        "[profiles.dot]\nissuer = \"https://idp.example.com\"\ndevice_endpoint = \"https://idp.example.com/o/device/\"\n",
    )
    .unwrap();
    let dot = config.profile("dot").unwrap();
    assert_eq!(
        dot.device_endpoint.as_deref(),
        Some("https://idp.example.com/o/device/")
    );
    assert_eq!(dot.issuer.as_deref(), Some("https://idp.example.com"));
    let err = third_line("provider = \"generic\"\nhost = \"eu3.app.anaplan.com\"");
    assert_has(&err, "host is only for provider = \"anaplan\"");
}

#[test]
fn syntax_errors_carry_their_line() {
    let err = third_line("flow = device");
    assert!(err.starts_with(&format!("{PATH}:3:")), "{err}");
    assert_has(&err, "not valid TOML");
    let err = third_line("flow = \"code\"\nflow = \"device\"");
    assert!(
        err.starts_with(&format!("{PATH}:4:1: not valid TOML: duplicate key")),
        "{err}"
    );
}

#[test]
fn every_problem_is_reported_in_file_order() {
    let err = parse("[profiles.work]\nflow = \"x\"\nstore = \"y\"\nclientid = 1\n").unwrap_err();
    let lines: Vec<_> = err.lines().map(|l| l.split(':').nth(1).unwrap()).collect();
    assert_eq!(lines, ["2", "3", "4"], "{err}");
}

#[test]
fn a_missing_explicit_file_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let err = Config::load(Some(&missing)).unwrap_err().to_string();
    assert_has(&err, &missing.display().to_string());
    std::fs::write(&missing, FULL).unwrap();
    assert_eq!(Config::load(Some(&missing)).unwrap().profiles.len(), 3);
}

fn session_of(argv: &[&str], config: &Config) -> SessionArgs {
    let argv = ["grantty"].into_iter().chain(argv.iter().copied());
    config.session(&Cli::try_parse_from(argv).unwrap().session)
}

#[test]
fn the_profile_in_effect_is_the_flag_then_default_profile_then_default() {
    let config = parse(FULL).unwrap();
    assert_eq!(session_of(&["status"], &config).profile, "work");
    assert_eq!(
        session_of(&["status", "--profile", "idp"], &config).profile,
        "idp"
    );
    assert_eq!(
        session_of(&["status"], &Config::default()).profile,
        DEFAULT_PROFILE
    );
}

#[test]
fn the_profiles_store_applies_unless_store_is_given() {
    let config = parse(FULL).unwrap();
    assert_eq!(
        session_of(&["status"], &config).store,
        Some(StoreChoice::Keyutils)
    );
    let flagged = session_of(&["status", "--store", "file"], &config);
    assert_eq!(flagged.store, Some(StoreChoice::File));
    let idp = session_of(&["status", "--profile", "idp"], &config);
    assert_eq!(idp.store, None);
}

#[test]
fn offsets_become_one_based_lines_and_character_columns() {
    assert_eq!(line_and_column("ab\ncd", 0), (1, 1));
    assert_eq!(line_and_column("ab\ncd", 4), (2, 2));
    assert_eq!(line_and_column("é\nx", 3), (2, 1));
    assert_eq!(line_and_column("éa", 2), (1, 2));
}

#[test]
fn a_secret_in_the_file_is_refused_with_the_way_to_give_it() {
    let text = third_line(r#"client_secret = "s3cret""#);
    assert!(text.contains("client_secret_file"), "{text}");
    assert!(text.contains("GRANTTY_CLIENT_SECRET"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
    let text = third_line(r#"client_auth = "jwt""#);
    assert!(text.contains("choose basic or post"), "{text}");
}

#[test]
fn a_label_is_sanitised_capped_and_never_empty() {
    let config = parse(
        "[profiles.a]\nlabel = \"Tenant A\\u001b[31m (EU)\\u0007 \"\n\
         [profiles.b]\nlabel = \"0123456789012345678901234567890123456789 and more\"\n",
    )
    .unwrap();
    assert_eq!(
        config.profile("a").unwrap().label.as_deref(),
        Some("Tenant A (EU)")
    );
    let long = config.profile("b").unwrap().label.clone().unwrap();
    assert_eq!(long.chars().count(), super::LABEL_MAX_CHARS);
    assert!(long.ends_with('…'), "{long}");
    let err = parse("[profiles.a]\nlabel = \"\\u001b[2J\"\n").unwrap_err();
    assert!(err.contains("label = "), "{err}");
    assert!(parse("[profiles.a]\nlabel = 3\n").is_err());
}

const ETCD: &str = r#"default_profile = "work"

[etcd]
endpoints = ["https://etcd1.example.com:2379", " https://etcd2.example.com:2379 "]
prefix = "/team/"
seal_key_file = "fleet/seal.key"
cacert = "/etc/grantty/ca.pem"
cert = "client.pem"
key = "client.key"

[profiles.work]
store = "etcd"
"#;

#[test]
fn the_etcd_table_parses_with_relative_files_taken_from_the_files_directory() {
    let config = parse(ETCD).unwrap();
    let dir = Path::new(PATH).parent().unwrap();
    assert_eq!(
        config.etcd,
        EtcdSettings {
            endpoints: Some("https://etcd1.example.com:2379,https://etcd2.example.com:2379".into()),
            prefix: Some("/team/".into()),
            seal_key_file: Some(dir.join("fleet/seal.key")),
            cacert: Some("/etc/grantty/ca.pem".into()),
            cert: Some(dir.join("client.pem")),
            key: Some(dir.join("client.key")),
        }
    );
    // One comma-separated string works as well as an array.
    let one = parse("[etcd]\nendpoints = \"http://127.0.0.1:2379, http://[::1]:2379\"\n").unwrap();
    assert_eq!(
        one.etcd.endpoints.as_deref(),
        Some("http://127.0.0.1:2379,http://[::1]:2379")
    );
    // Without the table, nothing is set (and a file relative to a bare name stays as written).
    assert_eq!(parse(FULL).unwrap().etcd, EtcdSettings::default());
    let bare = Config::parse(Path::new("c.toml"), "[etcd]\nseal_key_file = \"k\"\n").unwrap();
    assert_eq!(bare.etcd.seal_key_file.as_deref(), Some(Path::new("k")));
}

#[test]
fn the_etcd_table_reaches_the_session_and_the_environment_beats_it() {
    let config = parse(ETCD).unwrap();
    let session = session_of(&["token"], &config);
    assert_eq!(session.store, Some(StoreChoice::Etcd));
    assert_eq!(session.etcd, config.etcd);
    // What `open_store` does with it: a variable beats the file key by key.
    let env = EtcdSettings {
        prefix: Some("/from-env/".into()),
        ..EtcdSettings::default()
    };
    let merged = env.or(session.etcd).validate().unwrap();
    assert_eq!(merged.prefix, "/from-env/");
    assert_eq!(merged.endpoints.len(), 2);
    assert_eq!(
        merged.seal_key_file,
        Path::new(PATH).parent().unwrap().join("fleet/seal.key")
    );
}

#[test]
fn bad_etcd_settings_name_the_line_column_and_what_is_valid() {
    let at = |text: &str| error(&format!("# fleet\n[etcd]\n{text}\n"));
    let cases: &[(&str, &str)] = &[
        (
            r#"endpoint = "https://e:2379""#,
            r#":3:1: unknown key "endpoint" in [etcd] (did you mean endpoints?); valid keys: endpoints, prefix, seal_key_file, cacert, cert, key"#,
        ),
        (r#"sealkey_file = "k""#, "(did you mean seal_key_file?)"),
        (
            r#"endpoints = "http://etcd.example.com:2379""#,
            r#":3:13: endpoints = "http://etcd.example.com:2379" is not valid: the endpoint "http://etcd.example.com:2379" uses plain http"#,
        ),
        (
            r#"endpoints = ["https://e:2379", 7]"#,
            ":3:13: endpoints = [\"https://e:2379\", 7] is not valid; give URLs in quotes",
        ),
        (
            "endpoints = []",
            ":3:13: endpoints = [] is not valid; give the cluster's client URLs",
        ),
        (
            r#"prefix = "grantty""#,
            r#":3:10: prefix = "grantty" is not valid: the key prefix "grantty" must start and end with '/'"#,
        ),
        (
            "seal_key_file = 32",
            ":3:17: seal_key_file = 32 is not valid; give a non-empty string in quotes",
        ),
    ];
    for (line, wanted) in cases {
        assert_has(&at(line), wanted);
    }
    // An etcd key at the top level, and a table that is not one.
    assert_has(
        &error("endpoints = \"https://e:2379\"\n"),
        ":1:1: endpoints belongs to the fleet store: put it below an [etcd] line",
    );
    assert_has(
        &error("etcd = \"https://e:2379\"\n"),
        ":1:8: etcd must be a table: write [etcd] above its keys",
    );
}
