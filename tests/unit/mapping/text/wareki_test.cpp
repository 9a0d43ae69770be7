#include "mapping/text/wareki.hpp"

#include <gtest/gtest.h>

namespace tsunagi::mapping::text {
namespace {

// The message of the DateError that parsing `text` throws.
std::string errorFor(std::string_view text) {
  try {
    const Date date = parseFlexibleDate(text);
    ADD_FAILURE() << text << " was accepted as " << date;
  } catch (const DateError& e) {
    return e.what();
  }
  return "";
}

Date nextDay(Date d) {
  if (d.day < Date::daysInMonth(d.year, d.month)) return {d.year, d.month, d.day + 1};
  if (d.month < 12) return {d.year, d.month + 1, 1};
  return {d.year + 1, 1, 1};
}

// Each era change: the last day of one era and the first day of the next.
struct Boundary {
  const char* lastDayWritten;
  Date lastDay;
  const char* firstDayWritten;
  Date firstDay;
};

constexpr Boundary kBoundaries[] = {
    {"明治45年7月29日", {1912, 7, 29}, "大正元年7月30日", {1912, 7, 30}},
    {"大正15年12月24日", {1926, 12, 24}, "昭和元年12月25日", {1926, 12, 25}},
    {"昭和64年1月7日", {1989, 1, 7}, "平成元年1月8日", {1989, 1, 8}},
    {"平成31年4月30日", {2019, 4, 30}, "令和元年5月1日", {2019, 5, 1}},
};

TEST(Wareki, Heisei31April30IsTheLastDayOfHeisei) {
  EXPECT_EQ(parseWareki("平成31年4月30日"), (Date{2019, 4, 30}));
  EXPECT_EQ(toWareki({2019, 4, 30}), "平成31年4月30日");
  EXPECT_EQ(toWareki({2019, 5, 1}), "令和元年5月1日");
}

TEST(Wareki, EveryEraBoundaryConvertsBothWays) {
  for (const Boundary& b : kBoundaries) {
    EXPECT_EQ(toWareki(b.lastDay), b.lastDayWritten);
    EXPECT_EQ(toWareki(b.firstDay), b.firstDayWritten);
    EXPECT_EQ(parseWareki(b.lastDayWritten), b.lastDay) << b.lastDayWritten;
    EXPECT_EQ(parseWareki(b.firstDayWritten), b.firstDay) << b.firstDayWritten;
  }
}

TEST(Wareki, TheDayAfterAnEraEndedIsRejectedWithTheNewEraSuggested) {
  EXPECT_EQ(errorFor("H31.5.1"),
            "平成31年5月1日 is after the end of 平成 (2019-04-30); did you mean 令和元年5月1日?");
  EXPECT_EQ(errorFor("昭和64年1月8日"),
            "昭和64年1月8日 is after the end of 昭和 (1989-01-07); did you mean 平成元年1月8日?");
  EXPECT_EQ(errorFor("大正15年12月26日"),
            "大正15年12月26日 is after the end of 大正 (1926-12-25); did you mean "
            "昭和元年12月26日?");
  EXPECT_EQ(errorFor("明治45年7月31日"),
            "明治45年7月31日 is after the end of 明治 (1912-07-30); did you mean 大正元年7月31日?");
}

TEST(Wareki, TheDayBeforeAnEraBeganIsRejectedWithThePreviousEraSuggested) {
  EXPECT_EQ(errorFor("令和元年4月30日"),
            "令和元年4月30日 is before the start of 令和 (2019-05-01); did you mean "
            "平成31年4月30日?");
  EXPECT_EQ(
      errorFor("H1.1.7"),
      "平成元年1月7日 is before the start of 平成 (1989-01-08); did you mean 昭和64年1月7日?");
  EXPECT_EQ(errorFor("S1.12.24"),
            "昭和元年12月24日 is before the start of 昭和 (1926-12-25); did you mean "
            "大正15年12月24日?");
  EXPECT_EQ(errorFor("T1.7.29"),
            "大正元年7月29日 is before the start of 大正 (1912-07-30); did you mean "
            "明治45年7月29日?");
}

TEST(Wareki, TheOldEraNameIsAcceptedOnTheDayOfAnImperialDeathChangeOver) {
  // The emperor died and the new era began on the same day: records use both names.
  EXPECT_EQ(parseWareki("明治45年7月30日"), (Date{1912, 7, 30}));
  EXPECT_EQ(parseWareki("大正15年12月25日"), (Date{1926, 12, 25}));
  // Formatting always uses the new era.
  EXPECT_EQ(toWareki({1912, 7, 30}), "大正元年7月30日");
  EXPECT_EQ(toWareki({1926, 12, 25}), "昭和元年12月25日");
  // The 1989 and 2019 changes were at midnight: no overlap.
  EXPECT_NE(errorFor("昭和64年1月8日"), "");
  EXPECT_NE(errorFor("平成31年5月1日"), "");
}

TEST(Wareki, MeijiIsAcceptedFromTheGregorianCalendarOn) {
  EXPECT_EQ(parseWareki("明治6年1月1日"), (Date{1873, 1, 1}));
  EXPECT_EQ(toWareki({1873, 1, 1}), "明治6年1月1日");
  const std::string error = errorFor("明治5年12月2日");
  EXPECT_NE(error.find("before 明治6年1月1日 (1873-01-01)"), std::string::npos) << error;
  EXPECT_NE(error.find("lunisolar"), std::string::npos) << error;
  EXPECT_THROW(toWareki({1872, 12, 31}), DateError);
  EXPECT_THROW(toWareki({1868, 1, 25}), DateError);
  EXPECT_EQ(eraOf({1872, 12, 31}), std::nullopt);
}

TEST(Wareki, GannenIsTheFirstYear) {
  EXPECT_EQ(parseWareki("令和元年5月1日"), (Date{2019, 5, 1}));
  EXPECT_EQ(parseWareki("R元.5.1"), (Date{2019, 5, 1}));
  EXPECT_EQ(parseWareki("R1.5.1"), (Date{2019, 5, 1}));
  EXPECT_EQ(parseWareki("平成元年1月8日"), (Date{1989, 1, 8}));
  EXPECT_EQ(toWareki({2019, 12, 31}), "令和元年12月31日");
  EXPECT_EQ(toWareki({2020, 1, 1}), "令和2年1月1日");
  EXPECT_EQ(toWarekiShort({2019, 5, 1}), "R1.5.1");
}

TEST(Wareki, ReadsEveryWrittenFormOfTheSameDay) {
  const Date expected{2024, 3, 1};
  for (const char* text :
       {"令和6年3月1日", "令和６年３月１日", "令和 6年 3月 1日", "令和06年03月01日",
        " 令和6年3月1日 ", "R6.3.1", "R06/03/01", "R6-3-1", "r6.3.1", "Ｒ６．３．１", "R 6.3.1",
        "R6年3月1日", "㋿6年3月1日", "令6年3月1日", "5060301", "５０６０３０１"}) {
    EXPECT_EQ(parseWareki(text), expected) << text;
    EXPECT_EQ(parseFlexibleDate(text), expected) << text;
  }
}

TEST(Wareki, ReadsTheLetterFormsOfEveryEra) {
  EXPECT_EQ(parseWareki("H31.4.30"), (Date{2019, 4, 30}));
  EXPECT_EQ(parseWareki("S64.1.7"), (Date{1989, 1, 7}));
  EXPECT_EQ(parseWareki("s23.4.5"), (Date{1948, 4, 5}));
  EXPECT_EQ(parseWareki("T15.12.24"), (Date{1926, 12, 24}));
  EXPECT_EQ(parseWareki("M45.7.29"), (Date{1912, 7, 29}));
  EXPECT_EQ(parseWareki("㍼23年4月5日"), (Date{1948, 4, 5}));
}

TEST(Wareki, ReadsTheSevenDigitBillingFormWithEraNumbers) {
  EXPECT_EQ(parseWareki("1450729"), (Date{1912, 7, 29}));  // 1 明治
  EXPECT_EQ(parseWareki("2010730"), (Date{1912, 7, 30}));  // 2 大正
  EXPECT_EQ(parseWareki("3230405"), (Date{1948, 4, 5}));   // 3 昭和
  EXPECT_EQ(parseWareki("4310430"), (Date{2019, 4, 30}));  // 4 平成
  EXPECT_EQ(parseWareki("5010501"), (Date{2019, 5, 1}));   // 5 令和
  EXPECT_EQ(toWarekiNumeric({1948, 4, 5}), "3230405");
  EXPECT_EQ(toWarekiNumeric({2024, 3, 1}), "5060301");
}

TEST(Wareki, RejectsImpossibleDatesSayingWhy) {
  std::string error = errorFor("R6.13.1");
  EXPECT_NE(error.find("令和6年13月1日 does not exist: month 13 is not between 1 and 12"),
            std::string::npos)
      << error;
  error = errorFor("令和6年1月32日");
  EXPECT_NE(error.find("January 2024 has 31 days, not 32"), std::string::npos) << error;
  error = errorFor("R6.2.30");
  EXPECT_NE(error.find("February 2024 has 29 days, not 30"), std::string::npos) << error;
  error = errorFor("R5.2.29");  // 2023 is not a leap year
  EXPECT_NE(error.find("February 2023 has 28 days, not 29"), std::string::npos) << error;
  EXPECT_EQ(parseWareki("R6.2.29"), (Date{2024, 2, 29}));
}

TEST(Wareki, RejectsUnknownErasSayingWhichExist) {
  std::string error = errorFor("X6.3.1");
  EXPECT_NE(error.find("unknown era letter 'X'"), std::string::npos) << error;
  EXPECT_NE(error.find("R (令和)"), std::string::npos) << error;
  error = errorFor("6060301");
  EXPECT_NE(error.find("unknown era number 6"), std::string::npos) << error;
  error = errorFor("R0.3.1");
  EXPECT_NE(error.find("era year 0 does not exist"), std::string::npos) << error;
}

TEST(Wareki, RejectsMalformedText) {
  EXPECT_NE(errorFor("R6.3/1").find("mixed separators"), std::string::npos);
  EXPECT_NE(errorFor("令和6年3月1日 午前").find("unexpected text"), std::string::npos);
  EXPECT_NE(errorFor("令和6年3月").find("expected a day"), std::string::npos);
  EXPECT_EQ(errorFor("tomorrow"),
            "cannot read \"tomorrow\" as a date: expected a date such as "
            "2024-03-01, 2024/3/1, 20240301, 2024年3月1日, 令和6年3月1日, "
            "R6.3.1 or 5060301");                      // 't' is not taken for 大正
  EXPECT_THROW(parseWareki("2024-03-01"), DateError);  // not a 和暦 date
  EXPECT_THROW(parseWareki(""), DateError);
  EXPECT_THROW(parseWareki("令和\xFF"), DateError);
}

TEST(Wareki, FormatsTheShortLetterForm) {
  EXPECT_EQ(toWarekiShort({2024, 3, 1}), "R6.3.1");
  EXPECT_EQ(toWarekiShort({1989, 1, 7}), "S64.1.7");
  EXPECT_EQ(toWarekiShort({1912, 7, 30}), "T1.7.30");
  EXPECT_THROW(toWarekiShort({2024, 2, 30}), DateError);
}

TEST(Wareki, EveryDaySince1873SurvivesARoundTripInAllThreeForms) {
  for (Date d{1873, 1, 1}; d <= Date{2040, 12, 31}; d = nextDay(d)) {
    ASSERT_EQ(parseWareki(toWareki(d)), d);
    ASSERT_EQ(parseWareki(toWarekiShort(d)), d);
    ASSERT_EQ(parseWareki(toWarekiNumeric(d)), d);
  }
}

TEST(Wareki, TheEraTableMatchesTheLawAndLeavesNoGaps) {
  ASSERT_EQ(eras().size(), 5u);
  EXPECT_EQ(eraInfo(Era::Reiwa).name, "令和");
  EXPECT_EQ(eraInfo(Era::Reiwa).first, (Date{2019, 5, 1}));
  EXPECT_EQ(eraInfo(Era::Reiwa).last, std::nullopt);
  for (std::size_t i = 0; i + 1 < eras().size(); ++i) {
    EXPECT_EQ(nextDay(*eras()[i].last), eras()[i + 1].first) << eras()[i].name;
  }
}

TEST(FlexibleDate, ReadsTheGregorianForms) {
  const Date expected{2024, 3, 1};
  for (const char* text : {"2024-03-01", "2024/3/1", "2024/03/01", "2024.3.1", "2024-3-1",
                           "20240301", "2024年3月1日", "２０２４年３月１日", "2024 年 3 月 1 日"}) {
    EXPECT_EQ(parseFlexibleDate(text), expected) << text;
  }
}

TEST(FlexibleDate, RejectsGregorianDatesThatDoNotExist) {
  EXPECT_NE(errorFor("2024/2/30").find("February 2024 has 29 days, not 30"), std::string::npos);
  EXPECT_NE(errorFor("20231301").find("month 13"), std::string::npos);
  EXPECT_EQ(parseFlexibleDate("2024/2/29"), (Date{2024, 2, 29}));
}

TEST(FlexibleDate, RejectsAmbiguousOrUnknownShapes) {
  EXPECT_NE(errorFor("24/3/1").find("expected a date such as"), std::string::npos);
  EXPECT_NE(errorFor("240301").find("8 digits"), std::string::npos);
  EXPECT_NE(errorFor("").find("empty"), std::string::npos);
  EXPECT_NE(errorFor("2024-03-01T10:00").find("unexpected text"), std::string::npos);
}

}  // namespace
}  // namespace tsunagi::mapping::text
