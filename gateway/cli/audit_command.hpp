#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace tsunagi::cli {

/// `tsunagi audit verify --config FILE [--from T] [--to T]`: walks the audit chain and the signed
/// checkpoints; prints "audit chain OK: …" or "audit chain BROKEN at row N: KIND: reason".
/// `tsunagi audit verify --archive FILE [--ca CA]...`: checks an archive file offline.
/// `tsunagi audit archive --config FILE [--month YYYY-MM]`: archives closed months, drops their
/// partitions and deletes archive files past the retention period.
/// `tsunagi audit witnesses --config FILE`: the newest chain head each peer's receipts gave us.
/// The database is the node's (running or not; an embedded one is started for the command).
/// Exit 0 ok, 1 the chain or the archive is broken (or a month could not be archived), 2 bad
/// usage, configuration or an unreachable database.
int auditCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tsunagi::cli
