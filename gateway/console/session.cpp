#include "gateway/console/session.hpp"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <algorithm>
#include <stdexcept>

#include "mapping/digest.hpp"

namespace tsunagi::console {

std::int64_t unixSeconds(const Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock().time_since_epoch()).count();
}

std::string toString(Role role) { return role == Role::Admin ? "admin" : "coordinator"; }

std::optional<Role> parseRole(std::string_view text) {
  if (text == "coordinator") return Role::Coordinator;
  if (text == "admin") return Role::Admin;
  return std::nullopt;
}

bool allows(Role role, Permission permission) {
  switch (permission) {
    case Permission::Read:
      return true;
    case Permission::Act:
      return role == Role::Coordinator;
    case Permission::Administer:
      return role == Role::Admin;
  }
  return false;
}

std::int64_t sessionExpiry(std::int64_t createdAt, std::int64_t now, const SessionPolicy& policy) {
  const auto idle = std::chrono::duration_cast<std::chrono::seconds>(policy.idle).count();
  const auto absolute = std::chrono::duration_cast<std::chrono::seconds>(policy.absolute).count();
  return std::min(now + idle, createdAt + absolute);
}

bool sessionExpired(std::int64_t expiresAt, std::int64_t now) { return now >= expiresAt; }

std::string newToken() {
  std::string bytes(32, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 32) != 1) {
    throw std::runtime_error("no randomness for a session token");
  }
  std::string token = mapping::base64Encode(bytes);
  std::replace(token.begin(), token.end(), '+', '-');
  std::replace(token.begin(), token.end(), '/', '_');
  token.erase(std::remove(token.begin(), token.end(), '='), token.end());
  return token;
}

std::string tokenDigest(std::string_view token) { return mapping::sha256Hex(token); }

bool tokensMatch(std::string_view expected, std::string_view given) {
  if (given.empty() || expected.empty() || given.size() != expected.size()) return false;
  return CRYPTO_memcmp(expected.data(), given.data(), given.size()) == 0;
}

}  // namespace tsunagi::console
