//! Integrations for wrappers: kubectl exec credentials and the git credential helper.
//!
//! Both print the access token on stdout only because the calling program asked for exactly
//! that, refresh under the profile's lock as `grantty token` does, and never write anything
//! secret to stderr, which kubectl and git show to the user.

use std::io::{BufRead, Write as _};

use url::Url;

use super::scripts::served;
use super::setup::open_store;
use super::setup::service;
use crate::cli::{GitOperation, SessionArgs};
use crate::domain::session::ProviderRecord;
use crate::error::Error;
use crate::export::{self, Format};
use crate::oauth::provider::{host_and_port, is_loopback};
use crate::session_service::{MinValid, RefreshFailed};
use crate::store::StoreChoice;

/// Seconds an access token handed to kubectl must still be valid: kubectl caches it until its
/// `expirationTimestamp`, so it only has to survive the request that asked.
pub const KUBECTL_MIN_VALID_SECS: u64 = 60;
/// Seconds an access token handed to git must still be valid (one fetch or push).
pub const GIT_MIN_VALID_SECS: u64 = 60;
/// Most bytes read from git's request; real ones are a few hundred.
pub const GIT_REQUEST_MAX_BYTES: u64 = 64 * 1024;

/// `grantty kubectl-credential`: an `ExecCredential` with a token valid for at least
/// [`KUBECTL_MIN_VALID_SECS`].
pub async fn kubectl_credential(session: &SessionArgs) -> Result<(), Error> {
    let mut service = service(open_store(session, StoreChoice::Auto)?)?;
    service.lock_wait = super::hold::lock_wait(None);
    let served = Box::pin(served(
        &service,
        &session.profile,
        MinValid::Exactly(KUBECTL_MIN_VALID_SECS),
    ))
    .await
    .map_err(|e| with_login_hint(e, &session.profile))?;
    let out = export::render(&served.session, Format::ExecCredential, service.clock.now());
    std::io::stdout().write_all(out.as_bytes())?;
    served.then
}

/// `grantty git-credential get|store|erase` (gitcredentials(7), "Custom helpers").
///
/// `get` answers only for the stored provider's host, over https (or http to loopback);
/// otherwise it prints nothing and exits 0 so git asks its other helpers. `store` and `erase`
/// do nothing: grantty keeps its own tokens, and a rejected token is not a reason to delete a
/// session that other programs share.
pub async fn git_credential(session: &SessionArgs, operation: GitOperation) -> Result<(), Error> {
    let request = read_git_request(std::io::stdin().lock())?;
    if operation != GitOperation::Get {
        return Ok(());
    }
    let store = open_store(session, StoreChoice::Auto)?;
    let meta = store
        .load_meta(&session.profile)?
        .ok_or_else(|| not_signed_in(&session.profile))?;
    if !serves(&request, &meta.provider) {
        return Ok(());
    }
    let mut service = service(store)?;
    service.lock_wait = super::hold::lock_wait(None);
    let served = Box::pin(served(
        &service,
        &session.profile,
        MinValid::Exactly(GIT_MIN_VALID_SECS),
    ))
    .await
    .map_err(|e| with_login_hint(e, &session.profile))?;
    std::io::stdout().write_all(export::git_credential(&served.session).as_bytes())?;
    served.then
}

/// The attributes of git's request that decide whether grantty answers.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GitRequest {
    /// `protocol`, e.g. `https`.
    pub protocol: Option<String>,
    /// `host`, with `:port` when the URL had one.
    pub host: Option<String>,
}

/// Reads `key=value` lines until a blank line or end of input (at most
/// [`GIT_REQUEST_MAX_BYTES`]). Unknown keys and lines without `=` are ignored, as git adds
/// attributes over time (`capability[]`, `wwwauth[]`, …).
pub fn read_git_request(input: impl BufRead) -> Result<GitRequest, Error> {
    let mut limited = input.take(GIT_REQUEST_MAX_BYTES + 1);
    let mut request = GitRequest::default();
    let mut read: u64 = 0;
    let mut line = String::new();
    loop {
        line.clear();
        let n = limited.read_line(&mut line).map_err(|e| {
            Error::Usage(format!(
                "git's credential request could not be read ({e}); expected key=value lines"
            ))
        })?;
        read += u64::try_from(n).unwrap_or(u64::MAX);
        if read > GIT_REQUEST_MAX_BYTES {
            return Err(Error::Usage(format!(
                "git's credential request is larger than {GIT_REQUEST_MAX_BYTES} bytes; refusing it"
            )));
        }
        let text = line.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            return Ok(request);
        }
        match text.split_once('=') {
            Some(("protocol", v)) => request.protocol = Some(v.to_owned()),
            Some(("host", v)) => request.host = Some(v.to_owned()),
            _ => {}
        }
    }
}

/// True when `request` asks for the host the session belongs to, over https (or plain http to
/// a loopback host, like the provider's own endpoints): a token is never sent in clear text.
pub fn serves(request: &GitRequest, provider: &ProviderRecord) -> bool {
    let (Some(protocol), Some(host)) = (&request.protocol, &request.host) else {
        return false;
    };
    // git sends a bare scheme and a bare authority; anything that could smuggle another URL,
    // user info or a path into the one built below (`protocol=http://HOST#`) is refused.
    if !matches!(protocol.as_str(), "https" | "http") || host.contains(['@', '/', '\\', '?', '#']) {
        return false;
    }
    let Ok(url) = Url::parse(&format!("{protocol}://{host}/")) else {
        return false;
    };
    let safe = match url.scheme() {
        "https" => true,
        "http" => is_loopback(&url),
        _ => false,
    };
    safe && host_and_port(&url).eq_ignore_ascii_case(&provider.host)
}

fn not_signed_in(profile: &str) -> Error {
    Error::Refresh(RefreshFailed::NotSignedIn {
        profile: profile.to_owned(),
    })
}

/// "Not signed in" names the exact command to run, profile included: the message is read inside
/// kubectl's or git's output, far from grantty.
fn with_login_hint(err: Error, profile: &str) -> Error {
    match err {
        Error::Refresh(RefreshFailed::NotSignedIn { .. }) => Error::SignIn {
            code: crate::error::exit::SIGN_IN_NEEDED,
            message: format!(
                "profile {profile:?} is not signed in: run `grantty login --profile {profile}` in a terminal, then try again"
            ),
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(host: &str) -> ProviderRecord {
        ProviderRecord {
            kind: "generic".into(),
            host: host.into(),
            client_id: "c".into(),
            scope: "s".into(),
            device_authorization_endpoint: format!("https://{host}/d"),
            token_endpoint: format!("https://{host}/t"),
            userinfo_endpoint: None,
            code_flow: None,
            revocation_endpoint: None,
            logout_endpoint: None,
            refresh_token_lifespan_secs: None,
            client_auth: None,
            client_secret_source: None,
        }
    }

    fn request(text: &str) -> GitRequest {
        read_git_request(text.as_bytes()).unwrap()
    }

    #[test]
    fn request_stops_at_the_blank_line_and_ignores_other_keys() {
        let r = request(
            "capability[]=authtype\nprotocol=https\nhost=git.example.com\nusername=alice\n\nhost=evil.example\n",
        );
        assert_eq!(r.protocol.as_deref(), Some("https"));
        assert_eq!(r.host.as_deref(), Some("git.example.com"));
        assert_eq!(request("protocol=https").protocol.as_deref(), Some("https"));
        assert_eq!(request(""), GitRequest::default());
    }

    #[test]
    fn oversized_request_is_refused() {
        let big = format!("path={}\n", "a".repeat(70_000));
        assert!(matches!(
            read_git_request(big.as_bytes()),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn serves_only_the_providers_host_over_https() {
        let p = record("git.example.com");
        let ask = |protocol: &str, host: &str| {
            serves(
                &GitRequest {
                    protocol: Some(protocol.into()),
                    host: Some(host.into()),
                },
                &p,
            )
        };
        assert!(ask("https", "git.example.com"));
        assert!(
            ask("https", "GIT.example.com:443"),
            "default port, any case"
        );
        assert!(!ask("https", "git.example.com:8443"));
        assert!(!ask("https", "other.example.com"));
        assert!(!ask("http", "git.example.com"), "no token in clear text");
        assert!(!ask("https", "git.example.com/evil"));
        assert!(!ask("https", "me@git.example.com"));
        assert!(!serves(&GitRequest::default(), &p));
    }

    #[test]
    fn serves_plain_http_only_on_loopback() {
        let p = record("127.0.0.1:4000");
        let req = |host: &str| GitRequest {
            protocol: Some("http".into()),
            host: Some(host.into()),
        };
        assert!(serves(&req("127.0.0.1:4000"), &p));
        assert!(!serves(&req("127.0.0.1:4001"), &p));
    }
}
