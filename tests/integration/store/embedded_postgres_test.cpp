// The embedded default: a node's own PostgreSQL cluster under its data directory.
#include "gateway/store/embedded_postgres.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <fstream>

#include "gateway/store/pg.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::store {
namespace {

namespace fs = std::filesystem;

bool processAlive(pid_t pid) { return kill(pid, 0) == 0; }

TEST(EmbeddedPostgres, KeepsDataAcrossRestartAndStopsItsProcess) {
  testing::TempDir dir("embedded");
  EmbeddedPostgresOptions options;
  options.rootDir = fs::path(dir.path()) / "node" / "postgres";
  options.fastInit = true;
  pid_t firstPid = 0;
  {
    EmbeddedPostgres pg(options);
    pg.start();
    firstPid = pg.pid();
    pg.ensureDatabase("tsunagi");
    PgConnection conn(pg.conninfo("tsunagi"));
    conn.exec("CREATE TABLE kept (v text)");
    conn.execParams("INSERT INTO kept VALUES ($1)", {"流山市"});
    EXPECT_TRUE(fs::exists(pg.dataDir() / "PG_VERSION"));
    EXPECT_EQ(conn.serverVersion() / 10000, 15);
  }  // destructor stops the server
  EXPECT_FALSE(processAlive(firstPid));
  EXPECT_FALSE(fs::exists(options.rootDir / "data" / "postmaster.pid"));

  EmbeddedPostgres again(options);
  again.start();
  PgConnection conn(again.conninfo("tsunagi"));
  EXPECT_EQ(conn.exec("SELECT v FROM kept").text(0, 0), "流山市");
  again.stop();
  again.stop();  // idempotent
}

TEST(EmbeddedPostgres, ListensOnNoTcpPort) {
  testing::TempDir dir("embedded");
  EmbeddedPostgresOptions options;
  options.rootDir = fs::path(dir.path()) / "pg";
  options.fastInit = true;
  EmbeddedPostgres pg(options);
  pg.start();
  PgConnection conn(pg.conninfo());
  EXPECT_EQ(conn.exec("SHOW listen_addresses").text(0, 0), "");
  EXPECT_EQ(conn.exec("SHOW unix_socket_permissions").text(0, 0), "0700");
}

TEST(EmbeddedPostgres, RefusesASecondServerOnTheSameDirectory) {
  testing::TempDir dir("embedded");
  EmbeddedPostgresOptions options;
  options.rootDir = fs::path(dir.path()) / "pg";
  options.fastInit = true;
  EmbeddedPostgres first(options);
  first.start();
  EmbeddedPostgres second(options);
  EXPECT_THAT([&] { second.start(); },
              ::testing::ThrowsMessage<EmbeddedPostgresError>(
                  ::testing::HasSubstr("is already used by PostgreSQL process")));
  EXPECT_TRUE(first.running());
}

TEST(EmbeddedPostgres, RefusesADataDirectoryThatIsNotACluster) {
  testing::TempDir dir("embedded");
  EmbeddedPostgresOptions options;
  options.rootDir = fs::path(dir.path()) / "pg";
  fs::create_directories(options.rootDir / "data");
  { std::ofstream(options.rootDir / "data" / "notes.txt") << "not a cluster"; }
  EmbeddedPostgres pg(options);
  EXPECT_THAT([&] { pg.start(); }, ::testing::ThrowsMessage<EmbeddedPostgresError>(
                                       ::testing::HasSubstr("is not a PostgreSQL cluster")));
}

TEST(EmbeddedPostgres, MissingServerBinariesAreNamed) {
  testing::TempDir dir("embedded");
  EmbeddedPostgresOptions options;
  options.rootDir = fs::path(dir.path()) / "pg";
  options.binDir = "/nonexistent/postgresql/bin";
  EmbeddedPostgres pg(options);
  EXPECT_THAT([&] { pg.start(); },
              ::testing::ThrowsMessage<EmbeddedPostgresError>(
                  ::testing::HasSubstr("install the postgresql-15 package")));
}

TEST(EmbeddedPostgres, LongDirectoryGetsAShortSocketPath) {
  testing::TempDir dir("embedded");
  EmbeddedPostgresOptions options;
  options.rootDir = fs::path(dir.path()) / std::string(90, 'd') / "pg";
  options.fastInit = true;
  EmbeddedPostgres pg(options);
  pg.start();
  const fs::path socketDir = pg.socketDir();
  EXPECT_LT(socketDir.string().size(), 90u);
  PgConnection conn(pg.conninfo());
  EXPECT_TRUE(conn.healthy());
  pg.stop();
  EXPECT_FALSE(fs::exists(socketDir));
}

TEST(DatabaseNames, OnlyPlainIdentifiersAreAccepted) {
  EXPECT_TRUE(isPlainDatabaseName("tsunagi"));
  EXPECT_FALSE(isPlainDatabaseName("x; DROP DATABASE postgres"));
  EXPECT_FALSE(isPlainDatabaseName(""));
  EXPECT_FALSE(isPlainDatabaseName("Tsunagi"));
}

}  // namespace
}  // namespace tsunagi::store
