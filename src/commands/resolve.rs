//! Working out what `grantty login` signs in to: the command line first, then the profile.

use crate::cli::{FlowArg, LoginArgs, ProviderArg, SessionArgs};
use crate::error::{Error, exit};
use crate::oauth::client::discover;
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

/// Resolves the provider and flow for `args`.
pub async fn login_plan(session: &SessionArgs, args: &LoginArgs, transport: &ReqwestTransport) -> Result<LoginPlan, Error> {
    let _ = session;
    let client_id = args
        .client_id
        .as_deref()
        .ok_or_else(|| Error::Usage("say which client signs in: --client-id ID (or GRANTTY_CLIENT_ID)".into()))?;
    let scope = args.scope.as_deref();
    let kind = args.provider.unwrap_or(if args.host.is_some() {
        ProviderArg::Anaplan
    } else {
        ProviderArg::Generic
    });
    let provider = match (
        kind,
        &args.issuer,
        &args.device_endpoint,
        &args.token_endpoint,
    ) {
        (ProviderArg::Anaplan, ..) => Provider::anaplan(
            args.host.as_deref().unwrap_or(ANAPLAN_DEFAULT_HOST),
            client_id,
            scope,
        )?,
        (ProviderArg::Generic, Some(issuer), ..) => {
            discover(transport, issuer, client_id, scope).await?
        }
        (ProviderArg::Generic, None, Some(device), Some(token)) => Provider::generic(
            client_id,
            scope,
            device,
            token,
            args.revocation_endpoint.as_deref(),
        )?,
        (ProviderArg::Generic, ..) => {
            return Err(Error::SignIn {
                code: exit::USAGE,
                message: "say where to sign in: --provider anaplan [--host HOST], --issuer URL, or --device-endpoint URL --token-endpoint URL".into(),
            });
        }
    };
    Ok(LoginPlan {
        provider,
        flow: args.flow.unwrap_or(FlowArg::Device),
        authorize_endpoint: args.authorize_endpoint.clone(),
        redirect_uri: args.redirect_uri.clone(),
    })
}
