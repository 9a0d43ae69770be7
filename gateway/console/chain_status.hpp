#pragma once
// The audit chain's state as the console shows it: the head, the row count, how far a walk of the
// chain (audit::verifyChain, the same as `tsunagi audit verify`) proves it, the first break if
// any, and the newest signed checkpoint that verified.

#include <optional>
#include <string>

#include "gateway/store/pg.hpp"

namespace tsunagi::audit {

struct ChainStatus {
  long long rows = 0;
  long long headId = 0;
  std::string headHash;
  std::optional<std::string> headAt;          ///< time of the head event
  std::optional<long long> verifiedUpTo;      ///< last row a verification proved, if known
  std::optional<long long> lastCheckpointId;  ///< last signed checkpoint's row, if any
  std::optional<std::string> lastCheckpointAt;
  std::optional<std::string> firstBreak;  ///< "KIND at row N: reason" when the chain is broken
};

ChainStatus chainStatus(store::PgConnection& conn);

}  // namespace tsunagi::audit
