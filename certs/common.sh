# Shared by the certs/ scripts (sourced, not run). Each script defines usage() before sourcing.

# Bad usage: the reason, then the usage text; exit 2.
fail_usage() {
  echo "$(basename "$0"): $1" >&2
  echo >&2
  usage >&2
  exit 2
}

# A refusal (a key exists, no CA, already revoked …): the reason; exit 1.
refuse() {
  echo "$(basename "$0"): $1" >&2
  exit 1
}

# -h / --help as the first argument prints the usage and exits 0.
handle_help() {
  if [[ $# -ge 1 && ( $1 == "-h" || $1 == "--help" ) ]]; then
    usage
    exit 0
  fi
}
