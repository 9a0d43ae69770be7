#include "tests/support/test_postgres.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>

#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/pg.hpp"
#include "tests/support/test_logs.hpp"

namespace fs = std::filesystem;

namespace tsunagi::testing {

namespace {

constexpr const char* kPrefix = "tsunagi-test-";

// A crashed earlier run may have left its directory behind: remove those whose process is gone.
void removeStaleDirectories() {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(fs::temp_directory_path(), ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kPrefix, 0) != 0) continue;
    const auto dash = name.find('-', std::string(kPrefix).size());
    const std::string pidText = name.substr(std::string(kPrefix).size(),
                                            dash == std::string::npos ? std::string::npos
                                                                      : dash - std::string(kPrefix).size());
    char* end = nullptr;
    const long pid = std::strtol(pidText.c_str(), &end, 10);
    if (pid <= 0 || end == pidText.c_str() || *end != '\0') continue;
    if (kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) fs::remove_all(entry.path(), ec);
  }
}

std::string makeTempDir(const std::string& label) {
  std::string templ = (fs::temp_directory_path() /
                       (kPrefix + std::to_string(getpid()) + "-" + label + "-XXXXXX")).string();
  if (!mkdtemp(templ.data())) throw std::runtime_error("cannot create a temporary directory");
  // The embedded cluster may run as another user (when tests run as root): let it traverse.
  fs::permissions(templ, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec,
                  fs::perm_options::replace);
  return templ;
}

}  // namespace

TempDir::TempDir(const std::string& label) : path_(makeTempDir(label)) {}

TempDir::~TempDir() {
  std::error_code ec;
  fs::remove_all(path_, ec);
}

struct TestPostgres::Impl {
  std::mutex mutex;
  std::optional<std::string> external;  // TSUNAGI_TEST_PG
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<store::EmbeddedPostgres> cluster;
  std::atomic<int> counter{0};

  void ensureStarted() {
    if (external || cluster) return;
    removeStaleDirectories();
    dir = std::make_unique<TempDir>("pg");
    store::EmbeddedPostgresOptions options;
    options.rootDir = fs::path(dir->path()) / "cluster";
    options.fastInit = true;
    options.settings = {{"max_connections", "200"}};
    cluster = std::make_unique<store::EmbeddedPostgres>(options);
    cluster->start();
  }

  std::string adminConninfo() {
    return external ? *external + " dbname=postgres" : cluster->conninfo("postgres");
  }
};

TestPostgres::TestPostgres() : impl_(std::make_unique<Impl>()) {
  if (const char* env = std::getenv("TSUNAGI_TEST_PG"); env && *env) impl_->external = env;
}

TestPostgres& TestPostgres::instance() {
  static TestPostgres* harness = new TestPostgres();  // lives until exit; shutdown() stops it
  return *harness;
}

std::string TestPostgres::createDatabase() {
  std::lock_guard lock(impl_->mutex);
  impl_->ensureStarted();
  const std::string name = "t_" + std::to_string(getpid()) + "_" + std::to_string(++impl_->counter);
  store::PgConnection admin(impl_->adminConninfo());
  admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  admin.exec("CREATE DATABASE " + name);
  return name;
}

void TestPostgres::dropDatabase(const std::string& name) {
  std::lock_guard lock(impl_->mutex);
  if (!impl_->external && !impl_->cluster) return;
  // What the test left in the audit chain is checked by privacy_scan (tests/support/test_logs.hpp).
  keepAuditChain(
      impl_->external ? *impl_->external + " dbname=" + name : impl_->cluster->conninfo(name),
      name);
  store::PgConnection admin(impl_->adminConninfo());
  admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
}

std::string TestPostgres::conninfo(const std::string& database) const {
  std::lock_guard lock(impl_->mutex);
  impl_->ensureStarted();
  return impl_->external ? *impl_->external + " dbname=" + database
                         : impl_->cluster->conninfo(database);
}

void TestPostgres::shutdown() {
  std::lock_guard lock(impl_->mutex);
  if (impl_->cluster) {
    // Databases nobody dropped (a test's static fixture) still have their audit chain checked, and
    // the server's own log is kept too (an error's DETAIL may quote a row).
    try {
      store::PgConnection admin(impl_->adminConninfo());
      const auto left = admin.execParams(
          "SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname",
          {"t_" + std::to_string(getpid()) + "_"});
      for (int i = 0; i < left.rows(); ++i) {
        keepAuditChain(impl_->cluster->conninfo(left.text(i, 0)), left.text(i, 0));
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "test harness: cannot list the databases left: %s\n", e.what());
    }
    impl_->cluster->stop();
    keepChildLog(fs::path(impl_->dir->path()) / "cluster" / "postgres.log", "postgres");
  }
  impl_->cluster.reset();
  impl_->dir.reset();
}

std::string TestPostgres::clusterDirectory() const {
  return impl_->dir ? impl_->dir->path() : std::string();
}

}  // namespace tsunagi::testing
