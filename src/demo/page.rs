//! The verification page (RFC 8628 §3.3): where the user reviews and approves a device.
//!
//! Plain HTML with inline styles: no scripts, no external assets, and every interpolated
//! value escaped. The page POSTs back to `/device` with the code and the page's own form token
//! (random, single use, bound to that code; showing the page again issues a new one); a POST
//! with another token, or with an `Origin` other than the server's, is refused with 403.
//! Decisions then go through the same state method as [`crate::demo::DemoServer::decide`].

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::http::Shared;
use super::params::Params;
use super::state::{DeviceStatus, DeviceView};
use super::{Decision, DemoError, lock};

/// `GET /`: a short index pointing at the verification page and metadata.
pub(crate) async fn index() -> Response {
    let body = "<p>This is grantty's demo authorization server, for trying the device sign-in \
        on your own machine. Nothing here is real.</p>\
        <p><a href=\"/device\">Enter a code</a> · \
        <a href=\"/.well-known/oauth-authorization-server\">Server metadata</a></p>";
    render(StatusCode::OK, "grantty demo server", body)
}

/// `GET /device[?user_code=…]`: the code entry form, or the consent page for a code.
pub(crate) async fn device_form(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(user_code) = query
        .get("user_code")
        .filter(|code| !code.trim().is_empty())
    else {
        return render(StatusCode::OK, "Connect a device", &code_entry(""));
    };
    let now_ms = shared.clock.now_ms();
    let view = lock(&shared.state).view(user_code, now_ms);
    match view {
        Ok(view) if view.status == DeviceStatus::Pending => {
            render(StatusCode::OK, "Approve this device?", &consent(&view))
        }
        Ok(view) => render(StatusCode::OK, "Already decided", &decided(&view)),
        Err(err) => error_page(&err),
    }
}

/// `POST /device` with `user_code` and `action=approve|deny`: records the decision.
pub(crate) async fn device_submit(
    State(shared): State<Shared>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if cross_origin(&headers, &shared.issuer) {
        return cross_origin_refusal();
    }
    let Ok(params) = Params::parse(&headers, &body) else {
        return render(
            StatusCode::BAD_REQUEST,
            "Bad request",
            "<p>The form could not be read.</p>",
        );
    };
    let decision = match params.get("action") {
        Some("approve") => Decision::Approve,
        Some("deny") => Decision::Deny,
        _ => {
            let body = "<p>Press <b>Approve</b> or <b>Deny</b>.</p>";
            return render(StatusCode::BAD_REQUEST, "Bad request", body);
        }
    };
    let user_code = params.get("user_code").unwrap_or_default();
    let form_token = params.get("form_token").unwrap_or_default();
    let now_ms = shared.clock.now_ms();
    let result = lock(&shared.state).decide_from_page(user_code, form_token, decision, now_ms);
    match (result, decision) {
        (Ok(()), Decision::Approve) => render(
            StatusCode::OK,
            "Device approved",
            "<p>Done. You can return to your device; it will finish signing in.</p>",
        ),
        (Ok(()), Decision::Deny) => render(
            StatusCode::OK,
            "Device denied",
            "<p>The device was not given access. You can close this page.</p>",
        ),
        (Err(err), _) => error_page(&err),
    }
}

fn code_entry(value: &str) -> String {
    format!(
        "<form method=\"get\" action=\"/device\">\
         <label for=\"user_code\">Enter the code shown on your device</label>\
         <input id=\"user_code\" name=\"user_code\" value=\"{}\" autocomplete=\"off\" \
         autocapitalize=\"characters\" spellcheck=\"false\" placeholder=\"XXXX-XXXX\">\
         <button type=\"submit\">Continue</button></form>",
        escape(value)
    )
}

fn consent(view: &DeviceView) -> String {
    let mut scopes = String::new();
    for scope in view.scope.split_whitespace() {
        let _ = write!(scopes, "<li><code>{}</code></li>", escape(scope));
    }
    format!(
        "<p>Check that your device shows this code:</p><p class=\"code\">{code}</p>\
         <p>Client <b>{client}</b> asks for access as <b>Demo User</b> with these scopes:</p>\
         <ul>{scopes}</ul>\
         <form method=\"post\" action=\"/device\">\
         <input type=\"hidden\" name=\"user_code\" value=\"{code}\">\
         <input type=\"hidden\" name=\"form_token\" value=\"{form_token}\">\
         <button type=\"submit\" name=\"action\" value=\"approve\">Approve</button> \
         <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
        code = escape(&view.user_code),
        client = escape(&view.client_id),
        form_token = escape(view.form_token.as_deref().unwrap_or_default()),
    )
}

fn decided(view: &DeviceView) -> String {
    let what = match view.status {
        DeviceStatus::Denied => "denied",
        DeviceStatus::Pending | DeviceStatus::Approved | DeviceStatus::Redeemed => "approved",
    };
    format!(
        "<p>Code <b>{}</b> was already {what}. Nothing more to do here.</p>",
        escape(&view.user_code)
    )
}

fn error_page(err: &DemoError) -> Response {
    let (status, title) = match err {
        DemoError::UnknownUserCode { .. } => (StatusCode::NOT_FOUND, "Unknown code"),
        DemoError::ExpiredUserCode { .. } => (StatusCode::BAD_REQUEST, "Code expired"),
        DemoError::AlreadyDecided { .. } => (StatusCode::CONFLICT, "Already decided"),
        DemoError::StaleForm => (StatusCode::FORBIDDEN, "Form refused"),
        DemoError::NonLoopback { .. } | DemoError::Bind { .. } => {
            (StatusCode::INTERNAL_SERVER_ERROR, "Server error")
        }
    };
    let body = format!("<p>{}</p>{}", escape(&err.to_string()), code_entry(""));
    render(status, title, &body)
}

/// Whether a form POST carries an `Origin` that is not the server's own (refused with 403):
/// another site's page cannot make the user's browser decide (RFC 6749 §10.12, RFC 6454).
/// Browsers send `Origin` on every cross-origin POST; its absence (a non-browser client) is
/// left to the form token.
pub(crate) fn cross_origin(headers: &HeaderMap, issuer: &str) -> bool {
    headers
        .get(axum::http::header::ORIGIN)
        .is_some_and(|origin| origin.as_bytes() != issuer.as_bytes())
}

/// The 403 page for a form sent from another origin.
pub(crate) fn cross_origin_refusal() -> Response {
    render(
        StatusCode::FORBIDDEN,
        "Form refused",
        "<p>This form was sent from another site. Decide on the page this server showed you.</p>",
    )
}

pub(crate) fn render(status: StatusCode, title: &str, body: &str) -> Response {
    let title = escape(title);
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title><style>{STYLE}</style></head>\
         <body><main><h1>{title}</h1>{body}</main></body></html>"
    );
    (status, Html(html)).into_response()
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f4f4f6;color:#222;margin:0}\
    main{max-width:32rem;margin:3rem auto;padding:2rem;background:#fff;border-radius:8px}\
    .code{font:600 2rem ui-monospace,monospace;letter-spacing:.2rem}\
    input{font:1.2rem ui-monospace,monospace;padding:.4rem;margin:.5rem 0;display:block}\
    button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}";

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn escape_neutralises_markup_and_quotes() {
        assert_eq!(
            escape(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
