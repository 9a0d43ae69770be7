// Each consent check outcome has one problem code and one message.

#include "gateway/store/consent_check.hpp"

#include <gtest/gtest.h>

namespace tsunagi::store {
namespace {

TEST(ConsentCheck, EachRefusalHasItsCode) {
  EXPECT_EQ(consentCode(ConsentOutcome::Covered), "");
  EXPECT_EQ(consentCode(ConsentOutcome::PatientUnknown), "consent-missing");
  EXPECT_EQ(consentCode(ConsentOutcome::NotRecorded), "consent-missing");
  EXPECT_EQ(consentCode(ConsentOutcome::Revoked), "consent-revoked");
  EXPECT_EQ(consentCode(ConsentOutcome::OutOfScope), "consent-scope");
  EXPECT_EQ(consentCode(ConsentOutcome::Expired), "consent-expired");
  EXPECT_EQ(consentCode(ConsentOutcome::NotYetValid), "consent-not-yet-valid");
}

TEST(ConsentCheck, MessagesNameTheConsentAndTheNode) {
  auto message = [](ConsentOutcome outcome, const std::string& reference) {
    return ConsentCheck{outcome, reference, "122203"}.message();
  };
  EXPECT_EQ(message(ConsentOutcome::PatientUnknown, ""),
            "the patient's 保険者番号 and 被保険者番号 are needed to find a consent");
  EXPECT_EQ(message(ConsentOutcome::NotRecorded, ""), "no consent is recorded for this patient");
  EXPECT_EQ(message(ConsentOutcome::NotRecorded, "C-1"), "consent C-1 is not recorded");
  EXPECT_EQ(message(ConsentOutcome::Revoked, "C-1"), "consent C-1 was revoked");
  EXPECT_EQ(message(ConsentOutcome::OutOfScope, "C-1"),
            "consent C-1 does not cover municipality 122203");
  EXPECT_EQ(message(ConsentOutcome::Expired, "C-1"), "consent C-1 has expired");
  EXPECT_EQ(message(ConsentOutcome::NotYetValid, "C-1"), "consent C-1 is not valid yet");
}

TEST(ConsentCheck, OnlyCoveredAllowsSending) {
  EXPECT_TRUE((ConsentCheck{ConsentOutcome::Covered, "C-1", "122203"}.covered()));
  for (auto outcome :
       {ConsentOutcome::PatientUnknown, ConsentOutcome::NotRecorded, ConsentOutcome::Revoked,
        ConsentOutcome::OutOfScope, ConsentOutcome::Expired, ConsentOutcome::NotYetValid}) {
    EXPECT_FALSE((ConsentCheck{outcome, "C-1", "122203"}.covered()));
  }
}

}  // namespace
}  // namespace tsunagi::store
