#pragma once
// What the local listener's /healthz, /readyz and /metrics read from the node's database
// (node/local_api.*, node/metrics_text.*). Counts stay the text PostgreSQL gives, so the
// Prometheus text shows them exactly as counted.

#include <array>
#include <string>
#include <vector>

#include "gateway/store/pg.hpp"

namespace tsunagi::store {

/// True when the database answers a trivial query.
bool databaseAnswers(PgConnection& conn);

/// Rows of a GROUP BY count: the grouping values, then the count.
struct CountRow {
  std::vector<std::string> keys;
  std::string count;
};

/// The upper bounds of the delivery latency histogram, in seconds, as the buckets' `le` labels.
inline constexpr std::array<const char*, 9> kDeliveryLatencyBounds = {
    "0.1", "0.5", "1", "5", "30", "60", "300", "1800", "3600"};

/// From acceptance to the peer's receipt, over the outbox's delivered rows.
struct DeliveryLatency {
  std::string count;
  std::string sumSeconds;
  std::array<std::string, kDeliveryLatencyBounds.size()> buckets;  ///< cumulative, per bound
};

/// An inbound kintone channel's cursor for one app.
struct KintoneCursorRow {
  std::string channel;
  std::string app;
  std::string lastId;    ///< 0 before the first record
  std::string skipped;   ///< records refused and passed over
  std::string failures;  ///< failed polls
  std::string failing;   ///< "1" while the last poll failed, else "0"
};

/// Everything /metrics reads from the database, in one connection.
struct NodeMetrics {
  std::vector<CountRow> outbox;     ///< peer, state
  std::vector<CountRow> inbox;      ///< sender, local state
  std::vector<CountRow> exchanges;  ///< direction, peer, document type, status
  std::string outboxPending;
  std::string inboxPending;
  DeliveryLatency latency;
  std::string auditEvents;  ///< the id of the audit chain's head
  std::vector<KintoneCursorRow> kintoneCursors;
};

/// Reads the counts behind /metrics. Throws PgError.
NodeMetrics readNodeMetrics(PgConnection& conn);

}  // namespace tsunagi::store
