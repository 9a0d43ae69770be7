#pragma once
// The console's exchange search fields: parsed and checked before any query, so a malformed value
// is refused naming its field (never echoing the value). The queries themselves, and the rows they
// return, are the store's (gateway/store/console_queries.hpp); the console uses their names as
// its own.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gateway/store/console_queries.hpp"

namespace tsunagi::console {

using store::ConsentRow;
using store::DailyCount;
using store::EventRow;
using store::ExchangeDetail;
using store::ExchangeFilter;
using store::ExchangeRow;
using store::IdentityReview;
using store::isUuid;
using store::PeerState;
using store::SearchPage;

using store::consentRegistry;
using store::dailyCounts;
using store::deadLetters;
using store::exportExchanges;
using store::findExchange;
using store::openIdentityReviews;
using store::peerStates;
using store::resolveIdentityReview;
using store::searchExchanges;

/// A search field that cannot be used: which field and why (never echoes the value).
class FilterError : public std::runtime_error {
 public:
  FilterError(std::string field, const std::string& reason)
      : std::runtime_error(field + ": " + reason), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

/// The search fields of a query string or form (empty values are absent; unknown names are
/// ignored). Throws FilterError, also when `brokenEscape` is set (Request::brokenEscape: a field
/// whose %-escape is broken): FilterError names that field when it is a search field, otherwise
/// "query" (a name the client made up is not echoed).
ExchangeFilter parseFilter(const std::map<std::string, std::string>& fields,
                           const std::optional<std::string>& brokenEscape = std::nullopt);
/// The filter as name=value pairs (for links, CSV names and the audit detail).
std::vector<std::pair<std::string, std::string>> filterFields(const ExchangeFilter& filter);
}  // namespace tsunagi::console
