#!/usr/bin/env bash
# Debian's Chromium for the browser tests (tests/e2e/review-browser.test.ts drive it with
# playwright-core; Playwright's own browser download cannot work on these machines).
# Installs it only when `chromium` is not already on PATH; needs root for apt-get.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  echo "chromium: $(command -v chromium) ($(chromium --version 2>/dev/null || echo 'version unknown'))"
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "chromium is not installed and this is not root: run 'sudo apt-get install -y chromium' (the browser tests skip without it, except on CI)" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
echo "chromium: $(command -v chromium)"
