//! The authorization endpoint's HTTP side (RFC 6749 §4.1.1): the approve page and the redirect.
//!
//! `GET /authorize?…` shows who asks for what and where the browser will be sent; its form
//! carries only the id of the parked request and the page's form token. A POST is refused
//! (403) when its `Origin` is another site's or its form token is not the page's. `POST /authorize` answers `302 Found` with the
//! `Location` the state computed (code or `access_denied`). Bad clients and redirect URIs get an
//! error page instead of a redirect, as RFC 6749 §4.1.2.1 requires.

use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::header::{CACHE_CONTROL, LOCATION};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::http::Shared;
use super::page::{cross_origin, cross_origin_refusal, escape, render};
use super::params::Params;
use super::state::{Authorize, ConsentView};
use super::{Decision, DemoError, lock};

/// `GET /authorize`: checks the request and shows the approve page.
pub(crate) async fn form(State(shared): State<Shared>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let Ok(params) = Params::from_form(query.as_bytes()) else {
        return refuse("The request repeats a parameter.");
    };
    let now_ms = shared.clock.now_ms();
    let answer = lock(&shared.state).authorize(&params, now_ms);
    match answer {
        Authorize::Consent(view) => render(StatusCode::OK, "Allow access?", &consent(&view)),
        Authorize::Redirect(location) => found(&location),
        Authorize::Refuse(why) => refuse(why),
    }
}

/// `POST /authorize` with `request` and `action=approve|deny`: the decision, as a redirect.
pub(crate) async fn submit(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if cross_origin(&headers, &shared.issuer) {
        return cross_origin_refusal();
    }
    let Ok(params) = Params::parse(&headers, &body) else {
        return refuse("The form could not be read.");
    };
    let decision = match params.get("action") {
        Some("approve") => Decision::Approve,
        Some("deny") => Decision::Deny,
        _ => return refuse("Press Approve or Deny."),
    };
    let request_id = params.get("request").unwrap_or_default();
    let form_token = params.get("form_token").unwrap_or_default();
    let now_ms = shared.clock.now_ms();
    let answer = {
        let mut state = lock(&shared.state);
        if !state.authorization_form_issued(request_id, form_token) {
            return render(
                StatusCode::FORBIDDEN,
                "Form refused",
                &format!("<p>{}</p>", escape(&DemoError::StaleForm.to_string())),
            );
        }
        state.decide_authorization(request_id, decision, now_ms)
    };
    match answer {
        Ok(location) => found(&location),
        Err(why) => refuse(why),
    }
}

fn consent(view: &ConsentView) -> String {
    let mut scopes = String::new();
    for scope in view.scope.split_whitespace() {
        let _ = write!(scopes, "<li><code>{}</code></li>", escape(scope));
    }
    format!(
        "<p>Client <b>{client}</b> asks for access as <b>Demo User</b> with these scopes:</p>\
         <ul>{scopes}</ul>\
         <p>Your browser will then be sent to <code>{redirect}</code>.</p>\
         <form method=\"post\" action=\"/authorize\">\
         <input type=\"hidden\" name=\"request\" value=\"{request}\">\
         <input type=\"hidden\" name=\"form_token\" value=\"{form_token}\">\
         <button type=\"submit\" name=\"action\" value=\"approve\">Approve</button> \
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
        client = escape(&view.client_id),
        redirect = escape(&view.redirect_uri),
        request = escape(&view.request_id),
        form_token = escape(&view.form_token),
    )
}

fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (
            StatusCode::FOUND,
            [
                (LOCATION, value),
                (CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => refuse("The redirect address cannot be sent."),
    }
}

fn refuse(why: &str) -> Response {
    render(
        StatusCode::BAD_REQUEST,
        "Cannot continue",
        &format!("<p>{}</p>", escape(why)),
    )
}
