#include "adapters/ssmix2/ssmix2_adapter.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "adapters/registry.hpp"
#include "ssmix2_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using mapping::Date;
using mapping::LiaisonSheet;
using mapping::SheetKind;
using testing::decodeHl7;
using ::testing::ElementsAre;
using testing::fixture;
using ::testing::HasSubstr;
using testing::publicSample;

const LiaisonSheet& onlySheet(const Decoded& decoded) {
  EXPECT_EQ(decoded.documents.size(), 1u);
  return std::get<LiaisonSheet>(decoded.documents.at(0));
}

const Loss kPidDropped{Loss::Kind::Dropped, "/PID/3",
                       "the hospital's patient id is not exchanged: hospital-internal identifiers "
                       "stay at the hospital"};

std::string partialDetail(const std::string& event, const std::string& kind) {
  return event + ": a partial " + kind +
         " sheet with only the patient, the hospital, the attending doctor and the dates; the "
         "other sections (insurance, ADL, nutrition, medication …) are absent";
}

// ---- the published SS-MIX2 samples, read as published ----

TEST(Ssmix2Samples, PublishedAdmissionBecomesAPartialAdmissionSheet) {
  const Decoded decoded = decodeHl7(publicSample("ADT-22_A01_admission.hl7"));
  const LiaisonSheet& sheet = onlySheet(decoded);
  EXPECT_EQ(sheet.kind, SheetKind::Admission);
  EXPECT_EQ(sheet.patient.nameKanji, "患者 太郎");
  EXPECT_EQ(sheet.patient.nameKana, "カンジャ タロウ");
  EXPECT_EQ(sheet.patient.sex, "1");
  EXPECT_EQ(sheet.patient.birthDate, (Date{1948, 4, 5}));
  EXPECT_EQ(sheet.dates.recordedOn, (Date{2011, 12, 20}));  // MSH-7
  EXPECT_EQ(sheet.dates.admittedOn, (Date{2011, 11, 20}));  // PV1-44
  EXPECT_FALSE(sheet.dates.plannedDischargeOn);
  ASSERT_TRUE(sheet.contacts && sheet.contacts->hospital && sheet.contacts->attendingDoctor);
  EXPECT_EQ(sheet.contacts->hospital->institution, "SEND");  // MSH-4 as sent
  EXPECT_FALSE(sheet.contacts->hospital->institutionCode);
  EXPECT_EQ(sheet.contacts->hospital->ward, "病棟 32、病室 302、ベッド 1");
  EXPECT_EQ(sheet.contacts->attendingDoctor->name, "医師一郎");
  EXPECT_EQ(sheet.contacts->attendingDoctor->institution, "SEND");
  EXPECT_FALSE(sheet.discharge);
  EXPECT_THAT(decoded.losses.entries(),
              ElementsAre(Loss{Loss::Kind::Partial, "/LiaisonSheet",
                               partialDetail("ADT^A01 (入院, admission)", "admission")},
                          kPidDropped));
  EXPECT_THAT(mapping::validate(sheet), ::testing::IsEmpty());
}

TEST(Ssmix2Samples, PublishedDischargeWithoutAdmissionDateMakesNoSheetButSaysWhy) {
  // ADT-52 as published has PV1-36 and PV1-45 but no PV1-44, and a discharge sheet needs 入院日.
  const Decoded decoded = decodeHl7(publicSample("ADT-52_A03_discharge.hl7"));
  EXPECT_TRUE(decoded.documents.empty());
  EXPECT_THAT(decoded.losses.entries(),
              ElementsAre(Loss{Loss::Kind::Partial, "/PV1/44",
                               "ADT^A03 (退院, discharge) without an admission date in PV1-44: a "
                               "discharge sheet needs 入院日 admittedOn, so no document was made; "
                               "record the event against the case (message control id "
                               "'20111220000001' of 2011-12-20)"}));
}

TEST(Ssmix2Samples, PublishedDischargeGivesTheSheetOnceAnAdmissionDateIsPresent) {
  std::string bytes = publicSample("ADT-52_A03_discharge.hl7");
  const std::string pv1End = "||201112201200\r";  // PV1-44 empty, PV1-45 set, end of segment
  ASSERT_NE(bytes.find(pv1End), std::string::npos);
  bytes.replace(bytes.find(pv1End), pv1End.size(), "|201111201600|201112201200\r");

  const Decoded decoded = decodeHl7(bytes);
  const LiaisonSheet& sheet = onlySheet(decoded);
  EXPECT_EQ(sheet.kind, SheetKind::Discharge);
  EXPECT_EQ(sheet.patient.birthDate, (Date{1970, 4, 5}));
  EXPECT_EQ(sheet.dates.admittedOn, (Date{2011, 11, 20}));
  EXPECT_EQ(sheet.dates.plannedDischargeOn, (Date{2011, 12, 20}));  // PV1-45
  ASSERT_TRUE(sheet.discharge);
  EXPECT_EQ(sheet.discharge->disposition, "1");  // PV1-36 "01"
  EXPECT_EQ(sheet.contacts->attendingDoctor->name, "医師 一郎");
  EXPECT_EQ(sheet.contacts->hospital->ward, "病棟 41、病室 460、ベッド 2");
  EXPECT_THAT(mapping::validate(sheet), ::testing::IsEmpty());
}

TEST(Ssmix2Samples, TheSameMessageAlwaysGivesTheSameSheetId) {
  const std::string bytes = publicSample("ADT-22_A01_admission.hl7");
  const std::string first = onlySheet(decodeHl7(bytes)).sheetId;
  EXPECT_EQ(onlySheet(decodeHl7(bytes)).sheetId, first);
  EXPECT_TRUE(std::regex_match(
      first, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << first;
  // Another message control id is another sheet.
  std::string other = bytes;
  other.replace(other.find("20111220000001"), 14, "20111220000002");
  EXPECT_NE(onlySheet(decodeHl7(other)).sheetId, first);
}

// ---- hand-written fixtures (tests/fixtures/ssmix2, see its README) ----

TEST(Ssmix2Fixtures, AreSevenBitIsoTwentyTwentyTwoJp) {
  for (const char* name :
       {"ADT-22_A01_admission.hl7", "ADT-52_A03_discharge.hl7", "ADT-00_A08_patient_update.hl7",
        "ADT-12_A11_cancel_admission.hl7", "ADT-62_A13_cancel_discharge.hl7"}) {
    const std::string bytes = fixture(name);
    EXPECT_NE(bytes.find("\x1b$B"), std::string::npos) << name;
    EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x80;
    })) << name;
  }
}

TEST(Ssmix2Fixtures, AdmissionBecomesThisSheet) {
  const Decoded decoded =
      decodeHl7(fixture("ADT-22_A01_admission.hl7"), {{"hospitalName", "柏の葉総合病院"}});
  const LiaisonSheet& sheet = onlySheet(decoded);
  EXPECT_EQ(mapping::serialize(sheet),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<LiaisonSheet xmlns=\"urn:tsunagi:canonical:1\" kind=\"admission\">\n"
            "  <sheetId>" +
                sheet.sheetId +
                "</sheetId>\n"
                "  <dates>\n"
                "    <recordedOn>2024-02-14</recordedOn>\n"
                "    <admittedOn>2024-02-14</admittedOn>\n"
                "    <plannedDischargeOn>2024-03-08</plannedDischargeOn>\n"
                "  </dates>\n"
                "  <patient>\n"
                "    <nameKanji>柏木 花子</nameKanji>\n"
                "    <nameKana>カシワギ ハナコ</nameKana>\n"
                "    <sex>2</sex>\n"
                "    <birthDate>1939-06-21</birthDate>\n"
                "    <postalCode>270-0114</postalCode>\n"
                "    <address>千葉県流山市東初石1丁目2番3号</address>\n"
                "    <phone>04-7150-0000</phone>\n"
                "  </patient>\n"
                "  <contacts>\n"
                "    <attendingDoctor>\n"
                "      <name>若葉 誠</name>\n"
                "      <institution>柏の葉総合病院</institution>\n"
                "      <institutionCode>1212000001</institutionCode>\n"
                "    </attendingDoctor>\n"
                "    <hospital>\n"
                "      <institution>柏の葉総合病院</institution>\n"
                "      <institutionCode>1212000001</institutionCode>\n"
                "      <ward>病棟 4E、病室 412、ベッド 2</ward>\n"
                "    </hospital>\n"
                "  </contacts>\n"
                "</LiaisonSheet>\n");
  EXPECT_THAT(decoded.losses.entries(),
              ElementsAre(Loss{Loss::Kind::Partial, "/LiaisonSheet",
                               partialDetail("ADT^A01 (入院, admission)", "admission")},
                          kPidDropped));
}

TEST(Ssmix2Fixtures, WithoutAHospitalNameTheCodeNamesTheHospital) {
  const Decoded decoded = decodeHl7(fixture("ADT-22_A01_admission.hl7"));
  const LiaisonSheet& sheet = onlySheet(decoded);
  EXPECT_EQ(sheet.contacts->hospital->institution, "医療機関コード 1212000001");
  EXPECT_EQ(sheet.contacts->hospital->institutionCode, "1212000001");
}

TEST(Ssmix2Fixtures, DischargeInAnMllpFrameCarriesTheDischargeDateAndOutcome) {
  const std::string bytes = fixture("ADT-52_A03_discharge.hl7");
  ASSERT_EQ(bytes.front(), '\x0B');
  const Decoded decoded = decodeHl7(bytes);
  const LiaisonSheet& sheet = onlySheet(decoded);
  EXPECT_EQ(sheet.kind, SheetKind::Discharge);
  EXPECT_EQ(sheet.dates.recordedOn, (Date{2024, 3, 8}));
  EXPECT_EQ(sheet.dates.admittedOn, (Date{2024, 2, 14}));
  EXPECT_EQ(sheet.dates.plannedDischargeOn, (Date{2024, 3, 8}));
  ASSERT_TRUE(sheet.discharge);
  EXPECT_EQ(sheet.discharge->disposition, "1");  // 治癒・軽快
  EXPECT_EQ(decoded.losses.entries().front(),
            (Loss{Loss::Kind::Partial, "/LiaisonSheet",
                  partialDetail("ADT^A03 (退院, discharge)", "discharge")}));
}

TEST(Ssmix2Fixtures, PatientUpdateFoldsHiraganaAndReportsTheSegmentsItDoesNotRead) {
  // LF line ends, a hiragana P name, the phone in XTN-6/7 and an NK1 segment.
  const Decoded decoded = decodeHl7(fixture("ADT-00_A08_patient_update.hl7"));
  const LiaisonSheet& sheet = onlySheet(decoded);
  EXPECT_EQ(sheet.kind, SheetKind::Discharge);  // the default for A08
  EXPECT_EQ(sheet.patient.nameKana, "カシワギ ハナコ");
  EXPECT_EQ(sheet.patient.address, "千葉県柏市柏の葉五丁目7番1号");
  EXPECT_EQ(sheet.patient.postalCode, "277-0882");
  EXPECT_EQ(sheet.patient.phone, "04-7131-0000");
  EXPECT_THAT(decoded.losses.entries(),
              ElementsAre(Loss{Loss::Kind::Partial, "/LiaisonSheet",
                               partialDetail("ADT^A08 (患者情報更新, patient information update)",
                                             "discharge")},
                          kPidDropped,
                          Loss{Loss::Kind::Dropped, "/NK1",
                               "1 NK1 segment not read: an ADT event gives the sheet only the "
                               "patient, the hospital, the attending doctor and the dates"}));
}

TEST(Ssmix2Fixtures, PatientUpdateTakesTheSheetKindFromMetadata) {
  const Decoded decoded =
      decodeHl7(fixture("ADT-00_A08_patient_update.hl7"), {{"sheetKind", "admission"}});
  EXPECT_EQ(onlySheet(decoded).kind, SheetKind::Admission);
  EXPECT_THAT(
      [] {
        decodeHl7(fixture("ADT-00_A08_patient_update.hl7"), {{"sheetKind", "transfer"}});
      },
      ::testing::ThrowsMessage<AdapterError>(
          "metadata sheetKind: 'transfer' is not a sheet kind: use admission or discharge"));
}

TEST(Ssmix2Fixtures, CancelledAdmissionIsRecordedNotIgnored) {
  const Decoded decoded = decodeHl7(fixture("ADT-12_A11_cancel_admission.hl7"));
  EXPECT_TRUE(decoded.documents.empty());
  EXPECT_THAT(decoded.losses.entries(),
              ElementsAre(Loss{Loss::Kind::Partial, "/MSH/9",
                               "ADT^A11 (入院取消, cancel admission) carries no liaison-sheet "
                               "content: no document was made; record the event against the case "
                               "(message control id 'A11-20240214-0003' of 2024-02-14)"}));
}

TEST(Ssmix2Fixtures, CancelledDischargeWithCrLfLinesIsRecordedNotIgnored) {
  const Decoded decoded = decodeHl7(fixture("ADT-62_A13_cancel_discharge.hl7"));
  EXPECT_TRUE(decoded.documents.empty());
  ASSERT_EQ(decoded.losses.entries().size(), 1u);
  EXPECT_EQ(decoded.losses.entries()[0].kind, Loss::Kind::Partial);
  EXPECT_EQ(decoded.losses.entries()[0].path, "/MSH/9");
  EXPECT_THAT(decoded.losses.entries()[0].detail,
              HasSubstr("ADT^A13 (退院取消, cancel discharge) carries no liaison-sheet content"));
}

TEST(Ssmix2Adapter, IsRegisteredAsADecoderOfLiaisonSheets) {
  AdapterRegistry registry;
  registerBuiltinAdapters(registry);
  auto adapter = registry.create("ssmix2");
  EXPECT_EQ(adapter->name(), "ssmix2");
  EXPECT_THAT(adapter->documentTypes(), ElementsAre("LiaisonSheet"));
  EXPECT_TRUE(adapter->canDecode());
  EXPECT_FALSE(adapter->canEncode());
  EXPECT_EQ(adapter->inputTrust(), InputTrust::Untrusted);
}

}  // namespace
}  // namespace tsunagi::adapters
