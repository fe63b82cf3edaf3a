//! Authorization server metadata: RFC 8414 and `OpenID` Connect Discovery.
//!
//! For an issuer `https://idp.example.com/tenant` we try, in order,
//! `https://idp.example.com/.well-known/oauth-authorization-server/tenant` (RFC 8414 §3.1) and
//! `https://idp.example.com/tenant/.well-known/openid-configuration` (OIDC Discovery §4). The
//! document's `issuer` must equal the one asked for (RFC 8414 §3.3), or a mix-up attack could
//! send our codes elsewhere.

use url::Url;

use super::AuthError;
use super::provider::{EndpointError, Provider, checked_url};
use super::wire::{HttpResponse, body_object, excerpt};

/// The metadata fields grantty uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Metadata {
    /// `issuer`.
    pub issuer: String,
    /// `device_authorization_endpoint` (RFC 8628 §4), if advertised.
    pub device_authorization_endpoint: Option<String>,
    /// `token_endpoint`.
    pub token_endpoint: String,
    /// `revocation_endpoint` (RFC 7009), if advertised.
    pub revocation_endpoint: Option<String>,
    /// `userinfo_endpoint` (OIDC Discovery §3), if advertised; `status --verify` uses it.
    pub userinfo_endpoint: Option<String>,
    /// `authorization_endpoint` (RFC 8414 §2), if advertised; `--flow code` uses it.
    pub authorization_endpoint: Option<String>,
}

/// The URLs to try for `issuer`, most specific first.
pub fn discovery_urls(issuer: &str) -> Result<Vec<Url>, EndpointError> {
    let url = checked_url("--issuer", issuer)?;
    let path = url.path().trim_end_matches('/');
    let mut rfc8414 = url.clone();
    rfc8414.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    let mut oidc = url.clone();
    oidc.set_path(&format!("{path}/.well-known/openid-configuration"));
    for u in [&mut rfc8414, &mut oidc] {
        u.set_query(None);
        u.set_fragment(None);
    }
    Ok(vec![rfc8414, oidc])
}

/// Parses a metadata document fetched for `expected_issuer`.
pub fn parse_metadata(resp: &HttpResponse, expected_issuer: &str) -> Result<Metadata, AuthError> {
    let bad = |problem: &str| AuthError::Parse {
        status: resp.status,
        problem: problem.to_owned(),
        body_excerpt: excerpt(&resp.body),
    };
    if !(200..300).contains(&resp.status) {
        return Err(bad("no metadata document here"));
    }
    let map = body_object(resp).ok_or_else(|| bad("metadata is not a JSON object"))?;
    let field = |key: &str| map.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let issuer = field("issuer").ok_or_else(|| bad("metadata has no issuer"))?;
    if issuer.trim_end_matches('/') != expected_issuer.trim().trim_end_matches('/') {
        return Err(bad(&format!(
            "metadata names issuer {:?}, not the {:?} we asked for",
            excerpt(issuer.as_bytes()),
            expected_issuer
        )));
    }
    Ok(Metadata {
        issuer,
        device_authorization_endpoint: field("device_authorization_endpoint"),
        token_endpoint: field("token_endpoint")
            .ok_or_else(|| bad("metadata has no token_endpoint"))?,
        revocation_endpoint: field("revocation_endpoint"),
        userinfo_endpoint: field("userinfo_endpoint"),
        authorization_endpoint: field("authorization_endpoint"),
    })
}

/// Endpoints the user gives next to `--issuer` (flags or profile keys): each replaces the one
/// discovery found, the others still come from the document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EndpointOverrides {
    /// `--device-endpoint`.
    pub device_authorization_endpoint: Option<String>,
    /// `--token-endpoint`.
    pub token_endpoint: Option<String>,
    /// `--revocation-endpoint`.
    pub revocation_endpoint: Option<String>,
    /// `--authorize-endpoint`.
    pub authorization_endpoint: Option<String>,
}

impl EndpointOverrides {
    /// Checks every given endpoint as any endpoint is (https, or http to loopback), before
    /// anything is fetched.
    pub fn check(&self) -> Result<(), EndpointError> {
        for (what, url) in [
            ("--device-endpoint", &self.device_authorization_endpoint),
            ("--token-endpoint", &self.token_endpoint),
            ("--revocation-endpoint", &self.revocation_endpoint),
            ("--authorize-endpoint", &self.authorization_endpoint),
        ] {
            if let Some(url) = url {
                checked_url(what, url)?;
            }
        }
        Ok(())
    }

    /// Metadata for an issuer that publishes none, when the user gave the two endpoints the
    /// device grant needs.
    pub fn without_discovery(&self, issuer: &str) -> Option<Metadata> {
        Some(Metadata {
            issuer: issuer.to_owned(),
            device_authorization_endpoint: Some(self.device_authorization_endpoint.clone()?),
            token_endpoint: self.token_endpoint.clone()?,
            revocation_endpoint: None,
            userinfo_endpoint: None,
            authorization_endpoint: None,
        })
        .map(|meta| self.apply(meta))
    }

    /// `meta` with each given endpoint in place of the discovered one.
    pub fn apply(&self, meta: Metadata) -> Metadata {
        let pick = |given: &Option<String>, found: Option<String>| given.clone().or(found);
        Metadata {
            device_authorization_endpoint: pick(
                &self.device_authorization_endpoint,
                meta.device_authorization_endpoint,
            ),
            token_endpoint: self.token_endpoint.clone().unwrap_or(meta.token_endpoint),
            revocation_endpoint: pick(&self.revocation_endpoint, meta.revocation_endpoint),
            authorization_endpoint: pick(&self.authorization_endpoint, meta.authorization_endpoint),
            ..meta
        }
    }
}

impl Provider {
    /// A generic provider from discovered metadata.
    pub fn from_metadata(
        meta: &Metadata,
        client_id: &str,
        scope: Option<&str>,
    ) -> Result<Self, EndpointError> {
        let device = meta
            .device_authorization_endpoint
            .as_deref()
            .ok_or_else(|| EndpointError::NoDeviceEndpoint {
                issuer: crate::domain::text::sanitize(
                    &meta.issuer,
                    crate::domain::text::URL_MAX_CHARS,
                ),
            })?;
        let mut provider = Provider::generic(
            client_id,
            scope,
            device,
            &meta.token_endpoint,
            meta.revocation_endpoint.as_deref(),
        )?;
        provider.authorization_endpoint = meta
            .authorization_endpoint
            .as_deref()
            .map(|url| checked_url("authorization_endpoint", url))
            .transpose()?;
        provider.userinfo_endpoint = meta
            .userinfo_endpoint
            .as_deref()
            .map(|url| checked_url("userinfo_endpoint", url))
            .transpose()?;
        Ok(provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> HttpResponse {
        HttpResponse {
            status: 200,
            body: body.as_bytes().to_vec(),
            ..HttpResponse::default()
        }
    }

    #[test]
    fn well_known_urls_follow_rfc8414_then_oidc() {
        let urls = discovery_urls("https://idp.example.com/tenant/").unwrap();
        assert_eq!(
            urls[0].as_str(),
            "https://idp.example.com/.well-known/oauth-authorization-server/tenant"
        );
        assert_eq!(
            urls[1].as_str(),
            "https://idp.example.com/tenant/.well-known/openid-configuration"
        );
        let urls = discovery_urls("http://127.0.0.1:9000").unwrap();
        assert_eq!(
            urls[0].as_str(),
            "http://127.0.0.1:9000/.well-known/oauth-authorization-server"
        );
        assert!(discovery_urls("http://idp.example.com").is_err());
    }

    #[test]
    fn metadata_without_device_endpoint_names_the_flags_to_use() {
        let meta = parse_metadata(&doc(r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token"}"#), "https://idp.example.com").unwrap();
        let err = Provider::from_metadata(&meta, "c", None).unwrap_err();
        let text = err.to_string();
        assert!(
            text.contains("add --device-endpoint URL next to --issuer"),
            "{text}"
        );
    }

    #[test]
    fn metadata_gives_a_form_encoded_provider() {
        let meta = parse_metadata(&doc(r#"{"issuer":"https://idp.example.com/","token_endpoint":"https://idp.example.com/token","device_authorization_endpoint":"https://idp.example.com/device","revocation_endpoint":"https://idp.example.com/revoke"}"#), "https://idp.example.com").unwrap();
        let p = Provider::from_metadata(&meta, "c", Some("openid")).unwrap();
        assert_eq!(
            p.device_authorization_endpoint.as_str(),
            "https://idp.example.com/device"
        );
        assert_eq!(
            p.revocation_endpoint.as_ref().map(Url::as_str),
            Some("https://idp.example.com/revoke")
        );
        assert_eq!(p.authorization_endpoint, None);
    }

    #[test]
    fn each_given_endpoint_replaces_only_its_discovered_one() {
        let body = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token","revocation_endpoint":"https://idp.example.com/revoke","userinfo_endpoint":"https://idp.example.com/me"}"#;
        let meta = parse_metadata(&doc(body), "https://idp.example.com").unwrap();
        let overrides = EndpointOverrides {
            device_authorization_endpoint: Some("https://idp.example.com/o/device/".into()),
            ..EndpointOverrides::default()
        };
        let p = Provider::from_metadata(&overrides.apply(meta.clone()), "c", None).unwrap();
        assert_eq!(
            p.device_authorization_endpoint.as_str(),
            "https://idp.example.com/o/device/"
        );
        assert_eq!(p.token_endpoint.as_str(), "https://idp.example.com/token");
        assert_eq!(
            p.revocation_endpoint.as_ref().map(Url::as_str),
            Some("https://idp.example.com/revoke")
        );
        assert_eq!(
            p.userinfo_endpoint.as_ref().map(Url::as_str),
            Some("https://idp.example.com/me")
        );
        let token = EndpointOverrides {
            token_endpoint: Some("https://other.example.com/t".into()),
            ..overrides
        };
        let p = Provider::from_metadata(&token.apply(meta), "c", None).unwrap();
        assert_eq!(p.token_endpoint.as_str(), "https://other.example.com/t");
    }

    #[test]
    fn a_given_endpoint_is_checked_like_every_endpoint() {
        let insecure = EndpointOverrides {
            revocation_endpoint: Some("http://idp.example.com/revoke".into()),
            ..EndpointOverrides::default()
        };
        let err = insecure.check().unwrap_err();
        assert!(matches!(err, EndpointError::Insecure { .. }), "{err}");
        assert!(err.to_string().contains("--revocation-endpoint"), "{err}");
        let loopback = EndpointOverrides {
            device_authorization_endpoint: Some("http://127.0.0.1:9/device".into()),
            ..EndpointOverrides::default()
        };
        assert!(loopback.check().is_ok());
        assert!(loopback.without_discovery("http://127.0.0.1:9").is_none());
    }

    #[test]
    fn discovered_authorization_endpoint_is_kept_and_checked() {
        let body = r#"{"issuer":"https://idp.example.com","token_endpoint":"https://idp.example.com/token","device_authorization_endpoint":"https://idp.example.com/device","authorization_endpoint":"https://idp.example.com/authorize"}"#;
        let meta = parse_metadata(&doc(body), "https://idp.example.com").unwrap();
        let p = Provider::from_metadata(&meta, "c", None).unwrap();
        assert_eq!(
            p.authorization_endpoint.as_ref().map(Url::as_str),
            Some("https://idp.example.com/authorize")
        );
        let insecure = body.replace(
            "https://idp.example.com/authorize",
            "http://idp.example.com/a",
        );
        let meta = parse_metadata(&doc(&insecure), "https://idp.example.com").unwrap();
        assert!(matches!(
            Provider::from_metadata(&meta, "c", None),
            Err(EndpointError::Insecure { .. })
        ));
    }

    #[test]
    fn issuer_mismatch_and_insecure_endpoints_are_refused() {
        let err = parse_metadata(&doc(r#"{"issuer":"https://evil.example.com","token_endpoint":"https://evil.example.com/t"}"#), "https://idp.example.com").unwrap_err();
        assert!(err.to_string().contains("not the"));
        let meta = parse_metadata(&doc(r#"{"issuer":"https://idp.example.com","token_endpoint":"http://idp.example.com/t","device_authorization_endpoint":"https://idp.example.com/d"}"#), "https://idp.example.com").unwrap();
        assert!(matches!(
            Provider::from_metadata(&meta, "c", None),
            Err(EndpointError::Insecure { .. })
        ));
    }

    #[test]
    fn huge_hostile_endpoint_strings_are_capped_and_stripped_in_errors() {
        let endpoint = format!(
            "http://idp.example.com/\u{1b}]0;pwned\u{7}{}",
            "a".repeat(900_000)
        );
        let body = serde_json::json!({"issuer":"https://idp.example.com","token_endpoint":endpoint,
            "device_authorization_endpoint":"https://idp.example.com/d"})
        .to_string();
        let meta = parse_metadata(&doc(&body), "https://idp.example.com").unwrap();
        let text = Provider::from_metadata(&meta, "c", None)
            .unwrap_err()
            .to_string();
        assert!(text.len() < 1000, "{} bytes", text.len());
        assert!(
            !text.contains('\u{1b}') && !text.contains("\\u{1b}") && !text.contains("pwned\\u"),
            "{text}"
        );
    }
}
