#include "gateway/store/migrations.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

namespace tsunagi::store {

const std::vector<Migration>& nodeMigrations() {
  static const std::vector<Migration> migrations = {
      {1, "node identity",
       R"sql(
CREATE TABLE node_identity (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  node_code  char(6) NOT NULL CHECK (node_code ~ '^[0-9]{6}$'),
  node_name  text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
)sql"},
  };
  return migrations;
}

namespace {
void ensureMigrationTable(PgConnection& conn) {
  conn.exec(R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version     integer PRIMARY KEY,
  description text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
))sql");
}
}  // namespace

int schemaVersion(PgConnection& conn) {
  ensureMigrationTable(conn);
  auto r = conn.exec("SELECT coalesce(max(version), 0) FROM schema_migrations");
  return static_cast<int>(r.integer(0, 0));
}

int migrate(PgConnection& conn, const std::vector<Migration>& migrations) {
  int current = schemaVersion(conn);
  const int known = migrations.empty() ? 0 : migrations.back().version;
  if (current > known) {
    throw std::runtime_error("database schema version " + std::to_string(current) +
                             " is newer than this tsunagi knows (" + std::to_string(known) +
                             "); upgrade tsunagi instead of running an older binary");
  }
  for (const auto& m : migrations) {
    if (m.version <= current) continue;
    inTransaction(conn, [&] {
      // Serialise concurrent starters (several gateway processes on one database).
      conn.exec("LOCK TABLE schema_migrations IN EXCLUSIVE MODE");
      auto done = conn.execParams("SELECT 1 FROM schema_migrations WHERE version = $1",
                                  {std::to_string(m.version)});
      if (done.rows() > 0) return;
      conn.exec(m.sql);
      conn.execParams("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                      {std::to_string(m.version), m.description});
    });
    spdlog::info("database migrated to schema version {} ({})", m.version, m.description);
    current = m.version;
  }
  return current;
}

}  // namespace tsunagi::store
