//! Integrations for wrappers: kubectl exec credentials and the git credential helper.

use crate::cli::{GitOperation, SessionArgs};
use crate::error::Error;

/// `grantty kubectl-credential`.
pub async fn kubectl_credential(session: &SessionArgs) -> Result<(), Error> {
    let _ = session;
    Err(Error::Usage("kubectl-credential is not available yet".into()))
}

/// `grantty git-credential get|store|erase`.
pub async fn git_credential(session: &SessionArgs, operation: GitOperation) -> Result<(), Error> {
    let _ = (session, operation);
    Err(Error::Usage("git-credential is not available yet".into()))
}
