#include "mapping/digest.hpp"

#include <gtest/gtest.h>

namespace tsunagi::mapping {

TEST(Digest, Sha256OfTheEmptyStringIsTheKnownValue) {
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256("abc").size(), 32u);
}

TEST(Base64, RoundTripsBinaryWithEveryPaddingLength) {
  for (std::string bytes : {std::string(""), std::string("\x00", 1), std::string("ab"),
                            std::string("abc"), std::string("\xff\xfe\x00\x01", 4)}) {
    EXPECT_EQ(base64Decode(base64Encode(bytes)), bytes);
  }
  EXPECT_EQ(base64Encode("hello"), "aGVsbG8=");
}

TEST(Base64, RefusesWhatIsNotStrictBase64) {
  EXPECT_EQ(base64Decode("aGVsbG8"), std::nullopt);      // length not a multiple of 4
  EXPECT_EQ(base64Decode("aGVs G8="), std::nullopt);     // space
  EXPECT_EQ(base64Decode("aGVs-G8="), std::nullopt);     // URL alphabet
  EXPECT_EQ(base64Decode("aGVsbG8=").value(), "hello");
}

}  // namespace tsunagi::mapping
