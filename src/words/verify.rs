//! Sentences of `status --verify`: what the provider said about the access token, and the
//! next step. The session is never changed by a check, and each sentence says so.

use super::login_command;
use crate::oauth::verify::VerifyFailed;

/// `status --verify` got no "accepted" for `profile`.
pub fn verify_failed(profile: &str, failed: &VerifyFailed) -> String {
    let again = format!("grantty status --verify --profile {profile}");
    match failed {
        VerifyFailed::Refused { .. } => format!(
            "{failed}; the session is kept. `grantty refresh --profile {profile}` gets a new access token while the refresh token works, else `{}`",
            login_command(profile)
        ),
        VerifyFailed::NotCheckable { .. } => format!(
            "{failed}, so whether it accepts the token cannot be checked; `grantty status --profile {profile}` shows what is stored, and a sign-in with --issuer (`{} --issuer URL`) picks up a userinfo endpoint when the provider has one",
            login_command(profile)
        ),
        VerifyFailed::ForeignOrigin { .. } => format!(
            "{failed}; the session is kept. `grantty status --profile {profile}` shows what is stored"
        ),
        VerifyFailed::Unreachable { .. } | VerifyFailed::Unavailable { .. } => {
            format!("{failed}; nothing was changed: try again later (`{again}`)")
        }
        VerifyFailed::BadAnswer { .. } => {
            format!("{failed}; nothing was changed")
        }
        VerifyFailed::Endpoint(_) => format!(
            "{failed}; sign in again to store a usable provider (`{}`)",
            login_command(profile)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sentence_names_the_profile_and_a_command() {
        let host = || "idp.example.com".to_owned();
        for failed in [
            VerifyFailed::Refused {
                host: host(),
                status: 401,
                reason: None,
            },
            VerifyFailed::NotCheckable { host: host() },
            VerifyFailed::Unreachable {
                host: host(),
                message: "refused".into(),
            },
            VerifyFailed::Unavailable {
                host: host(),
                status: 503,
            },
        ] {
            let text = verify_failed("work", &failed);
            assert!(
                text.contains("--profile work") && text.contains("idp.example.com"),
                "{text}"
            );
        }
    }
}
