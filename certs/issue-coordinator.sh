#!/usr/bin/env bash
# issue-coordinator.sh DIR [--days N]: the regional coordinator's manifest-signing key and
# certificate. It signs the federation manifest only: no TLS extended key usage, so it cannot serve
# as a node certificate, and nodes accept a manifest signature only from OU=coordinator.
#
# Exit codes: 0 issued, 1 refused (no CA, the key exists) or openssl failed, 2 bad usage.
set -euo pipefail
umask 077

readonly ORGANIZATION="Tsunagi Regional Federation"
readonly SIGNER_NAME="Tsunagi Manifest Signer"
readonly DEFAULT_DAYS=1095

usage() {
  cat <<EOF
usage: $(basename "$0") DIR [--days N]

Issues the coordinator's manifest-signing key (ECDSA P-256) and certificate, signed by the CA in
DIR (see make-ca.sh):
  DIR/coordinator/coordinator.key   private key, mode 0600 (keep it with the coordinator only)
  DIR/coordinator/coordinator.pem   certificate, subject
                                    /C=JP/O=${ORGANIZATION}/OU=coordinator/CN=${SIGNER_NAME},
                                    keyUsage digitalSignature, no TLS use
  --days N    validity in days (default ${DEFAULT_DAYS})
An existing coordinator.key is never overwritten: to replace it, move DIR/coordinator aside first.

example: $(basename "$0") /srv/tsunagi-ca
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
      [[ $# -ge 2 && $2 =~ ^[1-9][0-9]{0,4}$ ]] ||
        fail_usage "--days needs a number of days (1–99999)"
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

[[ ! -e coordinator/coordinator.key ]] ||
  refuse "$dir/coordinator/coordinator.key already exists: refusing to overwrite the coordinator key (move $dir/coordinator aside first)"
mkdir -p coordinator

work=$(mktemp -d coordinator/.issue.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
log=$work/openssl.log
if ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/coordinator.key" \
    >"$log" 2>&1 ||
  ! openssl req -config openssl.cnf -new -utf8 -key "$work/coordinator.key" \
    -subj "/C=JP/O=${ORGANIZATION}/OU=coordinator/CN=${SIGNER_NAME}" -out "$work/coordinator.csr" \
    >>"$log" 2>&1 ||
  ! openssl ca -config openssl.cnf -batch -notext -days "$days" -in "$work/coordinator.csr" \
    -extensions v3_coordinator -out "$work/coordinator.pem" >>"$log" 2>&1; then
  cat "$log" >&2
  refuse "openssl failed issuing the coordinator certificate (see above)"
fi
chmod 0600 "$work/coordinator.key"
chmod 0644 "$work/coordinator.pem"
mv -- "$work/coordinator.pem" coordinator/coordinator.pem
mv -- "$work/coordinator.key" coordinator/coordinator.key

echo "coordinator certificate issued: $dir/coordinator/coordinator.pem (key: coordinator.key)" >&2
