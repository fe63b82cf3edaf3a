//! Rendering a session's tokens for other programs: shell variables, JSON, an HTTP header line.
//! These are the only functions that put token text into a string, and they run only when the
//! user asked for exactly that (`grantty token`, `grantty export`, the export menu).

use serde_json::json;

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
}

impl Format {
    /// Name for menus and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Env => "shell env",
            Self::Json => "JSON",
            Self::Header => "HTTP header",
            Self::Raw => "raw token",
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
    crate::store::write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// The scheme the stored provider expects.
pub fn scheme(session: &Session) -> AuthScheme {
    if session.meta.provider.kind == "anaplan" {
        AuthScheme::AnaplanAuthToken
    } else {
        AuthScheme::Bearer
    }
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
                "refresh_token_expires_at": session.meta.refresh.expires_at.map(Timestamp::as_unix_secs),
                "id_token": session.secrets.id_token.as_ref().map(IdToken::expose),
                "scope": session.meta.scope,
            });
            format!("{value}\n")
        }
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
            revocation_endpoint: None,
            logout_endpoint: None,
            refresh_token_lifespan_secs: None,
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
}
