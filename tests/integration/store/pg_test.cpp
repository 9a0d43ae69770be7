// The database layer against a real PostgreSQL 15 (the harness's private cluster).
#include "gateway/store/pg.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/store/migrations.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::store {
namespace {

using testing::TestDatabase;

TEST(PgConnection, WritesAndReadsRowsWithJapaneseText) {
  TestDatabase db;
  PgConnection conn(db.conninfo());
  conn.exec("CREATE TABLE patients (id serial PRIMARY KEY, kana text NOT NULL, note text)");
  conn.execParams("INSERT INTO patients (kana, note) VALUES ($1, $2)", {"カシワ タロウ", std::nullopt});
  conn.execParams("INSERT INTO patients (kana, note) VALUES ($1, $2)", {"ナガレヤマ ハナコ", "髙﨑①"});

  auto rows = conn.exec("SELECT kana, note FROM patients ORDER BY id");
  ASSERT_EQ(rows.rows(), 2);
  EXPECT_EQ(rows.text(0, 0), "カシワ タロウ");
  EXPECT_EQ(rows.optional(0, 1), std::nullopt);
  EXPECT_EQ(rows.text(1, 0), "ナガレヤマ ハナコ");
  EXPECT_EQ(rows.optional(1, 1), "髙﨑①");
}

TEST(PgConnection, ParametersAreNeverSplicedIntoSql) {
  TestDatabase db;
  PgConnection conn(db.conninfo());
  conn.exec("CREATE TABLE t (v text)");
  const std::string hostile = "x'); DROP TABLE t; --";
  conn.execParams("INSERT INTO t (v) VALUES ($1)", {hostile});
  auto r = conn.exec("SELECT v FROM t");
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.text(0, 0), hostile);
}

TEST(PgConnection, PreparedStatementsAreReusable) {
  TestDatabase db;
  PgConnection conn(db.conninfo());
  conn.exec("CREATE TABLE t (n integer)");
  for (int i = 1; i <= 3; ++i)
    conn.run("insert_n", "INSERT INTO t (n) VALUES ($1)", {std::to_string(i)});
  EXPECT_EQ(conn.exec("SELECT sum(n) FROM t").integer(0, 0), 6);
  // Prepared once: the same text reuses the statement, whatever its label.
  conn.run("another label", "INSERT INTO t (n) VALUES ($1)", {"4"});
  EXPECT_EQ(conn.exec("SELECT count(*) FROM pg_prepared_statements "
                      "WHERE statement = 'INSERT INTO t (n) VALUES ($1)'")
                .integer(0, 0),
            1);
  EXPECT_EQ(conn.exec("SELECT sum(n) FROM t").integer(0, 0), 10);
}

TEST(PgConnection, StatementsAreKeyedOnTheirSqlNotTheirLabel) {
  // Two statements given one label each run their own SQL (the cache used to be keyed on the
  // label: the second silently ran the first one's SQL).
  TestDatabase db;
  PgConnection conn(db.conninfo());
  EXPECT_EQ(conn.run("same", "SELECT 'first'", {}).text(0, 0), "first");
  EXPECT_EQ(conn.run("same", "SELECT 'second'", {}).text(0, 0), "second");
  EXPECT_EQ(conn.run("same", "SELECT 'first'", {}).text(0, 0), "first");
  EXPECT_EQ(conn.run("same", "SELECT $1::int + 1", {"41"}).text(0, 0), "42");
}

TEST(PgConnection, AFailedPrepareIsNotRemembered) {
  TestDatabase db;
  PgConnection conn(db.conninfo());
  EXPECT_THROW(conn.run("late table", "SELECT count(*) FROM appears_later", {}), PgError);
  conn.exec("CREATE TABLE appears_later (n integer)");
  EXPECT_EQ(conn.run("late table", "SELECT count(*) FROM appears_later", {}).integer(0, 0), 0);
}

TEST(PgConnection, FailedTransactionLeavesNothingHalfWritten) {
  TestDatabase db;
  PgConnection conn(db.conninfo());
  conn.exec("CREATE TABLE t (n integer PRIMARY KEY)");
  EXPECT_THROW(inTransaction(conn,
                             [&] {
                               conn.execParams("INSERT INTO t VALUES ($1)", {"1"});
                               conn.execParams("INSERT INTO t VALUES ($1)", {"1"});  // duplicate
                             }),
               PgError);
  EXPECT_EQ(conn.exec("SELECT count(*) FROM t").integer(0, 0), 0);
}

TEST(PgConnection, ErrorsCarryTheSqlState) {
  TestDatabase db;
  PgConnection conn(db.conninfo());
  try {
    conn.exec("SELECT * FROM no_such_table");
    FAIL() << "expected PgError";
  } catch (const PgError& e) {
    EXPECT_EQ(e.sqlstate(), "42P01");
    EXPECT_THAT(e.what(), ::testing::HasSubstr("no_such_table"));
    EXPECT_FALSE(e.retryable());
  }
}

TEST(PgConnection, ConnectFailureIsAClearError) {
  EXPECT_THAT([] { PgConnection("host=/nonexistent-socket-dir dbname=x connect_timeout=2"); },
              ::testing::ThrowsMessage<PgError>(::testing::HasSubstr("cannot connect to PostgreSQL")));
}

TEST(Migrations, ApplyOnceAndRecordTheVersion) {
  TestDatabase db(testing::Schema::Empty);
  PgConnection conn(db.conninfo());
  const int latest = nodeMigrations().back().version;
  EXPECT_EQ(migrate(conn), latest);
  EXPECT_EQ(migrate(conn), latest);  // second start: nothing to do
  EXPECT_EQ(conn.exec("SELECT count(*) FROM schema_migrations").integer(0, 0),
            static_cast<long long>(nodeMigrations().size()));
}

TEST(Migrations, RefuseADatabaseNewerThanTheBinary) {
  TestDatabase db(testing::Schema::Empty);
  PgConnection conn(db.conninfo());
  migrate(conn);
  conn.exec("INSERT INTO schema_migrations (version, description) VALUES (999, 'from the future')");
  EXPECT_THAT([&] { migrate(conn); },
              ::testing::ThrowsMessage<std::runtime_error>(
                  ::testing::HasSubstr("schema version 999 is newer than this tsunagi knows")));
}

}  // namespace
}  // namespace tsunagi::store
