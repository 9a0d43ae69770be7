#pragma once
// Console accounts and sessions in PostgreSQL (console_users, console_sessions): adding users,
// passwords, TOTP enrolment, the login check with lock-out, and session lookup. Every login
// attempt, refused or not, appends its event to the audit chain in the same transaction.

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "gateway/console/session.hpp"
#include "gateway/store/pg.hpp"

namespace tsunagi::console {

/// A user operation that cannot be done; what() says why (for the CLI and the admin page).
class UserError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LockoutPolicy {
  int attempts = 5;               ///< consecutive failures that lock an account
  std::chrono::minutes lock{15};  ///< for this long (against the addresses that failed on it)
};

/// Why a user name is refused, or empty: 2–32 of [a-z0-9._-], starting with a letter.
std::string userNameProblem(const std::string& name);

/// `actor` is who did it ("cli" for the command line, else the admin's user name).
void addUser(store::PgConnection& conn, const std::string& name, Role role,
             const std::string& password, const std::string& actor);
void setPassword(store::PgConnection& conn, const std::string& name, const std::string& password,
                 const std::string& actor);
/// A new TOTP secret (base32) replacing any previous one; shown to the user once.
std::string enrolTotp(store::PgConnection& conn, const std::string& name, const std::string& actor);

/// Clears a lock-out and the failure count; false when there is no such user.
bool unlockUser(store::PgConnection& conn, const std::string& name, const std::string& actor);

struct UserRecord {
  std::string name;
  Role role;
  bool totpEnrolled;
  int failedAttempts;
  std::optional<std::string> lockedUntil;  ///< ISO 8601 UTC, when locked now
  std::string createdAt;
};
std::vector<UserRecord> listUsers(store::PgConnection& conn, std::int64_t now);

enum class LoginOutcome { Ok, UnknownUser, WrongPassword, WrongTotp, TotpNotEnrolled, Locked };
/// The audit reason code of an outcome ("wrong-password", …).
std::string toString(LoginOutcome outcome);

struct LoginResult {
  LoginOutcome outcome = LoginOutcome::UnknownUser;
  Role role = Role::Coordinator;
  std::string token;  ///< the session cookie value (only on Ok)
  std::string csrf;
  std::int64_t expiresAt = 0;
};

/// Checks password and TOTP, applies the lock-out, opens a session on success and audits the
/// attempt. Every refusal pays the same password work (a fixed hash stands in for an unknown or
/// locked account), and the caller shows one answer for all (no hint which part was wrong). A
/// locked account refuses only when `lockApplies` — the attempt's address has failed on it
/// before (LoginThrottle::hasFailedOn) — so a lock set by someone else's attempts does not shut
/// its owner out; a success leaves the lock in place for those addresses. The audit records the
/// account only when it exists: what was typed is never recorded.
LoginResult login(store::PgConnection& conn, const std::string& name, const std::string& password,
                  const std::string& totpCode, std::int64_t now, const SessionPolicy& sessions,
                  const LockoutPolicy& lockout, const std::string& client, bool lockApplies);

struct SessionInfo {
  std::string user;
  Role role = Role::Coordinator;
  std::string csrf;
  std::int64_t expiresAt = 0;
};
enum class SessionState { Valid, Unknown, Expired };
struct SessionLookup {
  SessionState state = SessionState::Unknown;
  std::optional<SessionInfo> session;  ///< Valid
  std::string user;                    ///< Valid or Expired
};

/// Finds the session of a cookie and slides its expiry; an expired one is deleted.
SessionLookup touchSession(store::PgConnection& conn, const std::string& token, std::int64_t now,
                           const SessionPolicy& policy);
void endSession(store::PgConnection& conn, const std::string& token);

}  // namespace tsunagi::console
