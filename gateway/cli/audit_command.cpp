#include "gateway/cli/audit_command.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ostream>

#include "gateway/audit/audit_archive.hpp"
#include "gateway/cli/cli.hpp"
#include "gateway/config/node_config.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/migrations.hpp"

namespace tsunagi::cli {

namespace {

constexpr const char* kAuditUsage = R"(usage:
  tsunagi audit verify --config FILE [--from T] [--to T]
  tsunagi audit verify --archive FILE [--ca CA]...
  tsunagi audit archive --config FILE [--month YYYY-MM]
  tsunagi audit witnesses --config FILE
)";

/// The node's database for one command: the configured server, the embedded cluster of a running
/// node (through its socket), or the embedded cluster started for this command and stopped after.
class NodeDatabase {
 public:
  explicit NodeDatabase(const NodeOptions& options) {
    if (options.conninfo) {
      conninfo_ = *options.conninfo;
    } else if (auto running =
                   store::runningClusterConninfo(options.dataDir / "postgres", "tsunagi")) {
      conninfo_ = *running;
    } else {
      if (!std::filesystem::exists(options.dataDir / "postgres" / "data" / "PG_VERSION")) {
        throw std::runtime_error("no embedded database in " +
                                 (options.dataDir / "postgres").string() +
                                 ": has this node ever run?");
      }
      store::EmbeddedPostgresOptions pg;
      pg.rootDir = options.dataDir / "postgres";
      embedded_ = std::make_unique<store::EmbeddedPostgres>(pg);
      embedded_->start();
      conninfo_ = embedded_->conninfo("tsunagi");
    }
    conn_ = std::make_unique<store::PgConnection>(conninfo_);
    const int schema = store::schemaVersion(*conn_);
    const int known = store::nodeMigrations().back().version;
    if (schema != known) {
      throw std::runtime_error("the database is at schema version " + std::to_string(schema) +
                               ", this tsunagi expects " + std::to_string(known) +
                               (schema < known ? ": start the node once (tsunagi run) to migrate it"
                                               : ": use the tsunagi that runs the node"));
    }
  }
  ~NodeDatabase() {
    conn_.reset();
    if (embedded_) embedded_->stop();
  }
  store::PgConnection& conn() { return *conn_; }

 private:
  std::string conninfo_;
  std::unique_ptr<store::EmbeddedPostgres> embedded_;
  std::unique_ptr<store::PgConnection> conn_;
};

struct Args {
  std::optional<std::string> config, from, to, archive, month;
  std::vector<std::string> cas;
};

/// Parses --key VALUE pairs; returns the offending argument on a mistake.
std::optional<std::string> parseArgs(const std::vector<std::string>& args, Args& out) {
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string& key = args[i];
    if (i + 1 >= args.size()) return key;
    const std::string& value = args[++i];
    if (key == "--config")
      out.config = value;
    else if (key == "--from")
      out.from = value;
    else if (key == "--to")
      out.to = value;
    else if (key == "--archive")
      out.archive = value;
    else if (key == "--month")
      out.month = value;
    else if (key == "--ca")
      out.cas.push_back(value);
    else
      return key;
  }
  return std::nullopt;
}

std::vector<crypto::Certificate> configuredCas(const NodeOptions& options) {
  std::vector<crypto::Certificate> cas;
  if (options.exchange) {
    for (const auto& ca : options.exchange->tls.caFiles)
      cas.push_back(crypto::Certificate::fromPemFile(ca));
  }
  return cas;
}

void printBreak(std::ostream& out, const audit::ChainBreak& b) {
  out << "audit chain BROKEN at row " << b.id << ": " << b.kind << ": " << b.reason << '\n';
}

int verifyArchive(const Args& a, std::ostream& out) {
  std::vector<crypto::Certificate> cas;
  for (const auto& ca : a.cas) cas.push_back(crypto::Certificate::fromPemFile(ca));
  const auto check = audit::verifyArchiveFile(*a.archive, cas);
  if (!check.ok()) {
    out << *a.archive << ": ";
    if (check.firstBreak->kind == "signature") {
      out << "BAD SIGNATURE: " << check.firstBreak->reason << '\n';
    } else {
      printBreak(out, *check.firstBreak);
    }
    return kExitFailed;
  }
  out << *a.archive << ": OK node " << check.node << ", month " << check.month << ", " << check.rows
      << " rows (" << check.firstId << ".." << check.lastId << "), last hash " << check.lastHash
      << (check.issuerChecked ? ", signer issued by the given CA"
                              : ", signer's issuer not checked (give --ca)")
      << '\n';
  return kExitOk;
}

}  // namespace

int auditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  Args a;
  const std::string sub = args.empty() ? "" : args[0];
  if (sub != "verify" && sub != "archive" && sub != "witnesses") {
    err << "tsunagi audit: name a subcommand (verify, archive, witnesses)\n\n" << kAuditUsage;
    return kExitUsage;
  }
  if (auto bad = parseArgs(args, a)) {
    err << "tsunagi audit " << sub << ": unexpected or incomplete argument '" << *bad << "'\n\n"
        << kAuditUsage;
    return kExitUsage;
  }
  try {
    if (sub == "verify" && a.archive) {
      if (a.config || a.from || a.to) {
        err << "tsunagi audit verify: --archive checks a file offline; it takes only --ca\n";
        return kExitUsage;
      }
      return verifyArchive(a, out);
    }
    if (!a.config || (sub != "archive" && a.month) || (sub != "verify" && (a.from || a.to)) ||
        !a.cas.empty()) {
      err << "tsunagi audit " << sub << ": wrong arguments\n\n" << kAuditUsage;
      return kExitUsage;
    }
    NodeOptions options;
    try {
      options = config::loadNodeConfig(*a.config);
    } catch (const config::ConfigError& e) {
      err << e.what() << '\n';
      return kExitUsage;
    }
    NodeDatabase db(options);
    if (sub == "witnesses") {
      const auto list = audit::witnesses(db.conn());
      if (list.empty()) out << "no receipts from peers yet\n";
      for (const auto& w : list) {
        out << "peer " << w.peer << ": chain head " << w.chainHead << " at " << w.receivedAt
            << " (message " << w.messageId << ", " << w.receipts << " receipts kept)\n";
      }
      return kExitOk;
    }
    const auto cas = configuredCas(options);
    if (sub == "verify") {
      audit::VerifyOptions vo;
      vo.from = a.from;
      vo.to = a.to;
      vo.trustedCas = cas;
      const auto started = std::chrono::steady_clock::now();
      const auto result = audit::verifyChain(db.conn(), vo);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (!result.ok()) {
        printBreak(out, *result.firstBreak);
        out << "(" << result.rowsChecked << " rows before it verified)\n";
        return kExitFailed;
      }
      out << "audit chain OK: " << result.rowsChecked << " rows";
      if (result.rowsChecked > 0) out << " up to row " << result.lastId << ", head " << result.head;
      out << "; " << result.checkpointsChecked << " signed checkpoints";
      if (result.lastCheckpoint) {
        out << " (newest: row " << result.lastCheckpoint->eventId << ", signed "
            << result.lastCheckpoint->signedAt << ")";
      }
      if (cas.empty()) out << "; checkpoint signers' issuer not checked (no CA configured)";
      out << "; " << static_cast<long long>(seconds > 0 ? result.rowsChecked / seconds : 0)
          << " rows/s\n";
      return kExitOk;
    }
    // archive
    if (!options.exchange) {
      err << "tsunagi audit archive: archives are signed with the node key; configure "
             "<exchange><tls key certificate> in "
          << *a.config << '\n';
      return kExitUsage;
    }
    audit::NodeSigner signer{
        options.code, crypto::Key::privateFromPemFile(options.exchange->tls.keyFile),
        crypto::Certificate::fromPemFile(options.exchange->tls.certificateFile)};
    std::vector<std::string> months;
    if (a.month) {
      months.push_back(*a.month);
    } else {
      months = audit::monthsToArchive(db.conn(), options.audit.onlineMonths);
    }
    if (months.empty()) {
      out << "nothing to archive: no closed month older than " << options.audit.onlineMonths
          << " months\n";
    }
    for (const auto& month : months) {
      try {
        const auto r =
            audit::archiveMonth(db.conn(), month, options.audit.archiveDirectory, signer, cas);
        if (r.file.empty()) {
          out << month << ": no events; partition dropped\n";
        } else {
          out << month << ": " << r.rows << " rows (" << r.firstId << ".." << r.lastId
              << ") archived to " << r.file.string() << "; partition dropped\n";
        }
      } catch (const audit::ArchiveError& e) {
        out << month << ": not archived: " << e.what() << '\n';
        return kExitFailed;
      }
    }
    const std::string cutoff = audit::monthsAgo(db.conn(), options.audit.retentionMonths);
    for (const auto& removed : audit::pruneArchives(options.audit.archiveDirectory, cutoff)) {
      out << "removed " << removed.string() << " (older than " << options.audit.retentionMonths
          << " months)\n";
    }
    return kExitOk;
  } catch (const audit::ArchiveError& e) {
    err << "tsunagi audit " << sub << ": " << e.what() << '\n';
    return kExitUsage;
  } catch (const std::invalid_argument& e) {
    err << "tsunagi audit " << sub << ": " << e.what() << '\n';
    return kExitUsage;
  } catch (const std::runtime_error& e) {
    err << "tsunagi audit " << sub << ": " << e.what() << '\n';
    return kExitUsage;
  }
}

}  // namespace tsunagi::cli
