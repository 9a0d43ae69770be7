#include "gateway/store/node_identity.hpp"

#include <stdexcept>

namespace tsunagi::store {

void bindNodeIdentity(PgConnection& conn, const std::string& code, const std::string& name) {
  inTransaction(conn, [&] {
    auto owner = conn.exec("SELECT node_code FROM node_identity FOR UPDATE");
    if (owner.rows() == 0) {
      conn.run("identity_insert",
               "INSERT INTO node_identity (node_code, node_name) VALUES ($1, $2)", {code, name});
    } else if (owner.text(0, 0) != code) {
      throw std::runtime_error("the database belongs to node " + owner.text(0, 0) +
                               ", not to node " + code + "; each node needs its own database");
    }
  });
}

}  // namespace tsunagi::store
