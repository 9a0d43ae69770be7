#include "mapping/date.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace tsunagi::mapping {
namespace {

TEST(Date, ParsesIsoCalendarDates) {
  EXPECT_EQ(Date::parseIso("2024-03-01"), (Date{2024, 3, 1}));
  EXPECT_EQ(Date::parseIso("0001-01-01"), (Date{1, 1, 1}));
  EXPECT_EQ(Date::parseIso("9999-12-31"), (Date{9999, 12, 31}));
}

TEST(Date, RejectsOtherShapesInIsoParsing) {
  for (const char* text : {"2024-3-1", "2024/03/01", "20240301", "2024-03-01T00:00", " 2024-03-01",
                           "２０２４-03-01", "2024-03-0a", ""}) {
    EXPECT_EQ(Date::parseIso(text), std::nullopt) << text;
  }
}

TEST(Date, RejectsDatesThatDoNotExist) {
  EXPECT_EQ(Date::parseIso("2023-02-29"), std::nullopt);
  EXPECT_EQ(Date::parseIso("2024-04-31"), std::nullopt);
  EXPECT_EQ(Date::parseIso("2024-13-01"), std::nullopt);
  EXPECT_EQ(Date::parseIso("2024-01-00"), std::nullopt);
  EXPECT_EQ(Date::parseIso("0000-01-01"), std::nullopt);
}

TEST(Date, FollowsTheGregorianLeapYearRule) {
  EXPECT_TRUE(Date::isLeapYear(2024));
  EXPECT_FALSE(Date::isLeapYear(2023));
  EXPECT_FALSE(Date::isLeapYear(1900));  // century not divisible by 400
  EXPECT_TRUE(Date::isLeapYear(2000));
  EXPECT_TRUE((Date{2024, 2, 29}.isValid()));
  EXPECT_FALSE((Date{1900, 2, 29}.isValid()));
  EXPECT_TRUE((Date{2000, 2, 29}.isValid()));
}

TEST(Date, SaysWhyADateIsNotReal) {
  EXPECT_EQ((Date{2023, 2, 29}.problem()), "February 2023 has 28 days, not 29");
  EXPECT_EQ((Date{2024, 13, 1}.problem()), "month 13 is not between 1 and 12");
  EXPECT_EQ((Date{2024, 1, 32}.problem()), "January 2024 has 31 days, not 32");
  EXPECT_EQ((Date{2024, 1, 0}.problem()), "day 0 is not between 1 and 31");
  EXPECT_EQ((Date{2024, 3, 1}.problem()), std::nullopt);
}

TEST(Date, FormatsAsIsoWithPadding) {
  EXPECT_EQ((Date{2024, 3, 1}.iso()), "2024-03-01");
  EXPECT_EQ((Date{812, 12, 9}.iso()), "0812-12-09");
  std::ostringstream out;
  out << Date{2019, 5, 1} << " " << Date{2019, 2, 30};
  EXPECT_EQ(out.str(), "2019-05-01 Date{2019, 2, 30}");
}

TEST(Date, ComparesChronologically) {
  EXPECT_LT((Date{2019, 4, 30}), (Date{2019, 5, 1}));
  EXPECT_LT((Date{2018, 12, 31}), (Date{2019, 1, 1}));
  EXPECT_LT((Date{2019, 1, 31}), (Date{2019, 2, 1}));
  EXPECT_EQ((Date{2019, 5, 1}), (Date{2019, 5, 1}));
  EXPECT_GT((Date{2024, 3, 1}), (Date{2024, 2, 29}));
}

}  // namespace
}  // namespace tsunagi::mapping
