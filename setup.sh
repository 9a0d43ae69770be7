#!/usr/bin/env bash
# tsunagi set-up on Debian 12. Two jobs, both safe to run again (the second run builds incrementally):
#
#   ./setup.sh demo     install what is missing, build, run the demo federation (Ctrl-C stops it)
#   ./setup.sh test     install what is missing, build, run the whole test suite
#
# Options after the job are passed on: `./setup.sh demo --scenario-only`,
# `./setup.sh test --dev-only` (skip the sanitizer pass).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

PACKAGES=(
  cmake ninja-build g++ git pkg-config
  libpoco-dev libssl-dev openssl libxml2-dev libxml2-utils libpq-dev postgresql-15
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  dpkg-dev systemd
)

say() { printf '==> %s\n' "$*" >&2; }

install_missing() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  # The RFC 9421 interoperability test runs an independent verifier from npm. Any Node.js with
  # npm will do (some machines carry NodeSource's, which bundles npm); otherwise Debian's.
  if [ "$job" = test ] && ! { command -v node && command -v npm; } >/dev/null 2>&1; then
    missing+=(nodejs npm)
  fi
  # The console's browser test drives Debian's Chromium with playwright-core from npm (never a
  # browser downloaded by npx playwright install); a Japanese font makes its screenshots legible.
  # The TLS profile test scans the peer listener and the console with Debian's sslscan.
  if [ "$job" = test ]; then
    for p in chromium fonts-ipafont-gothic sslscan; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
  fi
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    say "missing Debian packages: ${missing[*]}"
    say "run this command as root (or: sudo apt-get install -y ${missing[*]})"
    exit 2
  fi
  say "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  # tsunagi runs its own private clusters; it needs the PostgreSQL 15 binaries, not Debian's
  # default cluster on port 5432. postgresql-common's documented switch stops that being created.
  if ! dpkg-query -W -f='${Status}' postgresql-15 2>/dev/null | grep -q 'install ok installed'; then
    apt-get install -y -q --no-install-recommends postgresql-common
    sed -i 's/^#\?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
      /etc/postgresql-common/createcluster.conf
  fi
  apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  local preset=$1
  say "configuring and building (preset $preset)"
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset"
}

job=${1:-}
[ $# -gt 0 ] && shift
case "$job" in
  demo)
    install_missing
    build release
    if [ "$(id -u)" -eq 0 ]; then
      # PostgreSQL refuses to run as root, so the demo's clusters run as the 'postgres' account:
      # the demo directory must be reachable by it (a checkout under /root is not).
      demo_dir=${TSUNAGI_DEMO_DIR:-/var/lib/tsunagi/demo}
    else
      demo_dir=${TSUNAGI_DEMO_DIR:-$PWD/tsunagi-demo}
    fi
    say "demo directory: $demo_dir"
    exec ./build/release/gateway/tsunagi demo --dir "$demo_dir" "$@"
    ;;
  test)
    install_missing
    presets=(dev sanitize)
    if [ "${1:-}" = "--dev-only" ]; then presets=(dev); shift; fi
    for preset in "${presets[@]}"; do
      build "$preset"
      say "running the test suite (preset $preset)"
      ctest --preset "$preset" -j 2 "$@"
    done
    ;;
  *)
    echo "usage: $0 demo|test [options]" >&2
    exit 2
    ;;
esac
