//! The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636, `S256` only).
//!
//! `GET /authorize` is checked here and parked as a pending request under a random id, so the
//! approve page's form carries nothing a user could tamper with. The decision turns it into a
//! redirect: a code (single use, 60 s) or `error=access_denied`. Redeeming checks client,
//! `redirect_uri` and the verifier; a code presented twice is refused and the tokens it gave
//! are revoked (RFC 6749 §4.1.2). Redirect URIs must be loopback (RFC 8252 §7.3, any port),
//! except the confidential client's one registered address, which the server only ever puts in
//! a `Location` (the user pastes the address back): the demo only ever talks to this machine.

use std::collections::HashMap;

use url::{Host, Url};

use super::{DemoState, ErrorCode, OAuthError, TokenResponse, secs_to_ms};
use crate::demo::Decision;
use crate::demo::codes::same_secret;
use crate::demo::params::Params;
use crate::oauth::pkce::s256_challenge;

/// How long the approve page stays valid.
pub(crate) const AUTHORIZATION_REQUEST_LIFETIME_SECS: u64 = 600;
/// How long a code may wait before it is redeemed (RFC 6749 §4.1.2 says at most 10 minutes).
pub(crate) const AUTHORIZATION_CODE_LIFETIME_SECS: u64 = 60;

/// Pending authorization requests and issued codes.
#[derive(Debug, Default)]
pub(crate) struct CodeBook {
    requests: HashMap<String, Pending>,
    codes: HashMap<String, Issued>,
}

impl CodeBook {
    /// Drops requests and codes that expired past the grace.
    pub(super) fn sweep(&mut self, now_ms: u64) {
        use super::sweep::forgettable;
        self.requests
            .retain(|_, pending| !forgettable(pending.expires_at_ms, now_ms));
        self.codes
            .retain(|_, issued| !forgettable(issued.expires_at_ms, now_ms));
    }

    /// Pending requests plus issued codes.
    pub(super) fn len(&self) -> usize {
        self.requests.len() + self.codes.len()
    }
}

/// What an authorization request asked for, kept until the user decides.
#[derive(Debug, Clone)]
struct Pending {
    client_id: String,
    scope: String,
    redirect_uri: Url,
    state: Option<String>,
    code_challenge: String,
    expires_at_ms: u64,
    /// The approve page's form token: its POST must send it back.
    form_token: String,
}

#[derive(Debug)]
struct Issued {
    request: Pending,
    expires_at_ms: u64,
    used: Use,
}

/// Whether a code was presented at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    Fresh,
    /// Presented with a wrong verifier: spent, no tokens.
    Spent,
    /// Exchanged; the grant family its tokens belong to.
    Redeemed(usize),
}

/// How `GET /authorize` is answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Authorize {
    /// Show the approve page.
    Consent(ConsentView),
    /// Send the browser back to the client with an error (RFC 6749 §4.1.2.1).
    Redirect(String),
    /// Do not redirect: the client or redirect URI is unusable. The text is for the page.
    Refuse(&'static str),
}

/// What the approve page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConsentView {
    pub(crate) request_id: String,
    pub(crate) form_token: String,
    pub(crate) client_id: String,
    pub(crate) scope: String,
    pub(crate) redirect_uri: String,
}

/// A loopback `http` URL without a fragment, or `None`.
fn loopback_redirect(raw: &str) -> Option<Url> {
    let url = Url::parse(raw).ok()?;
    let loopback = match url.host()? {
        Host::Ipv4(ip) => ip.is_loopback(),
        Host::Ipv6(ip) => ip.is_loopback(),
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
    };
    (url.scheme() == "http" && loopback && url.fragment().is_none()).then_some(url)
}

fn redirect_with(uri: &Url, pairs: &[(&str, &str)]) -> String {
    let mut url = uri.clone();
    url.query_pairs_mut().extend_pairs(pairs);
    url.into()
}

/// An `S256` challenge is unpadded base64url of 32 bytes: 43 characters.
fn is_s256_challenge(value: &str) -> bool {
    value.len() == 43
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

impl DemoState {
    /// Checks an authorization request (RFC 6749 §4.1.1, RFC 7636 §4.3).
    pub(crate) fn authorize(&mut self, params: &Params, now_ms: u64) -> Authorize {
        self.sweep_if_due(now_ms);
        let Some(client_id) = params.get("client_id") else {
            return Authorize::Refuse("The request names no client_id.");
        };
        let registered = &self.config.confidential_client;
        let redirect_uri = params.get("redirect_uri").and_then(|raw| {
            // The confidential client's registered address is taken exactly, as Anaplan does.
            if client_id == registered.client_id && raw == registered.redirect_uri {
                Url::parse(raw).ok()
            } else {
                loopback_redirect(raw)
            }
        });
        let Some(redirect_uri) = redirect_uri else {
            return Authorize::Refuse(
                "The redirect_uri is missing, or neither a loopback http:// address nor the client's registered one, so the browser is not sent back.",
            );
        };
        let state = params.get("state");
        let error = |code: &str, description: &str| {
            let mut pairs = vec![("error", code), ("error_description", description)];
            pairs.extend(state.map(|s| ("state", s)));
            Authorize::Redirect(redirect_with(&redirect_uri, &pairs))
        };
        if params.get("response_type") != Some("code") {
            return error(
                "unsupported_response_type",
                "only response_type=code is supported",
            );
        }
        let challenge = params.get("code_challenge").unwrap_or_default();
        if params.get("code_challenge_method") != Some("S256") || !is_s256_challenge(challenge) {
            return error(
                "invalid_request",
                "PKCE is required: send an S256 code_challenge",
            );
        }
        let (Ok(request_id), Ok(form_token)) =
            (self.random.token("demo-ar-"), self.random.token("demo-ft-"))
        else {
            return Authorize::Refuse("The server's random source failed. Try again.");
        };
        let scope = params
            .get("scope")
            .unwrap_or(super::DEFAULT_SCOPE)
            .to_owned();
        self.codes.requests.insert(
            request_id.clone(),
            Pending {
                client_id: client_id.to_owned(),
                scope: scope.clone(),
                redirect_uri: redirect_uri.clone(),
                state: state.map(str::to_owned),
                code_challenge: challenge.to_owned(),
                expires_at_ms: now_ms
                    .saturating_add(secs_to_ms(AUTHORIZATION_REQUEST_LIFETIME_SECS)),
                form_token: form_token.clone(),
            },
        );
        Authorize::Consent(ConsentView {
            request_id,
            form_token,
            client_id: client_id.to_owned(),
            scope,
            redirect_uri: redirect_uri.into(),
        })
    }

    /// Whether `form_token` is the one the approve page of `request_id` was shown with.
    pub(crate) fn authorization_form_issued(&self, request_id: &str, form_token: &str) -> bool {
        self.codes
            .requests
            .get(request_id)
            .is_some_and(|pending| same_secret(&pending.form_token, form_token))
    }

    /// Records the user's decision on a pending request (which spends its form); the answer is
    /// the `Location` to send the browser to, or the text of an error page. The caller has
    /// checked the form token ([`Self::authorization_form_issued`]).
    pub(crate) fn decide_authorization(
        &mut self,
        request_id: &str,
        decision: Decision,
        now_ms: u64,
    ) -> Result<String, &'static str> {
        self.sweep_if_due(now_ms);
        let request = self
            .codes
            .requests
            .remove(request_id)
            .ok_or("This sign-in request is unknown or was already decided.")?;
        if now_ms >= request.expires_at_ms {
            return Err("This sign-in request has expired. Start again from the application.");
        }
        let state = request.state.as_deref();
        let mut pairs = match decision {
            Decision::Deny => vec![
                ("error", "access_denied"),
                ("error_description", "the user denied the request"),
            ],
            Decision::Approve => vec![],
        };
        let code = self
            .random
            .token("demo-ac-")
            .map_err(|_| "The server's random source failed. Try again.")?;
        if decision == Decision::Approve {
            pairs.push(("code", &code));
        }
        pairs.extend(state.map(|s| ("state", s)));
        // RFC 9207: say who issued the answer, so a client can detect mix-ups.
        pairs.push(("iss", &self.issuer));
        let location = redirect_with(&request.redirect_uri, &pairs);
        if decision == Decision::Approve {
            self.stats.authorization_codes_issued += 1;
            let expires_at_ms = now_ms.saturating_add(secs_to_ms(AUTHORIZATION_CODE_LIFETIME_SECS));
            self.codes.codes.insert(
                code,
                Issued {
                    request,
                    expires_at_ms,
                    used: Use::Fresh,
                },
            );
        }
        Ok(location)
    }

    /// Exchanges a code for tokens (RFC 6749 §4.1.3, RFC 7636 §4.6).
    pub(crate) fn redeem_code(
        &mut self,
        params: &Params,
        now_ms: u64,
    ) -> Result<TokenResponse, OAuthError> {
        self.sweep_if_due(now_ms);
        let invalid = |description| OAuthError::new(ErrorCode::InvalidGrant, description);
        let client_id = params.require("client_id", "client_id is required")?;
        let code = params.require("code", "code is required")?;
        let Some(issued) = self.codes.codes.get_mut(code) else {
            return Err(invalid("unknown authorization code"));
        };
        match issued.used {
            Use::Fresh => {}
            Use::Spent => return Err(invalid("the authorization code was already used")),
            Use::Redeemed(grant) => {
                self.stats.reuse_detections += 1;
                self.revoke_family(grant);
                return Err(invalid(
                    "the authorization code was already used; the tokens it gave have been revoked",
                ));
            }
        }
        if issued.request.client_id != client_id {
            return Err(invalid("the code was issued to another client"));
        }
        if now_ms >= issued.expires_at_ms {
            return Err(invalid("the authorization code has expired"));
        }
        if params.get("redirect_uri") != Some(issued.request.redirect_uri.as_str()) {
            return Err(invalid(
                "redirect_uri does not match the authorization request",
            ));
        }
        let verifier = params.require("code_verifier", "code_verifier is required (PKCE)")?;
        // Any presentation by the right client spends the code, so a verifier cannot be guessed.
        if s256_challenge(verifier) != issued.request.code_challenge {
            issued.used = Use::Spent;
            return Err(invalid(
                "PKCE verification failed: code_verifier does not match",
            ));
        }
        issued.used = Use::Redeemed(self.next_grant);
        let (client, scope) = (
            issued.request.client_id.clone(),
            issued.request.scope.clone(),
        );
        self.stats.authorization_code_redemptions += 1;
        self.start_grant(client, scope, now_ms)
    }
}

#[cfg(test)]
#[path = "authorize_tests.rs"]
mod tests;
