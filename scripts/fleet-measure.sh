#!/usr/bin/env bash
# Measures the etcd fleet store on this machine: starts a 3-member etcd cluster on loopback
# ports, signs in once, and runs 100 concurrent `grantty token` calls from 3 "machines"
# (separate homes) on an expired rotating token; then kills the active `grantty keep --all`
# with -9 (and one etcd member) and times the standby's takeover. Needs `etcd` on PATH.
# Prints the `fleet-measure:` lines. Usage: scripts/fleet-measure.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v etcd >/dev/null || { echo "etcd is not on PATH (apt-get install etcd-server)" >&2; exit 1; }
cargo test --locked --test fleet measure::fleet_numbers -- --ignored --nocapture 2>&1 \
  | grep -E '^fleet-measure:|test result|panicked'
