#!/usr/bin/env bash
# Installs the interop test server's npm dependencies (panva oidc-provider,
# pinned in package.json / package-lock.json) into tests/interop/oidc-provider/node_modules.
# Needs node + npm and the npm registry only. Optional: the interop tests run
# the same `npm ci` themselves on first use (tests/common/interop/install.rs);
# this script does it ahead of time and writes the same completion stamp.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund
cp package-lock.json node_modules/.grantty-installed
