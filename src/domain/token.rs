//! The tokens a successful grant yields, stamped with absolute times on receipt.

use serde::Deserialize;

use super::clock::Timestamp;
use super::secret::{AccessToken, IdToken, RefreshToken};
use super::text::{SHORT_MAX_CHARS, sanitize};

/// A token response (RFC 6749 §5.1), with `expires_in` turned into absolute times.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// `token_type`, sanitised (`Bearer` for nearly everyone).
    pub token_type: String,
    /// When the access token stops working, if the server said.
    pub expires_at: Option<Timestamp>,
    /// The refresh token, if one was issued.
    pub refresh_token: Option<RefreshToken>,
    /// When the refresh token stops working, if the server said (`refresh_token_expires_in`).
    pub refresh_token_expires_at: Option<Timestamp>,
    /// The granted scope, sanitised; `None` means "as requested" (RFC 6749 §5.1).
    pub scope: Option<String>,
    /// The `OpenID` Connect ID token, if any.
    pub id_token: Option<IdToken>,
    /// When this set was received.
    pub issued_at: Timestamp,
}

/// Claims read from an ID token **without verifying its signature**: for display only.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UnverifiedClaims {
    /// `sub`.
    pub subject: Option<String>,
    /// `email`.
    pub email: Option<String>,
    /// `name` (or `preferred_username`).
    pub name: Option<String>,
    /// `iss`.
    pub issuer: Option<String>,
    /// `exp`.
    pub expires_at: Option<Timestamp>,
}

#[derive(Deserialize)]
struct RawClaims {
    sub: Option<serde_json::Value>,
    email: Option<String>,
    name: Option<String>,
    preferred_username: Option<String>,
    iss: Option<String>,
    exp: Option<i64>,
}

impl TokenSet {
    /// Decodes the ID token's payload, if there is one and it is a well-formed JWT.
    pub fn unverified_claims(&self) -> Option<UnverifiedClaims> {
        use base64::Engine as _;
        let jwt = self.id_token.as_ref()?.expose();
        let payload = jwt.split('.').nth(1)?;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .ok()?;
        let raw: RawClaims = serde_json::from_slice(&bytes).ok()?;
        let clean = |s: String| sanitize(&s, SHORT_MAX_CHARS);
        Some(UnverifiedClaims {
            subject: raw.sub.map(|v| match v {
                serde_json::Value::String(s) => clean(s),
                other => clean(other.to_string()),
            }),
            email: raw.email.map(clean),
            name: raw.name.or(raw.preferred_username).map(clean),
            issuer: raw.iss.map(clean),
            expires_at: raw.exp.map(Timestamp::from_unix_secs),
        })
    }

    /// Seconds the access token has left at `now`, if its expiry is known.
    pub fn remaining_secs(&self, now: Timestamp) -> Option<u64> {
        self.expires_at.map(|at| now.secs_until(at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_with_id_token(jwt: &str) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new("at"),
            token_type: "Bearer".into(),
            expires_at: Some(Timestamp::from_unix_secs(2100)),
            refresh_token: None,
            refresh_token_expires_at: None,
            scope: None,
            id_token: Some(IdToken::new(jwt)),
            issued_at: Timestamp::from_unix_secs(0),
        }
    }

    #[test]
    fn decodes_claims_and_sanitises_them() {
        use base64::Engine as _;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(
            br#"{"sub":"u1","email":"a@example.com\u001b[31m","name":"Ann","iss":"https://idp.example.com","exp":99}"#,
        );
        let claims = set_with_id_token(&format!("e30.{payload}.sig"))
            .unverified_claims()
            .unwrap();
        assert_eq!(claims.subject.as_deref(), Some("u1"));
        assert_eq!(claims.email.as_deref(), Some("a@example.com"));
        assert_eq!(claims.name.as_deref(), Some("Ann"));
        assert_eq!(claims.expires_at, Some(Timestamp::from_unix_secs(99)));
    }

    #[test]
    fn malformed_id_token_gives_no_claims() {
        assert_eq!(set_with_id_token("not-a-jwt").unverified_claims(), None);
        assert_eq!(set_with_id_token("a.!!!.c").unverified_claims(), None);
    }

    #[test]
    fn remaining_secs_counts_down_to_zero() {
        let set = set_with_id_token("x");
        assert_eq!(
            set.remaining_secs(Timestamp::from_unix_secs(100)),
            Some(2000)
        );
        assert_eq!(set.remaining_secs(Timestamp::from_unix_secs(5000)), Some(0));
    }
}
