// The project's JSON reader (mapping/json/reader): what the strict parser accepts and how it
// refuses malformed input (what, where: line, column and byte offset, and why), and what a view
// gives back.

#include "mapping/json/reader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tsunagi::mapping::json {
namespace {

using ::testing::HasSubstr;

JsonView parse(std::string_view text, JsonLimits limits = {}) {
  return parseJson(text, limits).root("");
}

// The refusal of `text`: its single issue's line and a part of its message.
void expectRefused(std::string_view text, const std::string& message, int line = -1,
                   JsonLimits limits = {}) {
  try {
    parseJson(text, limits);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const JsonError& e) {
    ASSERT_EQ(e.issues().size(), 1u);
    const mapping::Issue& issue = e.issues().front();
    EXPECT_EQ(issue.path, "");
    EXPECT_THAT(issue.message, HasSubstr(message)) << text;
    if (line >= 0) {
      EXPECT_EQ(issue.line, line) << issue.message;
    }
  }
}

TEST(JsonParser, ReadsEveryKindOfValueWithPaths) {
  const JsonView root = parse(R"({
    "text": "松戸 次郎",
    "n": -12.50e+3,
    "zero": 0,
    "yes": true, "no": false, "nothing": null,
    "list": ["a", 1, {"k": "v"}, []],
    "empty": {}
  })");
  EXPECT_EQ(root.requiredString("text", "test"), "松戸 次郎");
  ASSERT_TRUE(root.member("n"));
  EXPECT_TRUE(root.member("n")->isNumber());
  EXPECT_EQ(root.member("n")->asScalarText(), "-12.50e+3");  // as written, not reformatted
  EXPECT_EQ(root.member("zero")->asScalarText(), "0");
  EXPECT_EQ(root.member("yes")->kind(), "true or false");
  EXPECT_FALSE(root.member("nothing"));  // null reads as absent
  EXPECT_FALSE(root.has("nothing"));
  EXPECT_FALSE(root.has("missing"));
  EXPECT_TRUE(root.has("empty"));
  const auto list = root.array("list");
  ASSERT_EQ(list.size(), 4u);
  EXPECT_EQ(list[2].path(), "list[2]");
  EXPECT_EQ(list[2].string("k"), "v");
  EXPECT_EQ(list[2].member("k")->path(), "list[2].k");
  EXPECT_TRUE(list[3].elements().empty());
  EXPECT_EQ(root.keys(), (std::vector<std::string>{"empty", "list", "n", "no", "nothing", "text",
                                                   "yes", "zero"}));
}

TEST(JsonParser, DecodesEscapesAndSurrogatePairs) {
  const JsonView root =
      parse(R"({"s": "a\"b\\c\/d\te\nf\r\u0041\u00e9\u9AD9\ud83d\ude00 end", "k\u00e9y": 1})");
  EXPECT_EQ(root.member("s")->asString(), "a\"b\\c/d\te\nf\rAé髙😀 end");
  EXPECT_TRUE(root.has("kéy"));  // names are unescaped too
  // \b and \f decode, but the sheet cannot carry them: asString names the character.
  try {
    parse(R"({"s": "x\by"})").member("s")->asString();
    ADD_FAILURE() << "\\b accepted";
  } catch (const JsonError& e) {
    EXPECT_EQ(e.issues().front().path, "s");
    EXPECT_THAT(e.issues().front().message, HasSubstr("control character U+0008"));
  }
}

TEST(JsonParser, SkipsAByteOrderMark) {
  EXPECT_EQ(parse("\xEF\xBB\xBF{\"a\": \"b\"}").string("a"), "b");
}

TEST(JsonParser, RefusesTruncatedText) {
  expectRefused(R"({"a": "xyz)", "the JSON ends inside a string", 1);
  expectRefused("{\"a\": [1, 2,\n", "the JSON ends with 2 object(s) or array(s) still open", 2);
  expectRefused(R"({"a": tr)", "the document is truncated");
  expectRefused(R"({"a": 1.)", "the document is truncated");
  expectRefused(R"({"a": "\u00)", "the JSON ends inside a string");
  expectRefused(R"({"a")", "the document is truncated");
}

TEST(JsonParser, RefusesSyntaxErrorsWithLineAndColumn) {
  expectRefused("{\n  \"a\" \"b\"\n}",
                "expected ':' after the member name, found '\"' at line 2, "
                "column 7 (byte offset 8)",
                2);
  expectRefused(R"({"a": 1,})", "expected a member name in double quotes, found '}'");
  expectRefused(R"({"a": [1,]})", "expected a value");
  expectRefused(R"({"a": 1 "b": 2})", "expected ',' or '}' after a member");
  expectRefused(R"({'a': 1})", "expected a member name in double quotes, found '''");
  expectRefused(R"({"a": True})", "expected a value");
  expectRefused(R"({"a": 01})", "a number cannot start with 0 followed by more digits");
  expectRefused(R"({"a": -})", "expected a digit in the number");
  expectRefused(R"({"a": 1.e5})", "expected a digit after the decimal point");
  expectRefused(R"({"a": 1e})", "expected a digit in the exponent");
  expectRefused(R"({"a": +1})", "expected a value");
  expectRefused(R"({"a": NaN})", "expected a value");
  // Columns count characters, not bytes.
  expectRefused(R"({"氏名": x})", "found 'x' at line 1, column 8 (byte offset 11)");
}

TEST(JsonParser, RefusesTextAfterTheObject) {
  expectRefused("{\"a\": 1}\n{\"b\": 2}", "unexpected text after the end of the top-level object",
                2);
  expectRefused("{\"a\": 1} x", "unexpected text after the end");
}

TEST(JsonParser, AcceptsTrailingWhitespace) {
  EXPECT_EQ(parse("{\"a\": \"b\"}   \r\n\t").string("a"), "b");
}

TEST(JsonParser, RefusesBadEscapes) {
  expectRefused(R"({"a": "\x41"})", "the escape \\x is not JSON");
  expectRefused(R"({"a": "\u12G4"})", "\\u must be followed by four hexadecimal digits");
  expectRefused(R"({"a": "\'"})", "the escape \\' is not JSON");
}

TEST(JsonParser, RefusesLoneSurrogates) {
  expectRefused(R"({"a": "\ud83d"})", "\\ud83d is a lone high surrogate");
  expectRefused(R"({"a": "\ud83d\u0041"})", "is a lone high surrogate");
  expectRefused(R"({"a": "\ude00x"})", "\\ude00 is a lone low surrogate");
}

TEST(JsonParser, RefusesRawControlCharactersInStrings) {
  expectRefused("{\"a\": \"line\nbreak\"}",
                "the control character U+000A must be written as an "
                "escape inside a string",
                1);
  expectRefused("{\"a\": \"tab\there\"}", "U+0009");
}

TEST(JsonParser, RefusesInvalidUtf8) {
  // CP932 bytes of 髙橋 (a misconfigured export), inside a string on line 2.
  expectRefused("{\n\"a\": \"\xFB\xFC\x8B\xB4\"}", "the document is not valid UTF-8 (JSON must be)",
                2);
  // An overlong '/' and an encoded surrogate (CESU-8) are refused too.
  expectRefused("{\"a\": \"\xC0\xAF\"}", "not valid UTF-8");
  expectRefused("{\"a\": \"\xED\xA0\xBD\xED\xB8\x80\"}", "not valid UTF-8");
  // Outside a string: invalid UTF-8 is named as such; valid non-ASCII is unexpected.
  expectRefused("{\"a\": \xFF}", "not valid UTF-8");
  expectRefused("{\"a\": 　1}", "found U+3000");
}

TEST(JsonParser, RefusesNulBytes) {
  expectRefused(std::string_view("{\"a\":\n \"x\0\"}", 12), "NUL byte at byte offset 9", 2);
}

TEST(JsonParser, RefusesDeepNestingBeforeDescending) {
  JsonLimits limits;
  limits.maxDepth = 4;
  EXPECT_NO_THROW(parse(R"({"a": [[{"b": 1}]]})", limits));
  expectRefused(R"({"a": [[[{"b": 1}]]]})",
                "JSON is nested more than 4 levels deep (byte offset 9)", 1, limits);
  // A hostile depth far beyond the limit is refused at the limit, without recursing further.
  const std::string deep = "{\"a\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  expectRefused(deep, "nested more than 64 levels deep");
}

TEST(JsonParser, RefusesADuplicateMemberName) {
  expectRefused(
      "{\"a\": 1,\n \"b\": {\"x\": 1, \"x\": 2}}",
      "the member name \"x\" appears twice in one object (first at line 2, column 8 (byte "
      "offset 16)); names must be unique at line 2, column 16",
      2);
  // The same name in different objects is fine.
  EXPECT_NO_THROW(parse(R"({"x": {"x": {"x": 1}}})"));
}

TEST(JsonParser, RefusesWhatIsNotOneObject) {
  expectRefused("", "the document is empty");
  expectRefused(" \n\t", "the document is empty");
  expectRefused("[1, 2]", "the document is not a JSON object; it must start with '{'", 1);
  expectRefused("\"text\"", "it must start with '{'");
  JsonLimits limits;
  limits.maxBytes = 10;
  expectRefused(R"({"a": "0123456789"})", "the document is 19 bytes; at most 10 bytes", 0, limits);
}

TEST(JsonView, WrongTypesNameThePath) {
  const JsonView root = parse(R"({"o": {"n": 42, "s": "x"}, "a": "not an array"})");
  try {
    root.object("o")->member("n")->asString();
    ADD_FAILURE();
  } catch (const JsonError& e) {
    EXPECT_EQ(e.issues().front().path, "o.n");
    EXPECT_EQ(e.issues().front().message, "expected a string, found a number");
  }
  try {
    root.array("a");
    ADD_FAILURE();
  } catch (const JsonError& e) {
    EXPECT_EQ(e.issues().front().path, "a");
    EXPECT_EQ(e.issues().front().message, "expected an array, found a string");
  }
  try {
    root.object("o")->requiredString("missing", "a reason");
    ADD_FAILURE();
  } catch (const JsonError& e) {
    EXPECT_EQ(e.issues().front().path, "o.missing");
    EXPECT_EQ(e.issues().front().message, "is required (a reason)");
  }
  // A default view is null: not an object, so member access names its (empty) path.
  const JsonView placeholder;
  EXPECT_EQ(placeholder.kind(), "null");
  EXPECT_THROW(placeholder.member("x"), JsonError);
}

TEST(JsonView, ViewsOutliveTheInputBytesAndTheDocument) {
  std::optional<JsonView> kept;
  {
    std::string bytes = R"({"a": {"b": "value with \"escape\""}})";
    kept = parseJson(bytes).root("R").object("a");
    bytes.assign(bytes.size(), 'x');
  }
  EXPECT_EQ(kept->string("b"), "value with \"escape\"");
  EXPECT_EQ(kept->memberPath("b"), "R.a.b");
}

TEST(JsonView, GivesAnObjectOrArrayBackAsWritten) {
  const std::string bytes =
      R"({"records": [ {"$id": {"value": "7"}, "n": 1.50} ,[1, 2]], "s": "x"})";
  const JsonView root = parse(bytes);
  const auto records = root.array("records");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].sourceText(), R"({"$id": {"value": "7"}, "n": 1.50})");
  EXPECT_EQ(records[1].sourceText(), "[1, 2]");
  EXPECT_EQ(records[0].member("n")->sourceText(), "1.50");
  EXPECT_EQ(root.sourceText(), bytes);
  EXPECT_THROW(root.member("s")->sourceText(), JsonError);
}

TEST(JsonView, ReadsWholeNumbersOnly) {
  const JsonView root = parse(R"({"id": 9007199254740993, "n": -4, "f": 1.5, "e": 1e3, "s": "7",
                                  "big": 99999999999999999999, "z": null})");
  EXPECT_EQ(root.member("id")->asInteger(), 9007199254740993LL);
  EXPECT_EQ(root.integer("n"), -4);
  EXPECT_EQ(root.integer("z"), std::nullopt);
  EXPECT_EQ(root.integer("absent"), std::nullopt);
  for (const char* key : {"f", "e", "s", "big"}) {
    EXPECT_THROW(root.integer(key), JsonError) << key;
  }
}

TEST(JsonView, GivesControlCharactersOnlyWhenAsked) {
  const std::string text = R"({"user": "a\u001bb"})";
  EXPECT_THROW(parse(text).string("user"), JsonError);
  JsonLimits limits;
  limits.controlCharacters = true;
  EXPECT_EQ(parse(text, limits).string("user"), "a\x1b" "b");
}

}  // namespace
}  // namespace tsunagi::mapping::json
