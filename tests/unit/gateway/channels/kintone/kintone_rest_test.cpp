// The kintone connector's rules without HTTP (kintone_rest.hpp): paging by $id and writes of at
// most 100 records, splitting a records.json page into its records (and refusing a page it cannot
// page through), the write bodies of a batch, kintone's error answers summarised without values;
// and the API token file (kintone_client.hpp).
#include "gateway/channels/kintone/kintone_client.hpp"
#include "gateway/channels/kintone/kintone_rest.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/support/test_postgres.hpp"

namespace tsunagi::channels {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::ThrowsMessage;
using kintone::isLastPage;
using kintone::pageQuery;
using kintone::writeBatches;

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

std::string error(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(KintonePage, SplitsARecordsPageInOrderWithEachRecordsId) {
  const auto records = splitRecordsPage(
      R"({"records":[{"$id":{"type":"__ID__","value":"7"},"氏名":{"type":"SINGLE_LINE_TEXT","value":"流山 花子"}},)"
      R"({"$id":{"type":"__ID__","value":"12"}}],"totalCount":null})");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].id, "7");
  // Each record's bytes as the page holds them (read once, never written again).
  EXPECT_EQ(
      records[0].json,
      R"({"$id":{"type":"__ID__","value":"7"},"氏名":{"type":"SINGLE_LINE_TEXT","value":"流山 花子"}})");
  EXPECT_EQ(records[1].id, "12");
  EXPECT_TRUE(splitRecordsPage(R"({"records":[]})").empty());
}

TEST(KintonePage, APageItCannotPageThroughIsRefusedWithWhere) {
  EXPECT_THAT(error([] { splitRecordsPage("<html>502 Bad Gateway</html>"); }),
              HasSubstr("the records page is not a JSON object"));
  EXPECT_THAT(error([] { splitRecordsPage(R"({"record":{}})"); }),
              HasSubstr(R"(the records page has no "records" array)"));
  EXPECT_THAT(error([] { splitRecordsPage(R"({"records":[{"$id":{"value":"1"}},{"x":{}}]})"); }),
              HasSubstr("records[1].$id.value: missing or not a record id"));
  EXPECT_THAT(error([] { splitRecordsPage(R"({"records":[{"$id":{"value":"1 or 1=1"}}]})"); }),
              HasSubstr("records[0].$id.value: missing or not a record id"));
  EXPECT_THAT(error([] { splitRecordsPage(R"({"records":[3]})"); }),
              HasSubstr("records[0] is not a record object"));
  // What kintone never sends: a byte order mark, a number no double holds.
  EXPECT_THAT(error([] { splitRecordsPage("\xEF\xBB\xBF{\"records\":[]}"); }),
              HasSubstr("the records page is not a JSON object: it begins with a byte order mark"));
  EXPECT_THAT(error([] { splitRecordsPage(R"({"records":[],"totalCount":1e999999})"); }),
              HasSubstr("the records page holds a number out of range at totalCount"));
}

TEST(KintoneWrites, TheAdaptersShapesBecomeOneBatchBody) {
  const auto add = kintoneWriteOf(R"({"app":31,"record":{"氏名":{"value":"柏 一郎"}}})");
  EXPECT_EQ(add.app, "31");
  EXPECT_FALSE(add.id);
  const auto update =
      kintoneWriteOf(R"({"app":"31","id":"1207","record":{"要介護度":{"value":"要介護２"}}})");
  EXPECT_EQ(update.id, "1207");
  // The records as the adapter wrote them; app and id as numbers (the project's JSON writer).
  EXPECT_EQ(kintoneBatchBody({&add, &add}), R"({
  "app": 31,
  "records": [
    {
      "record": {"氏名":{"value":"柏 一郎"}}
    },
    {
      "record": {"氏名":{"value":"柏 一郎"}}
    }
  ]
}
)");
  EXPECT_EQ(kintoneBatchBody({&update}), R"({
  "app": 31,
  "records": [
    {
      "id": 1207,
      "record": {"要介護度":{"value":"要介護２"}}
    }
  ]
}
)");
  EXPECT_THAT(error([] { kintoneWriteOf(R"({"record":{}})"); }), HasSubstr("names no app"));
  EXPECT_THAT(error([] { kintoneWriteOf(R"({"app":31,"id":"x","record":{}})"); }),
              HasSubstr("\"id\" is not a record id"));
  EXPECT_THAT(error([] { kintoneWriteOf("2024-03-04,流山 花子"); }),
              HasSubstr("is not a JSON object"));
}

TEST(KintoneErrors, AreSummarisedWithCodeAndFieldPathsNeverMessagesOrValues) {
  EXPECT_EQ(kintoneErrorSummary(
                400, R"({"code":"CB_VA01","id":"x","message":"入力内容が正しくありません。",)"
                     R"("errors":{"records[3].氏名.value":{"messages":["必須です。"]}}})"),
            "HTTP 400 CB_VA01 at records[3].氏名.value");
  EXPECT_EQ(kintoneErrorSummary(401, R"({"code":"GAIA_IA02","message":"API トークンが不正です"})"),
            "HTTP 401 GAIA_IA02");
  EXPECT_EQ(kintoneErrorSummary(502, "<html>Bad Gateway</html>"), "HTTP 502");
}

TEST(KintoneToken, LinesAndCommasAreOneHeaderValue) {
  testing::TempDir dir("token");
  const fs::path file = fs::path(dir.path()) / "kintone.token";
  std::ofstream(file) << "tokenForApp31\n tokenForApp32 ,\n\n";
  ::chmod(file.c_str(), 0600);
  EXPECT_EQ(readApiToken(file), "tokenForApp31,tokenForApp32");
  ::chmod(file.c_str(), 0640);
  EXPECT_THAT(error([&] { readApiToken(file); }), HasSubstr("(mode 0640)"));
}

}  // namespace
}  // namespace tsunagi::channels
