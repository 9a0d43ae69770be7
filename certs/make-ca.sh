#!/usr/bin/env bash
# make-ca.sh DIR [NAME]: creates the regional CA of a tsunagi federation in DIR.
#
# Writes DIR/ca.key (0600, ECDSA P-256), DIR/ca.pem (self-signed, 10 years) and what `openssl ca`
# needs to issue, revoke and publish CRLs: DIR/openssl.cnf, index.txt, serial, crlnumber, newcerts/.
# The configuration uses paths relative to DIR, so the directory can be moved; the other scripts
# run `openssl ca` from inside it.
#
# Exit codes: 0 created, 1 refused (a CA already exists) or openssl failed, 2 bad usage.
set -euo pipefail
umask 077

readonly ORGANIZATION="Tsunagi Regional Federation"
readonly DEFAULT_NAME="Tsunagi Regional CA"
readonly CA_DAYS=3650

usage() {
  cat <<EOF
usage: $(basename "$0") DIR [NAME]

Creates the regional CA in DIR (created if missing):
  DIR/ca.key       CA private key, ECDSA P-256, mode 0600 (keep it offline)
  DIR/ca.pem       self-signed CA certificate, 10 years,
                   subject /C=JP/O=${ORGANIZATION}/CN=NAME
  DIR/openssl.cnf, index.txt, serial, crlnumber, newcerts/
                   the CA database used by issue-node.sh, issue-coordinator.sh,
                   revoke.sh and make-crl.sh
NAME defaults to "${DEFAULT_NAME}". An existing ca.key is never overwritten.

example: $(basename "$0") /srv/tsunagi-ca "Tokatsu Regional CA"
EOF
}

# shellcheck source=certs/common.sh
source "$(dirname "$(readlink -f "$0")")/common.sh"
handle_help "$@"
[[ $# -ge 1 && $# -le 2 ]] || fail_usage "expected DIR and an optional NAME, got $# argument(s)"
dir=$1
name=${2:-$DEFAULT_NAME}
[[ -n $dir ]] || fail_usage "DIR must not be empty"
[[ $dir != -* ]] || fail_usage "unknown option '$dir'"
[[ -n $name && $name != *[/\\=$'\n'$'\r']* ]] ||
  fail_usage "NAME must be non-empty and must not contain '/', '\\', '=' or line breaks"

mkdir -p -- "$dir"
cd -- "$dir"

for existing in ca.key ca.pem; do
  [[ ! -e $existing ]] ||
    refuse "$dir/$existing already exists: refusing to overwrite an existing CA (use a new DIR)"
done
[[ ! -s index.txt ]] ||
  refuse "$dir/index.txt lists issued certificates: refusing to start a new CA over it (use a new DIR)"

cat >openssl.cnf <<'EOF'
# openssl.cnf of a tsunagi regional CA, written by certs/make-ca.sh.
# Paths are relative: run `openssl ca -config openssl.cnf …` from this directory (the certs/
# scripts do).

[ ca ]
default_ca = tsunagi_ca

[ tsunagi_ca ]
dir              = .
database         = $dir/index.txt
serial           = $dir/serial
crlnumber        = $dir/crlnumber
new_certs_dir    = $dir/newcerts
certificate      = $dir/ca.pem
private_key      = $dir/ca.key
crl              = $dir/crl.pem
default_md       = sha256
default_days     = 730
default_crl_days = 30
policy           = policy_federation
# A node gets a second certificate for its code during key rotation.
unique_subject   = no
copy_extensions  = none
preserve         = no
email_in_dn      = no
utf8             = yes
string_mask      = utf8only
name_opt         = ca_default
cert_opt         = ca_default

[ policy_federation ]
countryName            = match
organizationName       = match
organizationalUnitName = supplied
commonName             = supplied

[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
prompt             = no

[ req_dn ]
CN = unused

[ v3_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# The node profile lives in the extension file issue-node.sh writes (it carries the SAN).

[ v3_coordinator ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF

: >index.txt
echo "unique_subject = no" >index.txt.attr
# A random first serial: two CAs of one region never hand out the same serial numbers.
echo "01$(openssl rand -hex 15)" >serial
echo "1000" >crlnumber
mkdir -p newcerts

log=$(mktemp)
trap 'rm -f -- "$log"' EXIT
if ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key >"$log" 2>&1 ||
  ! openssl req -config openssl.cnf -new -x509 -utf8 -key ca.key -sha256 -days "$CA_DAYS" \
    -subj "/C=JP/O=${ORGANIZATION}/CN=${name}" -extensions v3_ca -out ca.pem >"$log" 2>&1; then
  cat "$log" >&2
  rm -f ca.key ca.pem  # made just now: a retry must not be refused because of them
  refuse "openssl failed creating the CA in $dir (see above)"
fi
chmod 0600 ca.key
chmod 0644 ca.pem

echo "CA \"${name}\" created in ${dir}: ca.pem (certificate), ca.key (private key, keep offline)" >&2
