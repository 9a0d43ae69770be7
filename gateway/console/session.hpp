#pragma once
// Console sessions, roles and CSRF tokens: the rules, apart from where sessions are stored
// (console_users / console_sessions, see users.hpp) and from the clock (always injected).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace tsunagi::console {

/// The console's clock; tests inject their own.
using Clock = std::function<std::chrono::system_clock::time_point()>;
std::int64_t unixSeconds(const Clock& clock);

enum class Role { Coordinator, Admin };
std::string toString(Role role);
std::optional<Role> parseRole(std::string_view text);

/// What a request needs. Coordinators read, retry, discard and review identities; admins manage
/// users and see consents and the configuration (and read the overview pages).
enum class Permission { Read, Act, Administer };
bool allows(Role role, Permission permission);

struct SessionPolicy {
  std::chrono::minutes idle{30};    ///< a session unused this long ends
  std::chrono::hours absolute{12};  ///< and none lives longer than this
};

/// When a session created at `createdAt` and used at `now` expires (sliding, capped).
std::int64_t sessionExpiry(std::int64_t createdAt, std::int64_t now, const SessionPolicy& policy);
bool sessionExpired(std::int64_t expiresAt, std::int64_t now);

/// A new random token (32 bytes, base64url without padding): session cookies and CSRF tokens.
std::string newToken();
/// What the database keeps of a session cookie (SHA-256 hex): a leaked table opens no session.
std::string tokenDigest(std::string_view token);
/// True only for a non-empty `given` equal to `expected` (constant time).
bool tokensMatch(std::string_view expected, std::string_view given);

}  // namespace tsunagi::console
