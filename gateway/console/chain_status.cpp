#include "gateway/console/chain_status.hpp"

namespace tsunagi::audit {

ChainStatus chainStatus(store::PgConnection& conn) {
  ChainStatus s;
  auto head = conn.run("chain_status_head",
                       "SELECT h.last_id, h.hash, e.at, (SELECT count(*) FROM exchange_events) "
                       "FROM audit_head h LEFT JOIN exchange_events e ON e.id = h.last_id",
                       {});
  s.headId = head.integer(0, 0);
  s.headHash = head.text(0, 1);
  s.headAt = head.optional(0, 2);
  s.rows = head.integer(0, 3);
  return s;
}

}  // namespace tsunagi::audit
