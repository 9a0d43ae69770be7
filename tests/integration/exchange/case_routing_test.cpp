// A hospital's discharge sheet carries no 介護保険 numbers (FHIR, SS-MIX2): it reaches the care
// team through the patient's liaison case, matched on カナ氏名, 生年月日 and 性別, under the
// consent recorded for the case's patient — and is refused, with the reason, when no case or
// more than one case matches.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/exchange/submitter.hpp"
#include "mapping/model/canonical.hpp"
#include "tests/support/test_federation.hpp"

namespace tsunagi::exchange {
namespace {

using ::testing::HasSubstr;
using testing::TestFederation;

const testing::TestNodeSpec kKashiwa{"122173", "柏市", {"122173"}, {"122176"}};
const testing::TestNodeSpec kNagareyama{"122203", "流山市", {"122203"}, {"122200"}};
/// The hospital's liaison office opens the case: a Kashiwa case (its id names 122173).
constexpr const char* kKashiwaCase = "case-122173-2024-0001";

/// The discharge fixture as a hospital sends it: no insurance, no municipality code; the kana
/// written with a half-width space, as HIS exports often do (matching folds it).
mapping::CanonicalDocument hospitalSheet() {
  auto doc = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  auto& sheet = std::get<mapping::LiaisonSheet>(doc);
  sheet.insurance.reset();
  sheet.patient.municipalityCode.reset();
  sheet.patient.nameKana = "ナガレヤマ　ハナコ";
  return doc;
}

std::string submitError(Submitter& submitter, const mapping::CanonicalDocument& doc) {
  try {
    submitter.submit(doc);
  } catch (const SubmitError& e) {
    return e.code() + ": " + e.what();
  }
  return "accepted";
}

TEST(CaseRouting, AHospitalSheetWithoutInsuranceGoesThroughTheMatchingCase) {
  TestFederation federation({kKashiwa, kNagareyama});
  auto& kashiwa = federation.node("122173");
  auto& nagareyama = federation.node("122203");
  kashiwa.consent("consent-1", {"122203"});

  // No case yet: refused with the reason, nothing queued.
  EXPECT_THAT(submitError(kashiwa.exchange().submitter(), hospitalSheet()),
              HasSubstr("no-route: no node in manifest serial 1 serves this patient: no insurance "
                        "numbers, no municipality, and no open case matches"));
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox"), 0);

  // The liaison office opens the case (Kashiwa + Nagareyama) for ナガレヤマ ハナコ.
  kashiwa.exchange().submitter().submit(testing::caseOpening("122173", kKashiwaCase));
  const auto sent = kashiwa.exchange().submitter().submit(hospitalSheet());
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].peer, "122203");
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM exchange_events WHERE event = 'validated' AND "
                          "detail LIKE '%LiaisonSheet%'"),
            1);
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox WHERE document_type = 'LiaisonSheet' AND "
                          "case_id = 'case-122173-2024-0001' AND consent_ref = 'consent-1'"),
            1);
  kashiwa.exchange().wakeDelivery();
  EXPECT_TRUE(testing::eventually([&] {
    return nagareyama.count("SELECT count(*) FROM inbox WHERE document_type = 'LiaisonSheet'") == 1;
  }));
}

TEST(CaseRouting, TwoOpenCasesForThePatientAreAmbiguousAndNothingIsSent) {
  TestFederation federation({kKashiwa, kNagareyama});
  auto& kashiwa = federation.node("122173");
  kashiwa.consent("consent-1", {"122203"});
  kashiwa.exchange().submitter().submit(testing::caseOpening("122173", kKashiwaCase));
  kashiwa.exchange().submitter().submit(testing::caseOpening("122173", "case-122173-2024-0002"));
  const long long before = kashiwa.count("SELECT count(*) FROM outbox");
  EXPECT_THAT(submitError(kashiwa.exchange().submitter(), hospitalSheet()),
              HasSubstr("identity-ambiguous: 2 open cases match"));
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM outbox"), before);
  EXPECT_EQ(kashiwa.count("SELECT count(*) FROM exchange_events WHERE event = 'refused' AND "
                          "detail LIKE '%identity-ambiguous%'"),
            1);
}

TEST(CaseRouting, AnAdmissionSheetForAPatientServedHereGoesToTheCasesOtherNode) {
  // Nagareyama's care manager sends the admission sheet of a Nagareyama-insured patient to the
  // hospital in Kashiwa: by 保険者番号 it would route back to Nagareyama itself.
  TestFederation federation({kKashiwa, kNagareyama});
  auto& kashiwa = federation.node("122173");
  auto& nagareyama = federation.node("122203");
  auto sheetDoc = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  auto& sheet = std::get<mapping::LiaisonSheet>(sheetDoc);
  sheet.kind = mapping::SheetKind::Admission;
  sheet.discharge.reset();
  sheet.sheetId = "0190e8a2-7c1d-7b3e-9f20-4a6d2c1b8eaa";

  EXPECT_THAT(submitError(nagareyama.exchange().submitter(), sheetDoc),
              HasSubstr("self-route: the patient is served by this node (122203) and no open case "
                        "with another node matches the patient"));

  // A case with Kashiwa (opened at Kashiwa, known at Nagareyama through the exchange).
  kashiwa.consent("consent-1", {"122203"});
  kashiwa.exchange().submitter().submit(testing::caseOpening("122173", kKashiwaCase));
  kashiwa.exchange().wakeDelivery();
  ASSERT_TRUE(testing::eventually([&] {
    return nagareyama.count("SELECT count(*) FROM case_participants WHERE node = '122173'") == 1;
  }));
  nagareyama.consent("consent-2", {"122173"});
  const auto sent = nagareyama.exchange().submitter().submit(sheetDoc);
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].peer, "122173");
  EXPECT_EQ(nagareyama.count("SELECT count(*) FROM outbox WHERE case_id = 'case-122173-2024-0001' "
                             "AND consent_ref = 'consent-2'"),
            1);
}

}  // namespace
}  // namespace tsunagi::exchange
