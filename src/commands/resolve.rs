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

use super::client_secret::{self, SecretInputs};
use crate::cli::{ClientAuthArg, FlowArg, LoginArgs, ProviderArg, SessionArgs};
use crate::config::{Config, Profile};
use crate::domain::session::ProviderRecord;
use crate::error::{Error, exit};
use crate::oauth::client::discover_with;
use crate::oauth::discovery::EndpointOverrides;
use crate::oauth::http::ReqwestTransport;
use crate::oauth::provider::{ANAPLAN_DEFAULT_HOST, Provider};
use crate::session_service::Stored;
use crate::words;

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
    client_auth: Option<ClientAuthArg>,
    client_secret_file: Option<std::path::PathBuf>,
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
        client_auth: args.client_auth.or(p.client_auth),
        client_secret_file: p.client_secret_file,
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

/// Resolves the provider, its client secret and the flow for `args`, the profile in effect and
/// the session stored for it, if any.
pub async fn login_plan(
    session: &SessionArgs,
    args: &LoginArgs,
    config: &Config,
    stored: Option<&Stored>,
    transport: &ReqwestTransport,
) -> Result<LoginPlan, Error> {
    let s = settings(args, config.profile(&session.profile));
    let profile_file = s
        .client_secret_file
        .as_deref()
        .map(|f| client_secret::profile_path(f, config.path.as_deref()));
    let confidential = s.client_auth.is_some()
        || s.client_secret_file.is_some()
        || args.client_secret_file.is_some();
    let bound = client_secret::bound_profile_from_env();
    let env = client_secret::from_env().filter(|_| {
        let applies = client_secret::env_applies(confidential, bound.as_deref(), &session.profile);
        if !applies {
            crate::say!(
                "{}",
                words::client_secret_env_ignored(&session.profile, bound.as_deref())
            );
        }
        applies
    });
    let inputs = SecretInputs {
        flag_file: args.client_secret_file.as_deref(),
        env,
        profile_file: profile_file
            .as_deref()
            .map(|f| (session.profile.as_str(), f)),
    };
    let given = inputs.any();
    let secret = client_secret::read(inputs, &mut std::io::stderr())?;
    let mut plan = plan(session, args, &s, config, stored, transport).await?;
    // A re-sign-in over a stored session keeps its secret unless a new one is given.
    if given || plan.provider.client_secret.is_none() {
        plan.provider.client_secret = secret;
    }
    if let Some(method) = s.client_auth {
        plan.provider.client_auth = method.into();
    }
    if let Some(credential) = &plan.provider.client_secret {
        crate::say!(
            "{}",
            words::client_secret_sent(
                &credential.source,
                plan.provider.client_auth,
                &plan.provider.token_endpoint.origin().ascii_serialization(),
            )
        );
    }
    Ok(plan)
}

/// The plan of a sign-in over a stored session: its provider and secret, and, for a session
/// that signed in in a browser, the same flow (Anaplan SSO users cannot use the device grant)
/// with its endpoint and redirect URI, unless the flags or the profile say otherwise.
fn reused_plan(s: &Settings, stored: &Stored, record: &ProviderRecord) -> Result<LoginPlan, Error> {
    let mut provider = Provider::from_record(record)?;
    // A session whose tokens are gone lost its stored secret with them: a new one must be given.
    if let Some(session) = stored.session() {
        provider.client_secret = Provider::from_session(session)?.client_secret;
    }
    let code = record.code_flow.as_ref();
    Ok(LoginPlan {
        flow: s.flow.unwrap_or(if code.is_some() {
            FlowArg::Code
        } else {
            FlowArg::Device
        }),
        authorize_endpoint: s
            .authorize_endpoint
            .clone()
            .or_else(|| code.map(|c| c.authorization_endpoint.clone()))
            .or_else(|| {
                provider
                    .authorization_endpoint
                    .as_ref()
                    .map(ToString::to_string)
            }),
        redirect_uri: s
            .redirect_uri
            .clone()
            .or_else(|| code.and_then(|c| c.redirect_uri.clone())),
        provider,
    })
}

async fn plan(
    session: &SessionArgs,
    args: &LoginArgs,
    s: &Settings,
    config: &Config,
    stored: Option<&Stored>,
    transport: &ReqwestTransport,
) -> Result<LoginPlan, Error> {
    let reused = stored.and_then(|stored| {
        let meta = stored.meta()?;
        reuse_stored(s, Some(&meta.provider)).map(|record| (stored, record))
    });
    if let Some((stored, record)) = reused {
        return reused_plan(s, stored, &record);
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
        authorize_endpoint: s.authorize_endpoint.clone(),
        redirect_uri: s.redirect_uri.clone(),
    })
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod tests;
