#pragma once
// The audit chain's state as the console shows it. Minimal here (head and row count); the audit
// work (verification progress, signed checkpoints) fills in the optional fields behind this one
// function, and the console page and API show whatever it returns.

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
};

ChainStatus chainStatus(store::PgConnection& conn);

}  // namespace tsunagi::audit
