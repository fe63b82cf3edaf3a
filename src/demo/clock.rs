//! The demo server's injectable clock, in Unix milliseconds.
//!
//! The server reads the clock once per request and hands the value to the sans-IO
//! state, so tests move time with [`DemoClock::advance_secs`] instead of sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A cloneable clock with millisecond resolution; clones share the same time.
#[derive(Debug, Clone)]
pub struct DemoClock {
    source: Arc<Source>,
}

#[derive(Debug)]
enum Source {
    System,
    Manual(AtomicU64),
}

impl DemoClock {
    /// A clock that reads [`SystemTime::now`].
    pub fn system() -> Self {
        Self {
            source: Arc::new(Source::System),
        }
    }

    /// A clock frozen at `start_unix_ms` that only moves with [`Self::advance_ms`].
    pub fn manual(start_unix_ms: u64) -> Self {
        Self {
            source: Arc::new(Source::Manual(AtomicU64::new(start_unix_ms))),
        }
    }

    /// The current time in milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> u64 {
        match &*self.source {
            Source::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |elapsed| {
                    u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX)
                }),
            Source::Manual(now) => now.load(Ordering::SeqCst),
        }
    }

    /// Moves a manual clock forward by `ms`; has no effect on a system clock.
    pub fn advance_ms(&self, ms: u64) {
        if let Source::Manual(now) = &*self.source {
            now.fetch_add(ms, Ordering::SeqCst);
        }
    }

    /// Moves a manual clock forward by `secs`; has no effect on a system clock.
    pub fn advance_secs(&self, secs: u64) {
        self.advance_ms(secs.saturating_mul(1000));
    }
}

impl Default for DemoClock {
    fn default() -> Self {
        Self::system()
    }
}

#[cfg(test)]
mod tests {
    use super::DemoClock;

    #[test]
    fn manual_clock_moves_only_when_advanced_and_clones_share_time() {
        let clock = DemoClock::manual(1_000);
        let clone = clock.clone();
        assert_eq!(clock.now_ms(), 1_000);
        clone.advance_secs(2);
        clone.advance_ms(5);
        assert_eq!(clock.now_ms(), 3_005);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(DemoClock::system().now_ms() > 1_577_836_800_000);
    }
}
