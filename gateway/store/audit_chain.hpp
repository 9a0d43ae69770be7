#pragma once
// What the audit side reads and writes of the chain besides appending (exchange_store.hpp):
// the rows for `audit verify` (a cursor walk in id order, and single rows for the diagnosis of a
// break), the signed checkpoints, the archived months' end, the monthly partitions and the
// witnesses (peers' chain heads in their receipts). The rules — what a break is, how a
// checkpoint is signed — are gateway/audit/audit_log.*.

#include <optional>
#include <string>
#include <vector>

#include "gateway/store/exchange_store.hpp"
#include "gateway/store/pg.hpp"

namespace tsunagi::store {

/// A row of exchange_events as stored. `prevHash` is empty in rows read by the walk.
struct ChainRow {
  long long id = 0;
  std::string at;
  Event event;
  std::string prevHash;
  std::string hash;
};

struct AuditHead {
  long long lastId = 0;
  std::string hash;
};
AuditHead auditHead(PgConnection& conn);

/// The head with the time of its row and the number of rows (the console's chain status).
struct ChainSummary {
  AuditHead head;
  std::optional<std::string> headAt;  ///< absent while the chain is empty
  long long rows = 0;
};
ChainSummary chainSummary(PgConnection& conn);

/// The node code the database is bound to (node_identity), or "" before the first start.
std::string recordedNodeCode(PgConnection& conn);

// ---- the walk (inside one transaction) ----

/// Makes the transaction one read-only snapshot planned for reading every row: call first.
void beginChainSnapshot(PgConnection& conn);
/// The end of the newest archived month (the row the online chain continues from), if any.
std::optional<AuditHead> lastArchivedRow(PgConnection& conn);
/// Opens the walk over the rows whose `at` is in [from, to) (either may be absent), in id order.
void openChainWalk(PgConnection& conn, const std::optional<std::string>& from,
                   const std::optional<std::string>& to);
/// The next `rows` rows of the walk (empty at the end), without prev_hash.
std::vector<ChainRow> fetchChainWalk(PgConnection& conn, int rows);
void closeChainWalk(PgConnection& conn);

/// Up to 1000 rows after row `id`, in id order, without their hashes (the ATNA sink's feed).
std::vector<ChainRow> eventsAfter(PgConnection& conn, long long id);

/// A walked row again, with every column.
ChainRow wholeChainRow(PgConnection& conn, const ChainRow& walked);
/// The first row after `id`, with every column.
std::optional<ChainRow> chainRowAfter(PgConnection& conn, long long id);
/// The id of a row whose stored hash is `hash`, other than `except`.
std::optional<long long> chainRowWithHash(PgConnection& conn, const std::string& hash,
                                          long long except);

// ---- checkpoints ----

struct StoredCheckpoint {
  std::string id;
  long long eventId = 0;
  std::string head;
  std::string signedAt;
  std::string nodeCode;
  std::string certificatePem;
  std::string signatureBase64;
};
/// Every checkpoint, by the row it signs.
std::vector<StoredCheckpoint> checkpointsByRow(PgConnection& conn);
/// The row the newest checkpoint signs, if there is one.
std::optional<long long> newestCheckpointRow(PgConnection& conn);
/// `checkpoint.id` is ignored (the table numbers it).
void insertCheckpoint(PgConnection& conn, const StoredCheckpoint& checkpoint);

// ---- monthly partitions ----

/// The month `monthsAhead` from now and the one after it (database clock, UTC), "YYYY-MM".
struct MonthBounds {
  std::string month;
  std::string next;
};
MonthBounds monthFromNow(PgConnection& conn, int monthsAhead);
/// exchange_events_YYYY_MM
std::string partitionName(const std::string& month);
bool partitionExists(PgConnection& conn, const std::string& month);
/// Makes the month's partition, moving in its rows from the default partition, in its own
/// transaction under an advisory lock; false when another process made it first.
bool makeMonthPartition(PgConnection& conn, const MonthBounds& bounds);
/// The names of the partitions of exchange_events but the default one, in name order.
std::vector<std::string> monthPartitionNames(PgConnection& conn);

// ---- archived months (gateway/audit/audit_archive.*) ----

/// The rows of a month [month, end): how many, and the first and last id (0 when none).
struct MonthSpan {
  long long rows = 0;
  long long firstId = 0;
  long long lastId = 0;
};
MonthSpan monthSpan(PgConnection& conn, const std::string& month, const std::string& end);
/// The time of the oldest row before `month`, if any (months are archived oldest first).
std::optional<std::string> oldestRowBefore(PgConnection& conn, const std::string& month);
/// Every row of [month, end) with every column, in id order.
std::vector<ChainRow> monthRows(PgConnection& conn, const std::string& month,
                                const std::string& end);
/// What audit_archives keeps of an archived month.
struct ArchiveRecord {
  std::string month;
  long long firstId = 0;
  long long lastId = 0;
  std::string firstPrevHash;
  std::string lastHash;
  long long rows = 0;
  std::string file;
  std::string fileSha256;
};
/// Records the archive (unless `record` is null: an empty month) and drops the month's partition,
/// in one transaction.
void retireMonth(PgConnection& conn, const std::string& month, const ArchiveRecord* record);

// ---- witnesses ----

/// The newest chain head a peer's receipt gave us: evidence of the state of its log.
struct Witness {
  std::string peer;
  std::string chainHead;
  std::string receivedAt;
  std::string messageId;
  long long receipts = 0;  ///< receipts kept from this peer
};
std::vector<Witness> witnesses(PgConnection& conn);

}  // namespace tsunagi::store
