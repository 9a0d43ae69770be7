#include "gateway/console/chain_status.hpp"

#include "gateway/audit/audit_log.hpp"
#include "gateway/store/audit_chain.hpp"

namespace tsunagi::audit {

ChainStatus chainStatus(store::PgConnection& conn) {
  ChainStatus s;
  const auto summary = store::chainSummary(conn);
  s.headId = summary.head.lastId;
  s.headHash = summary.head.hash;
  s.headAt = summary.headAt;
  s.rows = summary.rows;
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
