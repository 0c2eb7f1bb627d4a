#!/usr/bin/env bash
# Installs the system packages shoal needs to build and test, and nothing else.
# Idempotent and quiet: asks dpkg what is missing and runs apt-get only for that,
# so a machine that already has everything is not touched (and needs no network).
set -euo pipefail

packages=(
  postgresql-15 postgresql-server-dev-15 postgresql-contrib
  libpq-dev libboost-program-options-dev libpg-query-dev libprotobuf-c-dev
  libssl-dev libgtest-dev nlohmann-json3-dev clang-format cmake g++ make util-linux time pgbouncer
  # make deb, make dist and their tests (make test-packages); zsh reads _shoal in test/demo/04
  debhelper postgresql-server-dev-all lintian man-db unzip zsh
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "setup: missing packages: ${missing[*]}" >&2
  echo "setup: run 'make setup' as root (or: sudo apt-get install ${missing[*]})" >&2
  exit 1
fi

echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
