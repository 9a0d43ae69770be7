#include "gateway/store/console_accounts.hpp"

namespace tsunagi::store {

bool insertConsoleUser(PgConnection& conn, const std::string& name, const std::string& role,
                       const std::string& passwordHash) {
  auto r = conn.run("console_user_add",
                    "INSERT INTO console_users (name, role, password_hash) VALUES ($1, $2, $3) "
                    "ON CONFLICT (name) DO NOTHING",
                    {name, role, passwordHash});
  return r.affected() != 0;
}

bool setConsolePassword(PgConnection& conn, const std::string& name,
                        const std::string& passwordHash) {
  auto r = conn.run("console_user_passwd",
                    "UPDATE console_users SET password_hash = $2, failed_attempts = 0, "
                    "locked_until = NULL WHERE name = $1",
                    {name, passwordHash});
  return r.affected() != 0;
}

bool setConsoleTotpSecret(PgConnection& conn, const std::string& name, const std::string& secret) {
  auto r = conn.run("console_user_totp",
                    "UPDATE console_users SET totp_secret = $2, totp_last_step = 0 WHERE name = $1",
                    {name, secret});
  return r.affected() != 0;
}

bool unlockConsoleUser(PgConnection& conn, const std::string& name) {
  auto r = conn.run("console_user_unlock",
                    "UPDATE console_users SET failed_attempts = 0, locked_until = NULL "
                    "WHERE name = $1",
                    {name});
  return r.affected() != 0;
}

void endConsoleUserSessions(PgConnection& conn, const std::string& name) {
  conn.run("console_user_sessions_end", "DELETE FROM console_sessions WHERE user_name = $1",
           {name});
}

std::vector<ConsoleUserRow> consoleUsers(PgConnection& conn, std::int64_t now) {
  auto r = conn.run("console_user_list",
                    "SELECT name, role, totp_secret IS NOT NULL, failed_attempts, "
                    "CASE WHEN locked_until > to_timestamp($1) THEN to_char(locked_until AT TIME "
                    "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') END, "
                    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') "
                    "FROM console_users ORDER BY name",
                    {std::to_string(now)});
  std::vector<ConsoleUserRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(ConsoleUserRow{r.text(i, 0), r.text(i, 1), r.text(i, 2) == "t",
                                 static_cast<int>(r.integer(i, 3)), r.optional(i, 4),
                                 r.text(i, 5)});
  }
  return out;
}

std::optional<LoginAccount> accountForLogin(PgConnection& conn, const std::string& name,
                                            std::int64_t now) {
  auto r = conn.run("console_login_user",
                    "SELECT role, password_hash, totp_secret, totp_last_step, "
                    "coalesce(locked_until > to_timestamp($2), false) "
                    "FROM console_users WHERE name = $1 AND disabled_at IS NULL FOR UPDATE",
                    {name, std::to_string(now)});
  if (r.rows() == 0) return std::nullopt;
  return LoginAccount{r.text(0, 0), r.text(0, 1), r.optional(0, 2), r.integer(0, 3),
                      r.text(0, 4) == "t"};
}

long long countFailedLogin(PgConnection& conn, const std::string& name) {
  auto f = conn.run("console_login_failed",
                    "UPDATE console_users SET failed_attempts = failed_attempts + 1 "
                    "WHERE name = $1 RETURNING failed_attempts",
                    {name});
  return f.integer(0, 0);
}

void lockConsoleUser(PgConnection& conn, const std::string& name, std::int64_t until) {
  conn.run("console_login_lock",
           "UPDATE console_users SET failed_attempts = 0, "
           "locked_until = to_timestamp($2) WHERE name = $1",
           {name, std::to_string(until)});
}

void recordLoginSuccess(PgConnection& conn, const std::string& name, long long step) {
  conn.run("console_login_ok",
           "UPDATE console_users SET failed_attempts = 0, totp_last_step = $2 WHERE name = $1",
           {name, std::to_string(step)});
}

void openConsoleSession(PgConnection& conn, const std::string& tokenHash, const std::string& user,
                        const std::string& csrf, std::int64_t createdAt, std::int64_t expiresAt) {
  conn.run("console_session_open",
           "INSERT INTO console_sessions (token_hash, user_name, csrf_token, created_at, "
           "expires_at) VALUES ($1, $2, $3, to_timestamp($4), to_timestamp($5))",
           {tokenHash, user, csrf, std::to_string(createdAt), std::to_string(expiresAt)});
}

std::optional<ConsoleSessionRow> findConsoleSession(PgConnection& conn,
                                                    const std::string& tokenHash) {
  auto r = conn.run(
      "console_session_find",
      "SELECT s.user_name, u.role, s.csrf_token, extract(epoch FROM s.created_at)::bigint, "
      "extract(epoch FROM s.expires_at)::bigint FROM console_sessions s "
      "JOIN console_users u ON u.name = s.user_name "
      "WHERE s.token_hash = $1 AND u.disabled_at IS NULL",
      {tokenHash});
  if (r.rows() == 0) return std::nullopt;
  return ConsoleSessionRow{r.text(0, 0), r.text(0, 1), r.text(0, 2), r.integer(0, 3),
                           r.integer(0, 4)};
}

void extendConsoleSession(PgConnection& conn, const std::string& tokenHash,
                          std::int64_t expiresAt) {
  conn.run("console_session_touch",
           "UPDATE console_sessions SET expires_at = to_timestamp($2) WHERE token_hash = $1",
           {tokenHash, std::to_string(expiresAt)});
}

void dropConsoleSession(PgConnection& conn, const std::string& tokenHash) {
  conn.run("console_session_drop", "DELETE FROM console_sessions WHERE token_hash = $1",
           {tokenHash});
}

}  // namespace tsunagi::store
