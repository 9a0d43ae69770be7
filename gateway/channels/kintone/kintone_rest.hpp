#pragma once
// How the kintone connector reads and writes an app through the REST API (DOMAIN.md §8), kept
// free of any HTTP client:
//  - GET /k/v1/records.json returns at most 500 records, and `offset` stops at 10,000, so pages
//    are taken by id: `query=$id > LAST order by $id asc limit 500`, starting without the `$id >`
//    condition and ending with the first page shorter than the limit;
//  - POST/PUT /k/v1/records.json take at most 100 records per request; the kintone adapter encodes
//    a record of the app in the PUT shape ({"app","id","record"}) and any other document in the
//    POST shape ({"app","record"}), so the connector sends each with the method its shape names;
//  - the API token travels in the X-Cybozu-API-Token header (never in a query or a log).
// Answers and encodings are read once by the project's JSON reader, request bodies written by its
// writer (mapping/json/); the records themselves are the kintone adapter's (record shapes,
// adapters/kintone/kintone_adapter.hpp).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tsunagi::channels::kintone {

inline constexpr std::size_t kMaxRecordsPerGet = 500;
inline constexpr std::size_t kMaxRecordsPerWrite = 100;
inline constexpr std::size_t kMaxAnswerBytes = 64u * 1024u * 1024u;  // 500 records, SUBTABLEs
inline constexpr const char* kApiTokenHeader = "X-Cybozu-API-Token";

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

}  // namespace tsunagi::channels::kintone

namespace tsunagi::channels {

/// A kintone error answer without values: its "code" and the field paths of its "errors"
/// (`CB_VA01 at records[3].氏名.value`), else "HTTP STATUS". For logs and events.
std::string kintoneErrorSummary(int status, const std::string& body);

/// One record of a records.json page: its $id and its JSON text, the bytes the page holds.
struct KintonePageRecord {
  std::string id;
  std::string json;
};

/// Splits GET /k/v1/records.json's answer ({"records":[…]}) into its records, in order. Throws
/// std::runtime_error (where and why) for a body that is not such a page, or a record whose
/// $id is missing or not a record id.
std::vector<KintonePageRecord> splitRecordsPage(const std::string& body);

/// One encoded document of the kintone adapter, as a write of a records.json batch.
struct KintoneWrite {
  std::string app;                ///< digits
  std::optional<std::string> id;  ///< the update shape's record id (PUT); none: add (POST)
  std::string record;             ///< the "record" object, as the adapter wrote it
};

/// Reads the kintone adapter's encoding of one document ({"app","record"} or
/// {"app","id","record"}). Throws std::runtime_error when the bytes are not one of the shapes.
KintoneWrite kintoneWriteOf(const std::string& encoded);

/// The body of one POST / PUT /k/v1/records.json for `writes` (one app, one shape, ≤ 100):
/// {"app":N,"records":[{"record":…}]} or {"app":N,"records":[{"id":…,"record":…}]}.
std::string kintoneBatchBody(const std::vector<const KintoneWrite*>& writes);

}  // namespace tsunagi::channels
