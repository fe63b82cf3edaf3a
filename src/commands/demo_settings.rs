//! The settings of `grantty demo`'s server, from its flags: when it decides by itself. (Its
//! codes and tokens come from the OS's generator; there is no seed to set.)

use crate::cli::DemoArgs;
use crate::demo::{AutoDecision, Decision, DemoConfig};

/// Seconds after which the full demo approves by itself when `--approve-after` is not given.
const DEMO_APPROVE_AFTER_SECS: u64 = 5;

/// The demo server's settings for `grantty demo` with `args`. `--serve` listens for whoever
/// asks, so it never decides by itself unless told to (`--approve-after`): otherwise whoever
/// polls a code first would get tokens.
pub fn demo_config(args: &DemoArgs) -> DemoConfig {
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
        ..DemoConfig::default()
    }
}
