//! What the keeper does with refreshed tokens the store would not take, as
//! [`crate::domain::upkeep::unsaved_step`] says: saved again, else kept aside in the fallback
//! file (then the refresh is retried with back-off, the next load applying the kept tokens), else
//! held in this process and saved again with back-off, never refreshed over meanwhile (the stored
//! refresh token may already be spent).

use super::report::KeepEvent;
use super::{Keep, refreshed_event};
use std::sync::Arc;

use crate::domain::session::{RefreshChange, Session};
use crate::domain::upkeep::SAVE_RETRIES;
use crate::oauth::http::ReqwestTransport;
use crate::session_service::{Kept, Refreshed, SessionService, StoreError};

impl Keep {
    /// New tokens the store would not take, after a refresh.
    pub(super) async fn keep_unsaved(
        &mut self,
        keeper: &SessionService<ReqwestTransport>,
        unsaved: &Session,
        reason: Arc<StoreError>,
    ) -> KeepEvent {
        let outcome = keeper.save_or_keep_aside(unsaved, reason).await;
        // The store was tried once by the refresh, then each retry; the fallback file once.
        self.after_save(unsaved, outcome, SAVE_RETRIES + 2)
    }

    /// Saves the tokens held for `profile` again: the store, else the fallback file. `None`
    /// when nothing is held.
    pub(super) async fn save_held(&mut self, profile: &str) -> Option<KeepEvent> {
        let Some(session) = self.held.get(profile).cloned() else {
            self.watch(profile).held = None;
            return None;
        };
        let failed_saves = self
            .watch(profile)
            .held
            .map_or(SAVE_RETRIES + 2, |h| h.failed_saves + 1);
        let keeper = match self.service(profile) {
            Ok(keeper) => keeper,
            Err(e) => {
                let now = self.clock.now();
                let retry_in = self.watch(profile).hold(failed_saves, now);
                return Some(KeepEvent::RefreshFailed {
                    profile: profile.to_owned(),
                    message: format!(
                        "could not open the store ({e}); the refreshed tokens are held in this \
                         process and saved again in {retry_in} s"
                    ),
                    retry_in,
                });
            }
        };
        let outcome = match keeper.save_unsaved(&session).await {
            Ok(_) => Kept::Saved,
            Err(StoreError::Superseded { .. }) => Kept::Superseded,
            Err(reason) => match keeper.keep_aside(&session).await {
                Err(StoreError::Superseded { .. }) => Kept::Superseded,
                Ok(path) => Kept::Aside {
                    path,
                    reason: Arc::new(reason),
                },
                Err(aside) => Kept::Nowhere {
                    reason: Arc::new(reason),
                    aside: Arc::new(aside),
                },
            },
        };
        Some(self.after_save(&session, outcome, failed_saves))
    }

    /// Records where `session`'s tokens ended up and says so.
    fn after_save(&mut self, session: &Session, outcome: Kept, failed_saves: u32) -> KeepEvent {
        let profile = session.meta.profile.clone();
        let now = self.clock.now();
        let (reason, kept_at, retry_in) = match outcome {
            Kept::Saved => {
                self.held.remove(&profile);
                let watch = self.watch(&profile);
                watch.held = None;
                watch.succeeded(now);
                return refreshed_event(
                    &profile,
                    &Refreshed::Fresh {
                        session: session.clone(),
                        change: RefreshChange::Kept,
                    },
                );
            }
            Kept::Superseded => {
                // A new sign-in or a logout replaced the session: the stored one stands.
                self.held.remove(&profile);
                let watch = self.watch(&profile);
                watch.held = None;
                watch.succeeded(now);
                return KeepEvent::Adopted { profile };
            }
            Kept::Aside { path, reason } => {
                self.held.remove(&profile);
                let watch = self.watch(&profile);
                watch.held = None;
                let retry_in = watch.failed(now);
                let kept_at = format!("kept in {} until the store works again", path.display());
                (reason, kept_at, retry_in)
            }
            Kept::Nowhere { reason, aside } => {
                self.held.insert(profile.clone(), session.clone());
                let retry_in = self.watch(&profile).hold(failed_saves, now);
                let kept_at = format!(
                    "and the fallback file failed too ({aside}); they are held in this process \
                     and saved again in {retry_in} s"
                );
                (reason, kept_at, retry_in)
            }
        };
        KeepEvent::RefreshFailed {
            profile,
            message: format!(
                "refreshed, but the store would not take the new tokens ({reason}); {kept_at}"
            ),
            retry_in,
        }
    }
}
