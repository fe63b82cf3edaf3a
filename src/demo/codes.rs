//! The demo server's codes and tokens, and the pure helpers around them.
//!
//! Every device code, user code, authorization request id, authorization code and token comes
//! from [`OsRandom`], the operating system's cryptographic generator (`ring`'s
//! `SystemRandom`, `getrandom(2)` on Linux). There is no seed and no other generator, so one
//! code reveals nothing about the next (the audit of issue 18 predicted the next user's codes
//! from one device code while a seeded `SplitMix64` made them). User codes follow RFC 8628
//! §6.1: eight characters from the consonant-only charset `BCDFGHJKLMNPQRSTVWXZ`, shown as
//! `XXXX-XXXX`, matched case-insensitively with dashes and whitespace ignored. ID tokens are
//! unsecured JWTs (RFC 7519 §6.1, `"alg":"none"`): good enough for a demo, never for
//! production.

use std::fmt::Write as _;

use ring::rand::{SecureRandom as _, SystemRandom};

/// RFC 8628 §6.1 user-code charset: base-20 consonants, no vowels or lookalikes.
pub(crate) const USER_CODE_CHARSET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Characters in a user code, without the dash.
const USER_CODE_CHARS: usize = 8;
/// Random bytes behind each device code and token (128 bits).
const TOKEN_BYTES: usize = 16;

/// The OS's random source failed (never seen on Linux; the request is answered with an error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system's random source failed")]
pub(crate) struct RandomUnavailable;

/// The operating system's cryptographic generator: the only source of the demo's secrets.
#[derive(Debug)]
pub(crate) struct OsRandom {
    source: SystemRandom,
}

impl Default for OsRandom {
    fn default() -> Self {
        Self {
            source: SystemRandom::new(),
        }
    }
}

impl OsRandom {
    /// Fills `bytes` from the OS.
    fn fill(&self, bytes: &mut [u8]) -> Result<(), RandomUnavailable> {
        self.source.fill(bytes).map_err(|_| RandomUnavailable)
    }

    /// A user code in the display form `XXXX-XXXX`.
    pub(crate) fn user_code(&self) -> Result<String, RandomUnavailable> {
        let mut code = String::with_capacity(USER_CODE_CHARS + 1);
        let mut produced = 0;
        while produced < USER_CODE_CHARS {
            let mut bytes = [0u8; USER_CODE_CHARS * 2];
            self.fill(&mut bytes)?;
            // Rejection sampling: 240 is the largest multiple of 20 below 256, so no bias.
            for byte in bytes.iter().filter(|b| **b < 240) {
                if produced == USER_CODE_CHARS {
                    break;
                }
                if produced == USER_CODE_CHARS / 2 {
                    code.push('-');
                }
                code.push(char::from(USER_CODE_CHARSET[usize::from(*byte % 20)]));
                produced += 1;
            }
        }
        Ok(code)
    }

    /// `prefix` followed by 128 random bits in lowercase hex.
    pub(crate) fn token(&self, prefix: &str) -> Result<String, RandomUnavailable> {
        let mut bytes = [0u8; TOKEN_BYTES];
        self.fill(&mut bytes)?;
        let mut token = String::with_capacity(prefix.len() + TOKEN_BYTES * 2);
        token.push_str(prefix);
        for byte in bytes {
            let _ = write!(token, "{byte:02x}");
        }
        Ok(token)
    }
}

/// Whether a presented secret equals the expected one, in time independent of where they differ.
pub(crate) fn same_secret(expected: &str, presented: &str) -> bool {
    expected.len() == presented.len()
        && expected
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

/// The canonical `XXXX-XXXX` form of a typed user code, or `None` if it cannot be one.
///
/// Case is ignored and dashes and whitespace are dropped (RFC 8628 §6.1).
pub(crate) fn normalize_user_code(input: &str) -> Option<String> {
    let chars: Vec<char> = input
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = chars.len() == USER_CODE_CHARS
        && chars
            .iter()
            .all(|c| c.is_ascii() && USER_CODE_CHARSET.contains(&(*c as u8)));
    if !valid {
        return None;
    }
    let (left, right) = chars.split_at(USER_CODE_CHARS / 2);
    Some(format!(
        "{}-{}",
        left.iter().collect::<String>(),
        right.iter().collect::<String>()
    ))
}

/// Unpadded base64url (RFC 4648 §5), as JWTs use.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..=chunk.len() {
            let sextet = (n >> (18 - 6 * i)) & 0x3F;
            out.push(char::from(ALPHABET[sextet as usize]));
        }
    }
    out
}

/// The claims of a demo ID token (OIDC Core §2).
#[derive(Debug, serde::Serialize)]
pub(crate) struct IdTokenClaims<'a> {
    /// Issuer URL.
    pub(crate) iss: &'a str,
    /// Subject: always `demo-user`.
    pub(crate) sub: &'a str,
    /// Audience: the client id.
    pub(crate) aud: &'a str,
    /// The demo user's email.
    pub(crate) email: &'a str,
    /// The demo user's display name.
    pub(crate) name: &'a str,
    /// Issued at, Unix seconds.
    pub(crate) iat: u64,
    /// Expiry, Unix seconds.
    pub(crate) exp: u64,
}

/// An unsecured JWT (`alg: none`, empty signature) carrying `claims`.
pub(crate) fn unsigned_jwt(claims: &IdTokenClaims<'_>) -> String {
    let header = br#"{"alg":"none","typ":"JWT"}"#;
    let body = serde_json::to_vec(claims).unwrap_or_default();
    format!("{}.{}.", base64url(header), base64url(&body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_codes_use_the_rfc_charset_and_shape_and_do_not_repeat() {
        let random = OsRandom::default();
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1_000 {
            let code = random.user_code().unwrap();
            assert_eq!(code.len(), 9);
            assert_eq!(code.as_bytes()[4], b'-');
            assert!(
                code.bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| USER_CODE_CHARSET.contains(&b)),
                "{code}"
            );
            assert!(seen.insert(code), "a user code repeated within 1,000");
        }
    }

    #[test]
    fn same_secret_needs_every_byte_and_the_length() {
        assert!(same_secret("demo-ft-ab", "demo-ft-ab"));
        assert!(!same_secret("demo-ft-ab", "demo-ft-ac"));
        assert!(!same_secret("demo-ft-ab", "demo-ft-a"));
        assert!(!same_secret("demo-ft-ab", ""));
    }

    #[test]
    fn tokens_carry_prefix_and_32_hex_digits() {
        let token = OsRandom::default().token("demo-at-").unwrap();
        let hex = token.strip_prefix("demo-at-").unwrap();
        assert_eq!(hex.len(), 32);
        assert!(hex.bytes().all(|b| b.is_ascii_hexdigit()));
    }

    #[test]
    fn normalize_accepts_case_dashes_and_spaces() {
        let want = Some("WDJB-MJHT".to_owned());
        assert_eq!(normalize_user_code("WDJB-MJHT"), want);
        assert_eq!(normalize_user_code("wdjbmjht"), want);
        assert_eq!(normalize_user_code(" wdj-b mj-ht "), want);
    }

    #[test]
    fn normalize_rejects_wrong_length_or_charset() {
        assert_eq!(normalize_user_code("WDJB-MJH"), None);
        assert_eq!(normalize_user_code("WDJB-MJHTX"), None);
        assert_eq!(normalize_user_code("WDJA-MJHT"), None, "vowel");
        assert_eq!(normalize_user_code("WDJB-MJH1"), None, "digit");
        assert_eq!(normalize_user_code("WDJB-MJHÉ"), None);
    }

    #[test]
    fn base64url_matches_rfc4648_vectors_without_padding() {
        assert_eq!(base64url(b""), "");
        assert_eq!(base64url(b"f"), "Zg");
        assert_eq!(base64url(b"fo"), "Zm8");
        assert_eq!(base64url(b"foo"), "Zm9v");
        assert_eq!(base64url(b"foobar"), "Zm9vYmFy");
        assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    }

    #[test]
    fn unsigned_jwt_has_none_header_and_empty_signature() {
        let claims = IdTokenClaims {
            iss: "http://127.0.0.1:1",
            sub: "demo-user",
            aud: "cli",
            email: "demo.user@example.com",
            name: "Demo User",
            iat: 10,
            exp: 20,
        };
        let jwt = unsigned_jwt(&claims);
        let parts: Vec<&str> = jwt.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0");
        assert_eq!(parts[2], "");
    }
}
