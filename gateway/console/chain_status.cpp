#include "gateway/console/chain_status.hpp"

#include "gateway/audit/audit_log.hpp"

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
  // The same walk as `tsunagi audit verify` (≥ 200,000 rows/s; docs/performance.md): the page shows
  // how far the chain is proven now, and the newest signed checkpoint that verified.
  const VerifyResult verified = verifyChain(conn, VerifyOptions{});
  if (verified.ok()) {
    s.verifiedUpTo = verified.lastId;
  } else {
    s.verifiedUpTo = verified.firstBreak->id - 1;
    s.firstBreak = verified.firstBreak->kind + " at row " +
                   std::to_string(verified.firstBreak->id) + ": " + verified.firstBreak->reason;
  }
  if (verified.lastCheckpoint) {
    s.lastCheckpointId = verified.lastCheckpoint->eventId;
    s.lastCheckpointAt = verified.lastCheckpoint->signedAt;
  }
  return s;
}

}  // namespace tsunagi::audit
