#include "gateway/console/totp.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tsunagi::console {
namespace {

// RFC 6238 appendix B: the SHA-1 seed and 8-digit values.
const std::string kSeed = "12345678901234567890";

TEST(Totp, MatchesTheRfc6238Sha1TestVectors) {
  const std::vector<std::pair<std::int64_t, std::string>> vectors = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"}};
  for (const auto& [time, code] : vectors) {
    EXPECT_EQ(hotp(kSeed, static_cast<std::uint64_t>(totpStep(time)), 8), code) << time;
  }
}

TEST(Totp, SixDigitCodesAreTheLastSixOfTheRfcValues) {
  EXPECT_EQ(hotp(kSeed, static_cast<std::uint64_t>(totpStep(59))), "287082");
  EXPECT_EQ(hotp(kSeed, static_cast<std::uint64_t>(totpStep(1111111109))), "081804");
}

TEST(Totp, AcceptsOneStepOfDriftEitherSideButNoMore) {
  const std::int64_t now = 1111111111;  // step 37037037
  const std::int64_t step = totpStep(now);
  for (std::int64_t s : {step - 1, step, step + 1}) {
    EXPECT_EQ(matchTotp(kSeed, hotp(kSeed, static_cast<std::uint64_t>(s)), now, 0), s);
  }
  EXPECT_EQ(matchTotp(kSeed, hotp(kSeed, static_cast<std::uint64_t>(step - 2)), now, 0),
            std::nullopt);
  EXPECT_EQ(matchTotp(kSeed, hotp(kSeed, static_cast<std::uint64_t>(step + 2)), now, 0),
            std::nullopt);
}

TEST(Totp, RefusesACodeOfAStepAlreadyUsed) {
  const std::int64_t now = 1234567890;
  const std::string code = hotp(kSeed, static_cast<std::uint64_t>(totpStep(now)));
  const auto used = matchTotp(kSeed, code, now, 0);
  ASSERT_TRUE(used);
  EXPECT_EQ(matchTotp(kSeed, code, now, *used), std::nullopt);
  EXPECT_EQ(matchTotp(kSeed, code, now + 29, *used), std::nullopt);
}

TEST(Totp, RefusesMalformedCodes) {
  const std::int64_t now = 1234567890;
  const std::string code = hotp(kSeed, static_cast<std::uint64_t>(totpStep(now)));
  EXPECT_EQ(matchTotp(kSeed, "", now, 0), std::nullopt);
  EXPECT_EQ(matchTotp(kSeed, code + "0", now, 0), std::nullopt);
  EXPECT_EQ(matchTotp(kSeed, code.substr(0, 5), now, 0), std::nullopt);
  EXPECT_EQ(matchTotp(kSeed, "' OR 1", now, 0), std::nullopt);
}

TEST(Base32, RoundTripsAndMatchesRfc4648) {
  // RFC 4648 §10 (padding omitted).
  EXPECT_EQ(base32Encode("foobar"), "MZXW6YTBOI");
  EXPECT_EQ(base32Encode("f"), "MY");
  EXPECT_EQ(base32Decode("MZXW6YTBOI"), "foobar");
  EXPECT_EQ(base32Decode("mzxw 6ytb oi======"), "foobar");
  EXPECT_EQ(base32Decode("MZXW1"), std::nullopt);
  EXPECT_EQ(base32Decode(base32Encode(kSeed)), kSeed);
}

TEST(Totp, NewSecretsAre160RandomBits) {
  const std::string a = newTotpSecret(), b = newTotpSecret();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, b);
  EXPECT_EQ(base32Decode(a)->size(), 20u);
}

TEST(Totp, OtpauthUriNamesIssuerAccountAndParameters) {
  const std::string uri = otpauthUri("tsunagi Kashiwa", "sato", "JBSWY3DPEHPK3PXP");
  EXPECT_EQ(
      uri,
      "otpauth://totp/tsunagi%20Kashiwa%3Asato?secret=JBSWY3DPEHPK3PXP&issuer=tsunagi%20Kashiwa"
      "&algorithm=SHA1&digits=6&period=30");
}

}  // namespace
}  // namespace tsunagi::console
