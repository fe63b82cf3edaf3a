//! Where the browser's redirect goes, and how it comes back to grantty: a one-shot listener
//! on 127.0.0.1 when a local browser is usable and the redirect URI is ours to listen on, the
//! pasted address otherwise. Anaplan registers no loopback redirects, so it always pastes and
//! needs `--redirect-uri` (one of the client's Allowed callback URLs).

use url::{Host, Url};

use super::fail;
use super::loopback::Listener;
use crate::browser::BrowserPolicy;
use crate::error::{Error, exit};
use crate::oauth::provider::ProviderKind;

/// The redirect URI when none is given and the address is pasted back (RFC 8252 §7.3: a
/// loopback redirect; nothing needs to listen there, the browser's address bar is enough).
pub(super) const PASTE_REDIRECT_URI: &str = "http://127.0.0.1/callback";
/// Path of the loopback listener's redirect URI.
const LOOPBACK_PATH: &str = "/callback";

/// How the redirect comes back to grantty.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Capture {
    /// A one-shot listener on `127.0.0.1:port` (0: any free port) at `path`.
    Listen { port: u16, path: String },
    /// The user pastes the address the server sent the browser to.
    Paste(Url),
}

/// Chooses how the redirect is captured; pure, so the rules are tested in-file.
fn capture_for(
    redirect_uri: Option<&str>,
    policy: &BrowserPolicy,
    kind: ProviderKind,
) -> Result<Capture, Error> {
    let browser = matches!(policy, BrowserPolicy::Open(_));
    let Some(raw) = redirect_uri else {
        if kind == ProviderKind::Anaplan {
            return Err(Error::Usage("Anaplan sends the browser only to the client's registered callback URLs, never to a local port: pass --redirect-uri with one of the OAuth client's Allowed callback URLs".into()));
        }
        return Ok(if browser {
            Capture::Listen {
                port: 0,
                path: LOOPBACK_PATH.to_owned(),
            }
        } else {
            Capture::Paste(Url::parse(PASTE_REDIRECT_URI).map_err(|e| Error::Usage(e.to_string()))?)
        });
    };
    let url = Url::parse(raw.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        .ok_or_else(|| Error::Usage(format!("--redirect-uri {raw:?} is not an http(s) URL")))?;
    let listenable = url.scheme() == "http"
        && matches!(url.host(), Some(Host::Ipv4(ip)) if ip.is_loopback() && ip.octets() == [127, 0, 0, 1])
        && url.port().is_some();
    Ok(match (browser && listenable, url.port()) {
        (true, Some(port)) => Capture::Listen {
            port,
            path: url.path().to_owned(),
        },
        _ => Capture::Paste(url),
    })
}

/// Starts capturing: binds the listener when [`capture_for`] says so; returns it, if any, and
/// the redirect URI to send. A loopback port that cannot be bound stops the sign-in before any
/// browser opens: whoever holds the port would receive the authorization code.
pub(super) async fn open(
    redirect_uri: Option<&str>,
    policy: &BrowserPolicy,
    kind: ProviderKind,
) -> Result<(Option<Listener>, Url), Error> {
    match capture_for(redirect_uri, policy, kind)? {
        Capture::Paste(url) => Ok((None, url)),
        Capture::Listen { port, path } => match Listener::bind(port, &path).await {
            Ok(listener) => {
                let uri = listener.redirect_uri().clone();
                Ok((Some(listener), uri))
            }
            Err(e) => Err(fail(exit::USAGE, port_taken(port, &e))),
        },
    }
}

/// Why the sign-in stopped when the redirect port could not be bound, and what to do.
fn port_taken(port: u16, err: &std::io::Error) -> String {
    format!(
        "could not listen on 127.0.0.1:{port} ({err}). Another program may hold that port and would receive the authorization code, so no browser was opened. Stop that program, or pass --redirect-uri with a free port (one the client allows), then run grantty login --flow code again"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browser::{NoBrowser, Opener};

    fn capture(given: Option<&str>, browser: bool, kind: ProviderKind) -> Result<Capture, String> {
        let policy = if browser {
            BrowserPolicy::Open(Opener::XdgOpen)
        } else {
            BrowserPolicy::PasteBack(NoBrowser::Ssh)
        };
        capture_for(given, &policy, kind).map_err(|e| e.to_string())
    }

    #[test]
    fn capture_table() {
        use ProviderKind::{Anaplan, Generic};
        let listen = |port, path: &str| {
            Ok(Capture::Listen {
                port,
                path: path.to_owned(),
            })
        };
        let paste = |u: &str| Ok(Capture::Paste(Url::parse(u).unwrap()));
        assert_eq!(capture(None, true, Generic), listen(0, "/callback"));
        assert_eq!(capture(None, false, Generic), paste(PASTE_REDIRECT_URI));
        assert_eq!(
            capture(Some("http://127.0.0.1:8400/cb"), true, Generic),
            listen(8400, "/cb")
        );
        assert_eq!(
            capture(Some("http://127.0.0.1:8400/cb"), false, Generic),
            paste("http://127.0.0.1:8400/cb")
        );
        assert_eq!(
            capture(Some("http://127.0.0.1/cb"), true, Generic),
            paste("http://127.0.0.1/cb")
        );
        assert_eq!(
            capture(Some("http://localhost:8400/cb"), true, Generic),
            paste("http://localhost:8400/cb")
        );
        assert_eq!(
            capture(Some("https://example.com/cb"), true, Anaplan),
            paste("https://example.com/cb")
        );
        let anaplan = capture(None, true, Anaplan).unwrap_err();
        assert!(anaplan.contains("--redirect-uri"), "{anaplan}");
        assert!(capture(Some("myapp:/cb"), false, Generic).is_err());
    }
}
