//! The stored session's door: open it (tokens kept aside applied), tell a whole session from
//! metadata whose tokens the secret backend forgot, store a fresh sign-in (it always wins over
//! the stored session and anything kept aside), and save or keep aside refreshed tokens the
//! store refused. The lock-free read of `grantty token`'s cached path is here too.

use super::SessionService;
use crate::domain::session::{LifespanStart, Session, SessionMeta};
use crate::oauth::http::Transport;
use crate::store::{Activity, SessionStore, StoreError};

/// A fresh sign-in as stored by [`SessionService::sign_in`].
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The session as stored.
    pub session: Session,
    /// The session the store held for the profile until now, if any: its grant is still alive
    /// at its server until revoked.
    pub replaced: Option<Session>,
}

/// What the store holds for a profile ([`SessionService::inspect`]).
#[derive(Clone, Debug)]
pub enum Stored {
    /// A whole session.
    Session(Box<Session>),
    /// Metadata whose tokens the secret backend no longer holds (a kernel keyring emptied by a
    /// reboot or its expiry): only a new sign-in helps, with the stored settings.
    TokensMissing {
        /// The stored metadata.
        meta: Box<SessionMeta>,
        /// The backend that forgot, in words.
        backend: String,
    },
    /// Nothing.
    Nothing,
}

impl Stored {
    /// The stored metadata, when there is any: what a new sign-in reuses.
    pub fn meta(&self) -> Option<&SessionMeta> {
        match self {
            Self::Session(session) => Some(&session.meta),
            Self::TokensMissing { meta, .. } => Some(meta),
            Self::Nothing => None,
        }
    }

    /// The whole session, when there is one.
    pub fn session(&self) -> Option<&Session> {
        match self {
            Self::Session(session) => Some(session),
            Self::TokensMissing { .. } | Self::Nothing => None,
        }
    }
}

impl<T: Transport> SessionService<T> {
    /// The stored session of `profile` (taking the lock briefly), with tokens kept aside by an
    /// earlier run applied, or `None`. What the dashboard opens, `export` prints, `status
    /// --verify` checks and `keep` starts from.
    pub async fn open(&self, profile: &str) -> Result<Option<Session>, StoreError> {
        let _lock = self.lock(profile, Activity::Updating).await?;
        self.load_locked(profile).await
    }

    /// The metadata of `profile` alone (never the secret backend): what `status` shows and
    /// what a new sign-in reuses when the tokens themselves are gone.
    pub async fn meta(&self, profile: &str) -> Result<Option<SessionMeta>, StoreError> {
        let profile = profile.to_owned();
        self.blocking(move |s| s.load_meta(&profile)).await
    }

    /// Whether the secret backend still holds the tokens of `profile` (a kernel keyring forgets
    /// them at reboot while the metadata stays).
    pub async fn tokens_present(&self, profile: &str) -> Result<bool, StoreError> {
        let profile = profile.to_owned();
        self.blocking(move |s| s.has_secrets(&profile)).await
    }

    /// What the store holds for `profile`, told apart for people: a session, metadata whose
    /// tokens the secret backend no longer has (a rebooted kernel keyring), or nothing.
    pub async fn inspect(&self, profile: &str) -> Result<Stored, StoreError> {
        match self.open(profile).await {
            Ok(Some(session)) => Ok(Stored::Session(Box::new(session))),
            Ok(None) => Ok(Stored::Nothing),
            Err(StoreError::SecretsMissing { backend, .. }) => match self.meta(profile).await? {
                Some(meta) => Ok(Stored::TokensMissing {
                    meta: Box::new(meta),
                    backend,
                }),
                None => Ok(Stored::Nothing),
            },
            Err(e) => Err(e),
        }
    }

    /// Persists a fresh sign-in before it is shown anywhere. It always wins: it replaces the
    /// stored session of its profile and any tokens kept aside for it. Returns the session as
    /// stored (with the generation the store wrote) and the session it replaced, whose grant is
    /// still alive at its server until [`revoke`](Self::revoke)d.
    pub async fn sign_in(&self, session: Session) -> Result<SignedIn, StoreError> {
        let profile = session.meta.profile.clone();
        let _lock = self.lock(&profile, Activity::SigningIn).await?;
        // The replaced session as the newest copy anyone has (kept-aside tokens applied), so
        // its current refresh token is the one revoked. Unreadable (tokens gone, damaged):
        // nothing to revoke, and the new session replaces it all the same.
        let replaced = self.load_locked(&profile).await.ok().flatten();
        let mut session = session;
        // What the replaced session learned about this server's lifespans holds for the new one.
        if let Some(old) = &replaced
            && old.meta.refresh.lifespan_start == LifespanStart::Rotation
            && old.meta.provider.token_endpoint == session.meta.provider.token_endpoint
            && old.meta.provider.client_id == session.meta.provider.client_id
        {
            session.meta.refresh.lifespan_start = LifespanStart::Rotation;
        }
        let saved = session.clone();
        let generation = self
            .blocking(move |s| {
                let generation = s.save(&saved)?;
                // Best effort: a stale copy left behind can never pass for this session (it
                // belongs to another sign-in), see `store::kept_aside`.
                let _ = s.clear_kept_aside(&saved.meta.profile);
                Ok(generation)
            })
            .await?;
        session.meta.generation = generation;
        Ok(SignedIn { session, replaced })
    }

    /// Saves tokens a refresh returned but the store refused ([`Refreshed::Unsaved`]), under the
    /// lock; returns the generation written. The dashboard retries this every few seconds and
    /// on quit; scripts a few times, then [`keep_aside`](Self::keep_aside).
    ///
    /// Only over the session the tokens came from: when a new sign-in or a logout replaced it
    /// meanwhile (or another writer stored newer tokens), nothing is written and the answer is
    /// [`StoreError::Superseded`] — a new sign-in always wins.
    pub async fn save_unsaved(&self, session: &Session) -> Result<u64, StoreError> {
        let _lock = self.lock(&session.meta.profile, Activity::Updating).await?;
        let saved = session.clone();
        self.blocking(move |s| {
            let profile = saved.meta.profile.clone();
            let ours = s.load_meta(&profile)?.is_some_and(|stored| {
                stored.signed_in_at == saved.meta.signed_in_at
                    && stored.provider == saved.meta.provider
                    && stored.generation < saved.meta.generation
            });
            if !ours {
                return Err(StoreError::Superseded { profile });
            }
            let generation = s.save(&saved)?;
            // Saved: a stale kept-aside copy left behind can never pass for newer.
            let _ = s.clear_kept_aside(&profile);
            Ok(generation)
        })
        .await
    }

    /// Writes unsaved tokens to the kept-aside place the next run picks up, under the profile
    /// lock when it can be taken (a process judging the place must not delete a copy written
    /// meanwhile); returns its path.
    pub async fn keep_aside(&self, session: &Session) -> Result<std::path::PathBuf, StoreError> {
        // Best effort: a store so broken that its lock file cannot be opened locks nobody else
        // out either, and the tokens must go somewhere all the same.
        let _lock = self
            .lock(&session.meta.profile, Activity::Updating)
            .await
            .ok();
        let saved = session.clone();
        self.blocking(move |s| s.write_kept_aside(&saved)).await
    }
}

/// The stored session of `profile` for the lock-free cached path of `grantty token` (see
/// `commands::token_fast`), or `None` whenever the full path must answer: no session, an
/// unreadable store, or tokens kept aside by an earlier run (the full path moves them back
/// under the lock). Synchronous: it runs before any async runtime exists.
pub fn read_cached(store: &SessionStore, profile: &str) -> Option<Session> {
    if store.has_kept_aside(profile) {
        return None;
    }
    store.load(profile).ok()?
}
