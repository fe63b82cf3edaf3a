//! Client authentication of a confidential client (RFC 6749 §2.3.1): how the client secret
//! travels, and where it came from.
//!
//! Invariants: the secret's value only ever leaves through [`ClientCredential::apply`], which
//! [`wire::post`](super::wire) calls for every request it builds; a [`SecretSource`] describes
//! where the secret came from for messages and metadata and never holds the value.

use std::path::PathBuf;

use crate::domain::secret::ClientSecret;

/// How a confidential client authenticates at the token, device and revocation endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClientAuth {
    /// `Authorization: Basic base64(urlencode(id):urlencode(secret))` (RFC 6749 §2.3.1;
    /// servers must support it). The generic default.
    Basic,
    /// `client_secret` in the request body (form or JSON); Anaplan's way.
    Post,
}

impl ClientAuth {
    /// The stable name, as `--client-auth` and the metadata file spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Basic => "basic",
            Self::Post => "post",
        }
    }

    /// Parses [`as_str`](Self::as_str) output.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "basic" => Some(Self::Basic),
            "post" => Some(Self::Post),
            _ => None,
        }
    }

    /// The generic choice from a discovery document's `token_endpoint_auth_methods_supported`
    /// (RFC 8414 §2): Basic, unless the list is there, lacks `client_secret_basic` and offers
    /// `client_secret_post`.
    pub fn from_supported(methods: Option<&[String]>) -> Self {
        match methods {
            Some(m)
                if !m.iter().any(|x| x == "client_secret_basic")
                    && m.iter().any(|x| x == "client_secret_post") =>
            {
                Self::Post
            }
            _ => Self::Basic,
        }
    }
}

/// Where a client secret came from. Said in messages and stored in the metadata as a
/// description; the value is never part of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SecretSource {
    /// The `GRANTTY_CLIENT_SECRET` environment variable.
    Env,
    /// `--client-secret-file FILE`.
    File(PathBuf),
    /// `client_secret_file` of a profile.
    ProfileFile {
        /// The profile.
        profile: String,
        /// The file it names.
        path: PathBuf,
    },
    /// Kept with a stored session; `first` says where it was read at sign-in.
    Stored {
        /// The description of the original source.
        first: String,
    },
}

/// The environment variable a client secret is read from.
pub const CLIENT_SECRET_ENV: &str = "GRANTTY_CLIENT_SECRET";

/// The environment variable binding [`CLIENT_SECRET_ENV`] to one profile: with it, the secret
/// is used for that profile's sign-in even when its configuration does not say "confidential".
pub const CLIENT_SECRET_PROFILE_ENV: &str = "GRANTTY_CLIENT_SECRET_PROFILE";

impl SecretSource {
    /// Where the secret came from, in words: `GRANTTY_CLIENT_SECRET`, `the file /x
    /// (--client-secret-file)`.
    pub fn describe(&self) -> String {
        match self {
            Self::Env => CLIENT_SECRET_ENV.to_owned(),
            Self::File(path) => format!("the file {} (--client-secret-file)", path.display()),
            Self::ProfileFile { profile, path } => format!(
                "the file {} (client_secret_file of profile {profile:?})",
                path.display()
            ),
            Self::Stored { first } => {
                format!("the secret stored with the session (read at sign-in from {first})")
            }
        }
    }

    /// The original source's description, for the metadata of a session signed in with it.
    pub fn original(&self) -> String {
        match self {
            Self::Stored { first } => first.clone(),
            other => other.describe(),
        }
    }
}

/// A client secret and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientCredential {
    /// The secret.
    pub secret: ClientSecret,
    /// Where it came from.
    pub source: SecretSource,
}

impl ClientCredential {
    /// Adds this credential to a request as `method` says: the `Authorization` header value to
    /// send (Basic), or a `client_secret` body parameter pushed onto `params` (Post).
    pub fn apply<'a>(
        &'a self,
        method: ClientAuth,
        client_id: &str,
        params: &mut Vec<(&'a str, &'a str)>,
    ) -> Option<String> {
        match method {
            ClientAuth::Basic => Some(basic_header(client_id, self.secret.expose())),
            ClientAuth::Post => {
                params.push(("client_secret", self.secret.expose()));
                None
            }
        }
    }
}

/// RFC 6749 §2.3.1: id and secret each form-urlencoded (appendix B), joined by `:`, base64.
pub fn basic_header(client_id: &str, secret: &str) -> String {
    use base64::Engine as _;
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let pair = format!("{}:{}", encode(client_id), encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_encodes_id_and_secret_as_rfc_6749_appendix_b_says() {
        use base64::Engine as _;
        // "a b:c" / "p@ss+/%" become "a+b%3Ac" and "p%40ss%2B%2F%25" before base64.
        let header = basic_header("a b:c", "p@ss+/%");
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(header.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "a+b%3Ac:p%40ss%2B%2F%25"
        );
    }

    #[test]
    fn post_is_chosen_only_when_discovery_offers_post_and_not_basic() {
        let list = |m: &[&str]| m.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(ClientAuth::from_supported(None), ClientAuth::Basic);
        let post_only = list(&["none", "client_secret_post"]);
        assert_eq!(
            ClientAuth::from_supported(Some(&post_only)),
            ClientAuth::Post
        );
        let both = list(&["client_secret_post", "client_secret_basic"]);
        assert_eq!(ClientAuth::from_supported(Some(&both)), ClientAuth::Basic);
        let neither = list(&["private_key_jwt"]);
        assert_eq!(
            ClientAuth::from_supported(Some(&neither)),
            ClientAuth::Basic
        );
    }

    fn confidential(
        mut provider: super::super::provider::Provider,
        auth: ClientAuth,
    ) -> super::super::provider::Provider {
        provider.client_auth = auth;
        provider.client_secret = Some(ClientCredential {
            secret: ClientSecret::new("s3cret"),
            source: SecretSource::Env,
        });
        provider
    }

    /// Every request built for the provider authenticates, whichever builder made it; Anaplan's
    /// logout carries its token scheme and no secret.
    #[test]
    fn every_request_authenticates_as_the_method_says() {
        use super::super::provider::Provider;
        use super::super::refresh::{TokenHint, logout_request, refresh_request, revoke_request};
        use super::super::wire::{device_authorization_request, device_token_request};
        use crate::domain::secret::{AccessToken, DeviceCode, RefreshToken};
        let generic = Provider::example();
        let basic = confidential(generic.clone(), ClientAuth::Basic);
        let requests = |p: &Provider| {
            vec![
                device_authorization_request(p),
                device_token_request(p, &DeviceCode::new("dc")),
                refresh_request(p, &RefreshToken::new("rt")),
                revoke_request(p, "rt", TokenHint::Refresh).unwrap(),
            ]
        };
        for request in requests(&basic) {
            assert_eq!(
                request.authorization.as_deref(),
                Some(basic_header("c", "s3cret").as_str())
            );
            let body = String::from_utf8(request.body.clone()).unwrap();
            assert!(!body.contains("s3cret"), "{body}");
            assert!(!format!("{request:?}").contains("s3cret"));
        }
        for request in requests(&confidential(generic.clone(), ClientAuth::Post)) {
            assert_eq!(request.authorization, None);
            let body = String::from_utf8(request.body).unwrap();
            assert!(body.ends_with("&client_secret=s3cret"), "{body}");
        }
        for request in requests(&generic) {
            assert_eq!(
                request.authorization, None,
                "a public client sends no secret"
            );
        }
        let anaplan = confidential(
            Provider::anaplan("http://127.0.0.1:9", "c", None).unwrap(),
            ClientAuth::Post,
        );
        let body: serde_json::Value =
            serde_json::from_slice(&refresh_request(&anaplan, &RefreshToken::new("rt")).body)
                .unwrap();
        assert_eq!(body["client_secret"], "s3cret");
        let logout = logout_request(&anaplan, &AccessToken::new("at")).unwrap();
        assert_eq!(logout.authorization.as_deref(), Some("AnaplanAuthToken at"));
        assert!(logout.body.is_empty());
    }

    #[test]
    fn sources_describe_themselves_without_the_value() {
        let file = SecretSource::File("/run/secret".into());
        assert_eq!(
            file.describe(),
            "the file /run/secret (--client-secret-file)"
        );
        let stored = SecretSource::Stored {
            first: file.original(),
        };
        assert!(stored.describe().contains("/run/secret"));
        assert_eq!(stored.original(), file.describe());
    }
}
