#pragma once
// The console's pages as server-rendered HTML (bodies; html.hpp puts the frame around them).
// Japanese first; every form carries the session's CSRF token.

#include <map>
#include <string>
#include <vector>

#include "gateway/console/chain_status.hpp"
#include "gateway/console/html.hpp"
#include "gateway/console/exchange_filter.hpp"
#include "gateway/console/users.hpp"

namespace tsunagi::console {

struct PeerInfo {
  std::string code, name, endpoint;
};

/// A certificate or manifest and when it stops being valid.
struct Expiry {
  std::string what;  ///< e.g. "node certificate", "federation manifest"
  std::int64_t notAfter = 0;
};

struct DashboardData {
  std::vector<PeerState> peers;
  std::map<std::string, std::string> peerNames;  ///< from the manifest
  std::vector<DailyCount> daily;
  std::vector<std::string> days;  ///< the chart's days, oldest first
  std::vector<Expiry> expiries;
  std::int64_t now = 0;
};

std::string loginBody(const Tr& tr, const std::string& loginCsrf, const std::string& error);
/// Why a login from this address is not checked now, and when to try again.
std::string loginThrottledMessage(const Tr& tr, std::int64_t retryAfterSeconds);
std::string dashboardBody(const Tr& tr, const DashboardData& data);
std::string searchBody(const Tr& tr, const ExchangeFilter& filter, const SearchPage* page,
                       const std::string& error);
std::string exchangeBody(const Tr& tr, const ExchangeDetail& detail, bool canAct,
                         const std::string& csrf);
std::string deadLettersBody(const Tr& tr, const std::vector<ExchangeRow>& rows, bool canAct,
                            const std::string& csrf, const std::string& notice);
std::string identityBody(const Tr& tr, const std::vector<IdentityReview>& reviews, bool canAct,
                         const std::string& csrf, const std::string& notice);
/// Active consents get a revoke form (admins only see this page).
std::string consentsBody(const Tr& tr, const std::vector<ConsentRow>& consents,
                         const std::string& csrf, const std::string& notice);
std::string auditBody(const Tr& tr, const audit::ChainStatus& status);
/// Locked accounts get an unlock form.
std::string usersBody(const Tr& tr, const std::vector<UserRecord>& users, const std::string& csrf);
std::string configBody(const Tr& tr,
                       const std::vector<std::pair<std::string, std::string>>& config);
std::string errorBody(const Tr& tr, const std::string& message);

/// Days (and hours) left until `notAfter`, in the page's language.
std::string countdown(const Tr& tr, std::int64_t notAfter, std::int64_t now);
/// Japanese and English names of a status (pending → 送信待ち / pending).
std::string statusLabel(const Tr& tr, const std::string& status);

}  // namespace tsunagi::console
