#include "gateway/audit/audit_archive.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>

#include "gateway/common/atomic_file.hpp"
#include "gateway/store/audit_chain.hpp"
#include "mapping/digest.hpp"
#include "mapping/json/reader.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::audit {

namespace {

constexpr const char* kFormat = "tsunagi-audit-archive-1";
const std::string kSignaturePrefix = "{\"signature\":\"";

bool plainMonth(const std::string& m) {
  return m.size() == 7 && m[4] == '-' &&
         std::all_of(m.begin(), m.end(),
                     [](char c) { return (c >= '0' && c <= '9') || c == '-'; }) &&
         m.substr(5) >= "01" && m.substr(5) <= "12";
}

std::string nextMonth(const std::string& month) {
  int year = std::stoi(month.substr(0, 4)), mon = std::stoi(month.substr(5, 2)) + 1;
  if (mon == 13) {
    mon = 1;
    ++year;
  }
  char out[32];
  std::snprintf(out, sizeof out, "%04d-%02d", year, mon);
  return out;
}

void appendField(std::string& out, const char* name, const std::optional<std::string>& value,
                 bool first = false) {
  if (!first) out += ',';
  mapping::json::appendJsonString(out, name);
  out += ':';
  if (value) {
    mapping::json::appendJsonString(out, *value);
  } else {
    out += "null";
  }
}

void appendNumber(std::string& out, const char* name, long long value) {
  out += ',';
  mapping::json::appendJsonString(out, name);
  out += ':' + std::to_string(value);
}

// A member every line of an archive has.
std::string required(const mapping::json::JsonView& line, const char* key) {
  return line.requiredString(key, "every archive line has it");
}

long long requiredNumber(const mapping::json::JsonView& line, const char* key) {
  const auto value = line.integer(key);
  if (!value) throw mapping::json::JsonError(line.memberPath(key), "is required");
  return *value;
}

}  // namespace

std::string monthsAgo(store::PgConnection& conn, int monthsBack) {
  return store::monthFromNow(conn, -monthsBack).month;
}

std::vector<std::string> monthsToArchive(store::PgConnection& conn, int keepOnlineMonths) {
  const std::string cutoff = monthsAgo(conn, keepOnlineMonths);
  const std::string now = monthsAgo(conn, 0);
  std::vector<std::string> out;
  for (const auto& m : partitionMonths(conn)) {
    if (m < cutoff && m < now) out.push_back(m);
  }
  return out;
}

ArchiveResult archiveMonth(store::PgConnection& conn, const std::string& month,
                           const std::filesystem::path& directory, const NodeSigner& signer,
                           const std::vector<crypto::Certificate>& trustedCas) {
  if (!plainMonth(month)) throw ArchiveError("'" + month + "' is not a month like 2025-04");
  if (month >= monthsAgo(conn, 0)) {
    throw ArchiveError("month " + month + " is not closed yet: only months before " +
                       monthsAgo(conn, 0) + " can be archived");
  }
  const auto months = partitionMonths(conn);
  if (std::find(months.begin(), months.end(), month) == months.end()) {
    throw ArchiveError("month " + month + " has no partition (already archived?)");
  }
  const std::string end = nextMonth(month);
  ArchiveResult result{month, {}, 0, 0, 0};
  const store::MonthSpan span = store::monthSpan(conn, month, end);
  result.rows = span.rows;
  if (result.rows > 0) {
    if (const auto older = store::oldestRowBefore(conn, month)) {
      throw ArchiveError("archive " + older->substr(0, 7) + " first: months are archived " +
                         "oldest first so that the chain stays anchored");
    }
    VerifyOptions upToEnd;
    upToEnd.to = end;
    upToEnd.trustedCas = trustedCas;
    const VerifyResult check = verifyChain(conn, upToEnd);
    if (check.firstBreak) {
      throw ArchiveError("the chain is broken at row " + std::to_string(check.firstBreak->id) +
                         " (" + check.firstBreak->kind + ": " + check.firstBreak->reason +
                         "); nothing was archived");
    }
    result.firstId = span.firstId;
    result.lastId = span.lastId;

    const std::vector<store::ChainRow> rows = store::monthRows(conn, month, end);
    std::string header = "{";
    appendField(header, "format", std::string(kFormat), true);
    appendField(header, "node", signer.nodeCode);
    appendField(header, "month", month);
    appendNumber(header, "rows", static_cast<long long>(rows.size()));
    appendNumber(header, "firstId", result.firstId);
    appendNumber(header, "lastId", result.lastId);
    appendField(header, "firstPrevHash", rows.front().prevHash);
    appendField(header, "lastHash", rows.back().hash);
    appendField(header, "certificate", signer.certificate.pem());
    std::string body = header + "}\n";
    for (const store::ChainRow& row : rows) {
      body += "{";
      mapping::json::appendJsonString(body, "id");
      body += ':' + std::to_string(row.id);
      appendField(body, "at", row.at);
      appendField(body, "event", row.event.event);
      appendField(body, "direction", row.event.direction);
      appendField(body, "peer", row.event.peer);
      appendField(body, "messageId", row.event.messageId);
      appendField(body, "detail", row.event.detailJson);
      appendField(body, "prevHash", row.prevHash);
      appendField(body, "hash", row.hash);
      body += "}\n";
    }
    const std::string signature = crypto::signSha256(signer.key, body);
    body += kSignaturePrefix + mapping::base64Encode(signature) + "\"}\n";
    std::filesystem::create_directories(directory);
    result.file = directory / ("audit-" + signer.nodeCode + "-" + month + ".jsonl");
    writeFileAtomically(result.file, body, 0640);
    // The file must check before the rows go.
    if (const auto reread = verifyArchiveFile(result.file, trustedCas); !reread.ok()) {
      throw ArchiveError("the archive just written does not verify (" + reread.firstBreak->reason +
                         "); nothing was dropped");
    }
    const store::ArchiveRecord record{month,
                                      result.firstId,
                                      result.lastId,
                                      rows.front().prevHash,
                                      rows.back().hash,
                                      result.rows,
                                      result.file.string(),
                                      mapping::sha256Hex(body)};
    store::retireMonth(conn, month, &record);
  } else {
    store::retireMonth(conn, month, nullptr);
  }
  spdlog::info("audit: archived {} ({} rows) to {}", month, result.rows,
               result.file.empty() ? "nothing (empty month)" : result.file.string());
  return result;
}

ArchiveCheck verifyArchiveFile(const std::filesystem::path& file,
                               const std::vector<crypto::Certificate>& trustedCas) {
  const std::string bytes = readWholeFile(file);
  const auto sigLine = bytes.rfind(kSignaturePrefix);
  if (sigLine == std::string::npos || (sigLine > 0 && bytes[sigLine - 1] != '\n')) {
    throw ArchiveError(file.string() +
                       ": no signature line: not a tsunagi audit archive, or cut short");
  }
  const std::string signedPart = bytes.substr(0, sigLine);
  ArchiveCheck check;
  std::size_t lineStart = 0;
  int lineNo = 0;
  auto nextLine = [&]() -> std::optional<std::string> {
    if (lineStart >= signedPart.size()) return std::nullopt;
    const auto end = signedPart.find('\n', lineStart);
    std::string line = signedPart.substr(lineStart, end - lineStart);
    lineStart = end == std::string::npos ? signedPart.size() : end + 1;
    ++lineNo;
    return line;
  };
  // The archive's own lines, read back exactly (a detail may hold an escaped control character).
  mapping::json::JsonLimits limits;
  limits.controlCharacters = true;
  auto parseLine = [&](const std::string& line) {
    try {
      return mapping::json::parseJson(line, limits).root("");
    } catch (const mapping::json::JsonError& e) {
      throw ArchiveError(file.string() + ":" + std::to_string(lineNo) +
                         ": not a JSON object: " + e.issues().front().message);
    }
  };
  std::optional<crypto::Certificate> cert;
  std::string prevHash;
  long long prevId = 0;
  try {
    auto headerLine = nextLine();
    if (!headerLine) throw ArchiveError(file.string() + ": empty archive");
    auto header = parseLine(*headerLine);
    if (header.string("format").value_or("") != kFormat) {
      throw ArchiveError(file.string() + ":1: format is not " + std::string(kFormat));
    }
    check.node = required(header, "node");
    check.month = required(header, "month");
    check.firstId = requiredNumber(header, "firstId");
    check.lastId = requiredNumber(header, "lastId");
    check.lastHash = required(header, "lastHash");
    const long long declaredRows = requiredNumber(header, "rows");
    cert = crypto::Certificate::fromPem(required(header, "certificate"));
    prevHash = required(header, "firstPrevHash");
    prevId = check.firstId - 1;
    while (auto line = nextLine()) {
      const auto o = parseLine(*line);
      const long long id = requiredNumber(o, "id");
      store::Event e{required(o, "event"), required(o, "direction"), o.string("peer"),
                     o.string("messageId"), required(o, "detail")};
      const std::string at = required(o, "at");
      const std::string rowPrev = required(o, "prevHash");
      const std::string hash = required(o, "hash");
      if (id == prevId) {
        check.firstBreak = ChainBreak{id, "inserted", "a second row with id " + std::to_string(id)};
      } else if (id != prevId + 1) {
        check.firstBreak =
            ChainBreak{prevId + 1, id > prevId ? "deleted" : "reordered",
                       "row " + std::to_string(id) + " follows row " + std::to_string(prevId)};
      } else if (rowPrev != prevHash) {
        check.firstBreak = ChainBreak{
            id, "reordered",
            "row " + std::to_string(id) + " does not link to row " + std::to_string(prevId)};
      } else if (store::eventHash(rowPrev, id, at, e) != hash) {
        check.firstBreak =
            ChainBreak{id, "edited", "row " + std::to_string(id) + " does not match its hash"};
      } else if (at.rfind(check.month, 0) != 0) {
        check.firstBreak =
            ChainBreak{id, "inserted", "row " + std::to_string(id) + " is not of " + check.month};
      }
      if (check.firstBreak) break;
      prevId = id;
      prevHash = hash;
      ++check.rows;
    }
    if (!check.firstBreak &&
        (check.rows != declaredRows || prevId != check.lastId || prevHash != check.lastHash)) {
      check.firstBreak = ChainBreak{prevId + 1, "deleted",
                                    "the archive declares rows " + std::to_string(check.firstId) +
                                        ".." + std::to_string(check.lastId) + " but ends at row " +
                                        std::to_string(prevId)};
    }
  } catch (const mapping::json::JsonError& e) {
    throw ArchiveError(file.string() + ":" + std::to_string(lineNo) + ": " +
                       e.issues().front().path + ": " + e.issues().front().message);
  } catch (const crypto::CryptoError& e) {
    throw ArchiveError(file.string() + ":1: certificate: " + e.what());
  }
  if (check.firstBreak) return check;

  std::string problem;
  const std::string sigText = bytes.substr(sigLine + kSignaturePrefix.size());
  const auto quote = sigText.find('"');
  const auto signature = mapping::base64Decode(sigText.substr(0, quote));
  if (cert->commonName() != check.node) {
    problem = "signed by " + cert->commonName() + ", not by node " + check.node;
  } else if (!signature || !crypto::verifySha256(cert->publicKey(), signedPart, *signature)) {
    problem = "the signature does not verify: the file was changed after it was written";
  } else if (!trustedCas.empty()) {
    check.issuerChecked = true;
    bool issued = false;
    for (const auto& ca : trustedCas) issued = issued || cert->issuedBy(ca);
    if (!issued) problem = "the signer's certificate is not issued by the given CA";
  }
  if (!problem.empty()) check.firstBreak = ChainBreak{0, "signature", problem};
  return check;
}

std::vector<std::filesystem::path> pruneArchives(const std::filesystem::path& directory,
                                                 const std::string& cutoffMonth) {
  std::vector<std::filesystem::path> removed;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
    const std::string name = entry.path().filename().string();
    // audit-NNNNNN-YYYY-MM.jsonl
    if (name.size() != 26 || name.rfind("audit-", 0) != 0 || name.substr(20) != ".jsonl") continue;
    const std::string month = name.substr(13, 7);
    if (!plainMonth(month) || month >= cutoffMonth) continue;
    std::filesystem::remove(entry.path());
    spdlog::info("audit: removed {} (older than the retention period)", entry.path().string());
    removed.push_back(entry.path());
  }
  return removed;
}

}  // namespace tsunagi::audit
