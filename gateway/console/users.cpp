#include "gateway/console/users.hpp"

#include <regex>

#include "gateway/console/password.hpp"
#include "gateway/console/totp.hpp"
#include "gateway/store/console_accounts.hpp"
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
    if (!store::insertConsoleUser(conn, name, toString(role), hash))
      throw UserError("user '" + name + "' exists (use passwd to change it)");
    audit(conn, store::EventType::ConsoleUserAdded,
          {{"user", name}, {"role", toString(role)}, {"by", actor}});
  });
}

void setPassword(store::PgConnection& conn, const std::string& name, const std::string& password,
                 const std::string& actor) {
  const std::string hash = requireGoodPassword(password);
  store::inTransaction(conn, [&] {
    if (!store::setConsolePassword(conn, name, hash)) {
      throw UserError("no user '" + auditName(name) + "'");
    }
    // A new password ends the user's sessions.
    store::endConsoleUserSessions(conn, name);
    audit(conn, store::EventType::ConsolePasswordSet, {{"user", name}, {"by", actor}});
  });
}

std::string enrolTotp(store::PgConnection& conn, const std::string& name,
                      const std::string& actor) {
  const std::string secret = newTotpSecret();
  store::inTransaction(conn, [&] {
    if (!store::setConsoleTotpSecret(conn, name, secret)) {
      throw UserError("no user '" + auditName(name) + "'");
    }
    store::endConsoleUserSessions(conn, name);
    audit(conn, store::EventType::ConsoleTotpEnrolled, {{"user", name}, {"by", actor}});
  });
  return secret;
}

bool unlockUser(store::PgConnection& conn, const std::string& name, const std::string& actor) {
  return store::inTransaction(conn, [&] {
    if (!store::unlockConsoleUser(conn, name)) return false;
    audit(conn, store::EventType::ConsoleUserUnlocked, {{"user", name}, {"by", actor}});
    return true;
  });
}

std::vector<UserRecord> listUsers(store::PgConnection& conn, std::int64_t now) {
  std::vector<UserRecord> out;
  for (const auto& u : store::consoleUsers(conn, now)) {
    out.push_back(UserRecord{u.name, parseRole(u.role).value_or(Role::Coordinator), u.totpEnrolled,
                             u.failedAttempts, u.lockedUntil, u.createdAt});
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
    const auto account = store::accountForLogin(conn, text ? name : std::string(), now);
    auto refuse = [&](LoginOutcome outcome, bool countsAsFailure) {
      result.outcome = outcome;
      std::string locked = "false";
      if (countsAsFailure) {
        if (store::countFailedLogin(conn, name) >= lockout.attempts) {
          store::lockConsoleUser(
              conn, name,
              now + std::chrono::duration_cast<std::chrono::seconds>(lockout.lock).count());
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
    if (!account) {
      verifyPassword(password, dummyHash());
      return refuse(LoginOutcome::UnknownUser, false);
    }
    if (account->locked && lockApplies) {
      verifyPassword(password, dummyHash());
      return refuse(LoginOutcome::Locked, false);
    }
    if (!verifyPassword(password, account->passwordHash))
      return refuse(LoginOutcome::WrongPassword, true);
    const auto& secret = account->totpSecret;
    if (!secret) return refuse(LoginOutcome::TotpNotEnrolled, false);
    const auto key = base32Decode(*secret);
    const auto step = key ? matchTotp(*key, totpCode, now, account->totpLastStep) : std::nullopt;
    if (!step) return refuse(LoginOutcome::WrongTotp, true);

    result.outcome = LoginOutcome::Ok;
    result.role = parseRole(account->role).value_or(Role::Coordinator);
    result.token = newToken();
    result.csrf = newToken();
    result.expiresAt = sessionExpiry(now, now, sessions);
    // A lock stays: it still holds for the addresses that failed on the account.
    store::recordLoginSuccess(conn, name, *step);
    store::openConsoleSession(conn, tokenDigest(result.token), name, result.csrf, now,
                              result.expiresAt);
    audit(conn, store::EventType::ConsoleLogin,
          {{"user", name}, {"role", toString(result.role)}, {"client", client}});
    return result;
  });
}

SessionLookup touchSession(store::PgConnection& conn, const std::string& token, std::int64_t now,
                           const SessionPolicy& policy) {
  SessionLookup out;
  if (token.empty() || token.size() > 128) return out;
  const auto stored = store::findConsoleSession(conn, tokenDigest(token));
  if (!stored) return out;
  out.user = stored->user;
  if (sessionExpired(stored->expiresAt, now)) {
    store::dropConsoleSession(conn, tokenDigest(token));
    out.state = SessionState::Expired;
    return out;
  }
  SessionInfo info{out.user, parseRole(stored->role).value_or(Role::Coordinator), stored->csrf,
                   sessionExpiry(stored->createdAt, now, policy)};
  store::extendConsoleSession(conn, tokenDigest(token), info.expiresAt);
  out.state = SessionState::Valid;
  out.session = info;
  return out;
}

void endSession(store::PgConnection& conn, const std::string& token) {
  store::dropConsoleSession(conn, tokenDigest(token));
}

}  // namespace tsunagi::console
