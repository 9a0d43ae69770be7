#pragma once
// What the demo scenario (gateway/demo/demo_scenario.*) checks and reports in each city's
// database: counts it waits for, the loss reports and the exchange summary. Read only.

#include <string>
#include <vector>

#include "gateway/store/pg.hpp"

namespace tsunagi::store::demo {

/// 1 when the case is known and open, else 0.
long long openCaseCount(PgConnection& conn, const std::string& caseId);
/// Messages from `sender` of `documentType` for the case, handed to the local side.
long long deliveredFromCase(PgConnection& conn, const std::string& sender,
                            const std::string& documentType, const std::string& caseId);
/// Every message in the outbox, in any state.
long long outboxTotal(PgConnection& conn);
/// Outbox messages to `peer` of `documentType` in `state` tried at least `minAttempts` times.
long long outboxIn(PgConnection& conn, const std::string& peer, const std::string& documentType,
                   const std::string& state, int minAttempts = 0);

/// The losses of one received message: the sender's (decode) and this node's (encode, all local
/// channels).
struct ReceivedLosses {
  long long decode = 0;
  long long encode = 0;
};
/// Per message received from `sender` of `documentType`, oldest first.
std::vector<ReceivedLosses> receivedLosses(PgConnection& conn, const std::string& sender,
                                           const std::string& documentType);
/// The encode losses this node recorded for a received message.
long long localLossCount(PgConnection& conn, const std::string& messageId);

struct SentRow {
  std::string created;  ///< UTC, as the audit log writes times
  std::string peer;
  std::string documentType;
  std::string state;
  std::string latencyMs;  ///< "-" while not delivered
  std::string losses;     ///< decode losses
  std::string messageId;
};
std::vector<SentRow> sentMessages(PgConnection& conn);

struct RefusedRow {
  std::string at;
  std::string peer;  ///< "-" when none
  std::string documentType;
  std::string code;
};
/// The `consent-blocked` and `refused` events, in chain order.
std::vector<RefusedRow> refusedSubmissions(PgConnection& conn);

}  // namespace tsunagi::store::demo
