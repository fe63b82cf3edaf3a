//! Which profile names exist, and the rule for a name that does not.
//!
//! A profile exists when `config.toml` defines it or a session is stored under it (its
//! metadata file is in the state directory). A name that was asked for (`--profile`,
//! `GRANTTY_PROFILE` or `default_profile`) and exists nowhere stops the command with the
//! closest existing name and the next step, before any store is opened or file written.
//! The exit code follows what is wrong, not how likely a typo is:
//! - `default_profile` naming nothing is a mistake in the file: exit 2, like every other one;
//! - `login` without where to sign in cannot create the profile: exit 2 (usage);
//! - any other command has no session for that name: exit 7 (sign-in needed), the same code a
//!   script sees after `logout` removed the profile's only trace, so scripts branch on one code
//!   (and `status --json` prints its signed-out object, as it does for any missing session).
//!
//! The one way to bring a new name into being is `login` with where to sign in on the command
//! line (`--host`, `--issuer`, `--device-endpoint` or `--provider`): that creates the profile's
//! first session. The built-in `default`, used when nothing names a profile, is never checked
//! here: commands then say there is no session and how to sign in. `git-credential store` and
//! `erase` do nothing, so they are not checked either.

use std::collections::BTreeSet;
use std::path::Path;

use crate::cli::{Cli, Command, GitOperation, LoginArgs};
use crate::config::{Config, suggestion};
use crate::error::{Error, exit};
use crate::store::{default_dir, meta_path, profile_of_meta_file, validate_profile};

/// Configured profiles and stored sessions, by name. Reads the state directory's listing only;
/// creates nothing.
pub fn known_profiles(config: &Config) -> Result<BTreeSet<String>, Error> {
    let mut names: BTreeSet<String> = config.profiles.keys().cloned().collect();
    if let Some(dir) = default_dir() {
        names.extend(stored_names(&dir)?);
    }
    Ok(names)
}

fn stored_names(dir: &Path) -> Result<Vec<String>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut names = Vec::new();
    for entry in entries {
        let file = entry?.file_name();
        if let Some(name) = file.to_str().and_then(profile_of_meta_file) {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

/// The quick answer for the common case, one `stat` at most (`grantty token` runs often): the
/// profile is configured, or its metadata file is there. An invalid name is left to the store,
/// which says what a profile name may hold.
fn exists(profile: &str, config: &Config) -> bool {
    config.profiles.contains_key(profile)
        || validate_profile(profile).is_err()
        || default_dir().is_some_and(|dir| meta_path(&dir, profile).is_file())
}

/// `login` with a place to sign in given on the command line: may create a new profile.
fn creates_profile(args: &LoginArgs) -> bool {
    args.provider.is_some()
        || args.host.is_some()
        || args.issuer.is_some()
        || args.device_endpoint.is_some()
}

/// Stops a command whose profile was named but exists nowhere (see the module docs).
pub fn check_profile(cli: &Cli, profile: &str, config: &Config) -> Result<(), Error> {
    let exempt = match &cli.command {
        // `profiles` lists what exists; `profiles --default` checks its own argument.
        Some(
            Command::Demo(_) | Command::Completions(_) | Command::Man(_) | Command::Profiles(_),
        ) => true,
        Some(Command::Login(args)) => creates_profile(args),
        Some(Command::GitCredential(args)) => args.operation != GitOperation::Get,
        _ => false,
    };
    let named = cli.session.profile_arg.is_some() || config.default_profile.is_some();
    if exempt || !named || exists(profile, config) {
        return Ok(());
    }
    let known = known_profiles(config)?;
    if known.contains(profile) {
        return Ok(());
    }
    let by_flag = cli.session.profile_arg.is_some();
    let message = unknown_profile(profile, by_flag, config, &known);
    let login = matches!(cli.command, Some(Command::Login(_)));
    if by_flag && !login {
        if let Some(Command::Status(args)) = &cli.command
            && args.json
        {
            crate::commands::status::print_signed_out(profile)?;
        }
        Err(Error::SignIn {
            code: exit::SIGN_IN_NEEDED,
            message,
        })
    } else {
        Err(Error::Usage(message))
    }
}

/// `no profile "ann" …`, with the closest name and the next step.
pub fn unknown_profile(
    name: &str,
    by_flag: bool,
    config: &Config,
    known: &BTreeSet<String>,
) -> String {
    let candidates: Vec<&str> = known.iter().map(String::as_str).collect();
    let hint = suggestion(name, &candidates)
        .map_or_else(String::new, |s| format!(" (did you mean \"{s}\"?)"));
    let file = config.path.as_ref().map(|p| p.display().to_string());
    let listed = if known.is_empty() {
        "there are no profiles yet".to_owned()
    } else {
        format!("'grantty profiles' lists the {} there are", known.len())
    };
    if by_flag {
        // Said positively when there is no file: "not in no configuration file" reads as its
        // opposite.
        let nowhere = file.map_or_else(
            || "there is no configuration file and no session is stored under it".to_owned(),
            |file| format!("it is not in {file} and no session is stored under it"),
        );
        format!(
            "no profile \"{name}\"{hint}: {nowhere}; {listed}, or create it with \
             'grantty login --profile {name} --host HOST' (or --issuer URL)"
        )
    } else {
        let place = file.map_or_else(String::new, |file| format!(" in {file}"));
        format!(
            "default_profile = \"{name}\"{place} names no profile and no stored session{hint}; \
             {listed}; choose one with 'grantty profiles --default NAME'"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_closest_profile_and_the_way_out() {
        let known: BTreeSet<String> = ["ana", "work"].map(String::from).into();
        let text = unknown_profile("ann", true, &Config::default(), &known);
        assert!(
            text.starts_with("no profile \"ann\" (did you mean \"ana\"?): "),
            "{text}"
        );
        assert!(
            text.contains("'grantty login --profile ann --host HOST'"),
            "{text}"
        );
        let text = unknown_profile("wrk", false, &Config::default(), &known);
        assert!(text.starts_with("default_profile = \"wrk\" names no profile and no stored session (did you mean \"work\"?); "), "{text}");
        let none = unknown_profile("zzz", true, &Config::default(), &BTreeSet::new());
        assert!(!none.contains("did you mean") && none.contains("there are no profiles yet"));
    }

    #[test]
    fn without_a_configuration_file_the_message_has_no_double_negative() {
        let known: BTreeSet<String> = ["work"].map(String::from).into();
        for by_flag in [true, false] {
            let text = unknown_profile("wrk", by_flag, &Config::default(), &known);
            assert!(!text.contains("no configuration file names"), "{text}");
            assert!(!text.contains("not in no"), "{text}");
        }
        let text = unknown_profile("wrk", true, &Config::default(), &known);
        assert!(
            text.contains(": there is no configuration file and no session is stored under it;"),
            "{text}"
        );
        let with_file = Config {
            path: Some("/home/ann/.config/grantty/config.toml".into()),
            ..Config::default()
        };
        let text = unknown_profile("wrk", true, &with_file, &known);
        assert!(
            text.contains("it is not in /home/ann/.config/grantty/config.toml and no session"),
            "{text}"
        );
    }
}
