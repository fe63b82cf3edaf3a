//! `grantty profiles --names` (for shell completion) and `grantty profiles --default NAME`.

use std::io::Write as _;

use crate::cli::SessionArgs;
use crate::commands::setup::{known_profiles, unknown_profile};
use crate::config::{Config, default_path, set_default_profile};
use crate::error::Error;
use crate::store::validate_profile;

/// Every configured or stored profile name, one per line, sorted; nothing else, and no file
/// created, so completion can call it on every Tab.
pub fn print_names(config: &Config) -> Result<(), Error> {
    let mut text = String::new();
    for name in known_profiles(config)? {
        text.push_str(&name);
        text.push('\n');
    }
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}

/// Sets `default_profile = "name"` in the configuration file (`--config`, else the default
/// path; created if missing). `name` must be a configured profile or a stored session.
pub fn set_default(given: &SessionArgs, config: &Config, name: &str) -> Result<(), Error> {
    validate_profile(name)?;
    let known = known_profiles(config)?;
    if !known.contains(name) {
        return Err(Error::Usage(unknown_profile(name, true, config, &known)));
    }
    let path = config
        .path
        .clone()
        .or_else(|| given.config.clone())
        .or_else(default_path)
        .ok_or_else(|| {
            Error::Usage(
                "neither XDG_CONFIG_HOME nor HOME is set, so there is no configuration file; \
                 pass --config FILE"
                    .to_owned(),
            )
        })?;
    set_default_profile(&path, name)?;
    crate::say!(
        "grantty: \"{name}\" is now the default profile (default_profile in {})",
        path.display()
    );
    Ok(())
}
