//! Rendering a session's tokens for other programs: shell variables, JSON, an HTTP header line,
//! `.netrc`, a Kubernetes `ExecCredential` and git's credential format.
//! These are the only functions that put token text into a string, and they run only when the
//! user asked for exactly that (`grantty token`, `grantty export`, the export menu).

use serde_json::json;

pub mod output;

use crate::domain::clock::Timestamp;
use crate::domain::secret::{IdToken, RefreshToken};
use crate::domain::session::Session;
use crate::oauth::provider::AuthScheme;

/// Export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// `export GRANTTY_ACCESS_TOKEN='…'` lines for a POSIX shell.
    Env,
    /// JSON with the tokens and their expiry.
    Json,
    /// `Authorization: <scheme> <token>` (`Bearer`, or `AnaplanAuthToken` for Anaplan).
    Header,
    /// The bare access token.
    Raw,
    /// A `.netrc` line: `machine <provider host> login oauth2 password <token>`.
    Netrc,
    /// A Kubernetes `ExecCredential` (`client.authentication.k8s.io/v1`) with the token and its expiry.
    ExecCredential,
    /// git credential helper lines: `username=oauth2`, `password=<token>`, `password_expiry_utc`.
    GitCredential,
}

impl Format {
    /// Name for menus and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Env => "shell env",
            Self::Json => "JSON",
            Self::Header => "HTTP header",
            Self::Raw => "raw token",
            Self::Netrc => ".netrc",
            Self::ExecCredential => "Kubernetes ExecCredential",
            Self::GitCredential => "git credential",
        }
    }
}

/// File extension for a format.
fn extension(format: Format) -> &'static str {
    match format {
        Format::Env => "env",
        Format::Json => "json",
        Format::Header => "header",
        Format::Raw => "token",
        Format::Netrc => "netrc",
        Format::ExecCredential => "exec-credential.json",
        Format::GitCredential => "git-credential",
    }
}

/// Writes `text` to `<dir>/exports/<profile>.<ext>`, 0600 and atomically; returns the path.
pub fn write_file(
    dir: &std::path::Path,
    profile: &str,
    format: Format,
    text: &str,
) -> Result<std::path::PathBuf, crate::store::StoreError> {
    crate::store::validate_profile(profile)?;
    let exports = dir.join("exports");
    crate::store::ensure_private_dir(&exports)?;
    let path = exports.join(format!("{profile}.{}", extension(format)));
    // Only a regular file (or nothing) is replaced, even in grantty's own directory.
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if !meta.is_file() => {
            return Err(crate::store::StoreError::io(
                "replace",
                &path,
                std::io::Error::other("not a regular file"),
            ));
        }
        _ => {}
    }
    crate::store::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// Whether `format` carries the refresh token (and the ID token), not only the access token.
pub fn holds_refresh_token(format: Format) -> bool {
    format == Format::Json
}

/// What a written export file is, said where it is written: a copy that goes stale.
pub fn snapshot_note(format: Format) -> &'static str {
    if holds_refresh_token(format) {
        "a snapshot holding the refresh token: it is not updated on refresh nor removed on revoke; delete it when done"
    } else {
        "a snapshot: it is not updated on refresh nor removed on revoke; delete it when done"
    }
}

/// `format` as it goes to the clipboard: without the final newline, so pasting it into a shell
/// without bracketed paste does not run it.
pub fn clipboard_text(session: &Session, format: Format, now: Timestamp) -> String {
    let mut text = render(session, format, now);
    while text.ends_with(['\n', '\r']) {
        text.pop();
    }
    text
}

/// The directory whose `exports/` holds the export files: the store's, or the default state
/// directory for a store without one (memory, keyring).
pub fn files_dir(store_dir: &std::path::Path) -> std::path::PathBuf {
    if store_dir.as_os_str().is_empty() {
        crate::store::default_dir().unwrap_or_default()
    } else {
        store_dir.to_path_buf()
    }
}

/// Removes grantty's own export files of `profile` (`<dir>/exports/<profile>.*`, as
/// [`write_file`] names them); files written elsewhere with `--output` are the user's. Returns
/// the paths removed.
pub fn remove_files(
    dir: &std::path::Path,
    profile: &str,
) -> Result<Vec<std::path::PathBuf>, crate::store::StoreError> {
    crate::store::validate_profile(profile)?;
    let exports = dir.join("exports");
    let mut removed = Vec::new();
    for format in <Format as clap::ValueEnum>::value_variants() {
        let path = exports.join(format!("{profile}.{}", extension(*format)));
        if crate::store::remove_private(&path)? {
            removed.push(path);
        }
    }
    Ok(removed)
}

/// The scheme the stored provider expects.
pub fn scheme(session: &Session) -> AuthScheme {
    if session.meta.provider.kind == "anaplan" {
        AuthScheme::AnaplanAuthToken
    } else {
        AuthScheme::Bearer
    }
}

/// The user name paired with the access token where a protocol wants one (`.netrc`, git):
/// servers that take an OAuth token as a Basic-auth password either ignore the name (GitHub,
/// Gitea) or require `oauth2` (GitLab); the subject is often an opaque id.
pub const TOKEN_USERNAME: &str = "oauth2";

/// The `apiVersion` of the `ExecCredential` grantty prints.
pub const EXEC_CREDENTIAL_API_VERSION: &str = "client.authentication.k8s.io/v1";

/// `host` without a trailing `:port` (`[::1]:8080` gives `[::1]`).
pub fn host_without_port(host: &str) -> &str {
    match host.rsplit_once(':') {
        Some((name, port))
            if !port.is_empty()
                && port.bytes().all(|b| b.is_ascii_digit())
                && (!name.contains(':') || name.ends_with(']')) =>
        {
            name
        }
        _ => host,
    }
}

/// git credential lines for `session`: user name, the access token as password and, when known,
/// its expiry (`password_expiry_utc`, read by git 2.41 and later).
pub fn git_credential(session: &Session) -> String {
    let expiry = session
        .meta
        .access_expires_at
        .map(|exp| format!("password_expiry_utc={}\n", exp.as_unix_secs()))
        .unwrap_or_default();
    format!(
        "username={TOKEN_USERNAME}\npassword={}\n{expiry}",
        session.secrets.access_token.expose()
    )
}

/// Single-quotes `s` for a POSIX shell.
fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// Renders `session` in `format`, ending with a newline.
pub fn render(session: &Session, format: Format, now: Timestamp) -> String {
    let at = session.secrets.access_token.expose();
    match format {
        Format::Raw => format!("{at}\n"),
        Format::Header => format!(
            "Authorization: {}\n",
            scheme(session).header_value(&session.secrets.access_token)
        ),
        Format::Env => {
            let header = scheme(session).header_value(&session.secrets.access_token);
            let mut lines = vec![
                format!("export GRANTTY_ACCESS_TOKEN={}", shell_quote(at)),
                format!("export GRANTTY_AUTH_HEADER={}", shell_quote(&header)),
            ];
            if let Some(exp) = session.meta.access_expires_at {
                lines.push(format!("export GRANTTY_EXPIRES_AT={}", exp.as_unix_secs()));
            }
            lines.join("\n") + "\n"
        }
        Format::Json => {
            let value = json!({
                "profile": session.meta.profile,
                "token_type": session.meta.token_type,
                "authorization_scheme": scheme(session).name(),
                "access_token": at,
                "expires_at": session.meta.access_expires_at.map(Timestamp::as_unix_secs),
                "expires_in": session.access_remaining_secs(now),
                "refresh_token": session.secrets.refresh_token.as_ref().map(RefreshToken::expose),
                "refresh_token_expires_at": session.meta.refresh_token_ends().map(Timestamp::as_unix_secs),
                "id_token": session.secrets.id_token.as_ref().map(IdToken::expose),
                "scope": session.meta.scope,
            });
            format!("{value}\n")
        }
        Format::Netrc => format!(
            "machine {} login {TOKEN_USERNAME} password {at}\n",
            host_without_port(&session.meta.provider.host)
        ),
        Format::ExecCredential => {
            let mut status = serde_json::Map::new();
            status.insert("token".into(), at.into());
            if let Some(exp) = session.meta.access_expires_at {
                status.insert("expirationTimestamp".into(), exp.to_rfc3339().into());
            }
            let value = json!({
                "apiVersion": EXEC_CREDENTIAL_API_VERSION,
                "kind": "ExecCredential",
                "status": status,
            });
            format!("{value}\n")
        }
        Format::GitCredential => git_credential(session),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::secret::{AccessToken, RefreshToken};
    use crate::domain::session::ProviderRecord;
    use crate::domain::token::TokenSet;

    fn session(kind: &str) -> Session {
        let record = ProviderRecord {
            kind: kind.into(),
            host: "h".into(),
            client_id: "c".into(),
            scope: "s".into(),
            device_authorization_endpoint: "https://h/d".into(),
            token_endpoint: "https://h/t".into(),
            userinfo_endpoint: None,
            code_flow: None,
            revocation_endpoint: None,
            logout_endpoint: None,
            refresh_token_lifespan_secs: None,
            client_auth: None,
            client_secret_source: None,
        };
        let now = Timestamp::from_unix_secs(1000);
        let tokens = TokenSet {
            access_token: AccessToken::new("at'x"),
            token_type: "Bearer".into(),
            expires_at: Some(now.plus_secs(2100)),
            refresh_token: Some(RefreshToken::new("rt")),
            refresh_token_expires_at: None,
            scope: None,
            id_token: None,
            issued_at: now,
        };
        Session::new("default", record, tokens, now)
    }

    #[test]
    fn the_clipboard_gets_no_trailing_newline() {
        let s = session("generic");
        let now = Timestamp::from_unix_secs(0);
        let raw = clipboard_text(&s, Format::Raw, now);
        assert_eq!(raw, s.secrets.access_token.expose());
        let env = clipboard_text(&s, Format::Env, now);
        assert!(!env.ends_with('\n') && env.lines().count() > 1, "{env}");
    }

    #[test]
    fn header_uses_the_providers_scheme() {
        let now = Timestamp::from_unix_secs(1000);
        assert_eq!(
            render(&session("anaplan"), Format::Header, now),
            "Authorization: AnaplanAuthToken at'x\n"
        );
        assert_eq!(
            render(&session("generic"), Format::Header, now),
            "Authorization: Bearer at'x\n"
        );
    }

    #[test]
    fn env_lines_are_shell_quoted() {
        let out = render(
            &session("generic"),
            Format::Env,
            Timestamp::from_unix_secs(1000),
        );
        assert!(
            out.starts_with("export GRANTTY_ACCESS_TOKEN='at'\\''x'\n"),
            "{out}"
        );
        assert!(out.contains("export GRANTTY_EXPIRES_AT=3100\n"));
    }

    #[test]
    fn json_carries_tokens_and_expiry() {
        let out = render(
            &session("generic"),
            Format::Json,
            Timestamp::from_unix_secs(1100),
        );
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["access_token"], "at'x");
        assert_eq!(v["refresh_token"], "rt");
        assert_eq!(v["expires_in"], 2000);
        assert_eq!(v["authorization_scheme"], "Bearer");
    }

    #[test]
    fn host_without_port_keeps_names_and_ipv6_literals() {
        assert_eq!(host_without_port("idp.example.com"), "idp.example.com");
        assert_eq!(host_without_port("127.0.0.1:4000"), "127.0.0.1");
        assert_eq!(host_without_port("[::1]:8080"), "[::1]");
        assert_eq!(host_without_port("[::1]"), "[::1]");
        assert_eq!(host_without_port("host:"), "host:");
    }

    #[test]
    fn netrc_names_the_host_without_its_port() {
        let mut s = session("generic");
        s.meta.provider.host = "idp.example.com:8443".into();
        assert_eq!(
            render(&s, Format::Netrc, Timestamp::from_unix_secs(1000)),
            "machine idp.example.com login oauth2 password at'x\n"
        );
    }

    #[test]
    fn exec_credential_has_an_rfc3339_expiry_or_none() {
        let mut s = session("generic");
        let out = render(&s, Format::ExecCredential, Timestamp::from_unix_secs(1000));
        assert_eq!(
            out,
            r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"expirationTimestamp":"1970-01-01T00:51:40Z","token":"at'x"}}"#.to_owned() + "\n"
        );
        s.meta.access_expires_at = None;
        let v: serde_json::Value = serde_json::from_str(&render(
            &s,
            Format::ExecCredential,
            Timestamp::from_unix_secs(1000),
        ))
        .unwrap();
        assert!(v["status"].get("expirationTimestamp").is_none(), "{v}");
    }

    #[test]
    fn git_credential_lines_carry_the_expiry_when_known() {
        let mut s = session("generic");
        assert_eq!(
            render(&s, Format::GitCredential, Timestamp::from_unix_secs(1000)),
            "username=oauth2\npassword=at'x\npassword_expiry_utc=3100\n"
        );
        s.meta.access_expires_at = None;
        assert_eq!(git_credential(&s), "username=oauth2\npassword=at'x\n");
    }

    #[test]
    fn file_export_is_private_and_replaces_the_old_file() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let first = write_file(dir.path(), "default", Format::Env, "old\n").unwrap();
        let path = write_file(dir.path(), "default", Format::Env, "new\n").unwrap();
        assert_eq!(first, path);
        assert_eq!(path, dir.path().join("exports").join("default.env"));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new\n");
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("exports")), 0o700);
        assert!(
            write_file(dir.path(), "../escape", Format::Env, "x").is_err(),
            "profile names are checked"
        );
    }

    #[test]
    fn file_export_replaces_only_a_regular_file_in_its_own_directory() {
        let dir = tempfile::tempdir().unwrap();
        let elsewhere = dir.path().join("elsewhere");
        std::fs::write(&elsewhere, "keep\n").unwrap();
        std::fs::create_dir_all(dir.path().join("exports")).unwrap();
        let link = dir.path().join("exports").join("default.json");
        std::os::unix::fs::symlink(&elsewhere, &link).unwrap();
        assert!(write_file(dir.path(), "default", Format::Json, "new\n").is_err());
        assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), "keep\n");
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }
}
