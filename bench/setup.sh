#!/usr/bin/env bash
# Installs what the benchmark harness needs beyond Go, from Debian's
# packages: wrk (the HTTP load generator), nginx (a peer, and the server the
# client workload fetches from), python3-tornado (the Python Tornado
# peer), and for the TechEmpower workloads postgresql (the runner starts a
# throw-away cluster of its own on a free port, internal/pgserver; no
# service is needed) and python3-asyncpg (the Tornado peer's driver). The runner (go run ./cmd/bench) never installs anything itself; it
# reports a missing tool and skips what needs it.
#
# Usage, as root: bash bench/setup.sh
set -euo pipefail
pkgs=(wrk nginx python3-tornado postgresql python3-asyncpg)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: already installed: ${pkgs[*]}"
  exit 0
fi
echo "setup: apt-get update, then apt-get install ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
# Debian's nginx package starts a system nginx on port 80; the harness runs
# its own with a generated config and needs none. Stop it if it runs.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx || true
fi
# Debian's postgresql package starts a cluster of its own on port 5432; the
# harness needs none.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet postgresql 2>/dev/null; then
  systemctl stop postgresql || true
fi
echo "setup: done"
