//! Sentences about a confidential client's secret: where it came from and what to do when the
//! server refuses the client. They name the source, never the value.

use std::path::Path;

use super::login_command;
use crate::oauth::client_auth::{
    CLIENT_SECRET_ENV, CLIENT_SECRET_PROFILE_ENV, ClientAuth, SecretSource,
};

/// The secret given is empty.
pub fn empty_client_secret(source: &SecretSource) -> String {
    format!(
        "the client secret from {} is empty; give the client's secret there, or leave {CLIENT_SECRET_ENV} unset and pass no --client-secret-file for a public client",
        source.describe()
    )
}

/// `GRANTTY_CLIENT_SECRET` is exported but this sign-in is not one it belongs to.
pub fn client_secret_env_ignored(profile: &str, bound: Option<&str>) -> String {
    let bound_elsewhere = bound
        .map(|other| format!(" ({CLIENT_SECRET_PROFILE_ENV} names profile {other:?})"))
        .unwrap_or_default();
    format!(
        "notice: {CLIENT_SECRET_ENV} is set but not used: profile {profile:?} is not configured as a confidential client{bound_elsewhere}; to send it, pass --client-auth basic (or post), set client_auth or client_secret_file in the profile, or bind it with {CLIENT_SECRET_PROFILE_ENV}={profile}"
    )
}

/// The one line at sign-in saying that a secret is sent, how, where to and where it came from.
pub fn client_secret_sent(source: &SecretSource, method: ClientAuth, origin: &str) -> String {
    let how = match method {
        ClientAuth::Basic => "as HTTP Basic",
        ClientAuth::Post => "in the request body",
    };
    format!(
        "sending the client secret from {} to {origin} {how}",
        source.describe()
    )
}

/// A secret file that cannot be used.
pub fn client_secret_file_unreadable(path: &Path, why: &str) -> String {
    format!(
        "cannot read the client secret file {}: {why}. Give a readable file holding only the secret (mode 600)",
        path.display()
    )
}

/// A secret file others can read.
pub fn client_secret_file_readable(path: &Path) -> String {
    let shown = path.display();
    format!(
        "warning: the client secret file {shown} can be read by group or others; make it private with `chmod 600 {shown}`"
    )
}

/// What to check after `invalid_client`: the secret that was sent and where it came from, or
/// how to give one when none was sent.
pub fn invalid_client_hint(sent: Option<&SecretSource>, profile: &str) -> String {
    let login = login_command(profile);
    match sent {
        Some(source) => format!(
            "grantty sent the client secret from {}: check that it is the client's current one, then sign in with the right one in {CLIENT_SECRET_ENV} or --client-secret-file FILE (`{login}`)",
            source.describe()
        ),
        None => format!(
            "grantty sent no client secret: for a confidential client, give it with --client-secret-file FILE, or in {CLIENT_SECRET_ENV} together with --client-auth basic (or post) or {CLIENT_SECRET_PROFILE_ENV}={profile} (`{login}`)"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_names_the_source_or_how_to_give_a_secret() {
        let file = SecretSource::File("/etc/grantty/secret".into());
        let sent = invalid_client_hint(Some(&file), "work");
        assert!(sent.contains("/etc/grantty/secret"), "{sent}");
        assert!(sent.contains("--profile work"), "{sent}");
        let none = invalid_client_hint(None, "work");
        assert!(
            none.contains(CLIENT_SECRET_ENV) && none.contains("--client-secret-file"),
            "{none}"
        );
    }
}
