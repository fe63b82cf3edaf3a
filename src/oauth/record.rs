//! Converting a [`Provider`] to and from the plain [`ProviderRecord`] stored with a session, so
//! `grantty token` can refresh without being told the provider again.
//!
//! Invariant: a provider for a stored session is rebuilt with [`Provider::from_session`], which
//! attaches the client secret kept with the session's tokens; [`Provider::from_record`] alone
//! gives a provider without one (for showing, never for talking to the server). A new session
//! is made with [`Provider::new_session`], which keeps the secret with its tokens.

use super::client_auth::{ClientAuth, ClientCredential, SecretSource};
use super::provider::{
    ANAPLAN_DEFAULT_AUTH_URL, AuthScheme, BodyEncoding, EndpointError, Provider, ProviderKind,
    anaplan_logout_endpoint, checked_url,
};
use crate::domain::clock::Timestamp;
use crate::domain::session::{ProviderRecord, Session};
use crate::domain::token::TokenSet;

impl Provider {
    /// The storable description of this provider.
    pub fn to_record(&self) -> ProviderRecord {
        ProviderRecord {
            kind: match self.kind {
                ProviderKind::Anaplan => "anaplan",
                ProviderKind::Generic => "generic",
            }
            .to_owned(),
            host: self.display_host(),
            client_id: self.client_id.clone(),
            scope: self.scope.clone(),
            device_authorization_endpoint: self.device_authorization_endpoint.to_string(),
            token_endpoint: self.token_endpoint.to_string(),
            userinfo_endpoint: self.userinfo_endpoint.as_ref().map(ToString::to_string),
            code_flow: self.code_flow.clone(),
            revocation_endpoint: self.revocation_endpoint.as_ref().map(ToString::to_string),
            logout_endpoint: self.logout_endpoint.as_ref().map(ToString::to_string),
            refresh_token_lifespan_secs: self.refresh_token_lifespan_secs,
            client_auth: Some(self.client_auth.as_str().to_owned()),
            client_secret_source: self.client_secret.as_ref().map(|c| c.source.original()),
        }
    }

    /// A session from a fresh sign-in with this provider: its record, and the client secret
    /// (if any) kept with the tokens.
    pub fn new_session(&self, profile: &str, tokens: TokenSet, now: Timestamp) -> Session {
        let mut session = Session::new(profile, self.to_record(), tokens, now);
        session.secrets.client_secret = self.client_secret.as_ref().map(|c| c.secret.clone());
        session
    }

    /// The provider of a stored session, with the client secret stored beside its tokens: what
    /// every refresh, revocation and re-sign-in of a stored session talks to.
    pub fn from_session(session: &Session) -> Result<Self, EndpointError> {
        let mut provider = Self::from_record(&session.meta.provider)?;
        provider.client_secret = session
            .secrets
            .client_secret
            .clone()
            .zip(stored_secret_source(session))
            .map(|(secret, source)| ClientCredential { secret, source });
        Ok(provider)
    }

    /// Rebuilds a provider from a stored record, without a client secret; every URL is checked
    /// again. Use [`from_session`](Self::from_session) to talk to the server.
    pub fn from_record(record: &ProviderRecord) -> Result<Self, EndpointError> {
        let anaplan = record.kind == "anaplan";
        let optional =
            |what, url: &Option<String>| url.as_deref().map(|u| checked_url(what, u)).transpose();
        let token_endpoint = checked_url("token_endpoint", &record.token_endpoint)?;
        // Not stored: only a new sign-in uses it. Anaplan's follows from its host, as the preset's.
        let authorization_endpoint = anaplan
            .then(|| token_endpoint.join("/auth/prelogin").ok())
            .flatten();
        let logout_endpoint = match optional("logout_endpoint", &record.logout_endpoint)? {
            // Sessions saved before the endpoint followed the host logged out at production
            // whatever their host: derive it again from the session's own host.
            Some(url)
                if anaplan
                    && url.as_str().starts_with(ANAPLAN_DEFAULT_AUTH_URL)
                    && !token_endpoint
                        .host_str()
                        .is_some_and(|h| h.ends_with(".anaplan.com")) =>
            {
                Some(anaplan_logout_endpoint(&token_endpoint)?)
            }
            other => other,
        };
        Ok(Self {
            kind: if anaplan {
                ProviderKind::Anaplan
            } else {
                ProviderKind::Generic
            },
            client_id: record.client_id.clone(),
            scope: record.scope.clone(),
            device_authorization_endpoint: checked_url(
                "device_authorization_endpoint",
                &record.device_authorization_endpoint,
            )?,
            token_endpoint,
            authorization_endpoint,
            revocation_endpoint: optional("revocation_endpoint", &record.revocation_endpoint)?,
            userinfo_endpoint: optional("userinfo_endpoint", &record.userinfo_endpoint)?,
            code_flow: record.code_flow.clone(),
            // Not stored: a new sign-in discovers it again.
            authorization_response_iss: None,
            logout_endpoint,
            refresh_token_lifespan_secs: record.refresh_token_lifespan_secs,
            body: if anaplan {
                BodyEncoding::Json
            } else {
                BodyEncoding::Form
            },
            auth_scheme: if anaplan {
                AuthScheme::AnaplanAuthToken
            } else {
                AuthScheme::Bearer
            },
            client_auth: record
                .client_auth
                .as_deref()
                .and_then(ClientAuth::parse)
                .unwrap_or(if anaplan {
                    ClientAuth::Post
                } else {
                    ClientAuth::Basic
                }),
            client_secret: None,
        })
    }
}

/// Where a stored session's client secret came from, when it has one.
pub fn stored_secret_source(session: &Session) -> Option<SecretSource> {
    session.secrets.client_secret.as_ref()?;
    let first = session.meta.provider.client_secret_source.clone();
    Some(SecretSource::Stored {
        first: first.unwrap_or_else(|| "an earlier sign-in".to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_for_both_kinds() {
        let anaplan = Provider::anaplan("eu3.app.anaplan.com", "c", None).unwrap();
        assert_eq!(
            Provider::from_record(&anaplan.to_record()).unwrap(),
            anaplan
        );
        let generic = Provider::generic(
            "c",
            Some("openid"),
            "https://i.example/d",
            "https://i.example/t",
            Some("https://i.example/r"),
        )
        .unwrap();
        assert_eq!(
            Provider::from_record(&generic.to_record()).unwrap(),
            generic
        );
    }

    #[test]
    fn a_session_keeps_the_secret_with_its_tokens_and_only_its_source_in_the_record() {
        let mut provider = Provider::anaplan("http://127.0.0.1:9", "c", None).unwrap();
        provider.client_secret = Some(ClientCredential {
            secret: crate::domain::secret::ClientSecret::new("the-value"),
            source: SecretSource::Env,
        });
        let tokens = TokenSet {
            access_token: crate::domain::secret::AccessToken::new("at"),
            token_type: "Bearer".into(),
            expires_at: None,
            refresh_token: None,
            refresh_token_expires_at: None,
            scope: None,
            id_token: None,
            issued_at: Timestamp::from_unix_secs(0),
        };
        let session = provider.new_session("p", tokens, Timestamp::from_unix_secs(0));
        assert_eq!(
            session.meta.provider.client_secret_source.as_deref(),
            Some("GRANTTY_CLIENT_SECRET")
        );
        assert!(!format!("{:?}", session.meta).contains("the-value"));
        let again = Provider::from_session(&session).unwrap();
        let cred = again.client_secret.unwrap();
        assert_eq!(cred.secret.expose(), "the-value");
        assert_eq!(
            cred.source,
            SecretSource::Stored {
                first: "GRANTTY_CLIENT_SECRET".into()
            }
        );
        assert_eq!(again.client_auth, ClientAuth::Post);
        assert_eq!(
            Provider::from_record(&session.meta.provider)
                .unwrap()
                .client_secret,
            None
        );
    }

    #[test]
    fn a_tampered_record_with_plain_http_is_refused() {
        let mut record = Provider::generic(
            "c",
            None,
            "https://i.example/d",
            "https://i.example/t",
            None,
        )
        .unwrap()
        .to_record();
        record.token_endpoint = "http://i.example/t".into();
        assert!(matches!(
            Provider::from_record(&record),
            Err(EndpointError::Insecure { .. })
        ));
    }
}
