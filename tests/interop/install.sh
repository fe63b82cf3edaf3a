#!/usr/bin/env bash
# Installs the interop test server's npm dependencies (panva oidc-provider,
# pinned in package.json / package-lock.json) into tests/interop/node_modules.
# Needs node + npm and the npm registry only. Called from .ci/run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
npm ci --no-audit --no-fund
