// Paging and write batching for kintone connectors.

#include "adapters/kintone/kintone_rest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tsunagi::adapters::kintone {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::ThrowsMessage;

TEST(KintoneRest, PagesByIdNeverByOffset) {
  EXPECT_EQ(pageQuery(std::nullopt), "order by $id asc limit 500");
  EXPECT_EQ(pageQuery("10499"), "$id > 10499 order by $id asc limit 500");
  EXPECT_EQ(pageQuery("10499", R"(更新日時 > "2024-03-01T00:00:00Z")", 100),
            R"($id > 10499 and (更新日時 > "2024-03-01T00:00:00Z") order by $id asc limit 100)");
  EXPECT_EQ(pageQuery(std::nullopt, "ケースID = \"case-1\""),
            "(ケースID = \"case-1\") order by $id asc limit 500");
  EXPECT_TRUE(isLastPage(499));
  EXPECT_FALSE(isLastPage(500));
}

TEST(KintoneRest, RefusesWhatWouldBreakTheQuery) {
  EXPECT_THAT([] { pageQuery("12 or $id > 0"); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("is not a kintone record id")));
  EXPECT_THAT([] { pageQuery(std::nullopt, "", 501); },
              ThrowsMessage<std::invalid_argument>(HasSubstr("1 to 500 records, not 501")));
}

TEST(KintoneRest, WritesAtMostAHundredRecordsPerRequest) {
  EXPECT_THAT(writeBatches(0), ElementsAre());
  EXPECT_THAT(writeBatches(100), ElementsAre(Pair(0u, 100u)));
  EXPECT_THAT(writeBatches(250), ElementsAre(Pair(0u, 100u), Pair(100u, 200u), Pair(200u, 250u)));
}

}  // namespace
}  // namespace tsunagi::adapters::kintone
