#include "tests/support/test_postgres.hpp"

#include <linux/magic.h>
#include <signal.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <mutex>
#include <optional>
#include <stdexcept>

#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/pg.hpp"
#include "tests/support/test_logs.hpp"
#include "tests/support/test_run.hpp"

namespace fs = std::filesystem;

namespace tsunagi::testing {

namespace {

constexpr const char* kPrefix = "tsunagi-test-";

std::string makeTempDir(const std::string& label, const fs::path& parent) {
  std::string templ = ((parent.empty() ? fs::temp_directory_path() : parent) /
                       (kPrefix + std::to_string(getpid()) + "-" + label + "-XXXXXX"))
                          .string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("cannot create a temporary directory");
  // The embedded cluster may run as another user (when tests run as root): let it traverse.
  fs::permissions(templ, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
  return templ;
}

// Every test process's databases are named t_PID_N; the template of the migrated ones
// tsunagi_template_SCHEMA_YYYYMM: SCHEMA hashes the migrations (a changed migration makes a new
// template), the month is there because migration 5 makes the partitions of the current month
// and the next two (a template kept on an external server must not fall behind).
std::string databasePrefix() { return "t_" + std::to_string(getpid()) + "_"; }

std::string templateName() {
  std::uint64_t hash = 14695981039346656037ULL;  // FNV-1a, 64 bits
  auto add = [&hash](const std::string& text) {
    for (unsigned char c : text) hash = (hash ^ c) * 1099511628211ULL;
  };
  for (const auto& m : store::nodeMigrations()) add(std::to_string(m.version) + '\n' + m.sql);
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[40];
  std::snprintf(text, sizeof text, "%016llx_%04d%02d", static_cast<unsigned long long>(hash),
                utc.tm_year + 1900, utc.tm_mon + 1);
  return std::string("tsunagi_template_") + text;
}

// Serialises template building between the processes of a run (and runs sharing a server).
constexpr const char* kTemplateLock = "SELECT pg_advisory_lock(7234298125117401901)";
constexpr const char* kTemplateUnlock = "SELECT pg_advisory_unlock(7234298125117401901)";

// FILE_COPY copies the template's files and checkpoints; WAL_LOG (PostgreSQL 15's default)
// copies block by block through the WAL. On the harness's cluster in /dev/shm FILE_COPY took
// 14 ms, WAL_LOG 35 ms (docs/development.md, "The PostgreSQL test harness").
constexpr const char* kCopyStrategy = "FILE_COPY";

}  // namespace

fs::path clusterParentDirectory() {
  struct statfs shm {};
  constexpr unsigned long long kRoom = 2ULL << 30;  // the cluster, its WAL, a run's databases
  if (statfs("/dev/shm", &shm) == 0 && shm.f_type == TMPFS_MAGIC &&
      static_cast<unsigned long long>(shm.f_bavail) * shm.f_bsize >= kRoom &&
      access("/dev/shm", W_OK | X_OK) == 0) {
    return "/dev/shm";
  }
  return fs::temp_directory_path();
}

void removeStaleTempDirs() {
  removeStaleTempDirsIn(fs::temp_directory_path());
  removeStaleTempDirsIn(clusterParentDirectory());
}

void removeStaleTempDirsIn(const fs::path& parent) {
  std::error_code ec;
  const std::string prefix = kPrefix;
  for (const auto& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    const auto dash = name.find('-', prefix.size());
    const std::string pidText = name.substr(
        prefix.size(), dash == std::string::npos ? std::string::npos : dash - prefix.size());
    char* end = nullptr;
    const long pid = std::strtol(pidText.c_str(), &end, 10);
    if (pid <= 0 || end == pidText.c_str() || *end != '\0') continue;
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

TempDir::TempDir(const std::string& label, const fs::path& parent)
    : path_(makeTempDir(label, parent)) {}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

std::unique_ptr<store::EmbeddedPostgres> startTestCluster(const fs::path& rootDir) {
  store::EmbeddedPostgresOptions options;
  options.rootDir = rootDir;
  options.fastInit = true;
  // A throw-away cluster: nothing in it outlives the run, so it may lose everything in a crash.
  // Without these each CREATE/DROP DATABASE and every commit waits for the disk. The WAL is kept
  // small: the cluster usually lives in memory (clusterParentDirectory).
  options.settings = {{"max_connections", "200"},
                      {"fsync", "off"},
                      {"synchronous_commit", "off"},
                      {"full_page_writes", "off"},
                      {"max_wal_size", "256MB"}};
  auto cluster = std::make_unique<store::EmbeddedPostgres>(options);
  cluster->start();
  return cluster;
}

void keepAuditChainsOfDatabases(const std::string& adminConninfo,
                                const std::function<std::string(const std::string&)>& conninfoOf,
                                const std::string& prefix, bool drop) noexcept {
  try {
    store::PgConnection admin(adminConninfo);
    const auto left = admin.execParams(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname",
        {prefix});
    for (int i = 0; i < left.rows(); ++i) {
      const std::string name = left.text(i, 0);
      keepAuditChain(conninfoOf(name), name);
      if (drop) admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "test harness: cannot keep the audit chains of the databases left: %s\n",
                 e.what());
  }
}

struct TestPostgres::Impl {
  enum class Kind { Unset, External, Shared, Private };

  mutable std::mutex mutex;
  Kind kind = Kind::Unset;
  std::string external;  // TSUNAGI_TEST_PG
  fs::path sharedRoot;   // the ctest run's cluster (test_run.hpp)
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<store::EmbeddedPostgres> cluster;
  std::atomic<int> counter{0};
  std::string migratedTemplate;  // set once the template exists

  void ensureStarted() {
    if (kind != Kind::Unset) return;
    if (const char* env = std::getenv("TSUNAGI_TEST_PG"); env && *env) {
      external = env;
      kind = Kind::External;
      return;
    }
    if (auto root = sharedClusterRoot()) {
      sharedRoot = *root;
      kind = Kind::Shared;
      return;
    }
    removeStaleTempDirs();
    dir = std::make_unique<TempDir>("pg", clusterParentDirectory());
    cluster = startTestCluster(fs::path(dir->path()) / "cluster");
    kind = Kind::Private;
  }

  std::string conninfo(const std::string& database) const {
    switch (kind) {
      case Kind::External:
        return external + " dbname=" + database;
      case Kind::Shared:
        if (auto info = store::runningClusterConninfo(sharedRoot, database)) return *info;
        throw std::runtime_error("the ctest run's PostgreSQL cluster in " + sharedRoot.string() +
                                 " is not running any more (was test_run_stop run early?)");
      case Kind::Private:
        return cluster->conninfo(database);
      case Kind::Unset:
        break;
    }
    throw std::logic_error("test harness: PostgreSQL used before it was started");
  }

  // The template exists after this, made by this process or another one.
  void ensureTemplate(store::PgConnection& admin) {
    if (!migratedTemplate.empty()) return;
    const std::string name = templateName();
    admin.exec(kTemplateLock);
    try {
      if (admin.execParams("SELECT 1 FROM pg_database WHERE datname = $1", {name}).rows() == 0) {
        // Built under another name and renamed when complete: a process killed half-way leaves
        // no template that looks finished.
        const std::string building = name + "_b";
        admin.exec("DROP DATABASE IF EXISTS " + building + " WITH (FORCE)");
        admin.exec("CREATE DATABASE " + building);
        {
          store::PgConnection conn(conninfo(building));
          store::migrate(conn);
        }
        admin.exec("ALTER DATABASE " + building + " RENAME TO " + name);
      }
    } catch (...) {
      admin.exec(kTemplateUnlock);
      throw;
    }
    admin.exec(kTemplateUnlock);
    migratedTemplate = name;
  }
};

TestPostgres::TestPostgres() : impl_(std::make_unique<Impl>()) {}

TestPostgres& TestPostgres::instance() {
  static TestPostgres* harness = new TestPostgres();  // lives until exit; shutdown() stops it
  return *harness;
}

std::string TestPostgres::createDatabase(Schema schema) {
  std::lock_guard lock(impl_->mutex);
  impl_->ensureStarted();
  const std::string name = databasePrefix() + std::to_string(++impl_->counter);
  store::PgConnection admin(impl_->conninfo("postgres"));
  // A database of an earlier process with the same pid (a crashed run on an external server).
  admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  if (schema == Schema::Migrated) {
    impl_->ensureTemplate(admin);
    admin.exec("CREATE DATABASE " + name + " TEMPLATE " + impl_->migratedTemplate + " STRATEGY " +
               kCopyStrategy);
  } else {
    admin.exec("CREATE DATABASE " + name);
  }
  return name;
}

void TestPostgres::dropDatabase(const std::string& name) {
  std::lock_guard lock(impl_->mutex);
  if (impl_->kind == Impl::Kind::Unset) return;
  // What the test left in the audit chain is checked by privacy_scan (tests/support/test_logs.hpp).
  keepAuditChain(impl_->conninfo(name), name);
  store::PgConnection admin(impl_->conninfo("postgres"));
  admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

std::string TestPostgres::conninfo(const std::string& database) const {
  std::lock_guard lock(impl_->mutex);
  impl_->ensureStarted();
  return impl_->conninfo(database);
}

void TestPostgres::shutdown() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->kind == Impl::Kind::Unset) return;
  // Databases nobody dropped (a test's static fixture) still have their audit chain checked; on
  // a server that outlives this process they are dropped too.
  const auto conninfoOf = [this](const std::string& db) { return impl_->conninfo(db); };
  try {
    keepAuditChainsOfDatabases(impl_->conninfo("postgres"), conninfoOf, databasePrefix(),
                               /*drop=*/impl_->kind != Impl::Kind::Private);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "test harness: %s\n", e.what());
  }
  if (impl_->cluster) {
    impl_->cluster->stop();
    // The server's own log is kept too (an error's DETAIL may quote a row).
    keepChildLog(impl_->cluster->logFile(), "postgres");
  }
  impl_->cluster.reset();
  impl_->dir.reset();
  impl_->kind = Impl::Kind::Unset;
  impl_->migratedTemplate.clear();
}

std::string TestPostgres::clusterDirectory() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->dir ? impl_->dir->path() : std::string();
}

}  // namespace tsunagi::testing
