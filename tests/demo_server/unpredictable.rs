//! Codes and tokens come from the OS's cryptographic generator: one code tells nothing about the
//! next (issue 18: a seeded `SplitMix64` let one device code predict the next user's codes).

use std::collections::HashSet;

use grantty::demo::DemoConfig;

use super::Demo;

/// `SplitMix64`'s increment and output mixer, as the demo server once used them.
const GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;
const M1: u64 = 0xBF58_476D_1CE4_E5B9;
const M2: u64 = 0x94D0_49BB_1331_11EB;

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(M1);
    z = (z ^ (z >> 27)).wrapping_mul(M2);
    z ^ (z >> 31)
}

/// The inverse of `x ^ (x >> shift)`.
fn unshift(x: u64, shift: u32) -> u64 {
    let mut y = x;
    for _ in 0..=(64 / shift) {
        y = x ^ (y >> shift);
    }
    y
}

/// The inverse of an odd multiplier modulo 2^64 (Newton's iteration).
fn inverse(m: u64) -> u64 {
    let mut inv = m;
    for _ in 0..6 {
        inv = inv.wrapping_mul(2u64.wrapping_sub(m.wrapping_mul(inv)));
    }
    inv
}

/// The generator state behind one `SplitMix64` output.
fn unmix(out: u64) -> u64 {
    let z = unshift(out, 31).wrapping_mul(inverse(M2));
    let z = unshift(z, 27).wrapping_mul(inverse(M1));
    unshift(z, 30)
}

/// The two 64-bit halves of a `demo-dc-<32 hex>` device code.
fn halves(device_code: &str) -> (u64, u64) {
    let hex = device_code.strip_prefix("demo-dc-").unwrap();
    let first = u64::from_str_radix(&hex[..16], 16).unwrap();
    let second = u64::from_str_radix(&hex[16..32], 16).unwrap();
    (first, second)
}

#[test]
fn the_splitmix_inversion_used_below_is_right() {
    let state = 0x1234_5678_9abc_def0_u64;
    assert_eq!(unmix(mix(state)), state);
}

#[tokio::test]
async fn one_device_code_does_not_predict_the_next() {
    let demo = Demo::start(DemoConfig::default()).await;
    let first = demo.authorize().await;
    let (a, b) = halves(first["device_code"].as_str().unwrap());
    // A SplitMix64 device code is two consecutive outputs: the first gives the state.
    let state = unmix(a);
    assert_ne!(
        mix(state.wrapping_add(GAMMA)),
        b,
        "the second half of a device code follows from the first"
    );
    // The old server drew the user code's 8 outputs next, then the next device code's 2.
    let predicted = format!(
        "demo-dc-{:016x}{:016x}",
        mix(state.wrapping_add(GAMMA.wrapping_mul(10))),
        mix(state.wrapping_add(GAMMA.wrapping_mul(11)))
    );
    let next = demo.authorize().await;
    assert_ne!(next["device_code"].as_str().unwrap(), predicted);
}

#[tokio::test]
async fn two_servers_started_alike_hand_out_different_codes_and_tokens() {
    let one = Demo::start(DemoConfig::default()).await;
    let two = Demo::start(DemoConfig::default()).await;
    let (a, b) = (one.authorize().await, two.authorize().await);
    assert_ne!(a["device_code"], b["device_code"]);
    assert_ne!(a["user_code"], b["user_code"]);
    let (a, b) = (one.sign_in().await, two.sign_in().await);
    assert_ne!(a["access_token"], b["access_token"]);
    assert_ne!(a["refresh_token"], b["refresh_token"]);
}

#[tokio::test]
async fn a_thousand_device_authorizations_never_repeat_a_code() {
    let demo = Demo::start(DemoConfig::default()).await;
    let (mut device_codes, mut user_codes) = (HashSet::new(), HashSet::new());
    for _ in 0..1_000 {
        let auth = demo.authorize().await;
        assert!(device_codes.insert(auth["device_code"].as_str().unwrap().to_owned()));
        assert!(user_codes.insert(auth["user_code"].as_str().unwrap().to_owned()));
    }
}
