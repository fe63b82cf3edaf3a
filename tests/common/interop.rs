//! Interoperability harness: a real third-party authorization server, panva's
//! `oidc-provider` (npm), run by `tests/interop/oidc-provider/server.mjs` on a free loopback
//! port, plus a scripted "user with a browser" that approves or denies device
//! authorizations through the server's own HTML pages.
//!
//! Prerequisites: `node` and `npm` on `PATH`. The pinned packages are
//! installed on first use ([`install`]); without node or npm the tests skip
//! locally with a notice on stderr, but fail when `CI` is set.

// `approve_authorization`: the authorization code grant on the same pages.
mod authorize;
// First-use `npm ci` under a lock shared by every test binary.
mod install;

use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

/// The public client registered in `server.mjs`.
pub const CLIENT_ID: &str = "grantty-interop";
/// The account the harness signs in as (the `sub` of issued tokens).
pub const LOGIN: &str = "interop-user";
/// The `email` claim `server.mjs` returns for every account.
pub const EMAIL: &str = "interop.user@example.com";
/// `grant_type` of the device access token request (RFC 8628 §3.4).
pub const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

const STARTUP_TIMEOUT: Duration = Duration::from_secs(30);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// Upper bound on requests for one page load, redirects included.
const MAX_BROWSER_STEPS: usize = 10;
/// Upper bound on pages (forms submitted) in one approval.
const MAX_PAGES: usize = 10;
const LOG_LIMIT: usize = 64 * 1024;

/// A running `oidc-provider`, killed on drop.
pub struct OidcProvider {
    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub issuer: String,
    child: Child,
    /// Everything the server wrote to stderr (bounded), for error messages.
    log: Arc<Mutex<String>>,
}

impl OidcProvider {
    /// Starts `tests/interop/oidc-provider/server.mjs` with node on a free loopback port
    /// and waits (at most 30 s) for the JSON line announcing its issuer.
    ///
    /// Installs the pinned npm packages first if they are not there yet. If
    /// `node` or `npm` is missing, returns `Ok(None)` after printing a loud
    /// SKIPPED line, unless `CI` is set, in which case it returns `Err` so the
    /// test fails.
    pub fn start() -> Result<Option<OidcProvider>, String> {
        let dir = interop_dir();
        match install::ensure_installed(&dir) {
            Ok(()) => {}
            Err(install::Missing::NoNpm) => {
                return missing_prerequisite(
                    "`npm` was not found on PATH, so the pinned packages in \
                     tests/interop/oidc-provider/package-lock.json cannot be installed",
                );
            }
            Err(install::Missing::Failed(why)) => return Err(why),
        }

        let spawned = Command::new("node")
            .arg("server.mjs")
            .arg("0")
            .current_dir(&dir)
            // The server exits when its stdin closes, so it dies with us even
            // if Drop never runs. The pipe stays open while `child` lives.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return missing_prerequisite("`node` was not found on PATH");
            }
            Err(err) => return Err(format!("could not start node server.mjs: {err}")),
        };

        let log = Arc::new(Mutex::new(String::new()));
        let stderr_reader = child
            .stderr
            .take()
            .map(|stderr| drain_into(stderr, Arc::clone(&log)));
        let Some(stdout) = child.stdout.take() else {
            kill(&mut child);
            return Err("node's stdout was not captured".to_owned());
        };
        let (tx, rx) = mpsc::channel();
        let stdout_log = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                match (tx.as_ref(), issuer_from_line(&line)) {
                    (Some(sender), Some(issuer)) => {
                        let _ = sender.send(issuer);
                        tx = None;
                    }
                    // Not expected, but keep it for diagnostics.
                    _ => append_log(&stdout_log, &format!("[stdout] {line}\n")),
                }
            }
        });

        let mut provider = OidcProvider {
            issuer: String::new(),
            child,
            log,
        };
        match rx.recv_timeout(STARTUP_TIMEOUT) {
            Ok(mut issuer) if issuer.starts_with("http://127.0.0.1:") => {
                issuer.truncate(issuer.trim_end_matches('/').len());
                provider.issuer = issuer;
                Ok(Some(provider))
            }
            Ok(issuer) => Err(format!(
                "oidc-provider announced a non-loopback issuer {issuer:?}{}",
                provider.log_tail()
            )),
            Err(mpsc::RecvTimeoutError::Timeout) => Err(format!(
                "oidc-provider did not announce its issuer within {STARTUP_TIMEOUT:?}{}",
                provider.log_tail()
            )),
            Err(mpsc::RecvTimeoutError::Disconnected) => {
                let status = provider.child.wait().map_or_else(
                    |err| format!("unknown exit status ({err})"),
                    |status| status.to_string(),
                );
                // node is gone, so its stderr reaches EOF: collect all of it.
                if let Some(reader) = stderr_reader {
                    let _ = reader.join();
                }
                Err(format!(
                    "oidc-provider exited before announcing its issuer: {status}{}",
                    provider.log_tail()
                ))
            }
        }
    }

    /// `issuer` + `path` (`path` starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }

    /// Approves a pending device authorization like a user with a browser:
    /// opens `verification_uri_complete`, submits the confirm form, signs in
    /// through the devInteractions login form, grants consent and checks
    /// the success page.
    pub async fn approve(&self, verification_uri_complete: &str) -> Result<(), String> {
        self.browse(verification_uri_complete, Decision::Approve)
            .await
    }

    /// Like [`approve`](Self::approve), but presses "[ Abort ]" on the
    /// confirm page; the device code then redeems to `access_denied`.
    pub async fn deny(&self, verification_uri_complete: &str) -> Result<(), String> {
        self.browse(verification_uri_complete, Decision::Deny).await
    }

    /// The server's stderr so far (warnings, server errors).
    pub fn server_log(&self) -> String {
        self.log.lock().map(|log| log.clone()).unwrap_or_default()
    }

    fn log_tail(&self) -> String {
        let log = self.server_log();
        if log.trim().is_empty() {
            return String::new();
        }
        let start = log.len().saturating_sub(4000);
        let start = (start..log.len())
            .find(|&i| log.is_char_boundary(i))
            .unwrap_or(0);
        format!("\n--- oidc-provider stderr ---\n{}", &log[start..])
    }

    async fn browse(&self, start: &str, decision: Decision) -> Result<(), String> {
        let mut browser = Browser::new(self)?;
        if !browser.same_origin(start) {
            return Err(format!(
                "verification URI {start:?} is not on the issuer {}",
                self.issuer
            ));
        }
        let mut page = browser.get(start).await?;
        let mut confirmed = false;
        let mut logged_in = false;
        let mut consented = false;

        // Normally 4 pages: callback form, confirm, login, consent.
        for _ in 0..MAX_PAGES {
            let forms = parse_forms(&page.body);
            let on_device_page = page.url_path() == "/device";

            // 1. "Submitting Callback": GET /device?user_code=… answers with
            //    an auto-submitting form (xsrf + user_code) back to /device.
            if let Some(form) = forms.iter().find(|form| {
                on_device_page
                    && form.id.is_none()
                    && form.field("xsrf").is_some()
                    && form.field("user_code").is_some()
                    && form.field("confirm").is_none()
            }) && !confirmed
            {
                page = browser.submit(&page, form, &[]).await?;
                continue;
            }

            // 2. "Confirm Device": Continue, or the "[ Abort ]" button.
            if let Some(form) = forms
                .iter()
                .find(|form| form.id.as_deref() == Some("op.deviceConfirmForm"))
            {
                if confirmed {
                    return Err(browser.unexpected(&page, "a second confirm page"));
                }
                confirmed = true;
                if decision == Decision::Deny {
                    let Some(abort) = form.button("abort") else {
                        return Err(browser.unexpected(&page, "no abort button"));
                    };
                    let extra = [("abort".to_owned(), abort.to_owned())];
                    page = browser.submit(&page, form, &extra).await?;
                    let text = page_text(&page.body);
                    if page.status == 200 && text.contains("The Sign-in request was interrupted") {
                        return Ok(());
                    }
                    return Err(browser.unexpected(&page, "abort was not acknowledged"));
                }
                page = browser.submit(&page, form, &[]).await?;
                continue;
            }

            // 3. devInteractions login ("Enter any login").
            if let Some(form) = forms
                .iter()
                .find(|form| form.field("prompt") == Some("login"))
            {
                if !confirmed || logged_in {
                    return Err(browser.unexpected(&page, "an unexpected login page"));
                }
                logged_in = true;
                let extra = [
                    ("login".to_owned(), LOGIN.to_owned()),
                    ("password".to_owned(), "interop-password".to_owned()),
                ];
                page = browser.submit(&page, form, &extra).await?;
                continue;
            }

            // 4. devInteractions consent ("Authorize").
            if let Some(form) = forms
                .iter()
                .find(|form| form.field("prompt") == Some("consent"))
            {
                if !logged_in || consented {
                    return Err(browser.unexpected(&page, "an unexpected consent page"));
                }
                consented = true;
                page = browser.submit(&page, form, &[]).await?;
                continue;
            }

            // 5. Device flow success page.
            let text = page_text(&page.body);
            if page.status == 200 && text.contains("Sign-in Success") {
                return if confirmed && logged_in && consented && decision == Decision::Approve {
                    Ok(())
                } else {
                    Err(browser.unexpected(&page, "success without confirm, login and consent"))
                };
            }

            return Err(browser.unexpected(&page, "a page the harness does not know"));
        }
        Err(browser.unexpected(&page, "too many pages"))
    }
}

impl Drop for OidcProvider {
    fn drop(&mut self) {
        kill(&mut self.child);
    }
}

/// A `reqwest` client for talking to the loopback server: rustls provider
/// installed, bounded timeouts, no redirects (callers see raw responses).
pub fn http_client() -> Result<reqwest::Client, String> {
    client_builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|err| format!("building the HTTP client: {err}"))
}

fn client_builder() -> reqwest::ClientBuilder {
    // reqwest is built with `rustls-no-provider`; an error here only means a
    // provider is already installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .connect_timeout(REQUEST_TIMEOUT)
        .no_proxy()
}

fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop/oidc-provider")
}

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| {
        let value = value.trim();
        !value.is_empty() && value != "0" && !value.eq_ignore_ascii_case("false")
    })
}

fn missing_prerequisite(what: &str) -> Result<Option<OidcProvider>, String> {
    if in_ci() {
        return Err(format!(
            "oidc-provider interop tests cannot run: {what}. CI is set, so this is a failure \
             (install node and npm)."
        ));
    }
    install::notice(&format!(
        "SKIPPED: oidc-provider interop test: {what}. Set CI=true to make this a failure"
    ));
    Ok(None)
}

fn issuer_from_line(line: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(line.trim()).ok()?;
    value.get("issuer")?.as_str().map(str::to_owned)
}

fn append_log(log: &Mutex<String>, text: &str) {
    if let Ok(mut log) = log.lock()
        && log.len() < LOG_LIMIT
    {
        log.push_str(text);
    }
}

fn drain_into(
    stream: impl Read + Send + 'static,
    log: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            append_log(&log, &format!("{line}\n"));
        }
    })
}

fn kill(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Decision {
    Approve,
    Deny,
}

/// A loaded page: final URL after redirects, status and body.
struct Page {
    url: reqwest::Url,
    status: u16,
    body: String,
}

impl Page {
    fn url_path(&self) -> &str {
        self.url.path()
    }
}

/// A minimal scripted browser: cookie store, redirects followed by hand and
/// only within the issuer's origin, a trail of every request for errors.
/// Where a [`Browser::walk`] ended.
enum Step {
    /// A page on the issuer's origin.
    Page(Page),
    /// An address outside the origin, not requested (e.g. the client's redirect URI).
    Left(String),
}

struct Browser<'a> {
    provider: &'a OidcProvider,
    client: reqwest::Client,
    origin: reqwest::Url,
    trail: Vec<String>,
}

impl<'a> Browser<'a> {
    fn new(provider: &'a OidcProvider) -> Result<Self, String> {
        let origin = reqwest::Url::parse(&provider.issuer)
            .map_err(|err| format!("issuer {:?} is not a URL: {err}", provider.issuer))?;
        let client = client_builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|err| format!("building the browser client: {err}"))?;
        Ok(Browser {
            provider,
            client,
            origin,
            trail: Vec::new(),
        })
    }

    fn same_origin(&self, url: &str) -> bool {
        reqwest::Url::parse(url).is_ok_and(|url| self.is_origin(&url))
    }

    fn is_origin(&self, url: &reqwest::Url) -> bool {
        url.scheme() == self.origin.scheme()
            && url.host_str() == Some("127.0.0.1")
            && url.host_str() == self.origin.host_str()
            && url.port_or_known_default() == self.origin.port_or_known_default()
    }

    async fn get(&mut self, url: &str) -> Result<Page, String> {
        let url = reqwest::Url::parse(url).map_err(|err| format!("bad URL {url:?}: {err}"))?;
        self.load(reqwest::Method::GET, url, None).await
    }

    /// Submits `form` as a browser would: its hidden fields plus `extra`
    /// (typed inputs, the pressed button), form-encoded, to its action.
    async fn submit(
        &mut self,
        page: &Page,
        form: &HtmlForm,
        extra: &[(String, String)],
    ) -> Result<Page, String> {
        let action = if form.action.is_empty() {
            page.url.clone()
        } else {
            page.url
                .join(&form.action)
                .map_err(|err| format!("bad form action {:?}: {err}", form.action))?
        };
        if !form.method.eq_ignore_ascii_case("post") {
            return Err(self.unexpected(page, "a form that is not method=post"));
        }
        let mut fields = form.fields.clone();
        fields.extend(extra.iter().cloned());
        self.load(reqwest::Method::POST, action, Some(fields)).await
    }

    async fn load(
        &mut self,
        method: reqwest::Method,
        url: reqwest::Url,
        form: Option<Vec<(String, String)>>,
    ) -> Result<Page, String> {
        match self.walk(method, url, form).await? {
            Step::Page(page) => Ok(page),
            Step::Left(url) => Err(format!(
                "refusing to leave the issuer's origin for {url}\n{}",
                self.trail_text()
            )),
        }
    }

    /// Sends a request and follows redirects like a browser, within the issuer's origin: ends
    /// at the first page, or at the first address outside the origin (not requested).
    async fn walk(
        &mut self,
        mut method: reqwest::Method,
        mut url: reqwest::Url,
        mut form: Option<Vec<(String, String)>>,
    ) -> Result<Step, String> {
        for _ in 0..MAX_BROWSER_STEPS {
            if !self.is_origin(&url) {
                return Ok(Step::Left(url.into()));
            }
            let mut request = self.client.request(method.clone(), url.clone());
            if let Some(fields) = &form {
                request = request.form(fields);
            }
            let response = request
                .send()
                .await
                .map_err(|err| format!("{method} {url}: {err}\n{}", self.trail_text()))?;
            let status = response.status();
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            let body = response
                .text()
                .await
                .map_err(|err| format!("{method} {url}: reading body: {err}"))?;
            let names: Vec<&str> = form
                .iter()
                .flatten()
                .map(|(name, _)| name.as_str())
                .collect();
            let sent = if names.is_empty() {
                String::new()
            } else {
                format!(" [{}]", names.join(", "))
            };
            self.trail.push(format!(
                "{method} {url}{sent} -> {}{}",
                status.as_u16(),
                location
                    .as_deref()
                    .map(|location| format!(" Location: {location}"))
                    .unwrap_or_default()
            ));
            if !status.is_redirection() {
                return Ok(Step::Page(Page {
                    url,
                    status: status.as_u16(),
                    body,
                }));
            }
            let Some(location) = location else {
                return Err(format!("{status} without Location\n{}", self.trail_text()));
            };
            url = url
                .join(&location)
                .map_err(|err| format!("bad Location {location:?}: {err}"))?;
            // 301/302/303 after a POST turn into a GET, as in browsers.
            if status != reqwest::StatusCode::TEMPORARY_REDIRECT
                && status != reqwest::StatusCode::PERMANENT_REDIRECT
            {
                method = reqwest::Method::GET;
                form = None;
            }
        }
        Err(format!("too many requests\n{}", self.trail_text()))
    }

    fn trail_text(&self) -> String {
        format!("--- requests ---\n{}", self.trail.join("\n"))
    }

    fn unexpected(&self, page: &Page, what: &str) -> String {
        let mut text = page_text(&page.body);
        if text.len() > 2000 {
            let mut end = 2000;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text.truncate(end);
            text.push_str(" …");
        }
        format!(
            "unexpected page from oidc-provider ({what}): {} {}\n--- page text ---\n{text}\n{}{}",
            page.status,
            page.url,
            self.trail_text(),
            self.provider.log_tail()
        )
    }
}

// ---------------------------------------------------------------------------
// Tiny HTML scanning, enough for oidc-provider's own pages.
// ---------------------------------------------------------------------------

/// A `<form>`: its attributes, hidden inputs and named submit buttons
/// (including `<button form="id">` outside the element).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HtmlForm {
    pub id: Option<String>,
    pub action: String,
    pub method: String,
    /// Hidden inputs, in document order.
    pub fields: Vec<(String, String)>,
    /// Named buttons: (name, value).
    pub buttons: Vec<(String, String)>,
}

impl HtmlForm {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(field, _)| field == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn button(&self, name: &str) -> Option<&str> {
        self.buttons
            .iter()
            .find(|(button, _)| button == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Every `<form>` in `html`, with hidden inputs and named buttons.
pub fn parse_forms(html: &str) -> Vec<HtmlForm> {
    let lower = html.to_ascii_lowercase();
    let mut forms = Vec::new();
    let mut spans = Vec::new();
    let mut from = 0;
    while let Some(Tag { start, end, attrs }) = next_tag(html, &lower, "form", from) {
        let close = lower[end..]
            .find("</form")
            .map_or(html.len(), |offset| end + offset);
        let inner = &html[end..close];
        let inner_lower = &lower[end..close];
        let mut form = HtmlForm {
            id: attr(&attrs, "id").map(str::to_owned),
            action: attr(&attrs, "action").unwrap_or_default().to_owned(),
            method: attr(&attrs, "method").unwrap_or("get").to_owned(),
            ..HtmlForm::default()
        };
        let mut at = 0;
        while let Some(Tag {
            end: input_end,
            attrs: input,
            ..
        }) = next_tag(inner, inner_lower, "input", at)
        {
            at = input_end;
            let hidden =
                attr(&input, "type").is_some_and(|kind| kind.eq_ignore_ascii_case("hidden"));
            if let (true, Some(name)) = (hidden, attr(&input, "name")) {
                let value = attr(&input, "value").unwrap_or_default();
                form.fields.push((name.to_owned(), value.to_owned()));
            }
        }
        forms.push(form);
        spans.push((start, close));
        from = close;
    }

    // Buttons belong to the form that contains them or that they name.
    let mut at = 0;
    while let Some(Tag {
        start,
        end,
        attrs: button,
    }) = next_tag(html, &lower, "button", at)
    {
        at = end;
        let Some(name) = attr(&button, "name") else {
            continue;
        };
        let owner = match attr(&button, "form") {
            Some(id) => forms.iter().position(|form| form.id.as_deref() == Some(id)),
            None => spans
                .iter()
                .position(|&(form_start, form_end)| form_start < start && start < form_end),
        };
        if let Some(index) = owner {
            let value = attr(&button, "value").unwrap_or_default().to_owned();
            forms[index].buttons.push((name.to_owned(), value));
        }
    }
    forms
}

/// One start tag found by [`next_tag`].
struct Tag {
    /// Byte offset of `<`.
    start: usize,
    /// Byte offset just past `>`.
    end: usize,
    /// Attributes, names lowercased, values entity-decoded.
    attrs: Vec<(String, String)>,
}

/// Finds the next `<name …>` start tag at or after `from`.
fn next_tag(html: &str, lower: &str, name: &str, from: usize) -> Option<Tag> {
    let needle = format!("<{name}");
    let mut search = from;
    loop {
        let start = search + lower.get(search..)?.find(&needle)?;
        let after = start + needle.len();
        let next = lower[after..].chars().next()?;
        if !(next.is_ascii_whitespace() || next == '>' || next == '/') {
            search = after;
            continue;
        }
        let (attrs, end) = parse_attrs(html, after);
        return Some(Tag { start, end, attrs });
    }
}

/// Parses attributes from `at` up to the closing `>` of a tag, honouring
/// quotes. Names are lowercased; values are entity-decoded.
fn parse_attrs(html: &str, at: usize) -> (Vec<(String, String)>, usize) {
    let bytes = html.as_bytes();
    let mut attrs = Vec::new();
    let mut i = at;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return (attrs, bytes.len());
        }
        if bytes[i] == b'>' {
            return (attrs, i + 1);
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = html[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && matches!(bytes[i], b'"' | b'\'') {
                let quote = bytes[i];
                let value_start = i + 1;
                let value_end = html[value_start..]
                    .bytes()
                    .position(|byte| byte == quote)
                    .map_or(bytes.len(), |offset| value_start + offset);
                value = decode_entities(&html[value_start..value_end]);
                i = (value_end + 1).min(bytes.len());
            } else {
                let value_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                value = decode_entities(&html[value_start..i]);
            }
        }
        if name.is_empty() {
            // A stray character such as `=`: skip it.
            i += 1;
        } else {
            attrs.push((name, value));
        }
    }
}

fn attr<'v>(attrs: &'v [(String, String)], name: &str) -> Option<&'v str> {
    attrs
        .iter()
        .find(|(attr, _)| attr == name)
        .map(|(_, value)| value.as_str())
}

/// Decodes the entities HTML escapers produce: named `&amp; &lt; &gt; &quot;
/// &apos;` and numeric `&#39;` / `&#x27;`. Anything else is left as is.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let entity = &rest[1..semi];
            let ch = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .map(|hex| u32::from_str_radix(hex, 16))
                    .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                    .and_then(Result::ok)
                    .and_then(char::from_u32),
            };
            ch.map(|ch| (ch, semi))
        });
        if let Some((ch, semi)) = decoded {
            out.push(ch);
            rest = &rest[semi + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Visible text of a page: no `<style>`/`<script>`, no tags, whitespace
/// collapsed, entities decoded.
pub fn page_text(html: &str) -> String {
    let mut cleaned = html.to_owned();
    for element in ["style", "script"] {
        loop {
            let lower = cleaned.to_ascii_lowercase();
            let Some(start) = lower.find(&format!("<{element}")) else {
                break;
            };
            let end = lower[start..]
                .find(&format!("</{element}>"))
                .map_or(cleaned.len(), |offset| start + offset + element.len() + 3);
            cleaned.replace_range(start..end, " ");
        }
    }
    let mut text = String::with_capacity(cleaned.len());
    let mut in_tag = false;
    for ch in cleaned.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(ch),
            _ => {}
        }
    }
    decode_entities(&text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a relayed `grantty login` ended with.
pub struct Relayed {
    /// Exit status.
    pub status: std::process::ExitStatus,
    /// Everything it wrote to stderr.
    pub stderr: String,
    /// Everything it wrote to stdout.
    pub stdout: String,
}

impl OidcProvider {
    /// Reads a `grantty login` child's stderr until it prints the link with the code, approves
    /// it on the provider's pages as a person would, then waits for the child to finish. The
    /// child must have piped stdout and stderr.
    pub async fn relay_login(&self, mut child: tokio::process::Child) -> Relayed {
        use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut stderr = String::new();
        let complete = loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .unwrap_or_else(|| panic!("no link printed:\n{stderr}"));
            stderr.push_str(&line);
            stderr.push('\n');
            if let Some(url) = line.strip_prefix("Or open this link, which includes the code: ") {
                break url.to_owned();
            }
        };
        self.approve(&complete).await.unwrap();
        while let Some(line) = lines.next_line().await.unwrap() {
            stderr.push_str(&line);
            stderr.push('\n');
        }
        let status = child.wait().await.unwrap();
        let mut stdout = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut stdout)
            .await
            .unwrap();
        Relayed {
            status,
            stderr,
            stdout,
        }
    }
}
