//! Pure generators for the demo server's codes and tokens.
//!
//! Everything comes from a seeded [`SplitMix64`], so a given seed always yields the same
//! device codes, user codes and tokens. User codes follow RFC 8628 §6.1: eight characters
//! from the consonant-only charset `BCDFGHJKLMNPQRSTVWXZ`, shown as `XXXX-XXXX`, matched
//! case-insensitively with dashes and whitespace ignored. ID tokens are unsecured JWTs
//! (RFC 7519 §6.1, `"alg":"none"`): good enough for a demo, never for production.

use std::fmt::Write as _;

/// RFC 8628 §6.1 user-code charset: base-20 consonants, no vowels or lookalikes.
pub(crate) const USER_CODE_CHARSET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
/// Characters in a user code, without the dash.
const USER_CODE_CHARS: usize = 8;
/// Random bytes behind each device code and token (128 bits).
const TOKEN_BYTES: usize = 16;

/// The `SplitMix64` generator: tiny, fast and fully determined by its seed.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix64 {
    state: u64,
}

impl SplitMix64 {
    /// A generator whose output depends only on `seed`.
    pub(crate) fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// The next 64 pseudo-random bits.
    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A user code in the display form `XXXX-XXXX`.
    pub(crate) fn user_code(&mut self) -> String {
        let mut code = String::with_capacity(USER_CODE_CHARS + 1);
        for i in 0..USER_CODE_CHARS {
            if i == USER_CODE_CHARS / 2 {
                code.push('-');
            }
            // 2^64 mod 20 is 16, so the modulo bias is below 1e-18: irrelevant here.
            let index = usize::try_from(self.next_u64() % 20).unwrap_or(0);
            code.push(char::from(USER_CODE_CHARSET[index]));
        }
        code
    }

    /// `prefix` followed by 128 random bits in lowercase hex.
    pub(crate) fn token(&mut self, prefix: &str) -> String {
        let mut token = String::with_capacity(prefix.len() + TOKEN_BYTES * 2);
        token.push_str(prefix);
        for _ in 0..TOKEN_BYTES / 8 {
            let _ = write!(token, "{:016x}", self.next_u64());
        }
        token
    }
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
    fn first_user_code_is_fixed_for_a_seed() {
        let first = SplitMix64::new(42).user_code();
        assert_eq!(first, SplitMix64::new(42).user_code());
        assert_ne!(first, SplitMix64::new(43).user_code());
    }

    #[test]
    fn splitmix64_matches_reference_output() {
        // Reference values for seed 1234567 from the published SplitMix64 test vectors.
        let mut rng = SplitMix64::new(1_234_567);
        assert_eq!(rng.next_u64(), 6_457_827_717_110_365_317);
        assert_eq!(rng.next_u64(), 3_203_168_211_198_807_973);
    }

    #[test]
    fn user_codes_use_the_rfc_charset_and_shape() {
        let mut rng = SplitMix64::new(7);
        for _ in 0..500 {
            let code = rng.user_code();
            assert_eq!(code.len(), 9);
            assert_eq!(code.as_bytes()[4], b'-');
            assert!(
                code.bytes()
                    .filter(|b| *b != b'-')
                    .all(|b| USER_CODE_CHARSET.contains(&b)),
                "{code}"
            );
        }
    }

    #[test]
    fn tokens_carry_prefix_and_32_hex_digits() {
        let token = SplitMix64::new(1).token("demo-at-");
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
