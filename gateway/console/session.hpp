#pragma once
// Console sessions, roles, CSRF tokens and the per-address login throttle: the rules, apart from
// where sessions are stored (console_users / console_sessions, see users.hpp) and from the clock
// (always injected).

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
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

/// How failed logins from one client address slow that address down (console/@throttle… in the
/// node configuration; these are the defaults).
struct LoginThrottlePolicy {
  int freeFailures = 5;               ///< failed logins (any user names) before the first wait
  std::chrono::seconds firstWait{2};  ///< the wait after that failure; doubles with each next one
  std::chrono::seconds maxWait{900};  ///< the longest wait
  std::chrono::minutes forgetAfter{60};  ///< an address without a failure this long starts over
  std::size_t maxAddresses = 10000;      ///< addresses remembered at once (the stalest go first)
};

/// Which client addresses may try a login now, and on which accounts each has failed. Each
/// admitted attempt counts as a failure at once, so parallel attempts cannot slip past the limit;
/// a successful one is taken back. A refused address is answered at once (no password work, no
/// sleeping thread). An IPv6 address counts as its /64, which one host usually holds whole.
/// In memory only (a restart forgets); thread-safe.
class LoginThrottle {
 public:
  explicit LoginThrottle(LoginThrottlePolicy policy = {});
  ~LoginThrottle();

  struct Admission {
    bool admitted = true;
    std::int64_t retryAfter = 0;       ///< seconds until the address may try again (refused)
    bool firstRefusal = false;         ///< the first refusal of this wait: the one to audit
    int failures = 0;                  ///< the address's failures so far
    long long unrecordedRefusals = 0;  ///< refusals since the last audited one (firstRefusal)
  };
  /// An attempt from `client` at `now`: refused while the address waits, else admitted and
  /// counted as a failure.
  Admission admit(const std::string& client, std::int64_t now);
  /// The admitted attempt is no failure (it succeeded, or could not be checked): taken back.
  void takeBack(const std::string& client);
  /// The admitted attempt failed on the existing account `user`.
  void failedOn(const std::string& client, const std::string& user);
  /// Whether `client` has failed on the account `user` since it was last forgotten (or on too
  /// many accounts to keep track of): an account's lock applies only to such addresses.
  bool hasFailedOn(const std::string& client, const std::string& user) const;
  /// Addresses remembered now.
  std::size_t size() const;

  /// What is counted for `client`: an IPv4 address as it is (also when IPv4-mapped), an IPv6
  /// address as its /64 ("2001:db8:0:1::/64"), anything unparsable as given.
  static std::string addressKey(const std::string& client);

 private:
  struct Entry {
    int failures = 0;
    std::int64_t lastFailure = 0;
    std::int64_t waitUntil = 0;
    bool refusalAudited = false;
    long long unrecorded = 0;
    std::set<std::string> accounts;
    bool manyAccounts = false;
  };
  std::int64_t waitAfter(int failures) const;
  bool forgotten(const Entry& e, std::int64_t now) const;
  void makeRoom(std::int64_t now);

  LoginThrottlePolicy policy_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

}  // namespace tsunagi::console
