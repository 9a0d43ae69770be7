#include "gateway/audit/audit_log.hpp"

#include <spdlog/spdlog.h>

#include <map>
#include <stdexcept>

#include "gateway/store/audit_chain.hpp"
#include "mapping/digest.hpp"

namespace tsunagi::audit {

namespace {

const std::string kZeroHash(64, '0');

using Row = store::ChainRow;

bool selfConsistent(const Row& row) {
  return store::eventHash(row.prevHash, row.id, row.at, row.event) == row.hash;
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
  const bool consistent = selfConsistent(r);
  const bool linked = r.prevHash == prevHash;
  if (!linked) {
    if (auto x = store::chainRowWithHash(conn, r.prevHash, r.id)) {
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
  if (auto next = store::chainRowAfter(conn, r.id); next && next->prevHash == prevHash) {
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
    store::beginChainSnapshot(conn);
    const auto [headId, headHash] = store::auditHead(conn);
    const std::string nodeCode = store::recordedNodeCode(conn);

    // Checkpoints: each signature first; the heads are compared as the walk reaches their rows.
    std::optional<ChainBreak> checkpointBreak;
    std::multimap<long long, CheckedCheckpoint> checkpoints;
    std::map<std::string, bool> trustedCertificates;
    for (const auto& stored : store::checkpointsByRow(conn)) {
      const long long eventId = stored.eventId;
      const std::string &cpHead = stored.head, &signedAt = stored.signedAt;
      const std::string &signer = stored.nodeCode, &pem = stored.certificatePem;
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
      const auto signature = mapping::base64Decode(stored.signatureBase64);
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
                         "checkpoint " + stored.id + " (row " + std::to_string(eventId) +
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
      if (const auto archived = store::lastArchivedRow(conn)) {
        prevId = archived->lastId;
        prevHash = archived->hash;
        lastGoodCheckpoint = prevId;
      }
    }

    store::openChainWalk(conn, o.from, o.to);
    std::optional<ChainBreak> chainBreak;
    auto checkpointAt = checkpoints.begin();
    while (!chainBreak) {
      const auto batch = store::fetchChainWalk(conn, o.batchRows);
      if (batch.empty()) break;
      for (std::size_t i = 0; i < batch.size() && !chainBreak; ++i) {
        const Row& row = batch[i];
        if (!anchored) {
          // A range starts from its first row's own link (rows before it are not checked).
          prevId = row.id - 1;
          prevHash = store::wholeChainRow(conn, row).prevHash;
          anchored = true;
        }
        if (row.id != prevId + 1 ||
            store::eventHash(prevHash, row.id, row.at, row.event) != row.hash) {
          chainBreak = diagnose(conn, store::wholeChainRow(conn, row), prevId, prevHash);
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
    store::closeChainWalk(conn);

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
    const auto head = store::auditHead(conn);
    const long long eventId = head.lastId;
    if (eventId == 0) return std::nullopt;
    if (const auto newest = store::newestCheckpointRow(conn); newest && *newest >= eventId) {
      return std::nullopt;
    }
    CheckpointSummary cp{eventId, head.hash, store::databaseTimestamp(conn)};
    const std::string signature =
        crypto::signSha256(nodeKey, checkpointBytes(nodeCode, cp.eventId, cp.head, cp.signedAt));
    store::insertCheckpoint(conn, store::StoredCheckpoint{{},
                                                          cp.eventId,
                                                          cp.head,
                                                          cp.signedAt,
                                                          nodeCode,
                                                          nodeCertificate.pem(),
                                                          mapping::base64Encode(signature)});
    return cp;
  });
}

int ensurePartitions(store::PgConnection& conn, int monthsAhead) {
  int created = 0;
  for (int k = 0; k <= monthsAhead; ++k) {
    const auto bounds = store::monthFromNow(conn, k);
    if (store::partitionExists(conn, bounds.month)) continue;
    if (!store::makeMonthPartition(conn, bounds)) continue;
    spdlog::info("audit: made the partition for {}", bounds.month);
    ++created;
  }
  return created;
}

std::vector<std::string> partitionMonths(store::PgConnection& conn) {
  std::vector<std::string> out;
  const std::string prefix = "exchange_events_";
  for (const auto& name : store::monthPartitionNames(conn)) {
    if (name.size() != prefix.size() + 7) continue;
    out.push_back(name.substr(prefix.size(), 4) + "-" + name.substr(prefix.size() + 5, 2));
  }
  return out;
}

}  // namespace tsunagi::audit
