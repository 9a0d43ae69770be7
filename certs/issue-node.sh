#!/usr/bin/env bash
# issue-node.sh DIR CODE [--days N] [--dns NAME]... [--ip ADDR]...: a node's key and certificate.
#
# The certificate is issued with `openssl ca`, so it is recorded in DIR/index.txt and can be revoked
# with revoke.sh. Its subject carries the node's 全国地方公共団体コード, checked here with its check digit
# so that a typo cannot produce a certificate for a city that does not exist (or another city).
#
# Exit codes: 0 issued (the SPKI pin is printed on stdout), 1 refused (no CA, the key exists) or
# openssl failed, 2 bad usage (including a bad code).
set -euo pipefail
umask 077

readonly ORGANIZATION="Tsunagi Regional Federation"
readonly DEFAULT_DAYS=730

usage() {
  cat <<EOF
usage: $(basename "$0") DIR CODE [--days N] [--dns NAME]... [--ip ADDR]...

Issues a node key (ECDSA P-256) and certificate signed by the CA in DIR (see make-ca.sh):
  DIR/nodes/CODE/node.key   private key, mode 0600 (copy it to the node, nowhere else)
  DIR/nodes/CODE/node.pem   certificate, subject /C=JP/O=${ORGANIZATION}/OU=node/CN=CODE,
                            EKU serverAuth+clientAuth, keyUsage digitalSignature
and prints the SPKI pin (base64 SHA-256 of the public key) for the federation manifest.

  CODE        the node's 6-digit 全国地方公共団体コード, check digit included (柏市: 122173)
  --days N    validity in days (default ${DEFAULT_DAYS})
  --dns NAME  a DNS subjectAltName (repeatable)
  --ip ADDR   an IP subjectAltName (repeatable)
With neither --dns nor --ip the SAN is DNS:localhost, IP:127.0.0.1 (for tests and the demo).
An existing node.key is never overwritten: for a key rotation, move DIR/nodes/CODE aside first.

example: $(basename "$0") /srv/tsunagi-ca 122173 --dns tsunagi.city.kashiwa.example --days 397
EOF
}

fail_usage() {
  echo "$(basename "$0"): $1" >&2
  echo >&2
  usage >&2
  exit 2
}

refuse() {
  echo "$(basename "$0"): $1" >&2
  exit 1
}

# 全国地方公共団体コード: weights 6,5,4,3,2 over the first five digits, check = (11 − S mod 11) mod 10.
check_code() {
  local code=$1
  [[ $code =~ ^[0-9]{6}$ ]] || fail_usage "CODE '$code' must be 6 digits (全国地方公共団体コード)"
  local -a weights=(6 5 4 3 2)
  local sum=0 i
  for i in 0 1 2 3 4; do
    sum=$((sum + ${code:i:1} * weights[i]))
  done
  local expected=$(((11 - sum % 11) % 10))
  [[ ${code:5:1} == "$expected" ]] ||
    fail_usage "CODE '$code': check digit is ${code:5:1}, expected $expected (全国地方公共団体コード)"
}

if [[ $# -ge 1 && ( $1 == "-h" || $1 == "--help" ) ]]; then
  usage
  exit 0
fi
[[ $# -ge 2 ]] || fail_usage "expected DIR and CODE"
dir=$1
code=$2
shift 2
[[ -n $dir && $dir != -* ]] || fail_usage "DIR must be a directory, got '$dir'"
check_code "$code"

days=$DEFAULT_DAYS
sans=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --days)
      [[ $# -ge 2 && $2 =~ ^[1-9][0-9]{0,4}$ ]] ||
        fail_usage "--days needs a number of days (1–99999)"
      days=$2
      shift 2
      ;;
    --dns)
      [[ $# -ge 2 && $2 =~ ^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$ ]] ||
        fail_usage "--dns needs a host name (letters, digits, '.', '-'), got '${2:-}'"
      sans+=("DNS:$2")
      shift 2
      ;;
    --ip)
      [[ $# -ge 2 && ( $2 =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || $2 =~ ^[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*$ ) ]] ||
        fail_usage "--ip needs an IPv4 or IPv6 address, got '${2:-}'"
      sans+=("IP:$2")
      shift 2
      ;;
    *)
      fail_usage "unknown argument '$1'"
      ;;
  esac
done
[[ ${#sans[@]} -gt 0 ]] || sans=("DNS:localhost" "IP:127.0.0.1")

[[ -f $dir/ca.key && -f $dir/ca.pem && -f $dir/openssl.cnf ]] ||
  refuse "no CA in '$dir' (ca.key, ca.pem, openssl.cnf): run make-ca.sh first"
cd -- "$dir"

node_dir=nodes/$code
[[ ! -e $node_dir/node.key ]] ||
  refuse "$dir/$node_dir/node.key already exists: refusing to overwrite a node key (for a key rotation, move $dir/$node_dir aside first)"
mkdir -p -- "$node_dir"

# Everything is made in a scratch directory and moved into place only when it all worked, so a
# failed run leaves no half-made key behind that would block the next attempt.
work=$(mktemp -d "$node_dir/.issue.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
log=$work/openssl.log
san=$(IFS=,; echo "${sans[*]}")
cat >"$work/ext.cnf" <<EOF
[ v3_node ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = ${san}
EOF

if ! openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/node.key" \
    >"$log" 2>&1 ||
  ! openssl req -config openssl.cnf -new -utf8 -key "$work/node.key" \
    -subj "/C=JP/O=${ORGANIZATION}/OU=node/CN=${code}" -out "$work/node.csr" >>"$log" 2>&1 ||
  ! openssl ca -config openssl.cnf -batch -notext -days "$days" -in "$work/node.csr" \
    -extfile "$work/ext.cnf" -extensions v3_node -out "$work/node.pem" >>"$log" 2>&1; then
  cat "$log" >&2
  refuse "openssl failed issuing the certificate of node $code (see above)"
fi
chmod 0600 "$work/node.key"
chmod 0644 "$work/node.pem"
mv -- "$work/node.pem" "$node_dir/node.pem"
mv -- "$work/node.key" "$node_dir/node.key"

openssl x509 -in "$node_dir/node.pem" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | openssl base64 -A
echo
