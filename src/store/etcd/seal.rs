//! Sealing secrets before they reach etcd: ChaCha20-Poly1305 (RFC 8439, through `ring`) with
//! the fleet's 32-byte key, a random 96-bit nonce per write, and the etcd key name as
//! associated data (a sealed value copied under another key does not open).
//!
//! Stored form: `gtseal1:` + base64(nonce ‖ ciphertext ‖ tag). The key file holds the 32
//! bytes raw, or as 64 hex digits, or as base64 (a trailing newline is allowed); it must be a
//! regular file that neither group nor others may read or write (mode 0600 or 0400), else it
//! is refused. The key is never printed; errors name the file.

use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ring::aead::{Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::rand::{SecureRandom as _, SystemRandom};

use super::error::EtcdError;

const TAG: &str = "gtseal1:";
const KEY_LEN: usize = 32;
/// A key file is never read beyond this.
const KEY_FILE_MAX_BYTES: u64 = 256;

/// The fleet's seal key.
pub struct SealKey {
    key: LessSafeKey,
    path: PathBuf,
    rng: SystemRandom,
}

impl std::fmt::Debug for SealKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SealKey")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl SealKey {
    /// Reads and checks the key file.
    pub fn load(path: &Path) -> Result<Self, EtcdError> {
        let problem = |problem: String| EtcdError::SealKey {
            path: path.to_owned(),
            problem,
        };
        let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => problem("does not exist".into()),
            _ => problem(format!("cannot be read ({e})")),
        })?;
        if !meta.is_file() {
            return Err(problem("is not a regular file".into()));
        }
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(problem(format!(
                "is open to other users (mode {:04o}); run `chmod 600` on it",
                mode & 0o7777
            )));
        }
        if meta.len() > KEY_FILE_MAX_BYTES {
            return Err(problem("is too long to be a key".into()));
        }
        let bytes = std::fs::read(path).map_err(|e| problem(format!("cannot be read ({e})")))?;
        let raw = decode_key(&bytes).ok_or_else(|| {
            problem(format!(
                "does not hold a {KEY_LEN}-byte key ({KEY_LEN} raw bytes, 64 hex digits or base64)"
            ))
        })?;
        let key = UnboundKey::new(&CHACHA20_POLY1305, &raw)
            .map_err(|_| problem("does not hold a usable key".into()))?;
        Ok(Self {
            key: LessSafeKey::new(key),
            path: path.to_owned(),
            rng: SystemRandom::new(),
        })
    }

    /// The key file, for messages.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `plain` sealed for the etcd key `name`.
    pub fn seal(&self, name: &str, plain: &[u8]) -> Result<Vec<u8>, EtcdError> {
        let mut nonce = [0u8; NONCE_LEN];
        self.rng
            .fill(&mut nonce)
            .map_err(|_| EtcdError::Setup("the system's random source failed".into()))?;
        let mut data = plain.to_vec();
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(name.as_bytes()),
                &mut data,
            )
            .map_err(|_| EtcdError::Setup("sealing failed".into()))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        Ok(format!("{TAG}{}", B64.encode(out)).into_bytes())
    }

    /// The plaintext of `sealed`, stored under the etcd key `name`.
    pub fn open(&self, name: &str, sealed: &[u8]) -> Result<Vec<u8>, EtcdError> {
        let fail = || EtcdError::Unseal {
            key: name.to_owned(),
            path: self.path.clone(),
        };
        let text = sealed.strip_prefix(TAG.as_bytes()).ok_or_else(fail)?;
        let mut data = B64.decode(text).map_err(|_| fail())?;
        if data.len() < NONCE_LEN {
            return Err(fail());
        }
        let mut body = data.split_off(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(&data).map_err(|_| fail())?;
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(name.as_bytes()), &mut body)
            .map_err(|_| fail())?;
        Ok(plain.to_vec())
    }
}

/// 32 raw bytes, 64 hex digits or base64 of 32 bytes (with an optional trailing newline).
fn decode_key(bytes: &[u8]) -> Option<[u8; KEY_LEN]> {
    if let Ok(raw) = <[u8; KEY_LEN]>::try_from(bytes) {
        return Some(raw);
    }
    let text = std::str::from_utf8(bytes)
        .ok()?
        .trim_end_matches(['\n', '\r']);
    let decoded = if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        (0..KEY_LEN)
            .map(|i| u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?
    } else {
        B64.decode(text).ok()?
    };
    decoded.try_into().ok()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    fn key_file(dir: &Path, name: &str, bytes: &[u8], mode: u32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn sealed_values_open_only_with_the_same_key_and_name() {
        let dir = tempfile::tempdir().unwrap();
        let key = SealKey::load(&key_file(dir.path(), "k", &[7; 32], 0o600)).unwrap();
        let sealed = key.seal("/g/a", b"rt-secret-value").unwrap();
        assert!(!String::from_utf8_lossy(&sealed).contains("rt-secret"));
        assert_eq!(key.open("/g/a", &sealed).unwrap(), b"rt-secret-value");
        assert!(matches!(
            key.open("/g/b", &sealed),
            Err(EtcdError::Unseal { .. })
        ));
        let other = SealKey::load(&key_file(dir.path(), "o", &[8; 32], 0o600)).unwrap();
        let err = other.open("/g/a", &sealed).unwrap_err();
        assert!(
            err.to_string()
                .contains(&dir.path().join("o").display().to_string()),
            "{err}"
        );
        assert_ne!(
            key.seal("/g/a", b"x").unwrap(),
            key.seal("/g/a", b"x").unwrap(),
            "a nonce per write"
        );
    }

    #[test]
    fn an_open_missing_or_short_key_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = key_file(dir.path(), "open", &[7; 32], 0o644);
        let err = SealKey::load(&open).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        let err = SealKey::load(&dir.path().join("none")).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        let short = key_file(dir.path(), "short", &[7; 31], 0o600);
        assert!(SealKey::load(&short).is_err());
    }

    #[test]
    fn hex_and_base64_key_files_hold_the_same_key_as_raw_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let raw = SealKey::load(&key_file(dir.path(), "r", &[0xab; 32], 0o600)).unwrap();
        let hex = SealKey::load(&key_file(
            dir.path(),
            "h",
            format!("{}\n", "ab".repeat(32)).as_bytes(),
            0o400,
        ))
        .unwrap();
        let b64 = SealKey::load(&key_file(
            dir.path(),
            "b",
            B64.encode([0xab; 32]).as_bytes(),
            0o600,
        ))
        .unwrap();
        let sealed = raw.seal("n", b"v").unwrap();
        assert_eq!(hex.open("n", &sealed).unwrap(), b"v");
        assert_eq!(b64.open("n", &sealed).unwrap(), b"v");
    }
}
