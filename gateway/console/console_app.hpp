#pragma once
// The coordinators' console as an application: authentication (password + TOTP, lock-out),
// sessions, roles, CSRF, the pages and the JSON API under /api/v1/ (docs/console-api.md). Every
// action and every refusal is appended to the audit chain. Transport-free: console_server.*
// serves it over HTTPS.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "gateway/console/http.hpp"
#include "gateway/console/pages.hpp"
#include "gateway/console/session.hpp"
#include "gateway/console/users.hpp"
#include "gateway/store/event_type.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::console {

/// What the console reads from its node.
struct ConsoleContext {
  std::string nodeCode, nodeName;
  store::ConnectionPool* pool = nullptr;
  std::function<std::vector<PeerInfo>()> peers;   ///< the manifest's peers (may be unset)
  std::function<std::vector<Expiry>()> expiries;  ///< certificates and manifest (may be unset)
  std::function<void()> wakeDelivery;             ///< after a retry (may be unset)
  std::vector<std::pair<std::string, std::string>> configuration;  ///< shown to admins
};

struct ConsoleSettings {
  SessionPolicy sessions;
  LockoutPolicy lockout;
  LoginThrottlePolicy throttle;
  Clock clock = [] { return std::chrono::system_clock::now(); };
};

inline constexpr const char* kSessionCookie = "tsunagi_session";
inline constexpr const char* kLoginCsrfCookie = "tsunagi_login";
inline constexpr const char* kLangCookie = "tsunagi_lang";

class ConsoleApp {
 public:
  ConsoleApp(ConsoleContext context, ConsoleSettings settings);
  /// Answers one request; never throws (storage trouble becomes 503).
  Response handle(const Request& request);

 private:
  struct Call;
  Response route(Call& call);
  Response login(Call& call);
  Response apiLogin(Call& call);
  /// Seconds the caller's address must wait before its next login attempt, or nothing: the
  /// attempt is admitted (and counted by the throttle until checkLogin settles it).
  std::optional<std::int64_t> throttled(Call& call);
  LoginResult checkLogin(Call& call, const std::string& user, const std::string& password,
                         const std::string& totp);
  Response dashboard(Call& call);
  Response search(Call& call);
  Response exportCsv(Call& call);
  Response exchange(Call& call, const std::string& messageId);
  Response deadLetters(Call& call);
  Response deadLetterAction(Call& call, const std::string& messageId, bool replay);
  Response identityReviews(Call& call);
  Response resolveIdentity(Call& call, const std::string& id);
  Response consents(Call& call);
  Response revokeConsent(Call& call, const std::string& reference);
  Response unlockUser(Call& call, const std::string& name);
  Response auditStatus(Call& call);
  Response users(Call& call);
  Response configuration(Call& call);
  Response logout(Call& call);
  Response refuse(Call& call, int status, const std::string& reason, const std::string& message);
  Response htmlPage(Call& call, int status, const std::string& title, const std::string& body);
  void audit(store::EventType event, const std::vector<std::pair<std::string, std::string>>& detail,
             const std::optional<std::string>& messageId = std::nullopt);

  ConsoleContext context_;
  ConsoleSettings settings_;
  std::unique_ptr<LoginThrottle> throttle_;
};

}  // namespace tsunagi::console
