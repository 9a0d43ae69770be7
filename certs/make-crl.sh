#!/usr/bin/env bash
# make-crl.sh DIR [--days N]: publishes the CA's current certificate revocation list as DIR/crl.pem.
# A CRL carries its own "next update": nodes treat a CRL past it as stale, so publish a new one well
# before (a cron job running this weekly with the default 30 days is enough).
#
# Exit codes: 0 written, 1 refused (no CA) or openssl failed, 2 bad usage.
set -euo pipefail
umask 077

readonly DEFAULT_DAYS=30

usage() {
  cat <<EOF
usage: $(basename "$0") DIR [--days N]

Writes DIR/crl.pem: the PEM CRL of the CA in DIR, listing every certificate revoked with
revoke.sh, valid for N days (default ${DEFAULT_DAYS}). Distribute it to every node and send them
SIGHUP (or wait for their periodic reload).

example: $(basename "$0") /srv/tsunagi-ca --days 14
EOF
}

# shellcheck source=certs/common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"
handle_help "$@"
[[ $# -ge 1 ]] || fail_usage "expected DIR"
dir=$1
shift
[[ -n $dir && $dir != -* ]] || fail_usage "DIR must be a directory, got '$dir'"
days=$DEFAULT_DAYS
while [[ $# -gt 0 ]]; do
  case $1 in
    --days)
      [[ $# -ge 2 && $2 =~ ^[1-9][0-9]{0,3}$ ]] || fail_usage "--days needs a number of days (1–9999)"
      days=$2
      shift 2
      ;;
    *)
      fail_usage "unknown argument '$1'"
      ;;
  esac
done

[[ -f $dir/ca.key && -f $dir/ca.pem && -f $dir/openssl.cnf ]] ||
  refuse "no CA in '$dir' (ca.key, ca.pem, openssl.cnf): run make-ca.sh first"
cd -- "$dir"

# Written beside and renamed, so a node reloading at the wrong moment never reads half a CRL.
tmp=$(mktemp crl.pem.XXXXXX)
log=$(mktemp)
trap 'rm -f -- "$tmp" "$log"' EXIT
if ! openssl ca -config openssl.cnf -gencrl -crldays "$days" -crlexts crl_ext -out "$tmp" \
    >"$log" 2>&1; then
  cat "$log" >&2
  refuse "openssl failed making the CRL (see above)"
fi
chmod 0644 "$tmp"
mv -- "$tmp" crl.pem

revoked=$(awk -F'\t' '$1 == "R"' index.txt | wc -l)
echo "CRL written to $dir/crl.pem: $revoked revoked certificate(s), valid for $days days" >&2
