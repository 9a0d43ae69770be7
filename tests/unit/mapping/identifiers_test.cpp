#include "mapping/identifiers.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace tsunagi::mapping {

TEST(MunicipalityCode, AcceptsTheTokatsuCities) {
  for (const char* code : {"122076", "122084", "122173", "122203", "122220", "122246"}) {
    EXPECT_EQ(checkMunicipalityCode(code), std::nullopt) << code;
  }
}

TEST(MunicipalityCode, ComputesTheCheckDigitFromWeights65432) {
  // 12217: 1*6 + 2*5 + 2*4 + 1*3 + 7*2 = 41; 41 mod 11 = 8; (11 - 8) mod 10 = 3.
  EXPECT_EQ(municipalityCheckDigit("12217"), 3);
  // 13101 (千代田区): 6+15+4+0+2 = 27; 27 mod 11 = 5; 11-5 = 6.
  EXPECT_EQ(municipalityCheckDigit("13101"), 6);
}

TEST(MunicipalityCode, NamesTheWrongCheckDigit) {
  EXPECT_EQ(checkMunicipalityCode("122174"), "check digit is 4, expected 3");
  EXPECT_EQ(checkMunicipalityCode("12217"), "must be 6 digits");
  EXPECT_EQ(checkMunicipalityCode("12217a"), "must be 6 digits");
}

TEST(InsuredNumber, AcceptsTenDigitsOrWelfareRecipientForm) {
  EXPECT_EQ(checkInsuredNumber("0000123456"), std::nullopt);
  EXPECT_EQ(checkInsuredNumber("H123456789"), std::nullopt);
  EXPECT_TRUE(checkInsuredNumber("H12345678X").has_value());
  EXPECT_TRUE(checkInsuredNumber("123456789").has_value());
}

TEST(InsurerNumber, AcceptsSixDigitsAndTheEightDigitBillingForm) {
  EXPECT_EQ(checkInsurerNumber("122176"), std::nullopt);
  EXPECT_EQ(checkInsurerNumber("00122176"), std::nullopt);
  EXPECT_TRUE(checkInsurerNumber("12217").has_value());
  EXPECT_TRUE(checkInsurerNumber("11122176").has_value());
}

TEST(CaseId, NamesTheNodeThatOpenedTheCase) {
  EXPECT_EQ(caseIdOwner("case-122173-2024-0101"), "122173");
  EXPECT_EQ(caseIdOwner("case-122076-x"), "122076");
  EXPECT_EQ(checkCaseId("case-122173-2024-0101"), std::nullopt);
  for (const char* id : {"", "case-122173", "case-122173-", "case-12217-3", "case-1221731-2",
                         "CASE-122173-1", "122173-2024-0101", "case-12217a-1", "room-12"}) {
    EXPECT_EQ(caseIdOwner(id), std::nullopt) << id;
    EXPECT_EQ(checkCaseId(id),
              "does not name the node that opened the case: case ids are case-NNNNNN-… with the "
              "opening node's 6-digit code")
        << id;
  }
  EXPECT_EQ(caseIdOwner("case-122174-1"), "122174");  // the form names it …
  EXPECT_EQ(checkCaseId("case-122174-1"), "names node 122174: check digit is 4, expected 3");
}

TEST(Reference, FollowsTheSchemasReferenceType) {
  for (const char* good : {"a", "kashiwa-consent-2024-0101", "A1.b_c:d-e", "9"}) {
    EXPECT_EQ(checkReference(good), std::nullopt) << good;
  }
  EXPECT_EQ(checkReference(std::string(64, 'r')), std::nullopt);
  EXPECT_EQ(checkReference(std::string(65, 'r')), "must be 1 to 64 characters");
  EXPECT_EQ(checkReference(""), "must be 1 to 64 characters");
  EXPECT_EQ(checkReference("-x"), "must start with a letter or digit");
  for (const std::string& bad : std::vector<std::string>{"x' OR 1=1--", "a b", "consent/1",
                                                         std::string("nul\0tail", 8), "a同意"}) {
    EXPECT_EQ(checkReference(bad), "may hold only letters, digits and . _ : -") << bad;
  }
}

}  // namespace tsunagi::mapping
