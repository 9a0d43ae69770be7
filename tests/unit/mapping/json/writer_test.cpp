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

}  // namespace tsunagi::mapping::json
