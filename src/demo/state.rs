//! The demo server's sans-IO core: device authorizations, polling and the user's decision.
//!
//! Every method takes `now_ms` from the caller, so RFC 8628 rules (`slow_down` spacing,
//! expiry, single-use device codes) are tested here with plain `#[test]`s. Token issuance,
//! refresh rotation and revocation live in [`tokens`]; the authorization code grant with PKCE
//! in [`authorize`]. Nothing here blocks or does IO.

mod authorize;
mod knobs;
mod reply;
mod sweep;
#[cfg(test)]
mod tests;
mod tokens;

use std::collections::{HashMap, HashSet};

use super::codes::{OsRandom, normalize_user_code, same_secret};
use super::{Decision, DemoConfig, DemoError, DemoStats};
pub(crate) use authorize::{Authorize, ConsentView};
pub(crate) use reply::{DeviceAuthorization, DeviceStatus, DeviceView, ErrorCode, OAuthError};
pub(crate) use tokens::{DEMO_EMAIL, DEMO_NAME, DEMO_SUB, TokenResponse};

/// Seconds added to a device code's interval by each `slow_down` (RFC 8628 §3.5).
pub(crate) const SLOW_DOWN_INCREMENT_SECS: u64 = 5;
/// Scope granted when the client asks for none.
pub(crate) const DEFAULT_SCOPE: &str = "openid profile email offline_access";

/// One device authorization (RFC 8628 §3.1) and its polling state.
#[derive(Debug)]
struct Device {
    client_id: String,
    scope: String,
    user_code: String,
    created_ms: u64,
    expires_at_ms: u64,
    interval_secs: u64,
    last_poll_ms: Option<u64>,
    status: DeviceStatus,
    /// The token of the last verification page shown for it; spent by the page's decision.
    form_token: Option<String>,
}

/// Whether a poll at `now_ms` comes sooner than `interval_secs` after the previous one.
pub(crate) fn polled_too_soon(last_poll_ms: Option<u64>, now_ms: u64, interval_secs: u64) -> bool {
    last_poll_ms.is_some_and(|last| now_ms.saturating_sub(last) < secs_to_ms(interval_secs))
}

fn secs_to_ms(secs: u64) -> u64 {
    secs.saturating_mul(1000)
}

/// All mutable server state; the HTTP layer keeps it behind one mutex.
#[derive(Debug)]
pub(crate) struct DemoState {
    config: DemoConfig,
    issuer: String,
    /// The OS's cryptographic generator: the only source of codes and tokens.
    random: OsRandom,
    devices: HashMap<String, Device>,
    /// Canonical user code to device code.
    user_codes: HashMap<String, String>,
    /// Grant families by id; ids are never reused ([`Self::next_grant`]).
    grants: HashMap<usize, tokens::Grant>,
    next_grant: usize,
    access_tokens: HashMap<String, tokens::AccessRecord>,
    refresh_tokens: HashMap<String, tokens::RefreshRecord>,
    codes: authorize::CodeBook,
    /// Clients refused until enabled again (a test's "admin").
    disabled_clients: HashSet<String>,
    /// What each client presented at the endpoints it authenticates at.
    /// The last [`sweep::CLIENT_REQUEST_LOG_CAP`] of them, oldest first.
    client_requests: std::collections::VecDeque<super::client_auth::ClientRequest>,
    /// When the next sweep of expired entries is due (demo clock, Unix ms).
    next_sweep_ms: u64,
    stats: DemoStats,
}

impl DemoState {
    pub(crate) fn new(config: DemoConfig, issuer: String) -> Self {
        Self {
            random: OsRandom::default(),
            config,
            issuer,
            devices: HashMap::new(),
            user_codes: HashMap::new(),
            grants: HashMap::new(),
            next_grant: 0,
            access_tokens: HashMap::new(),
            refresh_tokens: HashMap::new(),
            codes: authorize::CodeBook::default(),
            disabled_clients: HashSet::new(),
            client_requests: std::collections::VecDeque::new(),
            next_sweep_ms: 0,
            stats: DemoStats::default(),
        }
    }

    pub(crate) fn stats(&self) -> DemoStats {
        self.stats
    }

    pub(crate) fn count_token_request(&mut self) {
        self.stats.token_requests += 1;
    }

    /// Registers a device authorization request (RFC 8628 §3.1).
    pub(crate) fn device_authorization(
        &mut self,
        client_id: &str,
        scope: Option<&str>,
        now_ms: u64,
    ) -> Result<DeviceAuthorization, OAuthError> {
        self.sweep_if_due(now_ms);
        let device_code = self.random.token("demo-dc-")?;
        let user_code = loop {
            let candidate = self.random.user_code()?;
            if !self.user_codes.contains_key(&candidate) {
                break candidate;
            }
        };
        let scope = scope.map(str::trim).filter(|s| !s.is_empty());
        self.devices.insert(
            device_code.clone(),
            Device {
                client_id: client_id.to_owned(),
                scope: scope.unwrap_or(DEFAULT_SCOPE).to_owned(),
                user_code: user_code.clone(),
                created_ms: now_ms,
                expires_at_ms: now_ms
                    .saturating_add(secs_to_ms(self.config.device_code_lifetime_secs)),
                interval_secs: self.config.interval_secs,
                last_poll_ms: None,
                status: DeviceStatus::Pending,
                form_token: None,
            },
        );
        self.user_codes
            .insert(user_code.clone(), device_code.clone());
        self.stats.device_authorizations += 1;
        Ok(DeviceAuthorization {
            device_code,
            user_code,
            expires_in: self.config.device_code_lifetime_secs,
            interval: self.config.interval_secs,
        })
    }

    /// Answers a device access token request (RFC 8628 §3.4, §3.5).
    pub(crate) fn poll(
        &mut self,
        client_id: &str,
        device_code: &str,
        now_ms: u64,
    ) -> Result<TokenResponse, OAuthError> {
        use ErrorCode::{AccessDenied, AuthorizationPending, ExpiredToken, InvalidGrant, SlowDown};
        self.sweep_if_due(now_ms);
        let auto = self.config.auto_decision;
        let Some(device) = self.devices.get_mut(device_code) else {
            return Err(OAuthError::new(InvalidGrant, "unknown device_code"));
        };
        if device.client_id != client_id {
            return Err(OAuthError::new(
                InvalidGrant,
                "device_code was issued to another client",
            ));
        }
        if device.status == DeviceStatus::Redeemed {
            return Err(OAuthError::new(
                InvalidGrant,
                "device_code was already redeemed",
            ));
        }
        if now_ms >= device.expires_at_ms {
            return Err(OAuthError::new(
                ExpiredToken,
                "device_code has expired; start over",
            ));
        }
        apply_auto_decision(device, auto, now_ms);
        let too_soon = polled_too_soon(device.last_poll_ms, now_ms, device.interval_secs);
        device.last_poll_ms = Some(now_ms);
        match device.status {
            DeviceStatus::Pending if too_soon => {
                device.interval_secs += SLOW_DOWN_INCREMENT_SECS;
                let interval = Some(device.interval_secs);
                self.stats.slow_downs += 1;
                Err(OAuthError {
                    interval,
                    ..OAuthError::new(
                        SlowDown,
                        "polling too fast; interval increased by 5 seconds",
                    )
                })
            }
            DeviceStatus::Pending => Err(OAuthError::new(
                AuthorizationPending,
                "the user has not decided yet",
            )),
            DeviceStatus::Denied => {
                Err(OAuthError::new(AccessDenied, "the user denied the request"))
            }
            DeviceStatus::Redeemed => Err(OAuthError::new(
                InvalidGrant,
                "device_code was already redeemed",
            )),
            DeviceStatus::Approved => {
                device.status = DeviceStatus::Redeemed;
                let (client, scope) = (device.client_id.clone(), device.scope.clone());
                self.stats.device_code_redemptions += 1;
                self.start_grant(client, scope, now_ms)
            }
        }
    }

    /// What the verification page shows for `user_code`, after any due auto decision.
    pub(crate) fn view(&mut self, user_code: &str, now_ms: u64) -> Result<DeviceView, DemoError> {
        self.sweep_if_due(now_ms);
        let auto = self.config.auto_decision;
        // Drawn first: a failed random source leaves the page without a usable form.
        let fresh_token = self.random.token("demo-ft-").ok();
        let device = self.device_by_user_code(user_code, now_ms)?;
        apply_auto_decision(device, auto, now_ms);
        // Each page shown gets its own token; the previous page's form stops working.
        device.form_token = fresh_token.filter(|_| device.status == DeviceStatus::Pending);
        Ok(DeviceView {
            user_code: device.user_code.clone(),
            client_id: device.client_id.clone(),
            scope: device.scope.clone(),
            status: device.status,
            form_token: device.form_token.clone(),
        })
    }

    /// The verification page's decision: `form_token` must be the one the page was last shown
    /// with for this code; it is spent whatever the decision.
    pub(crate) fn decide_from_page(
        &mut self,
        user_code: &str,
        form_token: &str,
        decision: Decision,
        now_ms: u64,
    ) -> Result<(), DemoError> {
        self.sweep_if_due(now_ms);
        let auto = self.config.auto_decision;
        let device = self.device_by_user_code(user_code, now_ms)?;
        apply_auto_decision(device, auto, now_ms);
        // A decided code is answered "already decided" by `decide`, token or not.
        if device.status == DeviceStatus::Pending {
            let issued = device
                .form_token
                .as_deref()
                .is_some_and(|expected| same_secret(expected, form_token));
            if !issued {
                return Err(DemoError::StaleForm);
            }
            device.form_token = None;
        }
        self.decide(user_code, decision, now_ms)
    }

    /// Records the user's decision on a pending user code, as the page's buttons do.
    pub(crate) fn decide(
        &mut self,
        user_code: &str,
        decision: Decision,
        now_ms: u64,
    ) -> Result<(), DemoError> {
        self.sweep_if_due(now_ms);
        let auto = self.config.auto_decision;
        let device = self.device_by_user_code(user_code, now_ms)?;
        apply_auto_decision(device, auto, now_ms);
        if device.status != DeviceStatus::Pending {
            return Err(DemoError::AlreadyDecided {
                user_code: device.user_code.clone(),
            });
        }
        device.status = decision.into();
        Ok(())
    }

    fn device_by_user_code(
        &mut self,
        user_code: &str,
        now_ms: u64,
    ) -> Result<&mut Device, DemoError> {
        let unknown = || DemoError::UnknownUserCode {
            user_code: user_code.to_owned(),
        };
        let canonical = normalize_user_code(user_code).ok_or_else(unknown)?;
        let device = self
            .user_codes
            .get(&canonical)
            .and_then(|code| self.devices.get_mut(code))
            .ok_or_else(unknown)?;
        if now_ms >= device.expires_at_ms {
            return Err(DemoError::ExpiredUserCode {
                user_code: canonical,
            });
        }
        Ok(device)
    }
}

/// Turns a pending device into the configured auto decision once its delay has passed.
fn apply_auto_decision(device: &mut Device, auto: Option<super::AutoDecision>, now_ms: u64) {
    if let Some(auto) = auto
        && device.status == DeviceStatus::Pending
        && now_ms
            >= device
                .created_ms
                .saturating_add(secs_to_ms(auto.after_secs))
    {
        device.status = auto.decision.into();
    }
}
