#pragma once
// The console's accounts and sessions as stored (console_users, console_sessions). The rules —
// password and TOTP checks, lock-out, session expiry, the audit of each change — are
// gateway/console/users.*; roles travel as their text ("coordinator", …).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gateway/store/pg.hpp"

namespace tsunagi::store {

// ---- accounts ----

/// False when the name is taken.
bool insertConsoleUser(PgConnection& conn, const std::string& name, const std::string& role,
                       const std::string& passwordHash);
/// Sets the password hash and clears failures and lock; false when there is no such user.
bool setConsolePassword(PgConnection& conn, const std::string& name,
                        const std::string& passwordHash);
/// Replaces the TOTP secret (and forgets the last step used); false when there is no such user.
bool setConsoleTotpSecret(PgConnection& conn, const std::string& name, const std::string& secret);
/// Clears the failure count and the lock; false when there is no such user.
bool unlockConsoleUser(PgConnection& conn, const std::string& name);
/// Ends every session of the user.
void endConsoleUserSessions(PgConnection& conn, const std::string& name);

struct ConsoleUserRow {
  std::string name;
  std::string role;
  bool totpEnrolled = false;
  int failedAttempts = 0;
  std::optional<std::string> lockedUntil;  ///< ISO 8601 UTC, when locked at `now`
  std::string createdAt;                   ///< ISO 8601 UTC
};
/// Every account by name; `now` in seconds since the epoch.
std::vector<ConsoleUserRow> consoleUsers(PgConnection& conn, std::int64_t now);

// ---- login ----

/// What a login checks of an enabled account, locked for update until the transaction ends.
struct LoginAccount {
  std::string role;
  std::string passwordHash;
  std::optional<std::string> totpSecret;
  long long totpLastStep = 0;
  bool locked = false;  ///< locked at `now`
};
std::optional<LoginAccount> accountForLogin(PgConnection& conn, const std::string& name,
                                            std::int64_t now);
/// Counts one more failed login; returns the count.
long long countFailedLogin(PgConnection& conn, const std::string& name);
/// Locks the account until `until` (seconds since the epoch) and resets the count.
void lockConsoleUser(PgConnection& conn, const std::string& name, std::int64_t until);
/// A login succeeded with TOTP step `step`: the count resets (a lock stays).
void recordLoginSuccess(PgConnection& conn, const std::string& name, long long step);

// ---- sessions (by the digest of their token) ----

void openConsoleSession(PgConnection& conn, const std::string& tokenHash, const std::string& user,
                        const std::string& csrf, std::int64_t createdAt, std::int64_t expiresAt);

struct ConsoleSessionRow {
  std::string user;
  std::string role;
  std::string csrf;
  std::int64_t createdAt = 0;
  std::int64_t expiresAt = 0;
};
/// The session of an enabled account.
std::optional<ConsoleSessionRow> findConsoleSession(PgConnection& conn,
                                                    const std::string& tokenHash);
void extendConsoleSession(PgConnection& conn, const std::string& tokenHash, std::int64_t expiresAt);
void dropConsoleSession(PgConnection& conn, const std::string& tokenHash);

}  // namespace tsunagi::store
