//! The scripted user for the authorization code grant (RFC 6749 §4.1) on oidc-provider's own
//! pages: open the authorize URL, sign in on the devInteractions login form, grant consent,
//! and stop at the redirect that leaves the issuer, returning its `Location` untouched, as a
//! user would copy it from the address bar.

use super::{Browser, LOGIN, MAX_PAGES, OidcProvider, Step, parse_forms};

/// Where a request ended: a page on the issuer, or a redirect away from it.
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
        let mut step = browser.walk(reqwest::Method::GET, start, None).await?;
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
            step = browser
                .walk(reqwest::Method::POST, action, Some(fields))
                .await?;
        }
        Err(format!("too many pages\n{}", browser.trail_text()))
    }
}
