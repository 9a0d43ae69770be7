#include "adapters/kintone/kintone_rest.hpp"

#include <algorithm>
#include <stdexcept>

namespace tsunagi::adapters::kintone {

bool isRecordId(std::string_view text) {
  return !text.empty() && text.size() <= 19 &&
         text.find_first_not_of("0123456789") == std::string_view::npos;
}

std::string pageQuery(const std::optional<std::string>& lastId, const std::string& condition,
                      std::size_t limit) {
  if (limit == 0 || limit > kMaxRecordsPerGet) {
    throw std::invalid_argument("a kintone page holds 1 to 500 records, not " +
                                std::to_string(limit));
  }
  std::string where;
  if (lastId) {
    if (!isRecordId(*lastId)) {
      throw std::invalid_argument("'" + lastId->substr(0, 20) + "' is not a kintone record id");
    }
    where = "$id > " + *lastId;
  }
  if (!condition.empty()) where += (where.empty() ? "(" : " and (") + condition + ")";
  return (where.empty() ? "" : where + " ") + "order by $id asc limit " + std::to_string(limit);
}

std::vector<std::pair<std::size_t, std::size_t>> writeBatches(std::size_t total) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  for (std::size_t begin = 0; begin < total; begin += kMaxRecordsPerWrite) {
    out.emplace_back(begin, std::min(total, begin + kMaxRecordsPerWrite));
  }
  return out;
}

}  // namespace tsunagi::adapters::kintone
