#include "gateway/store/embedded_postgres.hpp"

#include <libpq-fe.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "gateway/store/pg.hpp"

namespace fs = std::filesystem;

namespace tsunagi::store {

namespace {

constexpr std::size_t kMaxSocketPath = 100;  // sun_path is 108 bytes incl. "/.s.PGSQL.5432"

std::string quoteConnValue(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::optional<pid_t> livePostmasterPid(const fs::path& dataDir) {
  std::ifstream in(dataDir / "postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  if (kill(static_cast<pid_t>(pid), 0) == 0) return static_cast<pid_t>(pid);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> runningClusterConninfo(const fs::path& rootDir,
                                                  const std::string& database) {
  const fs::path dataDir = fs::absolute(rootDir).lexically_normal() / "data";
  if (!livePostmasterPid(dataDir)) return std::nullopt;
  // postmaster.pid: pid, data directory, start time, port, socket directory, …
  std::ifstream in(dataDir / "postmaster.pid");
  std::string line, port, socketDir;
  for (int i = 1; i <= 5 && std::getline(in, line); ++i) {
    if (i == 4) port = line;
    if (i == 5) socketDir = line;
  }
  if (socketDir.empty() || port.empty()) return std::nullopt;
  return "host=" + quoteConnValue(socketDir) + " port=" + port +
         " user=" + EmbeddedPostgres::kSuperuser + " dbname=" + quoteConnValue(database) +
         " connect_timeout=10";
}

bool isPlainDatabaseName(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

EmbeddedPostgres::EmbeddedPostgres(EmbeddedPostgresOptions options) : options_(std::move(options)) {
  if (options_.rootDir.empty()) throw EmbeddedPostgresError("embedded PostgreSQL: no directory given");
  options_.rootDir = fs::absolute(options_.rootDir).lexically_normal();
  dataDir_ = options_.rootDir / "data";
  logFile_ = options_.rootDir / "postgres.log";
  if (geteuid() == 0) {
    std::string user = options_.runAsUser;
    if (user.empty()) {
      try {
        runAs_ = RunAs::lookup("postgres");
      } catch (const std::runtime_error&) {
        runAs_ = RunAs::lookup("nobody");
      }
    } else {
      runAs_ = RunAs::lookup(user);
    }
  }
}

EmbeddedPostgres::~EmbeddedPostgres() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::error("embedded PostgreSQL: stop failed: {}", e.what());
  }
}

SpawnOptions EmbeddedPostgres::baseSpawn(std::vector<std::string> argv) const {
  SpawnOptions s;
  s.argv = std::move(argv);
  s.logFile = logFile_;
  s.runAs = runAs_;
  s.env = {"PATH=/usr/bin:/bin", "LC_ALL=C.UTF-8", "TZ=UTC"};
  s.mustReach = options_.rootDir;
  return s;
}

void EmbeddedPostgres::prepareDirectories() {
  std::error_code ec;
  fs::create_directories(options_.rootDir, ec);
  if (ec) {
    throw EmbeddedPostgresError("cannot create " + options_.rootDir.string() + ": " + ec.message());
  }
  fs::path run = options_.rootDir / "run";
  if ((run / ".s.PGSQL.5432").string().size() < kMaxSocketPath) {
    fs::create_directories(run);
    socketDir_ = run;
  } else {
    // A long data path would overflow sun_path: use a private directory under /tmp instead.
    std::string templ = (fs::temp_directory_path() / "tsunagi-pgsock-XXXXXX").string();
    if (!mkdtemp(templ.data())) {
      throw EmbeddedPostgresError("cannot create a socket directory under /tmp");
    }
    socketDir_ = templ;
    ownsTempSocketDir_ = true;
  }
  fs::permissions(options_.rootDir, fs::perms::owner_all, fs::perm_options::replace);
  fs::permissions(socketDir_, fs::perms::owner_all, fs::perm_options::replace);
  if (runAs_) {
    for (const fs::path& p : {options_.rootDir, socketDir_}) {
      if (chown(p.c_str(), runAs_->uid, runAs_->gid) != 0) {
        throw EmbeddedPostgresError("cannot hand " + p.string() + " to user " + runAs_->name);
      }
    }
    if (fs::exists(logFile_) && chown(logFile_.c_str(), runAs_->uid, runAs_->gid) != 0) {
      throw EmbeddedPostgresError("cannot hand " + logFile_.string() + " to user " + runAs_->name);
    }
  }
}

void EmbeddedPostgres::initdbIfNeeded() {
  if (fs::exists(dataDir_ / "PG_VERSION")) return;
  if (fs::exists(dataDir_) && !fs::is_empty(dataDir_)) {
    throw EmbeddedPostgresError(dataDir_.string() +
                                " exists but is not a PostgreSQL cluster (no PG_VERSION); "
                                "move it away or choose another data directory");
  }
  std::vector<std::string> argv = {(options_.binDir / "initdb").string(),
                                   "-D", dataDir_.string(),
                                   "-U", kSuperuser,
                                   "--auth=trust",
                                   "--encoding=UTF8",
                                   "--no-locale",
                                   "--no-instructions"};
  if (options_.fastInit) argv.push_back("--no-sync");
  spdlog::info("embedded PostgreSQL: initdb {}", dataDir_.string());
  int rc = runProcess(baseSpawn(argv));
  if (rc != 0) {
    std::string who = runAs_ ? " (running as user " + runAs_->name + ")" : "";
    throw EmbeddedPostgresError("initdb failed for " + dataDir_.string() + who + " with status " +
                                std::to_string(rc) + "; end of " + logFile_.string() + ":\n" +
                                tailOfFile(logFile_));
  }
}

void EmbeddedPostgres::start() {
  if (running()) return;
  if (!fs::exists(options_.binDir / "postgres")) {
    throw EmbeddedPostgresError("PostgreSQL 15 server binaries not found in " +
                                options_.binDir.string() + " (install the postgresql-15 package)");
  }
  prepareDirectories();
  if (auto other = livePostmasterPid(dataDir_)) {
    throw EmbeddedPostgresError("the cluster in " + dataDir_.string() +
                                " is already used by PostgreSQL process " + std::to_string(*other) +
                                " (is another tsunagi node using this data directory?)");
  }
  initdbIfNeeded();

  std::vector<std::string> argv = {(options_.binDir / "postgres").string(),
                                   "-D", dataDir_.string(),
                                   "-k", socketDir_.string(),
                                   "-c", "listen_addresses=",
                                   "-c", "unix_socket_permissions=0700",
                                   "-c", "logging_collector=off"};
  for (const auto& [key, value] : options_.settings) {
    argv.push_back("-c");
    argv.push_back(key + "=" + value);
  }
  SpawnOptions spawn = baseSpawn(argv);
  // If this process dies without stopping the cluster, the kernel asks postgres for a fast shutdown.
  spawn.parentDeathSignal = SIGINT;
  pid_ = spawnProcess(spawn);
  spdlog::info("embedded PostgreSQL: started pid {} on socket directory {}", pid_,
               socketDir_.string());
  try {
    waitUntilReady();
  } catch (...) {
    stop();
    throw;
  }
}

void EmbeddedPostgres::waitUntilReady() {
  const auto deadline = std::chrono::steady_clock::now() + options_.startTimeout;
  const std::string info = conninfo("postgres");
  for (;;) {
    if (PQping(info.c_str()) == PQPING_OK) return;
    if (auto status = waitForExit(pid_, std::chrono::milliseconds(0))) {
      pid_ = -1;
      throw EmbeddedPostgresError("PostgreSQL exited with status " + std::to_string(*status) +
                                  " while starting in " + dataDir_.string() + "; end of " +
                                  logFile_.string() + ":\n" + tailOfFile(logFile_));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw EmbeddedPostgresError("PostgreSQL did not accept connections within " +
                                  std::to_string(options_.startTimeout.count()) + " s in " +
                                  dataDir_.string() + "; end of log:\n" + tailOfFile(logFile_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

void EmbeddedPostgres::stop() {
  if (pid_ > 0) {
    kill(pid_, SIGINT);
    auto status = waitForExit(pid_, options_.stopTimeout);
    if (!status) {
      spdlog::warn("embedded PostgreSQL pid {} ignored fast shutdown; sending SIGQUIT", pid_);
      kill(pid_, SIGQUIT);
      status = waitForExit(pid_, std::chrono::seconds(10));
    }
    if (!status) {
      kill(pid_, SIGKILL);
      waitForExit(pid_, std::chrono::seconds(10));
    }
    spdlog::info("embedded PostgreSQL: stopped pid {}", pid_);
    pid_ = -1;
  }
  if (ownsTempSocketDir_) {
    std::error_code ec;
    fs::remove_all(socketDir_, ec);
    ownsTempSocketDir_ = false;
  }
}

std::string EmbeddedPostgres::conninfo(const std::string& database) const {
  return "host=" + quoteConnValue(socketDir_.string()) + " port=5432 user=" + kSuperuser +
         " dbname=" + quoteConnValue(database) + " connect_timeout=10";
}

void EmbeddedPostgres::ensureDatabase(const std::string& database) const {
  if (!isPlainDatabaseName(database)) {
    throw EmbeddedPostgresError("invalid database name '" + database + "' (use a-z, 0-9, _)");
  }
  PgConnection admin(conninfo("postgres"));
  auto found = admin.execParams("SELECT 1 FROM pg_database WHERE datname = $1", {database});
  if (found.rows() == 0) admin.exec("CREATE DATABASE " + database);
}

void EmbeddedPostgres::dropDatabase(const std::string& database) const {
  if (!isPlainDatabaseName(database)) {
    throw EmbeddedPostgresError("invalid database name '" + database + "' (use a-z, 0-9, _)");
  }
  PgConnection admin(conninfo("postgres"));
  admin.exec("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
}

}  // namespace tsunagi::store
