// The shared CSV reader and writer: RFC 4180 records with line numbers, refusals naming line and
// column, CSV-injection neutralisation of outbound cells, and byte decoding (CP932 / UTF-8 BOM).
#include "adapters/csv/csv.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/adapter.hpp"

namespace tsunagi::adapters::csv {
namespace {

using mapping::text::Charset;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

using Cells = std::vector<std::string>;

std::string refusal(std::string_view text, const ReadOptions& options = {}) {
  try {
    parse(text, options);
  } catch (const AdapterError& e) {
    return e.what();
  }
  return "parsed";
}

std::string decodeRefusal(std::string_view bytes, BomPolicy policy = BomPolicy::Utf8BomMeansUtf8) {
  try {
    decodeText(bytes, Charset::Cp932, policy);
  } catch (const AdapterError& e) {
    return e.what();
  }
  return "decoded";
}

// ---- reading ----

TEST(CsvParse, PlainRecordsWithEveryLineEnd) {
  const auto rows = parse("a,b,c\r\nd,e,f\ng,h,i\rj,k,l");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].cells, (Cells{"a", "b", "c"}));
  EXPECT_EQ(rows[1].cells, (Cells{"d", "e", "f"}));
  EXPECT_EQ(rows[2].cells, (Cells{"g", "h", "i"}));
  EXPECT_EQ(rows[3].cells, (Cells{"j", "k", "l"}));
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[3].line, 4);
}

TEST(CsvParse, EmptyCellsAreKept) {
  const auto rows = parse(",a,,\r\n");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cells, (Cells{"", "a", "", ""}));
}

TEST(CsvParse, QuotedCellsWithSeparatorsQuotesAndLineBreaks) {
  const auto rows = parse(
      "\"山田, 太郎\",\"彼は\"\"元気\"\"です\",\"一行目\r\n二行目\"\r\n"
      "next,\"\",\"x\ny\"\r\n"
      "last,row\r\n");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].cells, (Cells{"山田, 太郎", "彼は\"元気\"です", "一行目\r\n二行目"}));
  EXPECT_EQ(rows[0].line, 1);
  EXPECT_EQ(rows[1].cells, (Cells{"next", "", "x\ny"}));
  EXPECT_EQ(rows[1].line, 3);  // the record starts after the line break inside the quoted cell
  EXPECT_EQ(rows[2].line, 5);
}

TEST(CsvParse, OneTrailingEmptyLineIsIgnoredButNotTwo) {
  EXPECT_EQ(parse("a\r\n").size(), 1u);
  EXPECT_EQ(parse("a\r\n\r\n").size(), 1u);
  const auto rows = parse("a\r\n\r\n\r\n");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].line, 2);
  EXPECT_EQ(rows[1].cells, (Cells{""}));
  EXPECT_TRUE(parse("").empty());
  EXPECT_TRUE(parse("\r\n").empty());
}

TEST(CsvParse, OtherSeparator) {
  const auto rows = parse("a\tb\t\"c\td\"\n", ReadOptions{.separator = '\t'});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].cells, (Cells{"a", "b", "c\td"}));
}

TEST(CsvParse, UnterminatedQuoteNamesTheLineWhereTheCellOpened) {
  EXPECT_EQ(refusal("a,b\r\nc,\"open\r\nmore\r\n"),
            "line 2: column 2: quoted cell not closed: the file ends inside the cell opened at "
            "line 2");
}

TEST(CsvParse, StrayQuoteInAnUnquotedCell) {
  EXPECT_EQ(refusal("a,b\r\nc,5\"3\r\n"),
            "line 2: column 2: quote (\") inside an unquoted cell: enclose the whole cell in "
            "quotes and write a quote in it as \"\"");
}

TEST(CsvParse, TextAfterClosingQuote) {
  EXPECT_EQ(refusal("\"abc\"def,x\r\n"),
            "line 1: column 1: text after the closing quote of the cell: a quote inside a quoted "
            "cell is written as \"\"");
}

TEST(CsvParse, NulByte) {
  using namespace std::string_literals;
  EXPECT_EQ(refusal("a,b\r\nc,d\0e\r\n"s),
            "line 2: column 2: NUL byte (0x00): CSV text never contains one");
  EXPECT_EQ(refusal("a,\"b\0\"\r\n"s),
            "line 1: column 2: NUL byte (0x00): CSV text never contains one");
}

TEST(CsvParse, Limits) {
  ReadOptions small{.maxCellBytes = 4, .maxCells = 3, .maxRows = 2};
  EXPECT_EQ(refusal("abcd,e\r\nabcde\r\n", small),
            "line 2: column 1: cell too long: 5 bytes, at most 4");
  EXPECT_EQ(refusal("\"abcdef\"\r\n", small), "line 1: column 1: cell too long: more than 4 bytes");
  EXPECT_EQ(refusal("a,b,c,d\r\n", small),
            "line 1: column 4: too many cells: more than 3 in one record");
  EXPECT_EQ(refusal("a\r\nb\r\nc\r\n", small), "line 3: too many records: more than 2 in one file");
  EXPECT_EQ(parse("a,b,c\r\nabcd\r\n", small).size(), 2u);
}

TEST(CsvParse, HugeCellIsRefusedWithDefaultLimit) {
  const std::string huge(64 * 1024 + 1, 'x');
  EXPECT_THAT(refusal("id," + huge + "\r\n"),
              HasSubstr("line 1: column 2: cell too long: 65537 bytes, at most 65536"));
}

// ---- neutralising and writing ----

TEST(CsvNeutralise, FormulaLeadsArePrefixed) {
  for (const char* cell : {"=1+1", "+81-3-1234", "-2+3+cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx",
                           "-", "-.5", "-5.", "-5e3"}) {
    EXPECT_TRUE(needsNeutralising(cell)) << cell;
    EXPECT_EQ(neutralise(cell), std::string("'") + cell);
  }
}

TEST(CsvNeutralise, PlainCellsAndNegativeNumbersAreKept) {
  for (const char* cell : {"", "山田", "123", "-5", "-0.25", "2024-07-01", " =x", "'=x"}) {
    EXPECT_FALSE(needsNeutralising(cell)) << cell;
    EXPECT_EQ(neutralise(cell), cell);
  }
}

TEST(CsvFormat, QuotesWhenNeededAndEndsWithCrlf) {
  EXPECT_EQ(formatRow({"a", "b,c", "say \"hi\"", "x\r\ny", ""}),
            "a,\"b,c\",\"say \"\"hi\"\"\",\"x\r\ny\",\r\n");
  EXPECT_EQ(formatRow({}), "\r\n");
}

TEST(CsvFormat, NeutralisesUnlessAskedNotTo) {
  EXPECT_EQ(formatRow({"=HYPERLINK(\"x\")", "-5", "@a"}), "\"'=HYPERLINK(\"\"x\"\")\",-5,'@a\r\n");
  EXPECT_EQ(formatRow({"=1", "@a"}, false), "=1,@a\r\n");
}

TEST(CsvFormat, WhatIsWrittenReadsBack) {
  const Cells cells{"山田, 太郎", "\"q\"", "改行\r\nあり", "", "①㈱髙～"};
  const auto rows = parse(formatRow(cells) + formatRow(cells));
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].cells, cells);
  EXPECT_EQ(rows[1].cells, cells);
  EXPECT_EQ(rows[1].line, 3);
}

// ---- decoding bytes ----

TEST(CsvDecodeText, Cp932ByDefault) {
  // 髙 (FB FC, IBM extension), ① (87 40), ㈱ (87 8A), ～ (81 60) — all in CP932.
  EXPECT_EQ(decodeText("\xFB\xFC,\x87\x40,\x87\x8A,\x81\x60\r\n", Charset::Cp932),
            "髙,①,㈱,～\r\n");
}

TEST(CsvDecodeText, Utf8BomMeansUtf8) {
  EXPECT_EQ(decodeText("\xEF\xBB\xBF山田,花子\r\n", Charset::Cp932), "山田,花子\r\n");
}

TEST(CsvDecodeText, Utf8BomRefusedWhenTheFormatIsCp932Only) {
  EXPECT_EQ(decodeRefusal("\xEF\xBB\xBF山田\r\n", BomPolicy::Reject),
            "line 1: byte offset 0: UTF-8 byte order mark: the file must be CP932, but was "
            "saved as UTF-8");
}

TEST(CsvDecodeText, Utf16Refused) {
  EXPECT_EQ(decodeRefusal("\xFF\xFE"
                          "a\0"),
            "line 1: byte offset 0: UTF-16 byte order mark: the file must be CP932 or UTF-8 "
            "with a BOM");
}

TEST(CsvDecodeText, InvalidCp932NamesLineAndOffset) {
  // Line 3 has a lead byte followed by a byte that cannot trail it.
  const std::string bytes = "a,b\r\nc,d\r\ne,\x81\x20\r\n";
  EXPECT_THAT(decodeRefusal(bytes), HasSubstr("line 3: byte offset 12: invalid CP932: "));
}

TEST(CsvDecodeText, UserDefinedCharacterRefused) {
  EXPECT_THAT(decodeRefusal("a\n\xF0\x40\n"), HasSubstr("line 2: byte offset 2: invalid CP932"));
}

TEST(CsvDecodeText, Utf8WithoutBomIsRecognisedInTheMessage) {
  EXPECT_THAT(decodeRefusal("id,name\r\n1,山田花子\r\n"),
              HasSubstr("the file looks like UTF-8 without a byte order mark; save it as CP932"));
}

TEST(CsvDecodeText, InvalidUtf8AfterBom) {
  EXPECT_THAT(decodeRefusal("\xEF\xBB\xBF"
                            "a\r\n\xC3\x28\r\n"),
              HasSubstr("line 2: byte offset 6: invalid UTF-8 (the file begins with a UTF-8 "
                        "byte order mark): "));
}

}  // namespace
}  // namespace tsunagi::adapters::csv
