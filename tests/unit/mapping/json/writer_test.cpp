#include "mapping/json/writer.hpp"

#include <gtest/gtest.h>

namespace tsunagi::mapping::json {

TEST(JsonEscape, EscapesQuotesBackslashesAndControlCharactersAndKeepsUtf8) {
  EXPECT_EQ(jsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
  EXPECT_EQ(jsonEscape("柏市\t"), "柏市\\t");
  std::string out;
  appendJsonString(out, "流山\r");
  EXPECT_EQ(out, "\"流山\\r\"");
}

TEST(JsonValue, KeepsInsertionOrderAndEscapes) {
  JsonValue v = JsonValue::object();
  v.set("resourceType", "Patient")
      .set("b", JsonValue::array().push("x").push(JsonValue::boolean(true)))
      .set("a", "改行\n\"引用\"\x01")
      .set("n", JsonValue::integer(-3))
      .set("e", JsonValue::object());
  EXPECT_EQ(v.dump(),
            "{\n  \"resourceType\": \"Patient\",\n  \"b\": [\n    \"x\",\n    true\n  ],\n"
            "  \"a\": \"改行\\n\\\"引用\\\"\\u0001\",\n  \"n\": -3,\n  \"e\": {}\n}\n");
}

}  // namespace tsunagi::mapping::json
