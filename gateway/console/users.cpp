#include "gateway/console/users.hpp"

#include <regex>

#include "gateway/console/password.hpp"
#include "gateway/console/totp.hpp"
#include "gateway/store/exchange_store.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::console {

namespace {

void audit(store::PgConnection& conn, store::EventType event,
           const std::vector<std::pair<std::string, std::string>>& detail) {
  store::appendEvent(
      conn, store::NewEvent{event, "node", std::nullopt, std::nullopt, store::jsonObject(detail)});
}

/// A typed user name as it may appear in the audit detail: bounded, printable ASCII.
std::string auditName(const std::string& name) {
  std::string out;
  for (char c : name.substr(0, 64)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  return out;
}

// A fixed hash checked for unknown and locked accounts, so every refusal takes as long.
const std::string& dummyHash() {
  static const std::string hash = hashPassword("tsunagi-no-such-user-0000");
  return hash;
}

std::string requireGoodPassword(const std::string& password) {
  if (auto problem = passwordProblem(password); !problem.empty()) {
    throw UserError("password refused: " + problem);
  }
  return hashPassword(password);
}

}  // namespace

std::string userNameProblem(const std::string& name) {
  static const std::regex pattern("^[a-z][a-z0-9._-]{1,31}$");
  if (std::regex_match(name, pattern)) return "";
  return "user name '" + auditName(name) +
         "' must be 2-32 characters of a-z, 0-9, '.', '_' or '-', starting with a letter";
}

void addUser(store::PgConnection& conn, const std::string& name, Role role,
             const std::string& password, const std::string& actor) {
  if (auto problem = userNameProblem(name); !problem.empty()) throw UserError(problem);
  const std::string hash = requireGoodPassword(password);
  store::inTransaction(conn, [&] {
    auto r = conn.run("console_user_add",
                      "INSERT INTO console_users (name, role, password_hash) VALUES ($1, $2, $3) "
                      "ON CONFLICT (name) DO NOTHING",
                      {name, toString(role), hash});
    if (r.affected() == 0) throw UserError("user '" + name + "' exists (use passwd to change it)");
    audit(conn, store::EventType::ConsoleUserAdded,
          {{"user", name}, {"role", toString(role)}, {"by", actor}});
  });
}

void setPassword(store::PgConnection& conn, const std::string& name, const std::string& password,
                 const std::string& actor) {
  const std::string hash = requireGoodPassword(password);
  store::inTransaction(conn, [&] {
    auto r = conn.run("console_user_passwd",
                      "UPDATE console_users SET password_hash = $2, failed_attempts = 0, "
                      "locked_until = NULL WHERE name = $1",
                      {name, hash});
    if (r.affected() == 0) throw UserError("no user '" + auditName(name) + "'");
    // A new password ends the user's sessions.
    conn.run("console_user_sessions_end", "DELETE FROM console_sessions WHERE user_name = $1",
             {name});
    audit(conn, store::EventType::ConsolePasswordSet, {{"user", name}, {"by", actor}});
  });
}

std::string enrolTotp(store::PgConnection& conn, const std::string& name,
                      const std::string& actor) {
  const std::string secret = newTotpSecret();
  store::inTransaction(conn, [&] {
    auto r =
        conn.run("console_user_totp",
                 "UPDATE console_users SET totp_secret = $2, totp_last_step = 0 WHERE name = $1",
                 {name, secret});
    if (r.affected() == 0) throw UserError("no user '" + auditName(name) + "'");
    conn.run("console_user_sessions_end", "DELETE FROM console_sessions WHERE user_name = $1",
             {name});
    audit(conn, store::EventType::ConsoleTotpEnrolled, {{"user", name}, {"by", actor}});
  });
  return secret;
}

bool unlockUser(store::PgConnection& conn, const std::string& name, const std::string& actor) {
  return store::inTransaction(conn, [&] {
    auto r = conn.run("console_user_unlock",
                      "UPDATE console_users SET failed_attempts = 0, locked_until = NULL "
                      "WHERE name = $1",
                      {name});
    if (r.affected() == 0) return false;
    audit(conn, store::EventType::ConsoleUserUnlocked, {{"user", name}, {"by", actor}});
    return true;
  });
}

std::vector<UserRecord> listUsers(store::PgConnection& conn, std::int64_t now) {
  auto r = conn.run("console_user_list",
                    "SELECT name, role, totp_secret IS NOT NULL, failed_attempts, "
                    "CASE WHEN locked_until > to_timestamp($1) THEN to_char(locked_until AT TIME "
                    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END, "
                    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                    "FROM console_users ORDER BY name",
                    {std::to_string(now)});
  std::vector<UserRecord> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(UserRecord{r.text(i, 0), parseRole(r.text(i, 1)).value_or(Role::Coordinator),
                             r.text(i, 2) == "t", static_cast<int>(r.integer(i, 3)),
                             r.optional(i, 4), r.text(i, 5)});
  }
  return out;
}

std::string toString(LoginOutcome outcome) {
  switch (outcome) {
    case LoginOutcome::Ok:
      return "ok";
    case LoginOutcome::UnknownUser:
      return "unknown-user";
    case LoginOutcome::WrongPassword:
      return "wrong-password";
    case LoginOutcome::WrongTotp:
      return "wrong-totp";
    case LoginOutcome::TotpNotEnrolled:
      return "totp-not-enrolled";
    case LoginOutcome::Locked:
      return "locked";
  }
  return "unknown";
}

LoginResult login(store::PgConnection& conn, const std::string& name, const std::string& password,
                  const std::string& totpCode, std::int64_t now, const SessionPolicy& sessions,
                  const LockoutPolicy& lockout, const std::string& client, bool lockApplies) {
  return store::inTransaction(conn, [&] {
    LoginResult result;
    // A typed name that is not UTF-8 text (or holds a NUL) names nobody: it takes the unknown
    // user's way (the same work and answer), never the database's encoding error.
    const bool text = mapping::text::isValidUtf8(name) && name.find('\0') == std::string::npos;
    auto r = conn.run("console_login_user",
                      "SELECT role, password_hash, totp_secret, totp_last_step, "
                      "coalesce(locked_until > to_timestamp($2), false) "
                      "FROM console_users WHERE name = $1 AND disabled_at IS NULL FOR UPDATE",
                      {text ? name : std::string(), std::to_string(now)});
    auto refuse = [&](LoginOutcome outcome, bool countsAsFailure) {
      result.outcome = outcome;
      std::string locked = "false";
      if (countsAsFailure) {
        auto f = conn.run("console_login_failed",
                          "UPDATE console_users SET failed_attempts = failed_attempts + 1 "
                          "WHERE name = $1 RETURNING failed_attempts",
                          {name});
        if (f.integer(0, 0) >= lockout.attempts) {
          conn.run(
              "console_login_lock",
              "UPDATE console_users SET failed_attempts = 0, "
              "locked_until = to_timestamp($2) WHERE name = $1",
              {name,
               std::to_string(
                   now + std::chrono::duration_cast<std::chrono::seconds>(lockout.lock).count())});
          locked = "true";
        }
      }
      audit(conn, store::EventType::ConsoleLoginRefused,
            {{"user", outcome == LoginOutcome::UnknownUser ? "" : name},
             {"reason", toString(outcome)},
             {"client", client},
             {"lockedNow", locked}});
      return result;
    };
    // An unknown or (for this address) locked account costs the same scrypt run as a wrong
    // password, so the time of the answer tells nothing either.
    if (r.rows() == 0) {
      verifyPassword(password, dummyHash());
      return refuse(LoginOutcome::UnknownUser, false);
    }
    if (r.text(0, 4) == "t" && lockApplies) {
      verifyPassword(password, dummyHash());
      return refuse(LoginOutcome::Locked, false);
    }
    if (!verifyPassword(password, r.text(0, 1))) return refuse(LoginOutcome::WrongPassword, true);
    const auto secret = r.optional(0, 2);
    if (!secret) return refuse(LoginOutcome::TotpNotEnrolled, false);
    const auto key = base32Decode(*secret);
    const auto step = key ? matchTotp(*key, totpCode, now, r.integer(0, 3)) : std::nullopt;
    if (!step) return refuse(LoginOutcome::WrongTotp, true);

    result.outcome = LoginOutcome::Ok;
    result.role = parseRole(r.text(0, 0)).value_or(Role::Coordinator);
    result.token = newToken();
    result.csrf = newToken();
    result.expiresAt = sessionExpiry(now, now, sessions);
    // A lock stays: it still holds for the addresses that failed on the account.
    conn.run("console_login_ok",
             "UPDATE console_users SET failed_attempts = 0, totp_last_step = $2 WHERE name = $1",
             {name, std::to_string(*step)});
    conn.run("console_session_open",
             "INSERT INTO console_sessions (token_hash, user_name, csrf_token, created_at, "
             "expires_at) VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($5))",
             {tokenDigest(result.token), name, result.csrf, std::to_string(now),
              std::to_string(result.expiresAt)});
    audit(conn, store::EventType::ConsoleLogin,
          {{"user", name}, {"role", toString(result.role)}, {"client", client}});
    return result;
  });
}

SessionLookup touchSession(store::PgConnection& conn, const std::string& token, std::int64_t now,
                           const SessionPolicy& policy) {
  SessionLookup out;
  if (token.empty() || token.size() > 128) return out;
  auto r = conn.run(
      "console_session_find",
      "SELECT s.user_name, u.role, s.csrf_token, extract(epoch FROM s.created_at)::bigint, "
      "extract(epoch FROM s.expires_at)::bigint FROM console_sessions s "
      "JOIN console_users u ON u.name = s.user_name "
      "WHERE s.token_hash = $1 AND u.disabled_at IS NULL",
      {tokenDigest(token)});
  if (r.rows() == 0) return out;
  out.user = r.text(0, 0);
  if (sessionExpired(r.integer(0, 4), now)) {
    conn.run("console_session_drop", "DELETE FROM console_sessions WHERE token_hash = $1",
             {tokenDigest(token)});
    out.state = SessionState::Expired;
    return out;
  }
  SessionInfo info{out.user, parseRole(r.text(0, 1)).value_or(Role::Coordinator), r.text(0, 2),
                   sessionExpiry(r.integer(0, 3), now, policy)};
  conn.run("console_session_touch",
           "UPDATE console_sessions SET expires_at = to_timestamp($2) WHERE token_hash = $1",
           {tokenDigest(token), std::to_string(info.expiresAt)});
  out.state = SessionState::Valid;
  out.session = info;
  return out;
}

void endSession(store::PgConnection& conn, const std::string& token) {
  conn.run("console_session_drop", "DELETE FROM console_sessions WHERE token_hash = $1",
           {tokenDigest(token)});
}

}  // namespace tsunagi::console
