// How single HL7 fields reach the sheet, and what is reported when one cannot.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "adapters/ssmix2/hl7_message.hpp"
#include "ssmix2_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using mapping::Date;
using mapping::LiaisonSheet;
using ::testing::Contains;
using testing::decodeHl7;
using ::testing::ElementsAre;
using testing::hl7;
using testing::kMsh;
using testing::mshWith;
using testing::pid;
using testing::pv1;

LiaisonSheet sheetOf(const Decoded& decoded) {
  EXPECT_EQ(decoded.documents.size(), 1u);
  return std::get<LiaisonSheet>(decoded.documents.at(0));
}

std::string discharge() { return mshWith(9, "ADT^A03^ADT_A03"); }

TEST(Ssmix2Fields, EscapeSequencesBecomeTheDelimitersTheyStandFor) {
  const Decoded decoded = decodeHl7(
      hl7({kMsh, pid({{11, "柏1-2-3 A\\T\\B\\F\\C\\S\\D\\R\\E\\E\\\\H\\x\\N\\^^柏市"}}), pv1()}));
  EXPECT_EQ(sheetOf(decoded).patient.address, "柏市柏1-2-3 A&B|C^D~E\\x");
}

TEST(Ssmix2Fields, TheHl7NullReadsAsEmpty) {
  const LiaisonSheet sheet = sheetOf(decodeHl7(hl7({kMsh, pid({{11, "\"\""}}), pv1()})));
  EXPECT_FALSE(sheet.patient.address);
}

TEST(Ssmix2Fields, CharacterSetIsAcceptedInTheFormsSeenInRealData) {
  for (const char* charset : {"~ISO IR87", "ISO IR87", "ISO IR6~ISO IR87"}) {
    EXPECT_EQ(decodeHl7(hl7({mshWith(18, charset), pid(), pv1()})).documents.size(), 1u) << charset;
  }
  for (const char* handling : {"ISO 2022-1994", "ISO2022-1994", ""}) {
    EXPECT_EQ(decodeHl7(hl7({mshWith(20, handling), pid(), pv1()})).documents.size(), 1u)
        << handling;
  }
}

TEST(Ssmix2Fields, SegmentsMaySeparateWithCrLfOrLfAndEndWithoutASeparator) {
  const std::string text = kMsh + "\r\n" + pid() + "\r\n" + pv1();
  EXPECT_EQ(decodeHl7(testing::jis(text)).documents.size(), 1u);
  const std::string lf = kMsh + "\n" + pid() + "\n" + pv1() + "\n\n";
  EXPECT_EQ(decodeHl7(testing::jis(lf)).documents.size(), 1u);
}

TEST(Ssmix2Fields, DatesMayCarryTimeFractionsAndAnOffset) {
  const LiaisonSheet sheet =
      sheetOf(decodeHl7(hl7({mshWith(7, "20240214103000.1234+0900"), pid({{7, "193906210000"}}),
                             pv1({{44, "2024021409"}})})));
  EXPECT_EQ(sheet.dates.recordedOn, (Date{2024, 2, 14}));
  EXPECT_EQ(sheet.patient.birthDate, (Date{1939, 6, 21}));
  EXPECT_EQ(sheet.dates.admittedOn, (Date{2024, 2, 14}));
}

TEST(Ssmix2Fields, DateParserNamesTheFieldAndWhy) {
  EXPECT_EQ(ssmix2::parseHl7Date("20240229", 1, "PID-7"), (Date{2024, 2, 29}));
  EXPECT_THAT([] { ssmix2::parseHl7Date("202402", 2, "PID-7"); },
              ::testing::ThrowsMessage<AdapterError>(
                  "line 2: PID-7: '202402' is not a date: expected YYYYMMDD, optionally followed "
                  "by the time (hhmm[ss[.ssss]]) and a +hhmm or -hhmm offset"));
  EXPECT_THAT([] { ssmix2::parseHl7Date("20240214+09", 2, "PV1-44"); },
              ::testing::Throws<AdapterError>());
  EXPECT_THAT([] { ssmix2::parseHl7Date("2024021425", 2, "PV1-44"); },
              ::testing::ThrowsMessage<AdapterError>(
                  "line 2: PV1-44: '2024021425' is not a valid date and time: hour 25"));
}

TEST(Ssmix2Fields, AddressFromItsPartsWithTheHomeAddressPreferred) {
  const LiaisonSheet sheet = sheetOf(decodeHl7(
      hl7({kMsh,
           pid({{11,
                 "旭町1-1^^松戸市^千葉県^2710001^JPN^B~東初石1丁目2番3号^ハイツ101^流山市^千葉県^"
                 "２７００１１４^JPN^H"}}),
           pv1()})));
  EXPECT_EQ(sheet.patient.address, "千葉県流山市東初石1丁目2番3号 ハイツ101");
  EXPECT_EQ(sheet.patient.postalCode, "270-0114");
}

TEST(Ssmix2Fields, WhatTheSheetCannotHoldIsDroppedAndReported) {
  const Decoded decoded = decodeHl7(
      hl7({kMsh, pid({{11, std::string(201, 'A') + "^^^^27^JPN^H"}, {13, "ask the family^PRN^PH"}}),
           pv1({{7, "D1^" + std::string(65, 'B')}})}));
  const LiaisonSheet sheet = sheetOf(decoded);
  EXPECT_FALSE(sheet.patient.address);
  EXPECT_FALSE(sheet.patient.postalCode);
  EXPECT_FALSE(sheet.patient.phone);
  EXPECT_FALSE(sheet.contacts->attendingDoctor);
  const auto& losses = decoded.losses.entries();
  EXPECT_THAT(losses, Contains(Loss{Loss::Kind::Dropped, "/PID/11",
                                    "the address is 201 characters; 住所 allows at most 200: not "
                                    "carried"}));
  EXPECT_THAT(losses, Contains(Loss{Loss::Kind::Dropped, "/PID/11",
                                    "the postal code (XAD-5) is not a seven-digit 郵便番号: not "
                                    "carried"}));
  EXPECT_THAT(losses, Contains(Loss{Loss::Kind::Dropped, "/PID/13",
                                    "no telephone number in the form the sheet accepts (digits, "
                                    "'+' and '-', 6 to 20 characters): not carried"}));
  EXPECT_THAT(losses, Contains(Loss{Loss::Kind::Dropped, "/PV1/7",
                                    "the attending doctor's name is 65 characters; 氏名 allows at "
                                    "most 64: not carried"}));
}

TEST(Ssmix2Fields, PhoneFromAreaCodeAndLocalNumberOrWithParentheses) {
  EXPECT_EQ(
      sheetOf(decodeHl7(hl7({kMsh, pid({{13, "(04)7150-0000^PRN^PH"}}), pv1()}))).patient.phone,
      "04-7150-0000");
  EXPECT_EQ(
      sheetOf(decodeHl7(hl7({kMsh, pid({{13, "^PRN^PH^^^04^7150-0000"}}), pv1()}))).patient.phone,
      "04-7150-0000");
}

TEST(Ssmix2Fields, DischargeOutcomeIsReadAsTheDpcCodeOrReported) {
  const LiaisonSheet sheet =
      sheetOf(decodeHl7(hl7({discharge(), pid(), pv1({{36, "06"}, {45, "20240308"}})})));
  EXPECT_EQ(sheet.discharge->disposition, "6");  // 死亡（傷病）

  const Decoded unknown = decodeHl7(hl7({discharge(), pid(), pv1({{36, "12"}})}));
  EXPECT_FALSE(sheetOf(unknown).discharge);
  EXPECT_THAT(unknown.losses.entries(),
              Contains(Loss{Loss::Kind::Dropped, "/PV1/36",
                            "'12' is not a DPC 退院時転帰 code (table discharge-disposition: 1, 3, "
                            "4, 5, 6, 7, 9): not carried"}));

  const Decoded onAdmission = decodeHl7(hl7({kMsh, pid(), pv1({{36, "1"}})}));
  EXPECT_THAT(onAdmission.losses.entries(),
              Contains(Loss{Loss::Kind::Dropped, "/PV1/36",
                            "a discharge disposition on an admission event: an admission sheet "
                            "has no place for it"}));
}

TEST(Ssmix2Fields, WardFromItsDescriptionWhenGiven) {
  const LiaisonSheet sheet =
      sheetOf(decodeHl7(hl7({kMsh, pid(), pv1({{3, "4E^412^^^^^^^4階東病棟"}})})));
  EXPECT_EQ(sheet.contacts->hospital->ward, "4階東病棟、病室 412");
}

TEST(Ssmix2Fields, HospitalNameFromTheSendingFacility) {
  const LiaisonSheet sheet =
      sheetOf(decodeHl7(hl7({mshWith(4, "KASHIWANOHA^1212000001"), pid(), pv1()})));
  EXPECT_EQ(sheet.contacts->hospital->institution, "KASHIWANOHA");
  EXPECT_EQ(sheet.contacts->hospital->institutionCode, "1212000001");
  EXPECT_THAT(
      [] {
        decodeHl7(hl7({mshWith(4, ""), pid(), pv1()}));
      },
      ::testing::ThrowsMessage<AdapterError>(
          "line 1: MSH-4: the sending facility is empty: the sheet names the hospital; send its "
          "医療機関コード in MSH-4 or set the connector's hospitalName"));
}

TEST(Ssmix2Fields, PendingAndTransferEventsAreRecordedWithoutASheet) {
  for (const char* event : {"A02", "A14", "A16", "A12"}) {
    const Decoded decoded =
        decodeHl7(hl7({mshWith(9, std::string("ADT^") + event + "^ADT_A01"), pid(), pv1()}));
    EXPECT_TRUE(decoded.documents.empty()) << event;
    ASSERT_EQ(decoded.losses.entries().size(), 1u) << event;
    EXPECT_EQ(decoded.losses.entries()[0].path, "/MSH/9");
    EXPECT_THAT(decoded.losses.entries()[0].detail,
                ::testing::StartsWith(std::string("ADT^") + event + " ("));
  }
}

TEST(Ssmix2Fields, LossesNeverQuoteThePatientsName) {
  const Decoded decoded = decodeHl7(testing::fixture("ADT-00_A08_patient_update.hl7"));
  EXPECT_THAT(decoded.losses.text(), ::testing::Not(::testing::HasSubstr("柏木")));
  EXPECT_THAT(decoded.losses.text(), ::testing::Not(::testing::HasSubstr("00123456")));
}

}  // namespace
}  // namespace tsunagi::adapters
