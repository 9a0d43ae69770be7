#pragma once
// The node's audit log: one hash-chained table (exchange_events, partitioned by month) holding
// every event of every exchange and every console action, signed checkpoints of its head, and the
// receipts' chain heads of the neighbours as witnesses.
//
// One way to append: store::appendEvent(conn, store::NewEvent{EventType::…, …}) inside the
// transaction of the state change it records (gateway/store/exchange_store.hpp). Event names in use are listed in
// docs/operations.md "Audit log"; details hold identifiers, digests, codes and reasons only.
// One way to verify: verifyChain() below (the `tsunagi audit verify` command calls it).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "gateway/crypto/keys.hpp"
#include "gateway/store/audit_chain.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/pg.hpp"

namespace tsunagi::audit {

/// The first place where the chain is not as the node wrote it.
struct ChainBreak {
  long long id = 0;  ///< the first broken row (for "deleted": the first missing id)
  /// edited | deleted | inserted | reordered | rewritten | checkpoint
  std::string kind;
  std::string reason;  ///< one line for the operator
};

struct CheckpointSummary {
  long long eventId = 0;
  std::string head;
  std::string signedAt;
};

struct VerifyOptions {
  /// Only rows with `at` in [from, to): UTC timestamps or prefixes ("2025-04", "2025-04-01T09").
  std::optional<std::string> from, to;
  /// When given, each checkpoint's certificate must be issued by one of these CAs.
  std::vector<crypto::Certificate> trustedCas;
  /// Rows fetched per round trip.
  int batchRows = 20000;
};

struct VerifyResult {
  long long rowsChecked = 0;
  long long checkpointsChecked = 0;
  std::optional<ChainBreak> firstBreak;
  std::optional<CheckpointSummary> lastCheckpoint;  ///< the newest checkpoint that verified
  long long lastId = 0;                             ///< the last row checked
  std::string head;                                 ///< its hash
  bool ok() const { return !firstBreak; }
};

/// Walks the chain in id order (one consistent snapshot) and the checkpoints; stops at the first
/// break and names it. Without `from`, the first row must link to the zero hash or to the last
/// archived month; without `to`, the last row must be the audit head.
VerifyResult verifyChain(store::PgConnection& conn, const VerifyOptions& options = {});

// ---- checkpoints ----

/// The bytes a checkpoint signature covers.
std::string checkpointBytes(const std::string& nodeCode, long long eventId, const std::string& head,
                            const std::string& signedAt);

/// Signs the current head with the node key unless the newest checkpoint already covers it.
/// Returns the checkpoint written, or nullopt when there was nothing new. Its own transaction.
std::optional<CheckpointSummary> writeCheckpoint(store::PgConnection& conn,
                                                 const std::string& nodeCode,
                                                 const crypto::Key& nodeKey,
                                                 const crypto::Certificate& nodeCertificate);

// ---- partitions ----

/// Makes the partitions of the current and the next `monthsAhead` months (database clock, UTC).
/// Returns how many were created.
int ensurePartitions(store::PgConnection& conn, int monthsAhead = 2);

/// Months (YYYY-MM) that have a partition, oldest first (the default partition is not listed).
std::vector<std::string> partitionMonths(store::PgConnection& conn);

// ---- witnesses ----

/// The newest chain head each peer's receipt gave us: evidence of the state of its log
/// (store::witnesses, gateway/store/audit_chain.hpp).
using store::Witness;
using store::witnesses;

}  // namespace tsunagi::audit
