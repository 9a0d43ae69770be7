#include "gateway/audit/audit_log.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <stdexcept>

#include "mapping/digest.hpp"

namespace tsunagi::audit {

namespace {

const std::string kZeroHash(64, '0');

struct Row {
  long long id = 0;
  std::string at;
  store::Event event;
  std::string prevHash;
  std::string hash;

  bool selfConsistent() const { return store::eventHash(prevHash, id, at, event) == hash; }
};

/// The walk reads every column but prev_hash: a row whose hash recomputes from the previous row's
/// hash links to it (anything else would be a SHA-256 collision), and 64 bytes less per row is a
/// fifth of what the walk transfers. A row that fails is read again whole for the diagnosis.
constexpr const char* kWalkColumns = "id, at, event, direction, peer, message_id, detail, hash";

Row walkRowAt(const store::PgResult& r, int i) {
  Row row;
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

Row rowAt(const store::PgResult& r, int i) {
  Row row = walkRowAt(r, i);
  row.prevHash = r.text(i, 8);
  return row;
}

Row wholeRow(store::PgConnection& conn, const Row& walked) {
  auto r = conn.execParams(std::string("SELECT ") + kRowColumns +
                               " FROM exchange_events WHERE id = $1 AND at = $2 AND hash = $3",
                           {std::to_string(walked.id), walked.at, walked.hash});
  return rowAt(r, 0);
}

std::optional<Row> rowAfter(store::PgConnection& conn, long long id) {
  auto r = conn.execParams(std::string("SELECT ") + kRowColumns +
                               " FROM exchange_events WHERE id > $1 ORDER BY id LIMIT 1",
                           {std::to_string(id)});
  if (r.rows() == 0) return std::nullopt;
  return rowAt(r, 0);
}

/// The id of a row whose stored hash is `hash`, other than `except`.
std::optional<long long> rowWithHash(store::PgConnection& conn, const std::string& hash,
                                     long long except) {
  auto r = conn.execParams(
      "SELECT id FROM exchange_events WHERE hash = $1 AND id <> $2 ORDER BY id LIMIT 1",
      {hash, std::to_string(except)});
  if (r.rows() == 0) return std::nullopt;
  return r.integer(0, 0);
}

std::string idRange(long long first, long long last) {
  return first == last ? "row " + std::to_string(first)
                       : "rows " + std::to_string(first) + ".." + std::to_string(last);
}

/// Names what happened at the first row `r` that does not continue the chain after the row
/// (`prevId`, `prevHash`). Runs only once, at a break, so it may look around with queries.
ChainBreak diagnose(store::PgConnection& conn, const Row& r, long long prevId,
                    const std::string& prevHash) {
  const long long expected = prevId + 1;
  if (r.id == prevId) {
    return {r.id, "inserted",
            "a second row with id " + std::to_string(r.id) + " (at " + r.at + ")"};
  }
  if (r.id > expected) {
    return {expected, "deleted",
            idRange(expected, r.id - 1) + " missing: row " + std::to_string(r.id) +
                " follows row " + std::to_string(prevId)};
  }
  const bool consistent = r.selfConsistent();
  const bool linked = r.prevHash == prevHash;
  if (!linked) {
    if (auto x = rowWithHash(conn, r.prevHash, r.id)) {
      if (*x > r.id) {
        return {r.id, "reordered",
                "row " + std::to_string(r.id) + " links to row " + std::to_string(*x) +
                    ", which comes after it: rows were swapped or moved"};
      }
      if (*x < prevId) {
        return {*x + 1, "inserted",
                idRange(*x + 1, prevId) + " inserted: row " + std::to_string(r.id) +
                    " links to row " + std::to_string(*x)};
      }
    }
    if (consistent) {
      return {prevId, "edited",
              "row " + std::to_string(prevId) + " no longer has the hash row " +
                  std::to_string(r.id) + " links to (its content and hash were rewritten)"};
    }
  }
  // The row's own hash does not cover its content: edited, or a row that never was in the chain.
  if (auto next = rowAfter(conn, r.id); next && next->prevHash == prevHash) {
    return {r.id, "inserted",
            "row " + std::to_string(r.id) + " is not in the chain: row " +
                std::to_string(next->id) + " links to row " + std::to_string(prevId)};
  }
  return {r.id, "edited",
          "row " + std::to_string(r.id) + " (" + r.event.event + " at " + r.at +
              ") does not match its hash: its content was changed"};
}

bool plainTimestamp(const std::string& t) {
  if (t.empty() || t.size() > 32) return false;
  for (char c : t) {
    if (!((c >= '0' && c <= '9') || c == '-' || c == ':' || c == 'T' || c == '.' || c == 'Z')) {
      return false;
    }
  }
  return true;
}

struct CheckedCheckpoint {
  long long eventId;
  std::string head;
  std::string signedAt;
};

}  // namespace

std::string checkpointBytes(const std::string& nodeCode, long long eventId, const std::string& head,
                            const std::string& signedAt) {
  return "tsunagi-audit-checkpoint-1\n" + nodeCode + "\n" + std::to_string(eventId) + "\n" + head +
         "\n" + signedAt + "\n";
}

VerifyResult verifyChain(store::PgConnection& conn, const VerifyOptions& o) {
  for (const auto* bound : {&o.from, &o.to}) {
    if (*bound && !plainTimestamp(**bound)) {
      throw std::invalid_argument("'" + **bound +
                                  "' is not a UTC time like 2025-04-01 or 2025-04-01T09:30:00Z");
    }
  }
  VerifyResult result;
  store::inTransaction(conn, [&] {
    conn.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    // The walk reads every row: plan for the whole result, not for the first rows.
    conn.exec("SET LOCAL cursor_tuple_fraction = 1.0");
    auto head = conn.exec("SELECT last_id, hash FROM audit_head");
    const long long headId = head.integer(0, 0);
    const std::string headHash = head.text(0, 1);
    auto identity = conn.exec("SELECT node_code FROM node_identity");
    const std::string nodeCode = identity.rows() ? identity.text(0, 0) : "";

    // Checkpoints: each signature first; the heads are compared as the walk reaches their rows.
    std::optional<ChainBreak> checkpointBreak;
    std::multimap<long long, CheckedCheckpoint> checkpoints;
    std::map<std::string, bool> trustedCertificates;
    auto cps = conn.exec(
        "SELECT id, event_id, head, signed_at, node_code, certificate, signature "
        "FROM audit_checkpoints ORDER BY event_id, id");
    for (int i = 0; i < cps.rows(); ++i) {
      const long long eventId = cps.integer(i, 1);
      const std::string cpHead = cps.text(i, 2), signedAt = cps.text(i, 3);
      const std::string signer = cps.text(i, 4), pem = cps.text(i, 5);
      std::string problem;
      auto trusted = trustedCertificates.find(pem);
      if (trusted == trustedCertificates.end()) {
        bool ok = false;
        try {
          const auto cert = crypto::Certificate::fromPem(pem);
          ok = cert.commonName() == nodeCode;
          if (ok && !o.trustedCas.empty()) {
            ok = false;
            for (const auto& ca : o.trustedCas) ok = ok || cert.issuedBy(ca);
          }
        } catch (const crypto::CryptoError&) {
          ok = false;
        }
        trusted = trustedCertificates.emplace(pem, ok).first;
      }
      const auto signature = mapping::base64Decode(cps.text(i, 6));
      if (!trusted->second) {
        problem = "its certificate is not this node's (CN " + nodeCode +
                  (o.trustedCas.empty() ? ")" : ", issued by the regional CA)");
      } else if (signer != nodeCode || !signature ||
                 !crypto::verifySha256(crypto::Certificate::fromPem(pem).publicKey(),
                                       checkpointBytes(signer, eventId, cpHead, signedAt),
                                       *signature)) {
        problem = "its signature does not verify";
      }
      if (!problem.empty()) {
        if (!checkpointBreak || eventId < checkpointBreak->id) {
          checkpointBreak =
              ChainBreak{eventId, "checkpoint",
                         "checkpoint " + cps.text(i, 0) + " (row " + std::to_string(eventId) +
                             ", signed " + signedAt + ") is not genuine: " + problem};
        }
        continue;
      }
      checkpoints.emplace(eventId, CheckedCheckpoint{eventId, cpHead, signedAt});
    }

    // Where the walk starts.
    long long prevId = 0;
    std::string prevHash = kZeroHash;
    long long lastGoodCheckpoint = 0;
    bool anchored = !o.from;
    if (!o.from) {
      auto archived =
          conn.exec("SELECT last_id, last_hash FROM audit_archives ORDER BY last_id DESC LIMIT 1");
      if (archived.rows() == 1) {
        prevId = archived.integer(0, 0);
        prevHash = archived.text(0, 1);
        lastGoodCheckpoint = prevId;
      }
    }

    conn.execParams(std::string("DECLARE audit_walk NO SCROLL CURSOR FOR SELECT ") + kWalkColumns +
                        " FROM exchange_events WHERE ($1::text IS NULL OR at >= $1) AND "
                        "($2::text IS NULL OR at < $2) ORDER BY id",
                    {o.from, o.to});
    const std::string fetch = "FETCH FORWARD " + std::to_string(o.batchRows) + " FROM audit_walk";
    std::optional<ChainBreak> chainBreak;
    auto checkpointAt = checkpoints.begin();
    while (!chainBreak) {
      auto batch = conn.exec(fetch);
      if (batch.rows() == 0) break;
      for (int i = 0; i < batch.rows() && !chainBreak; ++i) {
        Row row = walkRowAt(batch, i);
        if (!anchored) {
          // A range starts from its first row's own link (rows before it are not checked).
          prevId = row.id - 1;
          prevHash = wholeRow(conn, row).prevHash;
          anchored = true;
        }
        if (row.id != prevId + 1 ||
            store::eventHash(prevHash, row.id, row.at, row.event) != row.hash) {
          chainBreak = diagnose(conn, wholeRow(conn, row), prevId, prevHash);
          break;
        }
        if (row.id > headId) {
          chainBreak =
              ChainBreak{row.id, "inserted",
                         "row " + std::to_string(row.id) + " lies beyond the audit head (row " +
                             std::to_string(headId) + "): appended outside the node"};
          break;
        }
        while (checkpointAt != checkpoints.end() && checkpointAt->first < row.id) ++checkpointAt;
        for (; checkpointAt != checkpoints.end() && checkpointAt->first == row.id; ++checkpointAt) {
          const auto& cp = checkpointAt->second;
          if (cp.head != row.hash) {
            chainBreak =
                ChainBreak{lastGoodCheckpoint + 1, "rewritten",
                           "row " + std::to_string(row.id) + " no longer has the head signed at " +
                               cp.signedAt + ": the chain was recomputed somewhere in " +
                               idRange(lastGoodCheckpoint + 1, row.id)};
            break;
          }
          ++result.checkpointsChecked;
          lastGoodCheckpoint = row.id;
          result.lastCheckpoint = CheckpointSummary{cp.eventId, cp.head, cp.signedAt};
        }
        if (chainBreak) break;
        prevId = row.id;
        prevHash = row.hash;
        ++result.rowsChecked;
      }
    }
    conn.exec("CLOSE audit_walk");

    if (!chainBreak && !o.to) {
      if (prevId < headId) {
        chainBreak =
            ChainBreak{prevId + 1, "deleted",
                       idRange(prevId + 1, headId) + " missing at the end: the audit head is row " +
                           std::to_string(headId)};
      } else if (prevId == headId && prevHash != headHash && result.rowsChecked > 0) {
        chainBreak = ChainBreak{prevId, "edited",
                                "the last row's hash is not the recorded audit head (row " +
                                    std::to_string(headId) + " was rewritten)"};
      } else if (!checkpoints.empty() && checkpoints.rbegin()->first > prevId) {
        const auto& cp = checkpoints.rbegin()->second;
        chainBreak = ChainBreak{prevId + 1, "deleted",
                                "the checkpoint signed at " + cp.signedAt + " covers row " +
                                    std::to_string(cp.eventId) + " but the chain ends at row " +
                                    std::to_string(prevId)};
      }
    }
    result.firstBreak = chainBreak;
    if (checkpointBreak && (!chainBreak || checkpointBreak->id <= chainBreak->id)) {
      result.firstBreak = checkpointBreak;
    }
    result.lastId = prevId;
    result.head = prevHash;
  });
  return result;
}

std::optional<CheckpointSummary> writeCheckpoint(store::PgConnection& conn,
                                                 const std::string& nodeCode,
                                                 const crypto::Key& nodeKey,
                                                 const crypto::Certificate& nodeCertificate) {
  return store::inTransaction(conn, [&]() -> std::optional<CheckpointSummary> {
    auto head = conn.exec("SELECT last_id, hash FROM audit_head");
    const long long eventId = head.integer(0, 0);
    if (eventId == 0) return std::nullopt;
    auto newest = conn.exec("SELECT max(event_id) FROM audit_checkpoints");
    if (!newest.isNull(0, 0) && newest.integer(0, 0) >= eventId) return std::nullopt;
    CheckpointSummary cp{eventId, head.text(0, 1), store::databaseTimestamp(conn)};
    const std::string signature =
        crypto::signSha256(nodeKey, checkpointBytes(nodeCode, cp.eventId, cp.head, cp.signedAt));
    conn.execParams(
        "INSERT INTO audit_checkpoints (event_id, head, signed_at, node_code, certificate, "
        "signature) VALUES ($1, $2, $3, $4, $5, $6)",
        {std::to_string(cp.eventId), cp.head, cp.signedAt, nodeCode, nodeCertificate.pem(),
         mapping::base64Encode(signature)});
    return cp;
  });
}

int ensurePartitions(store::PgConnection& conn, int monthsAhead) {
  int created = 0;
  for (int k = 0; k <= monthsAhead; ++k) {
    auto m = conn.execParams(
        "SELECT to_char(now() AT TIME ZONE 'UTC' + make_interval(months => $1::int), 'YYYY-MM'), "
        "to_char(now() AT TIME ZONE 'UTC' + make_interval(months => $1::int + 1), 'YYYY-MM')",
        {std::to_string(k)});
    const std::string month = m.text(0, 0), next = m.text(0, 1);
    const std::string table = "exchange_events_" + month.substr(0, 4) + "_" + month.substr(5, 2);
    auto exists = conn.execParams("SELECT to_regclass($1) IS NOT NULL", {table});
    if (exists.text(0, 0) == "t") continue;
    // Rows of this month that landed in the default partition move into the new one, so making
    // a partition late never fails.
    const bool made = store::inTransaction(conn, [&] {
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
    if (!made) continue;
    spdlog::info("audit: made the partition for {}", month);
    ++created;
  }
  return created;
}

std::vector<std::string> partitionMonths(store::PgConnection& conn) {
  auto r = conn.exec(
      "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
      "WHERE i.inhparent = 'exchange_events'::regclass AND c.relname <> 'exchange_events_default' "
      "ORDER BY 1");
  std::vector<std::string> out;
  const std::string prefix = "exchange_events_";
  for (int i = 0; i < r.rows(); ++i) {
    const std::string name = r.text(i, 0);
    if (name.size() != prefix.size() + 7) continue;
    out.push_back(name.substr(prefix.size(), 4) + "-" + name.substr(prefix.size() + 5, 2));
  }
  return out;
}

std::vector<Witness> witnesses(store::PgConnection& conn) {
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

}  // namespace tsunagi::audit
