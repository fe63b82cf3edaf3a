//! Putting metadata and secrets back together, and what to do when their generations differ.
//!
//! A save writes the secrets first and the metadata second, both atomically, each stamped with
//! the same `generation`. A crash between the two writes leaves the secrets one generation ahead.
//! Policy: **the secrets are authoritative for the tokens**. The session is returned with the
//! stored tokens and the stored metadata, corrected where the secrets tell better:
//! `has_refresh_token` follows the secrets and `generation` becomes the secrets' generation. When
//! the secrets are newer, a `pending_refresh` marker is dropped: the write that follows a refresh
//! got as far as the tokens, so that refresh is finished. The mismatch is reported as
//! [`Consistency`] so the caller can save again (which rewrites both); `load` never writes.

use std::cmp::Ordering;

use crate::domain::session::{Session, SessionMeta, SessionSecrets};

/// A loaded session and how its two halves matched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Loaded {
    /// The session, tokens from the secret backend.
    pub session: Session,
    /// Whether metadata and secrets came from the same save.
    pub consistency: Consistency,
}

/// The generation check between metadata and secrets. On a mismatch the tokens come from the
/// secrets; the metadata is kept except `has_refresh_token` (from the secrets) and `generation`
/// (the secrets'), and `pending_refresh` is dropped when the secrets are newer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Consistency {
    /// Both halves come from the same save.
    Consistent,
    /// A save stopped between its two writes: the tokens are newer than the metadata, so
    /// expiry times and refresh counts may describe the previous tokens. Save again to repair.
    SecretsNewer {
        /// Generation in the metadata.
        meta_generation: u64,
        /// Generation of the secrets.
        secrets_generation: u64,
    },
    /// The tokens are older than the metadata (restored or rolled back by someone else); a
    /// rotating refresh token among them may already be spent.
    SecretsOlder {
        /// Generation in the metadata.
        meta_generation: u64,
        /// Generation of the secrets.
        secrets_generation: u64,
    },
}

impl Consistency {
    /// True for [`Consistency::Consistent`].
    pub fn is_consistent(self) -> bool {
        self == Self::Consistent
    }
}

/// Joins the two halves under the policy in the module docs.
pub(crate) fn reconcile(
    mut meta: SessionMeta,
    secrets: SessionSecrets,
    secrets_generation: u64,
) -> Loaded {
    let meta_generation = meta.generation;
    let consistency = match secrets_generation.cmp(&meta_generation) {
        Ordering::Equal => Consistency::Consistent,
        Ordering::Greater => {
            meta.pending_refresh = None;
            Consistency::SecretsNewer {
                meta_generation,
                secrets_generation,
            }
        }
        Ordering::Less => Consistency::SecretsOlder {
            meta_generation,
            secrets_generation,
        },
    };
    if !consistency.is_consistent() {
        meta.has_refresh_token = secrets.refresh_token.is_some();
        meta.generation = secrets_generation;
    }
    Loaded {
        session: Session { meta, secrets },
        consistency,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::fixtures::full_session;

    #[test]
    fn equal_generations_are_consistent_and_untouched() {
        let s = full_session("p", 4);
        let loaded = reconcile(s.meta.clone(), s.secrets.clone(), 4);
        assert_eq!(loaded.consistency, Consistency::Consistent);
        assert_eq!(loaded.session, s);
    }

    #[test]
    fn newer_secrets_win_and_finish_the_pending_refresh() {
        let old = full_session("p", 4);
        let mut new_secrets = old.secrets.clone();
        new_secrets.access_token = crate::domain::secret::AccessToken::new("newer");
        new_secrets.refresh_token = None;
        let loaded = reconcile(old.meta.clone(), new_secrets.clone(), 5);
        assert_eq!(
            loaded.consistency,
            Consistency::SecretsNewer {
                meta_generation: 4,
                secrets_generation: 5
            }
        );
        assert_eq!(loaded.session.secrets, new_secrets);
        assert_eq!(loaded.session.meta.generation, 5);
        assert!(!loaded.session.meta.has_refresh_token);
        assert_eq!(loaded.session.meta.pending_refresh, None);
        assert_eq!(
            loaded.session.meta.provider, old.meta.provider,
            "the rest is kept"
        );
        assert_eq!(loaded.session.meta.refresh, old.meta.refresh);
    }

    #[test]
    fn older_secrets_are_reported_and_keep_the_pending_marker() {
        let s = full_session("p", 9);
        let loaded = reconcile(s.meta.clone(), s.secrets.clone(), 3);
        assert_eq!(
            loaded.consistency,
            Consistency::SecretsOlder {
                meta_generation: 9,
                secrets_generation: 3
            }
        );
        assert_eq!(loaded.session.meta.generation, 3);
        assert_eq!(loaded.session.meta.pending_refresh, s.meta.pending_refresh);
        assert_eq!(loaded.session.secrets, s.secrets);
    }
}
