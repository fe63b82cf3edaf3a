//! `grantty login --flow code`: the authorization code grant with PKCE.

use super::resolve::LoginPlan;
use crate::cli::SessionArgs;
use crate::error::Error;
use crate::oauth::http::ReqwestTransport;
use crate::store::SessionStore;

/// Signs in with the authorization code grant.
pub async fn sign_in(plan: LoginPlan, transport: ReqwestTransport, store: SessionStore, session: &SessionArgs) -> Result<(), Error> {
    let _ = (plan, transport, store, session);
    Err(Error::Usage("--flow code is not available yet".into()))
}
