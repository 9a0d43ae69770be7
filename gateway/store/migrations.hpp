#pragma once
// Schema migrations, versioned in code and applied at start inside one transaction each.
// A database whose schema is newer than this binary knows is refused (no silent downgrade).

#include <string>
#include <vector>

#include "gateway/store/pg.hpp"

namespace tsunagi::store {

struct Migration {
  int version;
  std::string description;
  std::string sql;
};

/// The node database's migrations, in order.
const std::vector<Migration>& nodeMigrations();

/// Applies the migrations the database lacks; returns the resulting schema version.
/// Throws PgError (storage) or std::runtime_error (schema newer than `migrations`).
int migrate(PgConnection& conn, const std::vector<Migration>& migrations = nodeMigrations());

/// The applied version (0 for an empty database).
int schemaVersion(PgConnection& conn);

}  // namespace tsunagi::store
