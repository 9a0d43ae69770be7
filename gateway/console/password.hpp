#pragma once
// Console passwords: scrypt (OpenSSL EVP_KDF) with a random per-user salt, stored as
// "scrypt$LOG2N$R$P$SALT$HASH" (base64), so the cost can rise later without breaking old rows.

#include <cstdint>
#include <string>
#include <string_view>

namespace tsunagi::console {

/// scrypt parameters; the defaults cost about 32 MiB and a tenth of a second per check.
struct ScryptCost {
  int log2N = 15;
  int r = 8;
  int p = 1;
};

/// A new stored hash of `password` with a fresh 16-byte salt.
std::string hashPassword(std::string_view password, ScryptCost cost = {});

/// True when `password` matches `stored` (constant-time comparison of the derived keys). A
/// malformed `stored` value never matches.
bool verifyPassword(std::string_view password, const std::string& stored);

/// How many scrypt derivations verifyPassword has run in this process: the work a login pays,
/// which tests compare between kinds of refusal.
std::uint64_t passwordVerifications();

/// Why a new password is refused ("shorter than 12 characters"), or empty when it is acceptable.
std::string passwordProblem(std::string_view password);

}  // namespace tsunagi::console
