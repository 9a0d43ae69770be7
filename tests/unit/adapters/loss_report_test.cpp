#include "adapters/loss_report.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tsunagi::adapters {
namespace {

TEST(LossReport, ListsEveryLossWithItsPath) {
  LossReport r;
  r.add(Loss::Kind::Approximated, "/LiaisonSheet/adl/bathing", "見守り (2) mapped to 一部介助 (3)");
  r.add(Loss::Kind::Substituted, "/LiaisonSheet/patient/nameKanji", "髙 → 高 for CP932");
  EXPECT_EQ(r.text(),
            "approximated /LiaisonSheet/adl/bathing: 見守り (2) mapped to 一部介助 (3)\n"
            "substituted /LiaisonSheet/patient/nameKanji: 髙 → 高 for CP932\n");
  EXPECT_EQ(r.json(),
            R"j([{"kind":"approximated","path":"/LiaisonSheet/adl/bathing","detail":"見守り (2) mapped to 一部介助 (3)"},)j"
            R"j({"kind":"substituted","path":"/LiaisonSheet/patient/nameKanji","detail":"髙 → 高 for CP932"}])j");
}

TEST(LossReport, JapaneseNoteCountsByKindAndStaysWithinItsLength) {
  LossReport r;
  r.add(Loss::Kind::Dropped, "/a", "x");
  r.add(Loss::Kind::Dropped, "/b", "y");
  r.add(Loss::Kind::Approximated, "/c", "z");
  EXPECT_THAT(r.japaneseNote(), ::testing::StartsWith("【連携時の注意】変換で欠落2件・近似1件があります:"));
  const std::string cut = r.japaneseNote(20);
  EXPECT_THAT(cut, ::testing::EndsWith("…"));
  EXPECT_EQ(LossReport().japaneseNote(), "");
}

TEST(LossReport, JsonEscapesQuotesAndControlCharacters) {
  LossReport r;
  r.add(Loss::Kind::Truncated, "/x", "\"quoted\"\n");
  EXPECT_EQ(r.json(), R"([{"kind":"truncated","path":"/x","detail":"\"quoted\"\n"}])");
}

}  // namespace
}  // namespace tsunagi::adapters
