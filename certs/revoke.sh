#!/usr/bin/env bash
# revoke.sh DIR CERT.pem [REASON]: marks a certificate issued by the CA in DIR as revoked in
# DIR/index.txt. Nodes learn of it only from a new CRL: run make-crl.sh next and distribute crl.pem.
#
# Exit codes: 0 revoked, 1 refused (no CA, already revoked) or openssl failed, 2 bad usage (including
# a certificate this CA did not issue).
set -euo pipefail
umask 077

readonly REASONS="unspecified keyCompromise CACompromise affiliationChanged superseded cessationOfOperation"

usage() {
  cat <<EOF
usage: $(basename "$0") DIR CERT.pem [REASON]

Revokes CERT.pem (a node or coordinator certificate issued by the CA in DIR). REASON is one of
  ${REASONS}
(default unspecified; use keyCompromise when a private key may have leaked, superseded after a
key rotation, cessationOfOperation when a node leaves the federation).
Then run make-crl.sh DIR and distribute DIR/crl.pem to every node (they reload it on SIGHUP).

example: $(basename "$0") /srv/tsunagi-ca /srv/tsunagi-ca/nodes/122173/node.pem keyCompromise
EOF
}

# shellcheck source=certs/common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"
handle_help "$@"
[[ $# -ge 2 && $# -le 3 ]] || fail_usage "expected DIR, CERT.pem and an optional REASON"
dir=$1
cert=$2
reason=${3:-unspecified}
[[ -n $dir && $dir != -* ]] || fail_usage "DIR must be a directory, got '$dir'"
[[ " $REASONS " == *" $reason "* ]] || fail_usage "unknown REASON '$reason'"
[[ -f $cert && -r $cert ]] || fail_usage "cannot read the certificate '$cert'"
[[ -f $dir/ca.key && -f $dir/ca.pem && -f $dir/openssl.cnf ]] ||
  refuse "no CA in '$dir' (ca.key, ca.pem, openssl.cnf): run make-ca.sh first"

cert=$(cd -- "$(dirname -- "$cert")" && pwd)/$(basename -- "$cert")
cd -- "$dir"

log=$(mktemp)
trap 'rm -f -- "$log"' EXIT
# `openssl ca -revoke` would add a certificate of another CA to the database; check the issuer
# first (an expired certificate can still be revoked).
if ! openssl verify -no_check_time -CAfile ca.pem -- "$cert" >"$log" 2>&1; then
  cat "$log" >&2
  fail_usage "'$cert' was not issued by the CA in '$dir'"
fi
serial=$(openssl x509 -in "$cert" -noout -serial)
serial=${serial#serial=}
if awk -F'\t' -v s="$serial" '$1 == "R" && toupper($4) == toupper(s) { found = 1 } END { exit !found }' index.txt; then
  refuse "certificate serial $serial is already revoked"
fi
if ! openssl ca -config openssl.cnf -revoke "$cert" -crl_reason "$reason" >"$log" 2>&1; then
  cat "$log" >&2
  refuse "openssl failed revoking '$cert' (see above)"
fi

subject=$(openssl x509 -in "$cert" -noout -subject -nameopt RFC2253,-esc_msb)
echo "revoked serial $serial (${subject#subject=}), reason $reason; now run make-crl.sh and distribute crl.pem" >&2
