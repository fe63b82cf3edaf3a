//! Whether a local graphical browser can be used, and opening one.
//!
//! The policy is a pure function of the environment ([`decide`]), tested with injected
//! variables: a browser is usable only with a display (`DISPLAY` or `WAYLAND_DISPLAY`) and
//! outside SSH (neither `SSH_CONNECTION` nor `SSH_TTY`), because over SSH a browser would open on
//! the remote display or not at all. A text-mode browser in `BROWSER` (w3m, lynx, links,
//! elinks, browsh) is never launched: it would take over the terminal grantty is printing to,
//! and SSO pages do not work in it. Whenever no browser is usable, sign-in falls back to
//! pasting the redirect address.

use std::process::{Command, Stdio};

/// Browsers that run inside the terminal; `BROWSER` naming one of them means "paste mode".
pub const TEXT_BROWSERS: [&str; 7] = [
    "w3m",
    "lynx",
    "links",
    "links2",
    "elinks",
    "browsh",
    "www-browser",
];

/// What [`decide`] allows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BrowserPolicy {
    /// Open the authorization page with this command.
    Open(Opener),
    /// Show the address and let the user paste the redirect back.
    PasteBack(NoBrowser),
}

/// The command that opens a URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Opener {
    /// `xdg-open URL`.
    XdgOpen,
    /// The first entry of `$BROWSER`, split on whitespace; `%s` is replaced by the URL, which
    /// is appended when there is no `%s`. Never run through a shell.
    Browser(Vec<String>),
}

/// Why no browser is opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NoBrowser {
    /// Neither `DISPLAY` nor `WAYLAND_DISPLAY` is set.
    NoDisplay,
    /// `SSH_CONNECTION` or `SSH_TTY` is set.
    Ssh,
    /// `BROWSER` names a text-mode browser.
    TextBrowser(String),
}

impl std::fmt::Display for NoBrowser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NoDisplay => write!(
                f,
                "no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)"
            ),
            Self::Ssh => write!(f, "this is an SSH session"),
            Self::TextBrowser(name) => {
                write!(
                    f,
                    "BROWSER is {name:?}, a text-mode browser, which grantty never launches"
                )
            }
        }
    }
}

/// The policy for an environment read through `var` (empty values count as unset).
pub fn decide(var: impl Fn(&str) -> Option<String>) -> BrowserPolicy {
    let set = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    if set("SSH_CONNECTION").is_some() || set("SSH_TTY").is_some() {
        return BrowserPolicy::PasteBack(NoBrowser::Ssh);
    }
    if set("DISPLAY").is_none() && set("WAYLAND_DISPLAY").is_none() {
        return BrowserPolicy::PasteBack(NoBrowser::NoDisplay);
    }
    // `BROWSER` may list several commands separated by `:`; the first one is what runs.
    let first = set("BROWSER").and_then(|list| {
        list.split(':')
            .map(str::trim)
            .find(|entry| !entry.is_empty())
            .map(str::to_owned)
    });
    let Some(entry) = first else {
        return BrowserPolicy::Open(Opener::XdgOpen);
    };
    let words: Vec<String> = entry.split_whitespace().map(str::to_owned).collect();
    let program = words
        .first()
        .map_or("", |p| p.rsplit('/').next().unwrap_or(p));
    if TEXT_BROWSERS.contains(&program) {
        return BrowserPolicy::PasteBack(NoBrowser::TextBrowser(program.to_owned()));
    }
    BrowserPolicy::Open(Opener::Browser(words))
}

/// The policy for this process's environment.
pub fn from_env() -> BrowserPolicy {
    decide(|name| std::env::var(name).ok())
}

impl Opener {
    /// Program and arguments that open `url`.
    pub fn command_line(&self, url: &str) -> Vec<String> {
        match self {
            Self::XdgOpen => vec!["xdg-open".to_owned(), url.to_owned()],
            Self::Browser(words) => {
                let mut args: Vec<String> = words.iter().map(|w| w.replace("%s", url)).collect();
                if !words.iter().any(|w| w.contains("%s")) {
                    args.push(url.to_owned());
                }
                args
            }
        }
    }

    /// Starts the browser on `url` without waiting for it; its output is discarded so it
    /// cannot draw over grantty's prompt.
    pub fn open(&self, url: &str) -> std::io::Result<()> {
        let line = self.command_line(url);
        let Some((program, args)) = line.split_first() else {
            return Err(std::io::Error::other("BROWSER is empty"));
        };
        let mut child = browser_command(program, args).spawn()?;
        // Reap it whenever it exits (xdg-open returns at once; a browser may run for hours).
        std::thread::spawn(move || child.wait());
        Ok(())
    }
}

/// The browser's command: its output discarded, and none of grantty's secrets in its
/// environment (a browser is another program, and its children inherit what it gets).
fn browser_command(program: &str, args: &[String]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .env_remove(crate::oauth::client_auth::CLIENT_SECRET_ENV)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_never_inherits_the_client_secret() {
        let command = browser_command("xdg-open", &["http://127.0.0.1/".to_owned()]);
        let removed = command
            .get_envs()
            .any(|(name, value)| name == "GRANTTY_CLIENT_SECRET" && value.is_none());
        assert!(removed, "GRANTTY_CLIENT_SECRET must be removed");
    }

    fn policy(vars: &[(&str, &str)]) -> BrowserPolicy {
        decide(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn policy_table() {
        use BrowserPolicy::{Open, PasteBack};
        let browser = |words: &[&str]| {
            Open(Opener::Browser(
                words.iter().map(|w| (*w).to_owned()).collect(),
            ))
        };
        let text = |name: &str| PasteBack(NoBrowser::TextBrowser(name.to_owned()));
        let cases: Vec<(Vec<(&str, &str)>, BrowserPolicy)> = vec![
            (vec![], PasteBack(NoBrowser::NoDisplay)),
            (vec![("DISPLAY", "")], PasteBack(NoBrowser::NoDisplay)),
            (vec![("DISPLAY", ":0")], Open(Opener::XdgOpen)),
            (
                vec![("WAYLAND_DISPLAY", "wayland-0")],
                Open(Opener::XdgOpen),
            ),
            (
                vec![
                    ("DISPLAY", ":0"),
                    ("SSH_CONNECTION", "10.0.0.1 5 10.0.0.2 22"),
                ],
                PasteBack(NoBrowser::Ssh),
            ),
            (
                vec![("DISPLAY", "localhost:10.0"), ("SSH_TTY", "/dev/pts/3")],
                PasteBack(NoBrowser::Ssh),
            ),
            (vec![("SSH_TTY", "/dev/pts/3")], PasteBack(NoBrowser::Ssh)),
            (vec![("DISPLAY", ":0"), ("BROWSER", "w3m")], text("w3m")),
            (
                vec![
                    ("DISPLAY", ":0"),
                    ("BROWSER", "/usr/bin/lynx -accept_all_cookies"),
                ],
                text("lynx"),
            ),
            (vec![("DISPLAY", ":0"), ("BROWSER", "links")], text("links")),
            (
                vec![("DISPLAY", ":0"), ("BROWSER", "elinks:firefox")],
                text("elinks"),
            ),
            (
                vec![("DISPLAY", ":0"), ("BROWSER", "browsh")],
                text("browsh"),
            ),
            (
                vec![("DISPLAY", ":0"), ("BROWSER", "firefox:w3m")],
                browser(&["firefox"]),
            ),
            (
                vec![("DISPLAY", ":0"), ("BROWSER", "true")],
                browser(&["true"]),
            ),
            (
                vec![("BROWSER", "firefox")],
                PasteBack(NoBrowser::NoDisplay),
            ),
        ];
        for (vars, expected) in cases {
            assert_eq!(policy(&vars), expected, "{vars:?}");
        }
    }

    #[test]
    fn browser_command_takes_the_url_as_one_argument() {
        let url = "https://idp.example.com/authorize?a=1&b=two words";
        assert_eq!(Opener::XdgOpen.command_line(url), ["xdg-open", url]);
        let with_placeholder = Opener::Browser(vec!["firefox".into(), "--new-tab=%s".into()]);
        assert_eq!(
            with_placeholder.command_line(url),
            ["firefox".to_owned(), format!("--new-tab={url}")]
        );
        let plain = Opener::Browser(vec!["chromium".into(), "--incognito".into()]);
        assert_eq!(plain.command_line(url), ["chromium", "--incognito", url]);
    }

    #[test]
    fn the_reason_names_what_to_change() {
        assert!(
            NoBrowser::TextBrowser("w3m".into())
                .to_string()
                .contains("never launches")
        );
        assert!(NoBrowser::Ssh.to_string().contains("SSH"));
    }
}
