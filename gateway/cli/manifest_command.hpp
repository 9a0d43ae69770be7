#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::cli {

/// `tsunagi manifest sign --key KEY MANIFEST.xml`: checks the manifest, then writes
/// MANIFEST.xml.sig (DER ECDSA/SHA-256, as `openssl dgst -sha256 -sign` writes it).
/// `tsunagi manifest verify --signer CERT --ca CA [--ca CA]... [--signature SIG] MANIFEST.xml`:
/// prints "OK serial N, expires …, K nodes" or the failed check.
/// Exit 0 ok, 1 a check failed (invalid, badly signed or expired manifest), 2 bad usage or an
/// unreadable file, key or certificate.
int manifestCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tsunagi::cli
