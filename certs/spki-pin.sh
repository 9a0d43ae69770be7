#!/usr/bin/env bash
# spki-pin.sh CERT.pem: prints the certificate's SPKI pin, base64(SHA-256(DER SubjectPublicKeyInfo)),
# the value a federation manifest lists under <pin> (and what tsunagi computes with Key::spkiPin()).
#
# Exit codes: 0 printed, 2 bad usage or not a readable PEM certificate.
set -euo pipefail
umask 077

usage() {
  cat <<EOF
usage: $(basename "$0") CERT.pem

Prints base64(SHA-256(DER SubjectPublicKeyInfo)) of the certificate's public key: the <pin> of
the node in the federation manifest.

example: $(basename "$0") /srv/tsunagi-ca/nodes/122173/node.pem
EOF
}

fail_usage() {
  echo "$(basename "$0"): $1" >&2
  echo >&2
  usage >&2
  exit 2
}

if [[ $# -ge 1 && ( $1 == "-h" || $1 == "--help" ) ]]; then
  usage
  exit 0
fi
[[ $# -eq 1 ]] || fail_usage "expected one CERT.pem"
cert=$1
[[ -f $cert && -r $cert ]] || fail_usage "cannot read the certificate '$cert'"

if ! pubkey=$(openssl x509 -in "$cert" -pubkey -noout 2>/dev/null); then
  fail_usage "'$cert' is not a PEM certificate"
fi
printf '%s\n' "$pubkey" | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary |
  openssl base64 -A
echo
