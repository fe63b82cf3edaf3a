//! Forgetting what can no longer be used, so a demo server left running stays small.
//!
//! Driven by the demo clock: at most once per [`SWEEP_INTERVAL_MS`], the first request that
//! touches the state drops every device authorization, authorization request and code, access
//! and refresh token that expired more than [`EXPIRED_GRACE_MS`] ago (until then a late client
//! still hears `expired_token` rather than "unknown"), every token of a revoked grant family,
//! and every family with no token left. The log of client requests kept for tests is a ring of
//! the last [`CLIENT_REQUEST_LOG_CAP`] entries. What stays is bounded by the request rate
//! times the lifetimes (device codes 10 min, access tokens 35 min, refresh tokens 12 h).

use super::DemoState;
use crate::demo::client_auth::ClientRequest;

/// How often (demo-clock milliseconds) expired entries are swept.
pub(crate) const SWEEP_INTERVAL_MS: u64 = 1_000;
/// How long an expired entry is kept so its client is told it expired.
pub(crate) const EXPIRED_GRACE_MS: u64 = 60_000;
/// Client requests kept for [`crate::demo::DemoServer::client_requests`]: the last this many.
pub(crate) const CLIENT_REQUEST_LOG_CAP: usize = 1_000;

/// Whether an entry that expires at `expires_at_ms` can be forgotten at `now_ms`.
pub(super) fn forgettable(expires_at_ms: u64, now_ms: u64) -> bool {
    now_ms >= expires_at_ms.saturating_add(EXPIRED_GRACE_MS)
}

impl DemoState {
    /// Sweeps if the last sweep is [`SWEEP_INTERVAL_MS`] old; every `now_ms` method calls it.
    pub(super) fn sweep_if_due(&mut self, now_ms: u64) {
        if now_ms < self.next_sweep_ms {
            return;
        }
        self.next_sweep_ms = now_ms.saturating_add(SWEEP_INTERVAL_MS);
        self.sweep(now_ms);
    }

    /// Drops everything expired (past the grace) or revoked.
    fn sweep(&mut self, now_ms: u64) {
        let user_codes = &mut self.user_codes;
        self.devices.retain(|_, device| {
            let keep = !forgettable(device.expires_at_ms, now_ms);
            if !keep {
                user_codes.remove(&device.user_code);
            }
            keep
        });
        self.codes.sweep(now_ms);
        self.sweep_tokens(now_ms);
    }

    /// Appends to the ring of client requests, dropping the oldest beyond the cap.
    pub(super) fn log_client_request(&mut self, record: ClientRequest) {
        while self.client_requests.len() >= CLIENT_REQUEST_LOG_CAP {
            self.client_requests.pop_front();
        }
        self.client_requests.push_back(record);
    }

    /// How many entries the state holds: devices, authorization requests and codes, grant
    /// families, access and refresh tokens, logged client requests (for tests of the sweep).
    pub(crate) fn entries(&self) -> usize {
        self.devices.len()
            + self.user_codes.len()
            + self.codes.len()
            + self.grants.len()
            + self.access_tokens.len()
            + self.refresh_tokens.len()
            + self.client_requests.len()
    }
}
