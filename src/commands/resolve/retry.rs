//! When discovery cannot give a device grant (no `device_authorization_endpoint`, or no metadata
//! at all), the error repeats the user's own `grantty login` command with the missing endpoint
//! flags added, `--issuer` kept, so the next attempt keeps the discovered revocation endpoint.
//!
//! Only what the user gave is repeated (flags and `GRANTTY_CLIENT_ID`, which clap folds into
//! them); grantty never takes a secret on the command line, so nothing here is one. Every value
//! is sanitised and shell-quoted.

use clap::ValueEnum as _;

use crate::cli::{LoginArgs, SessionArgs};
use crate::config::Config;
use crate::domain::text::{URL_MAX_CHARS, sanitize};
use crate::error::Error;
use crate::oauth::AuthError;
use crate::oauth::provider::EndpointError;

/// `err` as the command's error: discovery failures that more endpoints would fix carry the
/// command to run next; anything else is unchanged.
pub(super) fn discovery_failed(
    err: AuthError,
    session: &SessionArgs,
    args: &LoginArgs,
    config: &Config,
) -> Error {
    let missing: &[&str] = match &err {
        AuthError::Endpoint(EndpointError::NoDeviceEndpoint { .. }) => &["--device-endpoint"],
        AuthError::Endpoint(EndpointError::NoMetadata { .. }) => {
            &["--device-endpoint", "--token-endpoint"]
        }
        _ => return Error::Auth(err),
    };
    let add: Vec<&str> = missing
        .iter()
        .copied()
        .filter(|flag| match *flag {
            "--device-endpoint" => args.device_endpoint.is_none(),
            _ => args.token_endpoint.is_none(),
        })
        .collect();
    // `--store` as given (the profile's own `store` needs no repeating).
    let store = session
        .store
        .filter(|store| config.profile(&session.profile).and_then(|p| p.store) != Some(*store))
        .and_then(|store| store.to_possible_value())
        .map(|value| value.get_name().to_owned());
    let profile_file = config
        .profile(&session.profile)
        .filter(|p| p.issuer.is_some() && args.issuer.is_none())
        .and(config.path.as_ref());
    Error::Discovery {
        retry: crate::words::retry_with_endpoints(
            &command_with(&session.profile, store.as_deref(), args, &add),
            &session.profile,
            profile_file
                .map(|path| path.display().to_string())
                .as_deref(),
            &add,
        ),
        cause: err,
    }
}

/// `grantty login --profile P [--store S] <the user's login flags> <add URL…>`.
fn command_with(profile: &str, store: Option<&str>, args: &LoginArgs, add: &[&str]) -> String {
    let flow = args.flow.map(|f| match f {
        crate::cli::FlowArg::Device => "device".to_owned(),
        crate::cli::FlowArg::Code => "code".to_owned(),
    });
    let valued = [
        ("--issuer", args.issuer.clone()),
        ("--client-id", args.client_id.clone()),
        ("--scope", args.scope.clone()),
        ("--flow", flow),
        ("--device-endpoint", args.device_endpoint.clone()),
        ("--token-endpoint", args.token_endpoint.clone()),
        ("--revocation-endpoint", args.revocation_endpoint.clone()),
        ("--authorize-endpoint", args.authorize_endpoint.clone()),
        ("--redirect-uri", args.redirect_uri.clone()),
    ];
    let mut words = vec![
        "grantty".to_owned(),
        "login".to_owned(),
        "--profile".to_owned(),
        quoted(profile),
    ];
    if let Some(store) = store {
        words.extend(["--store".to_owned(), quoted(store)]);
    }
    for (flag, value) in valued {
        if let Some(value) = value {
            words.push(flag.to_owned());
            words.push(quoted(&value));
        }
    }
    for (flag, on) in [("--json", args.json), ("--force", args.force)] {
        if on {
            words.push(flag.to_owned());
        }
    }
    for flag in add {
        words.push((*flag).to_owned());
        words.push("URL".to_owned());
    }
    words.join(" ")
}

/// `value` sanitised, and in single quotes unless it is plainly safe for a shell.
fn quoted(value: &str) -> String {
    let value = sanitize(value, URL_MAX_CHARS);
    let plain = !value.is_empty()
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_./:=@%+,-".contains(c));
    if plain {
        value
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::login_args;
    use super::*;

    #[test]
    fn the_same_command_is_repeated_with_the_missing_flag_added() {
        let args = login_args(&[
            "--issuer",
            "https://idp.example.com/o",
            "--client-id",
            "c1",
            "--scope",
            "openid read",
            "--revocation-endpoint",
            "https://idp.example.com/o/revoke/",
        ]);
        assert_eq!(
            command_with("work", Some("file"), &args, &["--device-endpoint"]),
            "grantty login --profile work --store file --issuer https://idp.example.com/o --client-id c1 \
             --scope 'openid read' --revocation-endpoint https://idp.example.com/o/revoke/ \
             --device-endpoint URL"
        );
    }

    #[test]
    fn hostile_values_are_stripped_and_quoted() {
        let args = login_args(&[
            "--issuer",
            "https://idp.example.com/\u{1b}]0;x\u{7}'; rm -rf ~",
        ]);
        let text = command_with("default", None, &args, &["--device-endpoint"]);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{text}"
        );
        assert!(text.contains(r"'\''; rm -rf ~'"), "{text}");
    }
}
