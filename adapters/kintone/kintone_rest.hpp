#pragma once
// How a connector reads and writes a kintone app through the REST API (DOMAIN.md §8), kept free of
// any HTTP client so that connectors share one rule set:
//  - GET /k/v1/records.json returns at most 500 records, and `offset` stops at 10,000, so pages
//    are taken by id: `query=$id > LAST order by $id asc limit 500`, starting without the `$id >`
//    condition and ending with the first page shorter than the limit;
//  - POST/PUT /k/v1/records.json take at most 100 records per request; the kintone adapter encodes
//    a record of the app in the PUT shape ({"app","id","record"}) and any other document in the
//    POST shape ({"app","record"}), so a connector sends each with the method its shape names;
//  - the API token travels in the X-Cybozu-API-Token header (never in a query or a log).
// The records a page returns are decoded with the kintone adapter (kintone_adapter.hpp).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsunagi::adapters::kintone {

inline constexpr std::size_t kMaxRecordsPerGet = 500;
inline constexpr std::size_t kMaxRecordsPerWrite = 100;
inline constexpr const char* kApiTokenHeader = "X-Cybozu-API-Token";

/// True for a kintone record id ($id): 1 to 19 ASCII digits.
bool isRecordId(std::string_view text);

/// The `query` of the next page: `$id > LAST order by $id asc limit N`, with `condition` (a kintone
/// query condition of the operator's, e.g. `更新日時 > "2024-03-01T00:00:00Z"`) and-ed in
/// parentheses; without `lastId` the first page. Throws std::invalid_argument when `lastId` is not
/// a record id (digits only: it goes into a query) or `limit` is 0 or above 500.
std::string pageQuery(const std::optional<std::string>& lastId, const std::string& condition = "",
                      std::size_t limit = kMaxRecordsPerGet);

/// True when a page that returned `count` records was the last one.
inline bool isLastPage(std::size_t count, std::size_t limit = kMaxRecordsPerGet) {
  return count < limit;
}

/// The [begin, end) ranges of `total` records, each at most 100 long: one write request each.
std::vector<std::pair<std::size_t, std::size_t>> writeBatches(std::size_t total);

}  // namespace tsunagi::adapters::kintone
