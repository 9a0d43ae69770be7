#pragma once
// What the console reads: exchange search (outbox and inbox as one list), an exchange with its
// events, peer states, daily counts, dead letters, the identity review queue and consents; and
// the one console write that is not an account's: resolving an identity review. Every filter
// value travels as a bind parameter; console::parseFilter() refuses malformed values first,
// naming the field (gateway/console/exchange_filter.hpp).

#include <optional>
#include <string>
#include <vector>

#include "gateway/store/pg.hpp"

namespace tsunagi::store {

struct ExchangeFilter {
  std::optional<std::string> from, to;   ///< YYYY-MM-DD, Japan time, inclusive
  std::optional<std::string> peer;       ///< 6-digit node code
  std::optional<std::string> direction;  ///< outbound | inbound
  std::optional<std::string> documentType;
  std::optional<std::string> status;  ///< pending | delivered | dead | discarded
  std::optional<std::string> caseId;
  std::optional<std::string> messageId;
  int page = 1;
};

/// True for the canonical 8-4-4-4-12 hexadecimal UUID text.
bool isUuid(const std::string& text);

struct ExchangeRow {
  std::string direction;  ///< outbound | inbound
  std::string messageId;
  std::string peer;  ///< receiver (outbound) or sender (inbound)
  std::string documentType;
  std::optional<std::string> caseId;
  std::string status;
  std::string at;  ///< queued or received, Japan time "YYYY-MM-DD HH:MM:SS"
  long long attempts = 0;
  std::optional<std::string> lastError;
};

struct SearchPage {
  std::vector<ExchangeRow> rows;
  long long total = 0;
  int page = 1;
  int pageSize = 50;
};

SearchPage searchExchanges(PgConnection& conn, const ExchangeFilter& filter, int pageSize = 50);
/// Up to `limit` rows of a search for CSV export (newest first).
std::vector<ExchangeRow> exportExchanges(PgConnection& conn, const ExchangeFilter& filter,
                                         int limit = 10000);

struct EventRow {
  long long id;
  std::string at;  ///< UTC, as chained
  std::string event;
  std::string direction;
  std::string detailJson;
};

struct ExchangeDetail {
  ExchangeRow row;
  std::vector<EventRow> events;
  std::optional<std::string> receiptAt;  ///< outbound: the peer's verified receipt
  std::optional<std::string> receiptChainHead;
  std::optional<std::string> contentDigest;  ///< inbound: the digest the signature covered
  std::vector<std::string> lossReports;      ///< detail of `translated` events, if any
};
std::optional<ExchangeDetail> findExchange(PgConnection& conn, const std::string& messageId);

struct PeerState {
  std::string peer;
  std::optional<std::string> lastSent;      ///< last receipted delivery (Japan time)
  std::optional<std::string> lastReceived;  ///< last message received from it
  long long backlog = 0;                    ///< pending outbound
  long long deadLetters = 0;                ///< dead, both directions
  long long successes24h = 0, failures24h = 0;
  /// failures / (successes + failures) over 24 hours, or nullopt without attempts
  std::optional<double> errorRate() const;
};
/// `peers` plus every peer found in the outbox or inbox, in code order.
std::vector<PeerState> peerStates(PgConnection& conn, std::vector<std::string> peers);

struct DailyCount {
  std::string day;  ///< YYYY-MM-DD, Japan time
  std::string peer;
  std::string status;
  long long count;
};
std::vector<DailyCount> dailyCounts(PgConnection& conn, int days = 14);

std::vector<ExchangeRow> deadLetters(PgConnection& conn, int limit = 500);

struct IdentityReview {
  long long id;
  std::string sender, messageId, grade, reason;
  std::optional<std::string> candidate;
  std::string createdAt;
};
std::vector<IdentityReview> openIdentityReviews(PgConnection& conn);
/// Closes a review with `resolution` (linked | new-patient | not-ours) and an event; false when
/// no open review has this id. Call inside a transaction.
bool resolveIdentityReview(PgConnection& conn, long long id, const std::string& resolution,
                           const std::string& actor, const std::string& reason);

struct ConsentRow {
  std::string reference, insurerNumber, insuredNumber, scope, obtainedOn, obtainedBy;
  std::optional<std::string> validUntil, revokedAt;
  std::string state;  ///< active | revoked | expired | not-yet-valid
};
std::vector<ConsentRow> consentRegistry(PgConnection& conn);

}  // namespace tsunagi::store
