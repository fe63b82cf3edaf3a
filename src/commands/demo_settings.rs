//! The settings of `grantty demo`'s server, from its flags: when it decides by itself, and an
//! unpredictable seed for its codes and tokens.

use crate::cli::DemoArgs;
use crate::demo::{AutoDecision, Decision, DemoConfig};
use crate::error::Error;

/// Seconds after which the full demo approves by itself when `--approve-after` is not given.
const DEMO_APPROVE_AFTER_SECS: u64 = 5;

/// The demo server's settings for `grantty demo` with `args`. `--serve` listens for whoever
/// asks, so it never decides by itself unless told to (`--approve-after`): otherwise whoever
/// polls a code first would get tokens. `seed` comes from the OS outside tests.
pub fn demo_config(args: &DemoArgs, seed: u64) -> DemoConfig {
    let approve_after = match (args.approve_after, args.serve) {
        (Some(secs), _) => secs,
        (None, true) => 0,
        (None, false) => DEMO_APPROVE_AFTER_SECS,
    };
    let auto_decision = (approve_after > 0 || args.deny).then_some(AutoDecision {
        after_secs: approve_after,
        decision: if args.deny {
            Decision::Deny
        } else {
            Decision::Approve
        },
    });
    DemoConfig {
        interval_secs: args.interval,
        device_code_lifetime_secs: args.expires_in,
        access_token_lifetime_secs: args.access_token_lifetime,
        auto_decision,
        seed,
        ..DemoConfig::default()
    }
}

/// A seed for the demo server's codes and tokens from the OS's random source, so no two runs
/// hand out the same (predictable) codes.
pub(super) fn os_seed() -> Result<u64, Error> {
    use ring::rand::SecureRandom as _;
    let mut bytes = [0u8; 8];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .map_err(|_| Error::Io(std::io::Error::other("the OS random source failed")))?;
    Ok(u64::from_le_bytes(bytes))
}
