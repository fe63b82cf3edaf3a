//! What the reference says: one function per section. Lists the code also holds (exit codes,
//! store names) are built from the code's own constants and enums; configuration keys are
//! held equal to [`crate::config::PROFILE_KEYS`] by a test.

use clap::ValueEnum as _;

use super::Section;
use crate::config::{DEFAULT_PROFILE, REFRESH_SKEW_RANGE_SECS};
use crate::error::exit;
use crate::store::StoreChoice;

/// What each configuration key means, in [`crate::config::PROFILE_KEYS`] order (a test holds them equal).
pub const PROFILE_KEY_HELP: [(&str, &str); 19] = [
    (
        "provider",
        "\"anaplan\" or \"generic\" (default: anaplan with host, else generic)",
    ),
    ("host", "Anaplan OAuth host, e.g. \"eu3.app.anaplan.com\""),
    (
        "issuer",
        "issuer URL; endpoints come from its discovery document, except those set here",
    ),
    (
        "device_endpoint",
        "device authorization endpoint (with token_endpoint, or with issuer to replace the discovered one)",
    ),
    (
        "token_endpoint",
        "token endpoint (with device_endpoint, or with issuer)",
    ),
    (
        "revocation_endpoint",
        "revocation endpoint (RFC 7009), with device_endpoint or issuer",
    ),
    (
        "logout_endpoint",
        "where logout ends an Anaplan token (default: auth.anaplan.com for *.anaplan.com hosts, else the host's own /token/logout)",
    ),
    (
        "authorize_endpoint",
        "authorization endpoint for flow = \"code\"",
    ),
    ("redirect_uri", "redirect URI for flow = \"code\""),
    ("client_id", "OAuth client id"),
    (
        "client_secret_file",
        "file holding a confidential client's secret (relative to this file's directory; mode 600); GRANTTY_CLIENT_SECRET and --client-secret-file win",
    ),
    (
        "client_auth",
        "how the secret is sent: \"basic\" (HTTP Basic; generic default) or \"post\" (in the body; Anaplan's)",
    ),
    (
        "scopes",
        "space-separated string or an array of strings; a comma-separated string is an error",
    ),
    ("flow", "\"device\" (default) or \"code\""),
    ("store", "where the session's tokens are kept (see STORES)"),
    (
        "refresh_skew",
        "seconds before expiry the dashboard refreshes (default 300)",
    ),
    (
        "refresh_token_lifespan",
        "seconds each refresh token lives when the server does not say (Anaplan: 43000)",
    ),
    (
        "export_format",
        "`grantty export`'s format when --format is absent",
    ),
    (
        "label",
        "free text shown beside the profile's name on the sign-in screens, e.g. the tenant",
    ),
];

/// The configuration example of `grantty --help` and grantty(1).
const CONFIG_EXAMPLE: &str = r#"default_profile = "work"

[profiles.work]
host = "eu3.app.anaplan.com"
client_id = "0123456789abcdef0123456789abcdef"
scopes = ["openid", "profile", "email", "offline_access"]
store = "keyutils"

[profiles.idp]
issuer = "https://idp.example.com"
client_id = "my-cli"
scopes = "openid offline_access""#;

/// Every section, in manual order.
pub fn sections() -> Vec<Section> {
    vec![
        profiles(),
        stores(),
        exit_status(),
        files(),
        environment(),
        configuration(),
        examples(),
    ]
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(t, d)| ((*t).to_owned(), (*d).to_owned()))
        .collect()
}

fn profiles() -> Section {
    Section {
        title: "PROFILES",
        text: vec![
            format!(
                "Each profile holds one session. The profile in effect is --profile, else \
                 GRANTTY_PROFILE, else default_profile from the configuration, else \
                 \"{DEFAULT_PROFILE}\". 'grantty profiles --default NAME' changes \
                 default_profile."
            ),
            "A name that is neither a configured profile nor a stored session is an error \
             naming the closest one, and nothing is written: exit 7 (no session, as after \
             logout), or 2 for a default_profile naming nothing and for login. The one \
             exception creates a profile's first session: 'grantty login --profile NAME' with \
             where to sign in on the command line (--host, --issuer, --device-endpoint or \
             --provider)."
                .to_owned(),
        ],
        literal: None,
        items: Vec::new(),
    }
}

fn stores() -> Section {
    let items = StoreChoice::value_variants()
        .iter()
        .filter_map(StoreChoice::to_possible_value)
        .map(|v| {
            let help = v.get_help().map(ToString::to_string).unwrap_or_default();
            (v.get_name().to_owned(), help)
        })
        .collect();
    Section {
        title: "STORES",
        literal: None,
        text: vec![
            "--store (or GRANTTY_STORE, or a profile's store) chooses where 'grantty login' \
             keeps a new session's tokens; every other command finds them where they were \
             stored. auto takes the Secret Service when one answers (desktops), otherwise the \
             0600 file, which survives reboots (servers, cron, systemd units), saying so in one \
             line at sign-in. The kernel keyring only when asked: a reboot empties it."
                .to_owned(),
        ],
        items,
    }
}

fn exit_status() -> Section {
    let codes = [
        (
            exit::OK,
            "done: signed in, token printed, refreshed, logged out",
        ),
        (exit::FAILURE, "unexpected failure (terminal, IO)"),
        (
            exit::USAGE,
            "bad command line or configuration file (default_profile naming nothing \
             included), an unsafe URL",
        ),
        (exit::DENIED, "the user denied the sign-in"),
        (exit::EXPIRED, "the code expired before approval"),
        (exit::SERVER, "the server refused or answered nonsense"),
        (
            exit::NETWORK,
            "the server could not be reached; stored tokens are unchanged",
        ),
        (
            exit::SIGN_IN_NEEDED,
            "sign-in needed: no session (an unknown --profile included), or it ended \
             ('status --json' still prints an object, with \"signed_in\": false); \
             'status --verify': the provider refused the access token (the session is kept)",
        ),
        (
            exit::STORE,
            "the token store failed or needs a choice (--store)",
        ),
        (
            exit::REFRESH_NEEDED,
            "'status --min-valid SECS': less than SECS left, and a refresh would renew it",
        ),
        (
            exit::NOT_VERIFIABLE,
            "'status --verify': the provider offers no way to check a token (no \
             userinfo_endpoint in its discovery document)",
        ),
        (
            exit::CANNOT_EXECUTE,
            "'exec': the command was found but could not be run (not executable)",
        ),
        (
            exit::COMMAND_NOT_FOUND,
            "'exec': the command was not found; otherwise 'exec' exits with the command's \
             status, and with 'token''s codes (the command not run) when no valid token can \
             be had",
        ),
        (
            exit::CANCELLED,
            "cancelled (q, Ctrl-C, SIGTERM, SIGHUP) before the sign-in ended",
        ),
    ];
    Section {
        title: "EXIT STATUS",
        literal: None,
        text: Vec::new(),
        items: codes
            .iter()
            .map(|(code, what)| (code.to_string(), (*what).to_owned()))
            .collect(),
    }
}

fn files() -> Section {
    Section {
        title: "FILES",
        literal: None,
        text: vec![
            "STATE is $XDG_STATE_HOME/grantty, else ~/.local/state/grantty (mode 0700). Every \
             file holding a token is 0600 and written atomically."
                .to_owned(),
        ],
        items: pairs(&[
            (
                "$XDG_CONFIG_HOME/grantty/config.toml",
                "the profiles (else ~/.config/grantty/config.toml; --config or GRANTTY_CONFIG \
                 name another); see CONFIGURATION",
            ),
            (
                "STATE/PROFILE.meta.json",
                "the session's metadata, no secrets: provider, expiry, refresh-token kind and \
                 rotations, and which store holds the tokens",
            ),
            (
                "STATE/PROFILE.secrets.json",
                "the tokens (and a confidential client's secret), with the file store only \
                 (plaintext, 0600)",
            ),
            (
                "keyring entry \"grantty\" / PROFILE",
                "the tokens (and a client secret) in the Secret Service or the kernel keyring",
            ),
            (
                "STATE/PROFILE.lock",
                "the profile's lock: every refresh, sign-in and logout holds it",
            ),
            (
                "STATE/exports/",
                "files the dashboard's export menu writes; 'grantty export --output FILE' \
                 writes FILE",
            ),
        ]),
    }
}

fn environment() -> Section {
    Section {
        title: "ENVIRONMENT",
        literal: None,
        text: vec!["A command-line flag beats its variable, which beats the profile.".to_owned()],
        items: pairs(&[
            ("GRANTTY_PROFILE", "the profile, as --profile"),
            ("GRANTTY_STORE", "the store, as --store"),
            ("GRANTTY_CONFIG", "the configuration file, as --config"),
            (
                "GRANTTY_ETCD_ENDPOINTS, GRANTTY_ETCD_PREFIX, GRANTTY_ETCD_SEAL_KEY_FILE",
                "for --store etcd: the cluster's client URLs (comma-separated; https, or http \
                 to loopback only), the key prefix (default /grantty/) and the fleet's 32-byte \
                 seal key file (0600). Each beats its key in the configuration's [etcd] table",
            ),
            (
                "GRANTTY_ETCD_CACERT, GRANTTY_ETCD_CERT, GRANTTY_ETCD_KEY",
                "for --store etcd: the cluster's CA bundle and this client's certificate and key",
            ),
            ("GRANTTY_CLIENT_ID", "the client id, as 'login --client-id'"),
            (
                "GRANTTY_CLIENT_SECRET",
                "a confidential client's secret for 'login' (never a flag: argv is public), \
                 used only with --client-auth, --client-secret-file, a profile's client_auth or \
                 client_secret_file, or the profile GRANTTY_CLIENT_SECRET_PROFILE names; else \
                 ignored with a notice. --client-secret-file FILE beats it. Kept with the \
                 session's tokens, so refresh, token, keep and logout need it no more",
            ),
            (
                "GRANTTY_CLIENT_SECRET_PROFILE",
                "binds GRANTTY_CLIENT_SECRET to one profile: its sign-in uses the secret even \
                 without --client-auth",
            ),
            (
                "XDG_CONFIG_HOME, XDG_STATE_HOME, HOME",
                "where the configuration and the state directory are",
            ),
            (
                "NO_COLOR",
                "no colours (the QR code keeps its black on white)",
            ),
            (
                "BROWSER, DISPLAY, WAYLAND_DISPLAY, SSH_CONNECTION, SSH_TTY",
                "whether 'login --flow code' may open a local browser",
            ),
            ("CI", "in the test suite: fail, not skip, what cannot run"),
        ]),
    }
}

fn configuration() -> Section {
    let (lo, hi) = (
        REFRESH_SKEW_RANGE_SECS.start(),
        REFRESH_SKEW_RANGE_SECS.end(),
    );
    Section {
        title: "CONFIGURATION",
        text: vec![
            "TOML. At the top, default_profile = \"NAME\"; then one [profiles.NAME] table per \
             profile, with any of the keys below (each matches a flag; the flag wins). Every \
             mistake stops every command with exit 2 and FILE:LINE:COLUMN, what is wrong and \
             what would be right."
                .to_owned(),
            "For --store etcd, an [etcd] table at the top level holds the fleet's settings for \
             every profile: endpoints (an array of URLs, or one comma-separated string), prefix, \
             and the files seal_key_file, cacert, cert and key (relative paths are taken from \
             the configuration file's directory). Each GRANTTY_ETCD_* variable beats its key."
                .to_owned(),
            format!("refresh_skew takes {lo} to {hi} seconds. An example:"),
        ],
        literal: Some(CONFIG_EXAMPLE),
        items: pairs(&PROFILE_KEY_HELP),
    }
}

fn examples() -> Section {
    Section {
        title: "EXAMPLES",
        literal: None,
        text: Vec::new(),
        items: pairs(&[
            (
                "grantty demo",
                "try it against the built-in server on 127.0.0.1",
            ),
            (
                "grantty login --host eu3.app.anaplan.com --client-id ID",
                "sign in to Anaplan with the device grant",
            ),
            (
                "grantty login --profile idp --issuer https://idp.example.com --client-id cli",
                "sign in to any provider into a new profile",
            ),
            ("grantty", "the dashboard of the stored session"),
            (
                "grantty keep --all --print-systemd-unit",
                "a systemd user unit that keeps every session alive without a terminal",
            ),
            (
                "grantty token --format header | curl -H @- URL",
                "a fresh token for a script, refreshed when needed, in no process's argv",
            ),
            (
                "grantty exec -- ./nightly-import",
                "run a program with GRANTTY_AUTHORIZATION (the whole header value) and \
                 GRANTTY_ACCESS_TOKEN in its environment; exits with its status",
            ),
            (
                "*/15 * * * * grantty keep --all --once",
                "a crontab line: exit 0 healthy, 7 a session needs a person, 6 the provider \
                 could not be reached (see grantty-keep(1))",
            ),
            (
                "grantty exec -- sh -c 'curl -H \"Authorization: $GRANTTY_AUTHORIZATION\" URL'",
                "run a command with a fresh token in its environment (never in its arguments)",
            ),
            (
                "grantty status --json",
                "the session, from metadata only (exit 7 when not signed in)",
            ),
            (
                "grantty status --verify",
                "ask the provider whether it still accepts the stored access token (exit 0 \
                 yes, 7 no, 6 unreachable)",
            ),
            (
                "grantty profiles --default work",
                "make work the default profile",
            ),
            (
                "grantty man --dir ~/.local/share/man/man1",
                "install every man page",
            ),
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_configuration_key_is_explained_in_order() {
        let keys: Vec<&str> = PROFILE_KEY_HELP.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, crate::config::PROFILE_KEYS);
    }
}
