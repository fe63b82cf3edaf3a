//! Converting a [`Provider`] to and from the plain [`ProviderRecord`] stored with a session, so
//! `grantty token` can refresh without being told the provider again.

use super::provider::{
    ANAPLAN_DEFAULT_AUTH_URL, AuthScheme, BodyEncoding, EndpointError, Provider, ProviderKind,
    anaplan_logout_endpoint, checked_url,
};
use crate::domain::session::ProviderRecord;

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
            revocation_endpoint: self.revocation_endpoint.as_ref().map(ToString::to_string),
            logout_endpoint: self.logout_endpoint.as_ref().map(ToString::to_string),
            refresh_token_lifespan_secs: self.refresh_token_lifespan_secs,
        }
    }

    /// Rebuilds a provider from a stored record; every URL is checked again.
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
        })
    }
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
