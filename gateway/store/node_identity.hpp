#pragma once
// A node's database belongs to one node: the `node_identity` row binds it to the node's code.

#include <string>

#include "gateway/store/pg.hpp"

namespace tsunagi::store {

/// Records `code` and `name` as the database's node on first start; afterwards checks that the
/// database is this node's. Throws std::runtime_error naming both codes when it belongs to
/// another node, PgError for database trouble.
void bindNodeIdentity(PgConnection& conn, const std::string& code, const std::string& name);

}  // namespace tsunagi::store
