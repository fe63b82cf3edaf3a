//! Working out what `grantty login` signs in to: the command line first (flags, and the
//! environment variables clap folds into them), then the profile, then the built-in defaults.
//!
//! A session already stored for the profile (live or ended) supplies whatever neither the flags
//! nor the profile say: its provider, host, endpoints, client and scopes, so `grantty login
//! --profile NAME` signs in again after a session made with flags ended.
//!
//! Where to sign in is taken as a whole: a flag naming a place (`--host`, `--issuer`,
//! `--device-endpoint`) replaces the profile's place instead of mixing with it, so
//! `--issuer` on an Anaplan profile never yields an Anaplan provider with a stray issuer.
//! Endpoints given next to an issuer (flags or profile keys) replace only the discovered ones.

mod retry;

use crate::cli::{FlowArg, LoginArgs, ProviderArg, SessionArgs};
use crate::config::{Config, Profile};
use crate::domain::session::ProviderRecord;
use crate::error::{Error, exit};
use crate::oauth::client::discover_with;
use crate::oauth::discovery::EndpointOverrides;
use crate::oauth::http::ReqwestTransport;
use crate::oauth::provider::{ANAPLAN_DEFAULT_HOST, Provider};

/// Everything `login` needs to start.
#[derive(Debug)]
pub struct LoginPlan {
    /// The provider.
    pub provider: Provider,
    /// Device grant or authorization code.
    pub flow: FlowArg,
    /// Authorization endpoint for the code flow, when known.
    pub authorize_endpoint: Option<String>,
    /// Redirect URI for the code flow, when fixed.
    pub redirect_uri: Option<String>,
}

/// The merged settings, before any URL is checked or fetched.
#[derive(Debug, Default, PartialEq, Eq)]
struct Settings {
    provider: Option<ProviderArg>,
    host: Option<String>,
    issuer: Option<String>,
    device_endpoint: Option<String>,
    token_endpoint: Option<String>,
    revocation_endpoint: Option<String>,
    authorize_endpoint: Option<String>,
    redirect_uri: Option<String>,
    client_id: Option<String>,
    scope: Option<String>,
    flow: Option<FlowArg>,
    refresh_token_lifespan_secs: Option<u64>,
}

/// Flags first, then `profile`; pure.
fn settings(args: &LoginArgs, profile: Option<&Profile>) -> Settings {
    let p = profile.cloned().unwrap_or_default();
    // Endpoint flags on a profile with an issuer replace only those endpoints of it.
    let place_from_flags = args.host.is_some()
        || args.issuer.is_some()
        || (args.device_endpoint.is_some() && p.issuer.is_none());
    let place = if place_from_flags {
        Settings {
            provider: args.provider,
            host: args.host.clone(),
            issuer: args.issuer.clone(),
            device_endpoint: args.device_endpoint.clone(),
            token_endpoint: args.token_endpoint.clone(),
            revocation_endpoint: args.revocation_endpoint.clone(),
            ..Settings::default()
        }
    } else {
        Settings {
            provider: args.provider.or(p.provider),
            host: p.host,
            issuer: p.issuer,
            device_endpoint: args.device_endpoint.clone().or(p.device_endpoint),
            token_endpoint: args.token_endpoint.clone().or(p.token_endpoint),
            revocation_endpoint: args.revocation_endpoint.clone().or(p.revocation_endpoint),
            ..Settings::default()
        }
    };
    Settings {
        authorize_endpoint: args.authorize_endpoint.clone().or(p.authorize_endpoint),
        redirect_uri: args.redirect_uri.clone().or(p.redirect_uri),
        client_id: args.client_id.clone().or(p.client_id),
        scope: args.scope.clone().or(p.scopes),
        flow: args.flow.or(p.flow),
        refresh_token_lifespan_secs: p.refresh_token_lifespan_secs,
        ..place
    }
}

/// `, or KEY in profile "NAME" (PATH)` / `, or a profile that sets KEY`, for usage errors.
fn profile_hint(session: &SessionArgs, config: &Config, key: &str) -> String {
    match (config.profile(&session.profile), &config.path) {
        (Some(_), Some(path)) => format!(
            ", or set {key} in profile {:?} of {}",
            session.profile,
            path.display()
        ),
        _ => format!(", or a profile that sets {key} (--profile NAME; see `grantty profiles`)"),
    }
}

/// The stored session's provider, when neither the flags nor the profile say where to sign in;
/// a client id or scopes given by them still win. Pure.
fn reuse_stored(s: &Settings, stored: Option<&ProviderRecord>) -> Option<ProviderRecord> {
    let place = s.provider.is_some()
        || s.host.is_some()
        || s.issuer.is_some()
        || s.device_endpoint.is_some()
        || s.token_endpoint.is_some()
        || s.revocation_endpoint.is_some();
    let mut record = stored.filter(|_| !place)?.clone();
    if let Some(client_id) = &s.client_id {
        record.client_id.clone_from(client_id);
    }
    if let Some(scope) = &s.scope {
        record.scope.clone_from(scope);
    }
    if let Some(secs) = s.refresh_token_lifespan_secs {
        record.refresh_token_lifespan_secs = Some(secs);
    }
    Some(record)
}

/// Resolves the provider and flow for `args`, the profile in effect and the provider of the
/// session stored for it, if any.
pub async fn login_plan(
    session: &SessionArgs,
    args: &LoginArgs,
    config: &Config,
    stored: Option<&ProviderRecord>,
    transport: &ReqwestTransport,
) -> Result<LoginPlan, Error> {
    let s = settings(args, config.profile(&session.profile));
    if let Some(record) = reuse_stored(&s, stored) {
        let provider = Provider::from_record(&record)?;
        return Ok(LoginPlan {
            flow: s.flow.unwrap_or(FlowArg::Device),
            authorize_endpoint: s.authorize_endpoint.or_else(|| {
                provider
                    .authorization_endpoint
                    .as_ref()
                    .map(ToString::to_string)
            }),
            redirect_uri: s.redirect_uri,
            provider,
        });
    }
    let client_id = s.client_id.as_deref().ok_or_else(|| {
        Error::Usage(format!(
            "say which client signs in: --client-id ID (or GRANTTY_CLIENT_ID){}",
            profile_hint(session, config, "client_id")
        ))
    })?;
    let scope = s.scope.as_deref();
    let kind = s.provider.unwrap_or(if s.host.is_some() {
        ProviderArg::Anaplan
    } else {
        ProviderArg::Generic
    });
    let endpoints_given = s.device_endpoint.is_some()
        || s.token_endpoint.is_some()
        || s.revocation_endpoint.is_some();
    let mut provider = match (kind, &s.issuer, &s.device_endpoint, &s.token_endpoint) {
        (ProviderArg::Anaplan, ..) if endpoints_given => {
            return Err(Error::Usage(
                "--device-endpoint, --token-endpoint and --revocation-endpoint are for generic providers; Anaplan's endpoints follow from --host (and logout's from --logout-endpoint)".to_owned(),
            ));
        }
        (ProviderArg::Anaplan, ..) => Provider::anaplan(
            s.host.as_deref().unwrap_or(ANAPLAN_DEFAULT_HOST),
            client_id,
            scope,
        )?,
        (ProviderArg::Generic, Some(issuer), ..) => {
            let overrides = EndpointOverrides {
                device_authorization_endpoint: s.device_endpoint.clone(),
                token_endpoint: s.token_endpoint.clone(),
                revocation_endpoint: s.revocation_endpoint.clone(),
                authorization_endpoint: s.authorize_endpoint.clone(),
            };
            discover_with(transport, issuer, client_id, scope, &overrides)
                .await
                .map_err(|e| retry::discovery_failed(e, session, args, config))?
        }
        (ProviderArg::Generic, None, Some(device), Some(token)) => Provider::generic(
            client_id,
            scope,
            device,
            token,
            s.revocation_endpoint.as_deref(),
        )?,
        (ProviderArg::Generic, None, Some(_), None) => {
            return Err(Error::Usage(format!(
                "--device-endpoint needs --token-endpoint URL, or --issuer URL to discover the rest{}",
                profile_hint(session, config, "token_endpoint or issuer")
            )));
        }
        (ProviderArg::Generic, ..) => {
            return Err(Error::SignIn {
                code: exit::USAGE,
                message: format!(
                    "say where to sign in: --provider anaplan [--host HOST], --issuer URL, or --device-endpoint URL --token-endpoint URL{}",
                    profile_hint(session, config, "host, issuer or device_endpoint")
                ),
            });
        }
    };
    if let Some(secs) = s.refresh_token_lifespan_secs {
        provider.refresh_token_lifespan_secs = Some(secs);
    }
    Ok(LoginPlan {
        provider,
        flow: s.flow.unwrap_or(FlowArg::Device),
        authorize_endpoint: s.authorize_endpoint,
        redirect_uri: s.redirect_uri,
    })
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::*;
    use crate::cli::{Cli, Command};

    /// `grantty login <flags>` as clap parses it.
    pub(super) fn login_args(flags: &[&str]) -> LoginArgs {
        let argv = ["grantty", "login"]
            .into_iter()
            .chain(flags.iter().copied());
        match Cli::try_parse_from(argv).unwrap().command {
            Some(Command::Login(login)) => login,
            other => panic!("not a login: {other:?}"),
        }
    }

    fn work() -> Profile {
        Profile {
            provider: Some(ProviderArg::Anaplan),
            host: Some("eu3.app.anaplan.com".into()),
            client_id: Some("profile-client".into()),
            scopes: Some("openid offline_access".into()),
            flow: Some(FlowArg::Code),
            redirect_uri: Some("https://example.com/cb".into()),
            refresh_token_lifespan_secs: Some(7200),
            ..Profile::default()
        }
    }

    #[test]
    fn a_complete_profile_needs_no_flags() {
        let s = settings(&login_args(&[]), Some(&work()));
        assert_eq!(s.provider, Some(ProviderArg::Anaplan));
        assert_eq!(s.host.as_deref(), Some("eu3.app.anaplan.com"));
        assert_eq!(s.client_id.as_deref(), Some("profile-client"));
        assert_eq!(s.scope.as_deref(), Some("openid offline_access"));
        assert_eq!(s.flow, Some(FlowArg::Code));
        assert_eq!(s.redirect_uri.as_deref(), Some("https://example.com/cb"));
        assert_eq!(s.refresh_token_lifespan_secs, Some(7200));
    }

    #[test]
    fn flags_beat_the_profile_key_by_key() {
        let args = login_args(&[
            "--client-id",
            "flag-client",
            "--scope",
            "openid",
            "--flow",
            "device",
        ]);
        let s = settings(&args, Some(&work()));
        assert_eq!(s.client_id.as_deref(), Some("flag-client"));
        assert_eq!(s.scope.as_deref(), Some("openid"));
        assert_eq!(s.flow, Some(FlowArg::Device));
        // Keys the flags leave alone still come from the profile.
        assert_eq!(s.host.as_deref(), Some("eu3.app.anaplan.com"));
        assert_eq!(s.redirect_uri.as_deref(), Some("https://example.com/cb"));
    }

    #[test]
    fn a_place_given_by_flags_replaces_the_profiles_place() {
        let args = login_args(&["--issuer", "https://idp.example.com"]);
        let s = settings(&args, Some(&work()));
        assert_eq!(s.issuer.as_deref(), Some("https://idp.example.com"));
        assert_eq!((s.provider, s.host), (None, None));
        assert_eq!(s.client_id.as_deref(), Some("profile-client"));
    }

    #[test]
    fn endpoint_flags_next_to_a_profiles_issuer_replace_only_those_endpoints() {
        let dot = Profile {
            issuer: Some("https://idp.example.com".into()),
            client_id: Some("c".into()),
            ..Profile::default()
        };
        let args = login_args(&["--device-endpoint", "https://idp.example.com/o/device/"]);
        let s = settings(&args, Some(&dot));
        assert_eq!(s.issuer.as_deref(), Some("https://idp.example.com"));
        assert_eq!(
            s.device_endpoint.as_deref(),
            Some("https://idp.example.com/o/device/")
        );
        // Without an issuer in the profile the flags name the place, as before.
        let s = settings(&args, Some(&work()));
        assert_eq!((s.issuer, s.host), (None, None));
        let both = login_args(&[
            "--issuer",
            "https://idp.example.com",
            "--device-endpoint",
            "https://idp.example.com/d",
        ]);
        let s = settings(&both, None);
        assert_eq!(
            (s.issuer.as_deref(), s.device_endpoint.as_deref()),
            (
                Some("https://idp.example.com"),
                Some("https://idp.example.com/d")
            )
        );
        assert_eq!(reuse_stored(&s, Some(&stored())), None);
    }

    fn stored() -> ProviderRecord {
        Provider::generic(
            "stored-client",
            Some("openid offline_access"),
            "https://idp.example.com/device",
            "https://idp.example.com/token",
            None,
        )
        .unwrap()
        .to_record()
    }

    #[test]
    fn a_stored_session_supplies_what_flags_and_profile_leave_out() {
        let s = settings(&login_args(&[]), None);
        let record = reuse_stored(&s, Some(&stored())).unwrap();
        assert_eq!(record, stored());
        let s = settings(
            &login_args(&["--client-id", "new", "--scope", "openid"]),
            None,
        );
        let record = reuse_stored(&s, Some(&stored())).unwrap();
        assert_eq!(
            (record.client_id.as_str(), record.scope.as_str()),
            ("new", "openid")
        );
        assert_eq!(record.token_endpoint, "https://idp.example.com/token");
    }

    #[test]
    fn a_place_from_flags_or_profile_beats_the_stored_session() {
        let s = settings(&login_args(&["--host", "eu3.app.anaplan.com"]), None);
        assert_eq!(reuse_stored(&s, Some(&stored())), None);
        let s = settings(&login_args(&[]), Some(&work()));
        assert_eq!(reuse_stored(&s, Some(&stored())), None);
        assert_eq!(reuse_stored(&settings(&login_args(&[]), None), None), None);
    }

    #[test]
    fn without_a_profile_only_the_flags_count() {
        let s = settings(&login_args(&["--host", "eu3.app.anaplan.com"]), None);
        assert_eq!(s.host.as_deref(), Some("eu3.app.anaplan.com"));
        assert_eq!(
            (s.client_id, s.flow, s.refresh_token_lifespan_secs),
            (None, None, None)
        );
    }
}
