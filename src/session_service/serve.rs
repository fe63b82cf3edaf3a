//! What the script commands (`token`, `refresh`, `export`, the credential helpers) hand out,
//! from a refresh outcome: one policy for all of them, so each serves a still-valid access
//! token through refusals and outages the same way, and keeps tokens a store refused (a few
//! saves again, then the kept-aside place, as [`crate::domain::upkeep::unsaved_step`] says; `grantty
//! keep` follows the same steps). The commands only print what this returns.

use std::sync::Arc;

use super::{RefreshFailed, Refreshed, SessionService};
use crate::domain::session::{Session, SessionState};
use crate::domain::upkeep::{UnsavedStep, unsaved_step};
use crate::oauth::http::Transport;
use crate::store::StoreError;

/// Why the session handed out comes with a warning.
#[derive(Clone, Debug)]
pub enum ServeNotice {
    /// The refresh token is dead; the access token still works until it expires.
    Ended,
    /// The refresh failed (refused, dead, unreachable) and the access token still works.
    Despite(RefreshFailed),
}

/// Where refreshed tokens that the store first refused ended up.
#[derive(Clone, Debug)]
pub enum Kept {
    /// A retried save took them.
    Saved,
    /// The store still refused; they wait in the kept-aside file the next run moves back.
    Aside {
        /// The kept-aside file.
        path: std::path::PathBuf,
        /// Why the store refused.
        reason: Arc<StoreError>,
    },
    /// A new sign-in, a logout or newer tokens replaced the session meanwhile: they were
    /// dropped, and the stored session stands.
    Superseded,
    /// Nowhere took them: the printed token is the only copy.
    Nowhere {
        /// Why the store refused.
        reason: Arc<StoreError>,
        /// Why the kept-aside file failed too.
        aside: Arc<StoreError>,
    },
}

/// A session to hand out, with what the caller should say about it.
#[derive(Clone, Debug)]
pub struct Served {
    /// The session whose access token to hand out.
    pub session: Session,
    /// A warning to give with it, if any.
    pub notice: Option<ServeNotice>,
    /// For a refresh the store refused at first: where the tokens are now.
    pub kept: Option<Kept>,
}

impl<T: Transport> SessionService<T> {
    /// The session a script command may hand out, from a refresh `outcome`:
    /// - refreshed or still valid: that session;
    /// - refreshed but not saved: saved again after a pause or two, else kept aside (the
    ///   tokens are handed out either way, and [`Served::kept`] says where they are);
    /// - refused, dead or unreachable while the access token still works: that session, with
    ///   [`ServeNotice::Despite`];
    /// - otherwise the failure.
    pub async fn serve(
        &self,
        outcome: Result<Refreshed, RefreshFailed>,
    ) -> Result<Served, RefreshFailed> {
        let now = self.clock.now();
        match outcome {
            Ok(Refreshed::Unsaved {
                session, reason, ..
            }) => {
                let kept = self.save_or_keep_aside(&session, reason).await;
                Ok(Served {
                    session,
                    notice: None,
                    kept: Some(kept),
                })
            }
            Ok(done) => {
                let session = done.into_session();
                let notice = matches!(session.meta.state, SessionState::Ended { .. })
                    .then_some(ServeNotice::Ended);
                Ok(Served {
                    session,
                    notice,
                    kept: None,
                })
            }
            Err(failed) => match failed.usable_session(now).cloned() {
                Some(session) => Ok(Served {
                    session,
                    notice: Some(ServeNotice::Despite(failed)),
                    kept: None,
                }),
                None => Err(failed),
            },
        }
    }

    /// Follows the upkeep policy's [`unsaved_step`] for `session`, whose first save failed with
    /// `reason`: saves it again after each pause, then keeps it aside once. A caller that can wait
    /// longer (`grantty keep`) holds the tokens and retries later when nowhere took them.
    pub async fn save_or_keep_aside(&self, session: &Session, mut reason: Arc<StoreError>) -> Kept {
        let mut failed_saves = 1;
        loop {
            let step = unsaved_step(failed_saves);
            tokio::time::sleep(std::time::Duration::from_millis(step.pause_ms())).await;
            match step {
                UnsavedStep::RetryAfterMs(_) => match self.save_unsaved(session).await {
                    Ok(_) => return Kept::Saved,
                    Err(StoreError::Superseded { .. }) => return Kept::Superseded,
                    Err(e) => {
                        reason = Arc::new(e);
                        failed_saves += 1;
                    }
                },
                UnsavedStep::KeepAsideAfterMs(_) => {
                    return match self.keep_aside(session).await {
                        Ok(path) => Kept::Aside { path, reason },
                        Err(StoreError::Superseded { .. }) => Kept::Superseded,
                        Err(aside) => Kept::Nowhere {
                            reason,
                            aside: Arc::new(aside),
                        },
                    };
                }
            }
        }
    }
}
