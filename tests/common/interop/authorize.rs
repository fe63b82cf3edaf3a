//! The scripted user for the authorization code grant (RFC 6749 §4.1) on oidc-provider's own
//! pages: open the authorize URL, sign in on the devInteractions login form, grant consent,
//! and stop at the redirect that leaves the issuer, returning its `Location` untouched, as a
//! user would copy it from the address bar.

use super::{Browser, LOGIN, MAX_BROWSER_STEPS, MAX_PAGES, OidcProvider, Page, parse_forms};

/// Where a request ended: a page on the issuer, or a redirect away from it.
enum Step {
    Page(Page),
    Left(String),
}

impl OidcProvider {
    /// Approves an authorization request like a user with a browser and returns the address
    /// the browser is finally sent to (the client's redirect URI with `code` and `state`),
    /// without requesting it.
    pub async fn approve_authorization(&self, authorize_url: &str) -> Result<String, String> {
        let mut browser = Browser::new(self)?;
        if !browser.same_origin(authorize_url) {
            return Err(format!(
                "{authorize_url:?} is not on the issuer {}",
                self.issuer
            ));
        }
        let start = reqwest::Url::parse(authorize_url).map_err(|e| e.to_string())?;
        let mut step = follow(&mut browser, reqwest::Method::GET, start, None).await?;
        let (mut logged_in, mut consented) = (false, false);
        for _ in 0..MAX_PAGES {
            let page = match step {
                Step::Left(location) if logged_in && consented => return Ok(location),
                Step::Left(location) => {
                    return Err(format!(
                        "redirected to {location} before login and consent\n{}",
                        browser.trail_text()
                    ));
                }
                Step::Page(page) => page,
            };
            let forms = parse_forms(&page.body);
            let (form, extra) = if let Some(form) =
                forms.iter().find(|f| f.field("prompt") == Some("login"))
            {
                if logged_in {
                    return Err(browser.unexpected(&page, "a second login page"));
                }
                logged_in = true;
                let extra = vec![
                    ("login".to_owned(), LOGIN.to_owned()),
                    ("password".to_owned(), "interop-password".to_owned()),
                ];
                (form, extra)
            } else if let Some(form) = forms.iter().find(|f| f.field("prompt") == Some("consent")) {
                if !logged_in || consented {
                    return Err(browser.unexpected(&page, "an unexpected consent page"));
                }
                consented = true;
                (form, Vec::new())
            } else {
                return Err(browser.unexpected(&page, "a page the harness does not know"));
            };
            let action = page.url.join(&form.action).map_err(|e| e.to_string())?;
            let mut fields = form.fields.clone();
            fields.extend(extra);
            step = follow(&mut browser, reqwest::Method::POST, action, Some(fields)).await?;
        }
        Err(format!("too many pages\n{}", browser.trail_text()))
    }
}

/// Like `Browser::load`, but a redirect off the issuer's origin ends the walk with its
/// `Location` instead of an error.
async fn follow(
    browser: &mut Browser<'_>,
    mut method: reqwest::Method,
    mut url: reqwest::Url,
    mut form: Option<Vec<(String, String)>>,
) -> Result<Step, String> {
    for _ in 0..MAX_BROWSER_STEPS {
        let mut request = browser.client.request(method.clone(), url.clone());
        if let Some(fields) = &form {
            request = request.form(fields);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {url}: {e}\n{}", browser.trail_text()))?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response
            .text()
            .await
            .map_err(|e| format!("{method} {url}: {e}"))?;
        browser.trail.push(format!(
            "{method} {url} -> {}{}",
            status.as_u16(),
            location
                .as_deref()
                .map(|l| format!(" Location: {l}"))
                .unwrap_or_default()
        ));
        if !status.is_redirection() {
            return Ok(Step::Page(Page {
                url,
                status: status.as_u16(),
                body,
            }));
        }
        let location = location
            .ok_or_else(|| format!("{status} without Location\n{}", browser.trail_text()))?;
        let next = url
            .join(&location)
            .map_err(|e| format!("bad Location {location:?}: {e}"))?;
        if !browser.is_origin(&next) {
            return Ok(Step::Left(next.into()));
        }
        url = next;
        // 301/302/303 after a POST turn into a GET, as in browsers.
        if status != reqwest::StatusCode::TEMPORARY_REDIRECT
            && status != reqwest::StatusCode::PERMANENT_REDIRECT
        {
            method = reqwest::Method::GET;
            form = None;
        }
    }
    Err(format!("too many requests\n{}", browser.trail_text()))
}
