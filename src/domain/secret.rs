//! Secret newtypes: device codes, tokens and the client secret.
//!
//! Their `Debug` output is redacted and they have no `Display`, so a secret can only leave the
//! process through an explicit [`expose`](AccessToken::expose) call. The screen only ever gets a
//! [`masked`](AccessToken::masked) preview.

macro_rules! secret_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret itself, for the wire or for output the user asked for.
            pub fn expose(&self) -> &str {
                &self.0
            }

            /// A preview that is safe to show: the first and last four characters of long
            /// values, stars otherwise.
            pub fn masked(&self) -> String {
                mask(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted {} chars>)"), self.0.chars().count())
            }
        }
    };
}

secret_type!(
    /// The RFC 8628 `device_code`: proves this client asked for the grant; never shown.
    DeviceCode
);
secret_type!(
    /// An OAuth 2.0 access token (RFC 6749 §1.4).
    AccessToken
);
secret_type!(
    /// An OAuth 2.0 refresh token (RFC 6749 §1.5).
    RefreshToken
);
secret_type!(
    /// An `OpenID` Connect ID token (a JWT).
    IdToken
);
secret_type!(
    /// A confidential client's secret (RFC 6749 §2.3.1). Kept with the session's tokens, sent
    /// only to authenticate the client; never shown, not even masked.
    ClientSecret
);

/// Shows at most eight characters of a secret, and only of one long enough that they give
/// nothing useful away.
fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    if chars.len() < 24 {
        return "••••••••".to_owned();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_value() {
        let token = AccessToken::new("eyJhbGciOiJub25lIn0.secret-part.sig");
        let debug = format!("{token:?}");
        assert!(!debug.contains("secret-part"), "{debug}");
        assert!(debug.starts_with("AccessToken(<redacted"));
    }

    #[test]
    fn a_client_secret_has_no_display_and_a_redacted_debug() {
        let secret = ClientSecret::new("s3cr3t-value");
        let debug = format!("{secret:?}");
        assert_eq!(debug, "ClientSecret(<redacted 12 chars>)");
    }

    #[test]
    fn masked_shows_only_ends_of_long_tokens() {
        let token = RefreshToken::new("demo-rt-0123456789abcdef0123456789");
        assert_eq!(token.masked(), "demo…6789");
        assert_eq!(RefreshToken::new("short").masked(), "••••••••");
    }
}
