#include "gateway/store/audit_chain.hpp"

namespace tsunagi::store {

namespace {

/// The walk reads every column but prev_hash: a row whose hash recomputes from the previous row's
/// hash links to it (anything else would be a SHA-256 collision), and 64 bytes less per row is a
/// fifth of what the walk transfers. A row that fails is read again whole for the diagnosis.
constexpr const char* kWalkColumns = "id, at, event, direction, peer, message_id, detail, hash";

ChainRow walkRowAt(const PgResult& r, int i) {
  ChainRow row;
  row.id = r.integer(i, 0);
  row.at = r.text(i, 1);
  row.event.event = r.text(i, 2);
  row.event.direction = r.text(i, 3);
  row.event.peer = r.optional(i, 4);
  row.event.messageId = r.optional(i, 5);
  row.event.detailJson = r.text(i, 6);
  row.hash = r.text(i, 7);
  return row;
}

/// Every column: the walk's, then prev_hash (for the diagnosis of a row that failed).
constexpr const char* kRowColumns =
    "id, at, event, direction, peer, message_id, detail, hash, prev_hash";

ChainRow rowAt(const PgResult& r, int i) {
  ChainRow row = walkRowAt(r, i);
  row.prevHash = r.text(i, 8);
  return row;
}

}  // namespace

AuditHead auditHead(PgConnection& conn) {
  auto head = conn.exec("SELECT last_id, hash FROM audit_head");
  return {head.integer(0, 0), head.text(0, 1)};
}

ChainSummary chainSummary(PgConnection& conn) {
  auto head = conn.run("chain_status_head",
                       "SELECT h.last_id, h.hash, e.at, (SELECT count(*) FROM exchange_events) "
                       "FROM audit_head h LEFT JOIN exchange_events e ON e.id = h.last_id",
                       {});
  return {{head.integer(0, 0), head.text(0, 1)}, head.optional(0, 2), head.integer(0, 3)};
}

std::string recordedNodeCode(PgConnection& conn) {
  auto identity = conn.exec("SELECT node_code FROM node_identity");
  return identity.rows() ? identity.text(0, 0) : "";
}

void beginChainSnapshot(PgConnection& conn) {
  conn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
  // The walk reads every row: plan for the whole result, not for the first rows.
  conn.exec("SET LOCAL cursor_tuple_fraction = 1.0");
}

std::optional<AuditHead> lastArchivedRow(PgConnection& conn) {
  auto archived =
      conn.exec("SELECT last_id, last_hash FROM audit_archives ORDER BY last_id DESC LIMIT 1");
  if (archived.rows() != 1) return std::nullopt;
  return AuditHead{archived.integer(0, 0), archived.text(0, 1)};
}

void openChainWalk(PgConnection& conn, const std::optional<std::string>& from,
                   const std::optional<std::string>& to) {
  conn.execParams(std::string("DECLARE audit_walk NO SCROLL CURSOR FOR SELECT ") + kWalkColumns +
                      " FROM exchange_events WHERE ($1::text IS NULL OR at >= $1) AND "
                      "($2::text IS NULL OR at < $2) ORDER BY id",
                  {from, to});
}

std::vector<ChainRow> fetchChainWalk(PgConnection& conn, int rows) {
  auto batch = conn.exec("FETCH FORWARD " + std::to_string(rows) + " FROM audit_walk");
  std::vector<ChainRow> out;
  out.reserve(static_cast<std::size_t>(batch.rows()));
  for (int i = 0; i < batch.rows(); ++i) out.push_back(walkRowAt(batch, i));
  return out;
}

void closeChainWalk(PgConnection& conn) { conn.exec("CLOSE audit_walk"); }

std::vector<ChainRow> eventsAfter(PgConnection& conn, long long id) {
  auto r = conn.execParams(
      "SELECT id, at, event, direction, peer, message_id, detail FROM exchange_events "
      "WHERE id > $1 ORDER BY id LIMIT 1000",
      {std::to_string(id)});
  std::vector<ChainRow> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(ChainRow{
        r.integer(i, 0),
        r.text(i, 1),
        Event{r.text(i, 2), r.text(i, 3), r.optional(i, 4), r.optional(i, 5), r.text(i, 6)},
        {},
        {}});
  }
  return out;
}

ChainRow wholeChainRow(PgConnection& conn, const ChainRow& walked) {
  auto r = conn.execParams(std::string("SELECT ") + kRowColumns +
                               " FROM exchange_events WHERE id = $1 AND at = $2 AND hash = $3",
                           {std::to_string(walked.id), walked.at, walked.hash});
  return rowAt(r, 0);
}

std::optional<ChainRow> chainRowAfter(PgConnection& conn, long long id) {
  auto r = conn.execParams(std::string("SELECT ") + kRowColumns +
                               " FROM exchange_events WHERE id > $1 ORDER BY id LIMIT 1",
                           {std::to_string(id)});
  if (r.rows() == 0) return std::nullopt;
  return rowAt(r, 0);
}

std::optional<long long> chainRowWithHash(PgConnection& conn, const std::string& hash,
                                          long long except) {
  auto r = conn.execParams(
      "SELECT id FROM exchange_events WHERE hash = $1 AND id <> $2 ORDER BY id LIMIT 1",
      {hash, std::to_string(except)});
  if (r.rows() == 0) return std::nullopt;
  return r.integer(0, 0);
}

std::vector<StoredCheckpoint> checkpointsByRow(PgConnection& conn) {
  auto cps = conn.exec(
      "SELECT id, event_id, head, signed_at, node_code, certificate, signature "
      "FROM audit_checkpoints ORDER BY event_id, id");
  std::vector<StoredCheckpoint> out;
  for (int i = 0; i < cps.rows(); ++i) {
    out.push_back(StoredCheckpoint{cps.text(i, 0), cps.integer(i, 1), cps.text(i, 2),
                                   cps.text(i, 3), cps.text(i, 4), cps.text(i, 5), cps.text(i, 6)});
  }
  return out;
}

std::optional<long long> newestCheckpointRow(PgConnection& conn) {
  auto newest = conn.exec("SELECT max(event_id) FROM audit_checkpoints");
  if (newest.isNull(0, 0)) return std::nullopt;
  return newest.integer(0, 0);
}

void insertCheckpoint(PgConnection& conn, const StoredCheckpoint& cp) {
  conn.execParams(
      "INSERT INTO audit_checkpoints (event_id, head, signed_at, node_code, certificate, "
      "signature) VALUES ($1, $2, $3, $4, $5, $6)",
      {std::to_string(cp.eventId), cp.head, cp.signedAt, cp.nodeCode, cp.certificatePem,
       cp.signatureBase64});
}

MonthBounds monthFromNow(PgConnection& conn, int monthsAhead) {
  auto m = conn.execParams(
      "SELECT to_char(now() AT TIME ZONE 'UTC' + make_interval(months => $1::int), 'YYYY-MM'), "
      "to_char(now() AT TIME ZONE 'UTC' + make_interval(months => $1::int + 1), 'YYYY-MM')",
      {std::to_string(monthsAhead)});
  return {m.text(0, 0), m.text(0, 1)};
}

std::string partitionName(const std::string& month) {
  return "exchange_events_" + month.substr(0, 4) + "_" + month.substr(5, 2);
}

bool partitionExists(PgConnection& conn, const std::string& month) {
  return conn.execParams("SELECT to_regclass($1) IS NOT NULL", {partitionName(month)}).text(0, 0) ==
         "t";
}

bool makeMonthPartition(PgConnection& conn, const MonthBounds& bounds) {
  const std::string& month = bounds.month;
  const std::string& next = bounds.next;
  const std::string table = partitionName(month);
  // Rows of this month that landed in the default partition move into the new one, so making
  // a partition late never fails.
  return inTransaction(conn, [&] {
    // Several gateway processes on one database: one makes it, the others find it made.
    conn.exec("SELECT pg_advisory_xact_lock(hashtext('tsunagi audit partitions'))");
    if (conn.execParams("SELECT to_regclass($1) IS NOT NULL", {table}).text(0, 0) == "t") {
      return false;
    }
    conn.exec("CREATE TABLE " + table +
              " (LIKE exchange_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
    conn.exec("WITH moved AS (DELETE FROM exchange_events_default WHERE at >= '" + month +
              "' AND at < '" + next + "' RETURNING *) INSERT INTO " + table +
              " SELECT * FROM moved");
    conn.exec("ALTER TABLE exchange_events ATTACH PARTITION " + table + " FOR VALUES FROM ('" +
              month + "') TO ('" + next + "')");
    return true;
  });
}

std::vector<std::string> monthPartitionNames(PgConnection& conn) {
  auto r = conn.exec(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
      "WHERE i.inhparent = 'exchange_events'::regclass AND c.relname <> 'exchange_events_default' "
      "ORDER BY 1");
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

std::vector<Witness> witnesses(PgConnection& conn) {
  auto r = conn.exec(
      "SELECT DISTINCT ON (o.peer) o.peer, r.chain_head, r.received_at, r.message_id, "
      "count(*) OVER (PARTITION BY o.peer) FROM receipts r JOIN outbox o USING (message_id) "
      "ORDER BY o.peer, r.received_at DESC");
  std::vector<Witness> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(Witness{r.text(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3), r.integer(i, 4)});
  }
  return out;
}

MonthSpan monthSpan(PgConnection& conn, const std::string& month, const std::string& end) {
  auto r = conn.execParams(
      "SELECT count(*), coalesce(min(id), 0), coalesce(max(id), 0) FROM exchange_events "
      "WHERE at >= $1 AND at < $2",
      {month, end});
  return {r.integer(0, 0), r.integer(0, 1), r.integer(0, 2)};
}

std::optional<std::string> oldestRowBefore(PgConnection& conn, const std::string& month) {
  auto r = conn.execParams("SELECT min(at) FROM exchange_events WHERE at < $1", {month});
  if (r.isNull(0, 0)) return std::nullopt;
  return r.text(0, 0);
}

std::vector<ChainRow> monthRows(PgConnection& conn, const std::string& month,
                                const std::string& end) {
  auto r = conn.execParams(
      "SELECT id, at, event, direction, peer, message_id, detail, prev_hash, hash "
      "FROM exchange_events WHERE at >= $1 AND at < $2 ORDER BY id",
      {month, end});
  std::vector<ChainRow> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back(ChainRow{r.integer(i, 0), r.text(i, 1),
                           Event{r.text(i, 2), r.text(i, 3), r.optional(i, 4), r.optional(i, 5),
                                 r.text(i, 6)},
                           r.text(i, 7), r.text(i, 8)});
  }
  return out;
}

void retireMonth(PgConnection& conn, const std::string& month, const ArchiveRecord* record) {
  inTransaction(conn, [&] {
    if (record) {
      conn.execParams(
          "INSERT INTO audit_archives (month, first_id, last_id, first_prev, last_hash, "
          "row_count, file, file_sha256) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {record->month, std::to_string(record->firstId), std::to_string(record->lastId),
           record->firstPrevHash, record->lastHash, std::to_string(record->rows), record->file,
           record->fileSha256});
    }
    conn.exec("ALTER TABLE exchange_events DETACH PARTITION " + partitionName(month));
    conn.exec("DROP TABLE " + partitionName(month));
  });
}

}  // namespace tsunagi::store
