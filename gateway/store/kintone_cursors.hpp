#pragma once
// The inbound kintone channels' cursors (table kintone_cursors): per channel, base URL and app,
// the last $id handled, the records skipped, the failures and the last one. Called by the
// kintone poller (gateway/channels/kintone/kintone_poller.*) inside its transactions.

#include <optional>
#include <string>

#include "gateway/store/pg.hpp"

namespace tsunagi::store {

/// Which cursor: one inbound channel polling one app of one kintone.
struct KintoneCursorKey {
  std::string channel;
  std::string baseUrl;
  std::string app;  ///< digits
};

struct KintoneCursor {
  std::optional<std::string> lastId;     ///< the last $id handled; none before the first
  std::optional<std::string> lastError;  ///< "CODE: reason" while the app cannot be polled
};

/// The cursor, made (empty) the first time.
KintoneCursor loadKintoneCursor(PgConnection& conn, const KintoneCursorKey& key);
/// Moves the cursor to `lastId`; `skipped` counts the record as skipped.
void saveKintoneCursor(PgConnection& conn, const KintoneCursorKey& key, const std::string& lastId,
                       bool skipped);
/// Counts a failed poll and keeps `error` as the last one. True when `error` differs from the
/// previous last error (a new failure, worth an event); false for the same one again.
bool recordKintoneFailure(PgConnection& conn, const KintoneCursorKey& key,
                          const std::string& error);
/// The app answers again: clears the last error.
void clearKintoneFailure(PgConnection& conn, const KintoneCursorKey& key);

}  // namespace tsunagi::store
