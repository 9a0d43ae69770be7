// The fhir_jp adapter's text helpers: narrative XHTML to text, Japan dates of FHIR instants,
// length fitting with losses.

#include <gtest/gtest.h>

#include "adapters/fhir_jp/fhir_time.hpp"
#include "adapters/fhir_jp/narrative.hpp"
#include "adapters/loss_report.hpp"

namespace tsunagi::adapters::fhir_jp {
namespace {

mapping::Date japanDate(std::string_view text) {
  const auto d = parseFhirDate(text);
  EXPECT_TRUE(d.has_value()) << text;
  return d ? d->date : mapping::Date{};
}

TEST(FhirJpTime, InstantsAreReadAsTheDateInJapan) {
  EXPECT_EQ(japanDate("2024-03-07T20:00:00Z"), (mapping::Date{2024, 3, 8}));
  EXPECT_EQ(japanDate("2024-03-07T14:59:59Z"), (mapping::Date{2024, 3, 7}));
  EXPECT_EQ(japanDate("2024-03-07T23:59:59+09:00"), (mapping::Date{2024, 3, 7}));
  EXPECT_EQ(japanDate("2023-12-31T15:00:00.250Z"), (mapping::Date{2024, 1, 1}));
  EXPECT_EQ(japanDate("2024-02-28T20:00:00-05:00"), (mapping::Date{2024, 2, 29}));
  EXPECT_EQ(japanDate("2024-03-01T04:00:00+14:00"), (mapping::Date{2024, 2, 29}));
  EXPECT_EQ(japanDate("2024-03-01"), (mapping::Date{2024, 3, 1}));
}

TEST(FhirJpTime, PartialDatesKeepTheirPrecision) {
  EXPECT_EQ(parseFhirDate("2018")->precision, FhirDate::Precision::Year);
  EXPECT_EQ(parseFhirDate("2022-05")->precision, FhirDate::Precision::Month);
  EXPECT_EQ(parseFhirDate("2022-05-09")->precision, FhirDate::Precision::Day);
  EXPECT_TRUE(parseFhirDate("2022-05-09T10:00:00+09:00")->hadTime);
}

TEST(FhirJpTime, RefusesWhatIsNotAFhirDate) {
  for (const char* bad :
       {"", "2024-3-1", "2024/03/01", "2023-02-29", "2024-03-01T10:00:00", "2024-03-01T25:00:00Z",
        "2024-03-01T10:00:00+15:00", "R6.3.1", "2024-03-01T10:00Z", "2024-03-01T10:00:00+09:00 "}) {
    EXPECT_FALSE(parseFhirDate(bad).has_value()) << bad;
  }
  EXPECT_EQ(fhirDateProblem("2023-02-29"),
            "'2023-02-29' is not a real date: February 2023 has 28 days, not 29");
}

TEST(FhirJpNarrative, BlockElementsBecomeLinesAndEntitiesAreDecoded) {
  EXPECT_EQ(xhtmlToText("<div xmlns=\"http://www.w3.org/1999/xhtml\"><p>経過 良好</p>"
                        "<p>退院&amp;外来&lt;2週&gt;</p>1行目<br/>2行目&#x2212;&#12354;</div>"),
            "経過 良好\n退院&外来<2週>\n1行目\n2行目−あ");
  EXPECT_EQ(xhtmlToText("<div>\n  a\n  b  </div>"), "a b");
  EXPECT_EQ(xhtmlToText("<table><tr><td>薬</td><td>1日1回</td></tr></table>"), "薬 1日1回");
}

TEST(FhirJpNarrative, MarkupIsNeverInterpreted) {
  // A DOCTYPE with an external entity stays inert text: no XML parser ever sees it.
  const std::string text = xhtmlToText(
      "<!DOCTYPE d [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><div>&e;<!-- memo -->"
      "<script>alert('x')</script><style>p{}</style>見える</div>");
  EXPECT_EQ(text, "]>\n&e;見える");
  EXPECT_EQ(xhtmlToText("a < b, c <3 &unknown; &#0; &#xD800; d"), "a < b, c <3 &unknown; d");
  EXPECT_EQ(xhtmlToText("電話:03-9876-5432><br/>港診療所"), "電話:03-9876-5432>\n港診療所");
  EXPECT_EQ(xhtmlToText("text <p unterminated"), "text");
  EXPECT_EQ(xhtmlToText("<p title=\"a>b\">x</p>"), "x");
}

TEST(FhirJpNarrative, TextRoundTripsThroughXhtml) {
  const std::string text = "1行目 <a&b>\n2行目 \"quoted\"";
  EXPECT_EQ(xhtmlToText(textToXhtml(text)), text);
}

TEST(FhirJpNarrative, FittingCutsOnCharactersAndRecordsTheLoss) {
  LossReport losses;
  EXPECT_EQ(fitText("あいうえお", 5, "/LiaisonSheet/notes", "Bundle.x", losses), "あいうえお");
  EXPECT_TRUE(losses.empty());
  EXPECT_EQ(fitText("あいうえお", 3, "/LiaisonSheet/notes", "Bundle.x", losses), "あい…");
  ASSERT_EQ(losses.entries().size(), 1u);
  EXPECT_EQ(losses.entries()[0].kind, Loss::Kind::Truncated);
  EXPECT_EQ(losses.entries()[0].detail, "cut from 5 to 3 characters (from Bundle.x)");
  EXPECT_EQ(fitLine("a\nb\tc", 10, "/p", "s", losses), "a b c");
}

}  // namespace
}  // namespace tsunagi::adapters::fhir_jp
