//! Sentences of a sign-in that discovery alone cannot set up: the user's own command again,
//! with the endpoint flags to add.

/// What to run after discovery left out endpoints: `command` is the user's login with the
/// `add`ed flags; a profile's issuer can take the same keys in `profile_file`.
pub fn retry_with_endpoints(
    command: &str,
    profile: &str,
    profile_file: Option<&str>,
    add: &[&str],
) -> String {
    let keys: Vec<String> = add
        .iter()
        .map(|flag| {
            format!(
                "{} = \"URL\"",
                flag.trim_start_matches("--").replace('-', "_")
            )
        })
        .collect();
    let or_profile = profile_file.map_or_else(String::new, |file| {
        format!(
            " (or set {} in profile {profile:?} of {file})",
            keys.join(" and ")
        )
    });
    let endpoints = if add.len() == 1 {
        "the endpoint"
    } else {
        "the endpoints"
    };
    format!("run the same command with {endpoints} the server documents: `{command}`{or_profile}")
}
