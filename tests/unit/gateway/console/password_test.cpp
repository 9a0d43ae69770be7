#include "gateway/console/password.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tsunagi::console {
namespace {

using ::testing::StartsWith;

// The cheapest cost the verifier accepts keeps these tests quick; the format carries the cost.
constexpr ScryptCost kCheap{10, 8, 1};

TEST(Password, VerifiesTheRightPasswordOnly) {
  const std::string stored = hashPassword("correct horse battery", kCheap);
  EXPECT_THAT(stored, StartsWith("scrypt$10$8$1$"));
  EXPECT_TRUE(verifyPassword("correct horse battery", stored));
  EXPECT_FALSE(verifyPassword("correct horse batterY", stored));
  EXPECT_FALSE(verifyPassword("", stored));
}

TEST(Password, SaltsEachHashSoEqualPasswordsDiffer) {
  EXPECT_NE(hashPassword("same password here", kCheap), hashPassword("same password here", kCheap));
}

TEST(Password, DefaultCostIsScryptTwoToTheFifteen) {
  const std::string stored = hashPassword("a default-cost passphrase");
  EXPECT_THAT(stored, StartsWith("scrypt$15$8$1$"));
  EXPECT_TRUE(verifyPassword("a default-cost passphrase", stored));
}

TEST(Password, MalformedStoredValuesNeverMatch) {
  const std::string good = hashPassword("correct horse battery", kCheap);
  for (const std::string& bad :
       {std::string(""), std::string("plain"), std::string("scrypt$10$8$1$c2FsdA=="),
        std::string("pbkdf2$10$8$1$") + good.substr(14),
        std::string("scrypt$x$8$1$") + good.substr(14),
        std::string("scrypt$40$8$1$") + good.substr(14), good.substr(0, good.size() - 4)}) {
    EXPECT_FALSE(verifyPassword("correct horse battery", bad)) << bad;
  }
}

TEST(Password, CountsEachDerivationOfAVerification) {
  const std::string stored = hashPassword("correct horse battery", kCheap);
  const auto before = passwordVerifications();
  EXPECT_FALSE(verifyPassword("wrong horse battery", stored));
  EXPECT_TRUE(verifyPassword("correct horse battery", stored));
  EXPECT_FALSE(verifyPassword("correct horse battery", "malformed"));
  EXPECT_EQ(passwordVerifications() - before, 2u) << "a malformed hash derives nothing";
}

TEST(Password, RefusesShortOrControlCharacterPasswords) {
  EXPECT_EQ(passwordProblem("short"), "shorter than 12 characters");
  EXPECT_EQ(passwordProblem("twelve chars"), "");
  // Counted in characters, not bytes: 12 kanji are enough, 5 are not (15 bytes).
  EXPECT_EQ(passwordProblem("在宅医療介護"), "shorter than 12 characters");
  EXPECT_EQ(passwordProblem("在宅医療介護連携の合言葉"), "");
  EXPECT_EQ(passwordProblem("tab\there is bad"), "contains a control character");
}

}  // namespace
}  // namespace tsunagi::console
