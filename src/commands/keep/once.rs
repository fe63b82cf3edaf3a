//! `grantty keep --once`, for cron: one pass of the same upkeep policy (refresh what is due, say
//! what needs a person), then one line (or `checked` event) per session and an exit code from the
//! worst of them: 0 every session healthy, 7 one needs a person, 6 the provider could not be
//! reached, 8 the store failed. The events of the pass are collected, not printed: the line of
//! a session is its most telling event.

use std::collections::BTreeMap;

use super::Keep;
use super::report::{KeepEvent, text};
use crate::domain::clock::Timestamp;
use crate::domain::session::Session;
use crate::domain::upkeep::{self, Action};
use crate::error::{Error, exit};
use crate::session_service::RefreshFailed;

/// A session's health after the pass, worst last.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Health {
    /// Nothing to do, or refreshed.
    #[default]
    Healthy,
    /// The store failed (exit 8).
    Store,
    /// The provider could not be reached (exit 6).
    Unreachable,
    /// A person is needed (exit 7).
    NeedsPerson,
}

impl Health {
    fn as_str(self) -> &'static str {
        match self {
            Self::Healthy => "healthy",
            Self::Store => "store_failed",
            Self::Unreachable => "unreachable",
            Self::NeedsPerson => "needs_human",
        }
    }

    fn exit_code(self) -> u8 {
        match self {
            Self::Healthy => exit::OK,
            Self::Store => exit::STORE,
            Self::Unreachable => exit::NETWORK,
            Self::NeedsPerson => exit::SIGN_IN_NEEDED,
        }
    }
}

/// What the pass found per profile.
#[derive(Default)]
pub struct Once {
    found: BTreeMap<String, Found>,
}

#[derive(Default)]
struct Found {
    health: Health,
    /// The most telling sentence so far, and the health it was said at.
    said: Option<(Health, String)>,
    deadline: Option<i64>,
}

impl Once {
    /// A refresh of `profile` failed this way.
    pub fn failed(&mut self, profile: &str, failure: &RefreshFailed) {
        let health = match failure {
            RefreshFailed::Unreachable { .. } => Health::Unreachable,
            RefreshFailed::Store(_) | RefreshFailed::PendingElsewhere { .. } => Health::Store,
            RefreshFailed::NotSignedIn { .. }
            | RefreshFailed::Dead { .. }
            | RefreshFailed::Endpoint(_)
            | RefreshFailed::Refused { .. } => Health::NeedsPerson,
        };
        self.worsen(profile, health);
    }

    /// Only a person can help `profile`.
    pub fn needs_person(&mut self, profile: &str) {
        self.worsen(profile, Health::NeedsPerson);
    }

    /// An event of the pass, kept for the line.
    pub fn record(&mut self, event: &KeepEvent) {
        let (profile, health, deadline) = match event {
            KeepEvent::Refreshed { profile, .. }
            | KeepEvent::AlreadyFresh { profile }
            | KeepEvent::Adopted { profile } => (profile, Health::Healthy, None),
            KeepEvent::Alert {
                profile,
                alert,
                deadline,
                ..
            } => {
                let health = if matches!(*alert, "needs-human" | "ended") {
                    Health::NeedsPerson
                } else {
                    Health::Healthy
                };
                (profile, health, *deadline)
            }
            KeepEvent::NeedsHuman {
                profile, deadline, ..
            } => (profile, Health::NeedsPerson, *deadline),
            // Its cause was recorded by `failed`; tokens held unsaved are a store failure.
            KeepEvent::RefreshFailed { profile, .. } => {
                let found = self.found.entry(profile.clone()).or_default();
                let health = found.health.max(Health::Store);
                (profile, health, None)
            }
            KeepEvent::LoggedOut { profile, .. } => (profile, Health::NeedsPerson, None),
            _ => return,
        };
        let found = self.found.entry(profile.clone()).or_default();
        found.health = found.health.max(health);
        found.deadline = deadline.or(found.deadline);
        if found.said.as_ref().is_none_or(|(h, _)| health >= *h) {
            found.said = Some((health, text(event)));
        }
    }

    fn worsen(&mut self, profile: &str, health: Health) {
        let found = self.found.entry(profile.to_owned()).or_default();
        found.health = found.health.max(health);
    }
}

impl Keep {
    /// `keep --once`: one pass, one `checked` line per session, the exit code of the worst.
    pub(super) async fn run_once(&mut self) -> Result<(), Error> {
        self.run().await?;
        let sessions = self.sessions().await?;
        let once = self.once.take().unwrap_or_default();
        let mut worst = Health::Healthy;
        let mut lines = Vec::new();
        let mut profiles: Vec<&String> = once.found.keys().collect();
        for s in &sessions {
            if !profiles.contains(&&s.meta.profile) {
                profiles.push(&s.meta.profile);
            }
        }
        profiles.sort();
        if profiles.is_empty() {
            // `--all` over an empty store (a single profile without a session was refused
            // already): cron must hear that nothing is kept any more, not a silent 0.
            crate::say!("{}", crate::words::keep_once_nothing_stored());
            return Err(Error::KeepOnce {
                code: exit::SIGN_IN_NEEDED,
            });
        }
        for profile in profiles {
            let found = once.found.get(profile);
            let health = found.map(|f| f.health).unwrap_or_default();
            worst = worst.max(health);
            let session = sessions.iter().find(|s| &s.meta.profile == profile);
            let message = match found.and_then(|f| f.said.as_ref()) {
                Some((_, said)) => said.clone(),
                None => self.quiet_line(profile, session),
            };
            lines.push(KeepEvent::Checked {
                profile: profile.clone(),
                health: health.as_str(),
                message,
                deadline: found.and_then(|f| f.deadline).or_else(|| {
                    session
                        .and_then(upkeep::session_end)
                        .map(Timestamp::as_unix_secs)
                }),
            });
        }
        for line in &lines {
            self.emit(line);
        }
        match worst {
            Health::Healthy => Ok(()),
            health => Err(Error::KeepOnce {
                code: health.exit_code(),
            }),
        }
    }

    /// The line of a session the pass had nothing to do for.
    fn quiet_line(&self, profile: &str, session: Option<&Session>) -> String {
        let watch = self.watches.get(profile).cloned().unwrap_or_default();
        match session.and_then(|s| upkeep::next(s, &watch)) {
            Some((at, Action::Refresh(_))) => format!(
                "{profile}: nothing due; next refresh at {}",
                crate::words::time_of_day(at)
            ),
            _ => format!("{profile}: nothing due"),
        }
    }
}
