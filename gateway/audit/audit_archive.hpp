#pragma once
// Retention of the audit log: a closed month is written to a signed file (JSON lines, one row per
// line, the node's signature on the last line) that can be checked offline, then its partition is
// dropped. The first row left in the table links to the archive's last hash.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "gateway/audit/audit_log.hpp"

namespace tsunagi::audit {

struct NodeSigner {
  std::string nodeCode;
  crypto::Key key;
  crypto::Certificate certificate;
};

struct ArchiveResult {
  std::string month;
  std::filesystem::path file;  ///< empty when the month had no rows (its partition is just dropped)
  long long rows = 0;
  long long firstId = 0, lastId = 0;
};

/// Thrown when a month cannot be archived (not closed, an older month first, a broken chain).
class ArchiveError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The month (YYYY-MM, UTC, database clock) `monthsBack` months before the current one.
std::string monthsAgo(store::PgConnection& conn, int monthsBack);

/// Closed months (YYYY-MM, oldest first) that still have a partition and are older than
/// `keepOnlineMonths` months (database clock).
std::vector<std::string> monthsToArchive(store::PgConnection& conn, int keepOnlineMonths);

/// Verifies the chain up to the end of `month`, writes `directory`/audit-NODE-YYYY-MM.jsonl
/// (atomically), records it in audit_archives and drops the month's partition, in that order.
ArchiveResult archiveMonth(store::PgConnection& conn, const std::string& month,
                           const std::filesystem::path& directory, const NodeSigner& signer,
                           const std::vector<crypto::Certificate>& trustedCas);

struct ArchiveCheck {
  std::string node, month;
  long long rows = 0;
  long long firstId = 0, lastId = 0;
  std::string lastHash;
  bool issuerChecked = false;            ///< the signer certificate was checked against a CA
  std::optional<ChainBreak> firstBreak;  ///< kind "signature" when the file's signature fails
  bool ok() const { return !firstBreak; }
};

/// Checks an archive file offline: its signature (certificate CN = node; issued by one of
/// `trustedCas` when given) and its internal chain. Throws ArchiveError if it is not an archive.
ArchiveCheck verifyArchiveFile(const std::filesystem::path& file,
                               const std::vector<crypto::Certificate>& trustedCas);

/// Deletes archive files in `directory` whose month is before `cutoffMonth` (YYYY-MM); returns
/// them.
std::vector<std::filesystem::path> pruneArchives(const std::filesystem::path& directory,
                                                 const std::string& cutoffMonth);

}  // namespace tsunagi::audit
