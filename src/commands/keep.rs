//! `grantty keep`: the headless keeper, a thin driver of the upkeep policy. It sleeps until the
//! earliest deadline of the sessions it keeps ([`crate::domain::upkeep::plan`] decides, from
//! metadata, what it remembers and `now`: the same refresh times, floor and back-off as the
//! dashboard), wakes, re-reads the store (another process may have refreshed meanwhile), does
//! what is due through the same [`SessionService`] and per-profile lock as `grantty token` and the
//! dashboard, reports, and sleeps again. No polling between deadlines.
//!
//! The same policy decides when a person hears about a session ([`upkeep::Alerts`]:
//! `sign-in-soon`, `needs-human`, `recovered`, `ended`): an `alert` line or event, and with
//! `--notify CMD` a hook run beside the keeper ([`notify`]). A session that disappears from the
//! store (a logout elsewhere) is said once (`logged_out`) and no longer kept. `--once` is one pass
//! of all this for cron ([`once`]).
//!
//! With the etcd store, several keepers on several machines elect one active keeper per profile
//! (a lease of [`KEEPER_TTL_SECS`](crate::store::etcd::KEEPER_TTL_SECS) under `keepers/<profile>`): only the active one refreshes;
//! the others stand by, trying again every [`STANDBY_POLL`], and take over once the active
//! one's lease expires (it died, or lost its quorum).
//!
//! SIGTERM, SIGINT and SIGHUP stop it: at once while it sleeps; after the refresh in flight has
//! been answered and saved otherwise (the HTTP timeout bounds that). Either way it exits 0.

mod notify;
mod once;
mod report;
mod signals;
mod unit;
mod unsaved;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use self::notify::{Hook, HookDone, next_done};
use self::report::{KeepEvent, Reporter, needs_human};
use self::signals::Signals;
use self::unit::{UnitPaths, systemd_unit, unit_environment};
use super::setup::{open_store, state_dir};
use crate::cli::{KeepArgs, SessionArgs};
use crate::domain::clock::{Clock, SystemClock, Timestamp};
use crate::domain::session::{RefreshChange, Session};
use crate::domain::upkeep::{
    self, ACCESS_MARGIN_SECS, Action, Alert, Failure, Reaction, Watch, Why,
};
use crate::error::Error;
use crate::oauth::http::ReqwestTransport;
use crate::session_service::{MinValid, RefreshFailed, Refreshed, SessionService, Stored};
use crate::store::etcd::Election;
use crate::store::{StoreChoice, stored_profiles};

/// How often a standby keeper looks again whether the active one is gone, while a refresh is due.
const STANDBY_POLL: Duration = Duration::from_secs(1);
use crate::words;

/// `grantty keep [--profile P | --all] [--json] [--notify CMD] [--once]`, or
/// `--print-systemd-unit`.
pub async fn keep(session: &SessionArgs, args: &KeepArgs) -> Result<(), Error> {
    let mut selector = if args.all {
        vec!["--all".to_owned()]
    } else {
        vec!["--profile".to_owned(), session.profile.clone()]
    };
    if let Some(command) = &args.notify {
        // The unit alerts as this command line would.
        selector.extend([
            "--notify".to_owned(),
            command.clone(),
            "--notify-timeout".to_owned(),
            args.notify_timeout.to_string(),
        ]);
    }
    if args.print_systemd_unit {
        let exe = std::env::current_exe()?;
        let paths = UnitPaths {
            state_dir: state_dir()?,
            writable: crate::store::kept_aside_place().into_iter().collect(),
        };
        let environment = unit_environment(
            session.store,
            session.config.as_deref(),
            &crate::store::etcd::EtcdSettings::from_env(),
            &std::env::current_dir()?,
        );
        print!("{}", systemd_unit(&exe, &selector, &paths, &environment));
        return Ok(());
    }
    let (hook, hook_done) = match &args.notify {
        Some(command) => {
            let limit = Duration::from_secs(args.notify_timeout.max(1));
            let (hook, rx) = Hook::new(command.clone(), limit);
            (Some(hook), Some(rx))
        }
        None => (None, None),
    };
    let mut keep = Keep {
        session: session.clone(),
        all: args.all,
        transport: Arc::new(ReqwestTransport::new()?),
        clock: Arc::new(SystemClock),
        watches: BTreeMap::new(),
        held: BTreeMap::new(),
        elections: BTreeMap::new(),
        scheduled: BTreeMap::new(),
        out: if args.json {
            Reporter::new(Box::new(std::io::stdout()), true)
        } else {
            Reporter::new(Box::new(std::io::stderr()), false)
        },
        signals: Signals::new()?,
        forgotten: BTreeSet::new(),
        kept: BTreeSet::new(),
        hook,
        hook_done,
        once: args.once.then(once::Once::default),
    };
    let profiles = keep.profiles()?;
    // A profile whose tokens the keyring forgot is kept all the same (it needs a person, and
    // the keeper says so): exiting would only make a service manager restart it in a loop.
    if !args.all
        && matches!(
            keep.service(&session.profile)?
                .inspect(&session.profile)
                .await?,
            Stored::Nothing
        )
    {
        return Err(RefreshFailed::NotSignedIn {
            profile: session.profile.clone(),
        }
        .into());
    }
    if args.once {
        return keep.run_once().await;
    }
    keep.emit(&KeepEvent::Started {
        profiles,
        all: args.all,
    });
    let result = keep.run().await;
    if let Some(hook) = &keep.hook {
        hook.stop_all();
    }
    keep.emit(&KeepEvent::Stopped { signal: result? });
    Ok(())
}

/// The keeper's state between wake-ups.
struct Keep {
    session: SessionArgs,
    all: bool,
    transport: Arc<ReqwestTransport>,
    clock: Arc<dyn Clock>,
    watches: BTreeMap<String, Watch>,
    /// Refreshed tokens neither the store nor the fallback file took, per profile: saved again
    /// when the policy says, and never refreshed over meanwhile.
    held: BTreeMap<String, Session>,
    /// The profiles this keeper is the active keeper of (etcd store only).
    elections: BTreeMap<String, Election>,
    /// The last `scheduled` event per profile, so it is written only when it changes.
    scheduled: BTreeMap<String, (Timestamp, Why)>,
    out: Reporter<Box<dyn std::io::Write>>,
    signals: Signals,
    /// Profiles whose tokens the secret backend lost, said once each.
    forgotten: BTreeSet<String>,
    /// Profiles with a stored session at the last look: one that disappears was logged out.
    kept: BTreeSet<String>,
    /// The `--notify` command.
    hook: Option<Hook>,
    /// Hooks that failed or were stopped.
    hook_done: Option<tokio::sync::mpsc::UnboundedReceiver<HookDone>>,
    /// `--once`: what each session came to.
    once: Option<once::Once>,
}

impl Keep {
    /// Wakes, acts, sleeps until a signal; returns the signal's name.
    async fn run(&mut self) -> Result<&'static str, Error> {
        loop {
            while let Some(done) = self.hook_done.as_mut().and_then(|rx| rx.try_recv().ok()) {
                self.hook_failed(&done);
            }
            let now = self.clock.now();
            let sessions = self.sessions().await?;
            let mut alerts = Vec::new();
            let watches: Vec<Watch> = sessions
                .iter()
                .map(|s| {
                    let profile = &s.meta.profile;
                    let held = self.held.get(profile);
                    if held.is_some_and(|h| h.meta.signed_in_at != s.meta.signed_in_at) {
                        // A new sign-in wins over tokens held from the session it replaced.
                        self.held.remove(profile);
                    }
                    let watch = self.watches.entry(profile.clone()).or_default();
                    if !self.held.contains_key(profile) {
                        watch.held = None;
                    }
                    watch.observe(s);
                    alerts.extend(
                        watch
                            .alerts
                            .on_tick(s, now)
                            .into_iter()
                            .map(|a| (profile.clone(), a)),
                    );
                    watch.clone()
                })
                .collect();
            for (profile, alert) in alerts {
                self.alert(&profile, alert, None);
            }
            let plan = upkeep::plan(sessions.iter().zip(&watches), now);
            let standing_by = self.stand_by(&sessions).await?;
            if plan.due.is_empty() {
                if self.once.is_some() {
                    return Ok("");
                }
                self.report_schedule(&sessions, &watches);
                let mut wait = now.secs_until(plan.wake_at).max(1);
                if standing_by {
                    wait = wait.min(STANDBY_POLL.as_secs());
                }
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(wait)) => continue,
                    name = self.signals.recv() => return Ok(name),
                    done = next_done(&mut self.hook_done) => {
                        self.hook_failed(&done);
                        continue;
                    }
                }
            }
            for (index, action) in plan.due {
                let Some(session) = sessions.get(index) else {
                    continue;
                };
                if let Some(name) = self.act(session, action).await? {
                    return Ok(name);
                }
            }
        }
    }

    /// Does one due action; `Some(signal)` when a signal arrived meanwhile.
    async fn act(
        &mut self,
        session: &Session,
        action: Action,
    ) -> Result<Option<&'static str>, Error> {
        let profile = session.meta.profile.clone();
        let why = match action {
            Action::Notify(notice) => {
                self.watch(&profile).noticed = Some(notice);
                let now = self.clock.now();
                let event = needs_human(&profile, notice, now);
                if let Some(once) = &mut self.once {
                    once.needs_person(&profile);
                }
                self.emit(&event);
                return Ok(None);
            }
            Action::SaveHeld => {
                if let Some(event) = self.save_held(&profile).await {
                    self.emit(&event);
                }
                return Ok(None);
            }
            Action::Refresh(why) => why,
        };
        let keeper = self.service(&profile)?;
        if !self.active_keeper(&keeper, &profile).await {
            // Another keeper refreshes this profile: stand by, and look again (it may die).
            return Ok(tokio::select! {
                () = tokio::time::sleep(STANDBY_POLL) => None,
                name = self.signals.recv() => Some(name),
            });
        }
        let mut stopping = None;
        let result = {
            let refresh = async {
                match why {
                    Why::LifespanEnding => keeper.refresh(&profile).await,
                    Why::AccessExpiring | Why::Retry => {
                        let margin = MinValid::Adaptive(ACCESS_MARGIN_SECS);
                        keeper.ensure_valid(&profile, margin).await
                    }
                }
            };
            tokio::pin!(refresh);
            loop {
                tokio::select! {
                    result = &mut refresh => break result,
                    name = self.signals.recv(), if stopping.is_none() => {
                        stopping = Some(name);
                        self.emit(&KeepEvent::Finishing { profile: profile.clone(), signal: name });
                    }
                }
            }
        };
        let event = match result {
            Ok(Refreshed::Unsaved {
                session: unsaved,
                reason,
                ..
            }) => Some(self.keep_unsaved(&keeper, &unsaved, reason).await),
            Ok(done) => {
                let now = self.clock.now();
                let watch = self.watch(&profile);
                watch.succeeded(now);
                let recovered = watch.alerts.after_success(done.session());
                self.emit(&refreshed_event(&profile, &done));
                if let Some(alert) = recovered {
                    self.alert(&profile, alert, None);
                }
                None
            }
            Err(failure) => {
                let (event, alert) = self.failed(session, &failure);
                if let Some(once) = &mut self.once {
                    once.failed(&profile, &failure);
                }
                if let Some(event) = event {
                    self.emit(&event);
                }
                if let Some(alert) = alert {
                    self.alert(&profile, alert, Some(&failure.to_string()));
                }
                None
            }
        };
        if let Some(event) = event {
            self.emit(&event);
        }
        Ok(stopping)
    }

    /// Says `alert` (a line or an `alert` event) and runs the `--notify` command for it.
    /// `cause` is the failure that brought it, in words.
    fn alert(&mut self, profile: &str, alert: Alert, cause: Option<&str>) {
        let now = self.clock.now();
        let message = words::alert(profile, alert, cause, now);
        if let Some(hook) = &self.hook {
            hook.fire(profile, alert, &message);
        }
        self.emit(&KeepEvent::Alert {
            profile: profile.to_owned(),
            alert: alert.kind.as_str(),
            message,
            deadline: alert.deadline.map(Timestamp::as_unix_secs),
        });
    }

    /// Reports a `--notify` command that failed or was stopped.
    fn hook_failed(&mut self, done: &HookDone) {
        self.emit(&KeepEvent::HookFailed {
            profile: done.profile.clone(),
            alert: done.event,
            message: words::hook_failed(done.event, &done.problem),
        });
    }

    /// With the etcd store, campaigns for every kept profile it is not yet the active keeper of;
    /// true when it stands by for any (it then wakes every [`STANDBY_POLL`] to try again).
    async fn stand_by(&mut self, sessions: &[Session]) -> Result<bool, Error> {
        if self.session.store != Some(StoreChoice::Etcd) {
            return Ok(false);
        }
        let mut standing_by = false;
        for session in sessions {
            let profile = &session.meta.profile;
            let keeper = self.service(profile)?;
            standing_by |= !self.active_keeper(&keeper, profile).await;
        }
        Ok(standing_by)
    }

    /// Whether this keeper is the one to refresh `profile`: always with a local store; with
    /// etcd, while it holds (or now wins) the profile's keeper election.
    async fn active_keeper(
        &mut self,
        keeper: &SessionService<ReqwestTransport>,
        profile: &str,
    ) -> bool {
        let Some(fleet) = keeper.store.fleet().cloned() else {
            return true;
        };
        if self.elections.get(profile).is_some_and(Election::holds) {
            return true;
        }
        // A lost election is let go (its lease may be gone already) before trying again.
        self.elections.remove(profile);
        let name = profile.to_owned();
        let won = tokio::task::spawn_blocking(move || Election::campaign(&fleet, &name)).await;
        match won {
            Ok(Ok(Some(election))) => {
                self.elections.insert(profile.to_owned(), election);
                true
            }
            _ => false,
        }
    }

    /// The event for a failed refresh, as the upkeep policy reacts to it
    /// ([`Watch::after_failure`]).
    /// The alert it brings, if any, comes second.
    fn failed(
        &mut self,
        session: &Session,
        failure: &RefreshFailed,
    ) -> (Option<KeepEvent>, Option<Alert>) {
        let profile = session.meta.profile.clone();
        let now = self.clock.now();
        let kind = match failure {
            RefreshFailed::NotSignedIn { .. } => Failure::Gone,
            RefreshFailed::Dead { .. } | RefreshFailed::Endpoint(_) => Failure::Lasting,
            RefreshFailed::Refused { .. } => Failure::Refused,
            RefreshFailed::Unreachable { .. }
            | RefreshFailed::Store(_)
            | RefreshFailed::PendingElsewhere { .. } => Failure::Passing,
        };
        let message = failure.to_string();
        let watch = self.watch(&profile);
        let alert = watch.alerts.after_failure(kind, session);
        let event = match watch.after_failure(kind, session, now) {
            Reaction::Forget => None,
            Reaction::NeedsPerson { .. } => Some(KeepEvent::NeedsHuman {
                profile,
                message,
                deadline: session.meta.access_expires_at.map(Timestamp::as_unix_secs),
            }),
            Reaction::Retry { in_secs } => Some(KeepEvent::RefreshFailed {
                profile,
                message,
                retry_in: in_secs,
            }),
        };
        (event, alert)
    }

    fn watch(&mut self, profile: &str) -> &mut Watch {
        self.watches.entry(profile.to_owned()).or_default()
    }

    fn emit(&mut self, event: &KeepEvent) {
        let now = self.clock.now();
        if let Some(once) = &mut self.once {
            once.record(event);
            return;
        }
        self.out.emit(event, now);
    }

    /// Writes `scheduled` for every profile whose next refresh changed.
    fn report_schedule(&mut self, sessions: &[Session], watches: &[Watch]) {
        for (session, watch) in sessions.iter().zip(watches) {
            let Some((at, Action::Refresh(why))) = upkeep::next(session, watch) else {
                continue;
            };
            let profile = &session.meta.profile;
            if self.scheduled.get(profile) != Some(&(at, why)) {
                self.scheduled.insert(profile.clone(), (at, why));
                self.emit(&KeepEvent::Scheduled {
                    profile: profile.clone(),
                    at: at.as_unix_secs(),
                    why: why.as_str(),
                });
            }
        }
    }

    /// The profiles kept now.
    fn profiles(&self) -> Result<Vec<String>, Error> {
        if self.all && self.session.store == Some(StoreChoice::Etcd) {
            Ok(open_store(&self.session, StoreChoice::Auto)?.profiles()?)
        } else if self.all {
            Ok(stored_profiles(&state_dir()?)?)
        } else {
            Ok(vec![self.session.profile.clone()])
        }
    }

    /// The stored sessions of the kept profiles, read afresh through the session service (which
    /// moves kept-aside tokens back into the store). A profile whose store fails is retried with
    /// back-off like a failed refresh.
    async fn sessions(&mut self) -> Result<Vec<Session>, Error> {
        let mut sessions = Vec::new();
        let mut profiles = match self.profiles() {
            Ok(profiles) => profiles,
            // A store that cannot list its profiles for a moment (etcd electing a new leader, a
            // member gone) must not end a keeper that keeps sessions: it goes on with those and
            // lists again at its next wake-up. `--once` and a keeper with nothing yet say it.
            Err(e) if self.once.is_none() && !self.kept.is_empty() => {
                crate::say!("grantty keep: {e}; going on with the sessions already kept");
                Vec::new()
            }
            Err(e) => return Err(e),
        };
        profiles.extend(
            self.kept
                .iter()
                .filter(|p| !profiles.contains(p))
                .cloned()
                .collect::<Vec<_>>(),
        );
        for profile in profiles {
            let loaded = match self.service(&profile) {
                Ok(service) => service.inspect(&profile).await.map_err(Error::from),
                Err(e) => Err(e),
            };
            match loaded {
                Ok(Stored::Session(session)) => {
                    self.forgotten.remove(&profile);
                    self.kept.insert(profile);
                    sessions.push(*session);
                }
                Ok(Stored::Nothing) => {
                    if self.kept.remove(&profile) {
                        // Logged out elsewhere: said once, and what the keeper knew of it goes.
                        self.watches.remove(&profile);
                        self.held.remove(&profile);
                        self.scheduled.remove(&profile);
                        self.emit(&KeepEvent::LoggedOut {
                            message: words::logged_out_meanwhile(&profile),
                            profile,
                        });
                    }
                }
                Ok(Stored::TokensMissing { backend, .. }) => {
                    // Said once per profile; a new sign-in brings it back.
                    if let Some(once) = &mut self.once {
                        once.needs_person(&profile);
                    }
                    if self.forgotten.insert(profile.clone()) {
                        let message = words::tokens_missing(&profile, &backend);
                        self.emit(&KeepEvent::NeedsHuman {
                            message: message.clone(),
                            profile: profile.clone(),
                            deadline: None,
                        });
                        if let Some(alert) = self.watch(&profile).alerts.tokens_missing() {
                            self.alert(&profile, alert, Some(&message));
                        }
                    }
                }
                Err(err) => {
                    let now = self.clock.now();
                    let watch = self.watch(&profile);
                    if watch.attempts.retry_at.is_some_and(|at| at > now) {
                        continue; // said already; wait for the retry
                    }
                    let retry_in = watch.failed(now);
                    self.emit(&KeepEvent::RefreshFailed {
                        profile,
                        message: err.to_string(),
                        retry_in,
                    });
                }
            }
        }
        Ok(sessions)
    }

    fn service(&self, profile: &str) -> Result<SessionService<ReqwestTransport>, Error> {
        Ok(SessionService::new(
            Arc::new(open_store(&self.for_profile(profile), StoreChoice::Auto)?),
            self.transport.clone(),
            self.clock.clone(),
        ))
    }

    fn for_profile(&self, profile: &str) -> SessionArgs {
        SessionArgs {
            profile: profile.to_owned(),
            ..self.session.clone()
        }
    }
}

/// The event for a refresh that went through.
fn refreshed_event(profile: &str, done: &Refreshed) -> KeepEvent {
    let profile = profile.to_owned();
    match done {
        Refreshed::Fresh { session, change }
        | Refreshed::Unsaved {
            session, change, ..
        } => KeepEvent::Refreshed {
            profile,
            rotated: *change == RefreshChange::Rotated,
            access_expires_at: session.meta.access_expires_at.map(Timestamp::as_unix_secs),
        },
        Refreshed::StillValid(_) => KeepEvent::AlreadyFresh { profile },
        Refreshed::Adopted(_) => KeepEvent::Adopted { profile },
    }
}
