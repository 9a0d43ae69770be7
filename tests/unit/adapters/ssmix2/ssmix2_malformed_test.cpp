// Refusals of the ssmix2 adapter, as an operator reads them: each names the line and the
// segment-field, or the byte offset in the input as received.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "ssmix2_test_support.hpp"

namespace tsunagi::adapters {
namespace {

using ::testing::HasSubstr;
using testing::hl7;
using testing::jis;
using testing::kMsh;
using testing::mshWith;
using testing::pid;
using testing::pv1;
using testing::refusal;
using testing::segment;
using testing::publicSample;
using ::testing::StartsWith;

std::string admission() { return hl7({kMsh, pid(), pv1()}); }

TEST(Ssmix2Malformed, TheValidBaseMessageDecodes) { EXPECT_EQ(refusal(admission()), "decoded"); }

// ---- bytes and framing ----

TEST(Ssmix2Malformed, EmptyInput) { EXPECT_EQ(refusal(""), "the message is empty"); }

TEST(Ssmix2Malformed, NotHl7) {
  EXPECT_EQ(refusal("<?xml version=\"1.0\"?><LiaisonSheet/>"),
            "not an HL7 v2 message: it must begin with an MSH segment, but begins with "
            "'<?xml ve'");
  EXPECT_EQ(refusal("\xEF\xBB\xBFMSH|^~\\&|"),
            "not an HL7 v2 message: it must begin with an MSH segment, but begins with bytes "
            "EF BB BF 4D 53 48 7C 5E");
}

TEST(Ssmix2Malformed, BatchFilesAreNotRead) {
  EXPECT_THAT(refusal("FHS|^~\\&|HIS01\rBHS|^~\\&\r" + admission()),
              HasSubstr("batch files (FHS/BHS) are not read: send one message per input"));
}

TEST(Ssmix2Malformed, MllpFrameWithoutEnd) {
  std::string framed = "\x0B" + admission();
  EXPECT_EQ(refusal(framed),
            "MLLP frame not closed: the input starts with the start byte 0x0B but does not end "
            "with 0x1C 0x0D, so the message may be cut short; send the complete frame");
  EXPECT_EQ(refusal(framed + "\x1C\r"), "decoded");
}

TEST(Ssmix2Malformed, TwoFramedMessagesInOneInput) {
  const std::string two = "\x0B" + admission() + "\x1C\r\x0B" + admission() + "\x1C\r";
  EXPECT_EQ(refusal(two), "line 4: byte offset " + std::to_string(1 + admission().size()) +
                              ": MLLP framing byte 0x1C inside the message: an input carries "
                              "exactly one message");
}

TEST(Ssmix2Malformed, NulByte) {
  std::string bytes = hl7({kMsh, pid({{11, "ABC"}}), pv1()});
  const std::size_t at = bytes.find("ABC") + 1;
  bytes[at] = '\0';
  EXPECT_EQ(refusal(bytes), "line 2: PID: byte offset " + std::to_string(at) +
                                ": NUL byte (0x00): HL7 text never contains one");
}

TEST(Ssmix2Malformed, ControlCharacter) {
  std::string bytes = hl7({kMsh, pid({{11, "ABC"}}), pv1()});
  bytes[bytes.find("ABC")] = '\x07';
  EXPECT_THAT(refusal(bytes), HasSubstr(": control character 0x07 is not allowed in HL7 text"));
}

TEST(Ssmix2Malformed, RawEightBitBytesInIsoTwentyTwentyTwoJpText) {
  // The name written in UTF-8 instead of ISO-2022-JP.
  const std::string bytes = jis(kMsh + "\r") + "PID|0001||1||柏木^花子^^^^^L^I||19390621|F\r";
  const std::size_t at = bytes.find("PID|0001||1||") + 13;
  EXPECT_EQ(refusal(bytes), "line 2: PID: byte offset " + std::to_string(at) +
                                ": 8-bit byte 0xE6: ISO-2022-JP (declared in MSH-18) is a 7-bit "
                                "encoding; the message looks like Shift_JIS or UTF-8 text");
}

TEST(Ssmix2Malformed, InvalidIsoTwentyTwentyTwoJpEscape) {
  // ESC $ ( D switches to JIS X 0212, which ISO-2022-JP (RFC 1468) does not have.
  const std::string bytes =
      jis(kMsh + "\r") + "PID|0001||1||\x1B$(D0!\x1B(B^^^^^^L^I||19390621|F\r" + jis(pv1() + "\r");
  EXPECT_EQ(refusal(bytes),
            "line 2: PID: byte offset " + std::to_string(bytes.find("\x1B$(D")) +
                ": invalid ISO-2022-JP: escape sequence 0x1B 0x24 0x28 0x44 is not ISO-2022-JP "
                "(RFC 1468 allows ESC ( B, ESC ( J, ESC $ @ and ESC $ B; ESC ( I half-width "
                "katakana and JIS X 0212/0213 are not)");
}

TEST(Ssmix2Malformed, KanjiCutInHalf) {
  const std::string bytes =
      jis(kMsh + "\r") + "PID|0001||1||\x1B$B0!0\x1B(B^^^^^^L^I||19390621|F\r" + jis(pv1() + "\r");
  EXPECT_EQ(refusal(bytes), "line 2: PID: byte offset " +
                                std::to_string(bytes.find("\x1B$B0!0") + 5) +
                                ": invalid ISO-2022-JP: JIS X 0208 character cut in half: first "
                                "byte 0x30 is followed by 0x1B");
}

TEST(Ssmix2Malformed, SegmentEndingInKanjiMode) {
  // No ESC ( B before the CR: the next segment's "PV1|" would be read as two kanji.
  const std::string bytes = jis(kMsh + "\r") + "PID|0001||1||\x1B$B0!\r" + jis(pv1() + "\r");
  EXPECT_EQ(refusal(bytes), "line 2: PID: byte offset " + std::to_string(bytes.find("0!\r") + 2) +
                                ": the line ends in JIS X 0208 (kanji) mode: ISO-2022-JP returns "
                                "to ASCII with ESC ( B before every segment separator");
}

TEST(Ssmix2Malformed, HugeField) {
  const std::string bytes = hl7({kMsh, pid({{11, std::string(1024 * 1024, 'A')}}), pv1()});
  ASSERT_EQ(bytes.size(), 1048895u);
  EXPECT_EQ(refusal(bytes),
            "the message is 1,048,895 bytes; at most 1,048,576 bytes (1 MiB) are accepted for one "
            "ADT message");
}

// ---- MSH ----

TEST(Ssmix2Malformed, TruncatedMsh) {
  EXPECT_EQ(refusal("MSH|^~\\&|HIS01|1212000001\r"),
            "line 1: MSH: the MSH segment is truncated: it ends after MSH-4; MSH-9 (message type), "
            "MSH-10 (message control id), MSH-11 (processing id) and MSH-12 (version) are "
            "required");
  EXPECT_EQ(refusal("MSH"),
            "line 1: MSH: the MSH segment is truncated: it ends before the field separator "
            "(MSH-1)");
}

TEST(Ssmix2Malformed, FieldSeparatorThatIsNotPunctuation) {
  EXPECT_EQ(refusal("MSHX^~\\&XHIS01\r"),
            "line 1: MSH-1: field separator 0x58 is not a punctuation character (normally '|')");
}

TEST(Ssmix2Malformed, EncodingCharactersIncomplete) {
  EXPECT_EQ(refusal("MSH|^~|HIS01\r"),
            "line 1: MSH-2: encoding characters '^~' must be four different punctuation "
            "characters other than the field separator: component, repetition, escape, "
            "subcomponent (normally '^~\\&')");
}

TEST(Ssmix2Malformed, SegmentUsingAnotherFieldSeparator) {
  const std::string bytes = hl7({kMsh, "PID!0001!!1!!柏木^花子^^^^^L^I!!19390621!F", pv1()});
  EXPECT_EQ(refusal(bytes),
            "line 2: PID: the segment id is followed by '!' instead of the field separator '|' "
            "declared in MSH-1");
}

TEST(Ssmix2Malformed, UnsupportedCharacterSet) {
  EXPECT_EQ(refusal(hl7({mshWith(18, "UNICODE UTF-8"), pid(), pv1()})),
            "line 1: MSH-18: character set 'UNICODE UTF-8' is not supported: SS-MIX2 messages are "
            "ISO-2022-JP and declare '~ISO IR87' in MSH-18 and 'ISO 2022-1994' in MSH-20");
  EXPECT_EQ(refusal(hl7({mshWith(18, ""), pid(), pv1()})),
            "line 1: MSH-18: no character set is declared: SS-MIX2 messages are ISO-2022-JP and "
            "declare '~ISO IR87' in MSH-18 and 'ISO 2022-1994' in MSH-20");
  EXPECT_EQ(refusal(hl7({mshWith(20, "ISO 2022-1986"), pid(), pv1()})),
            "line 1: MSH-20: character set handling 'ISO 2022-1986' is not supported: expected "
            "'ISO 2022-1994' (also written 'ISO2022-1994')");
}

TEST(Ssmix2Malformed, UnknownMessageType) {
  EXPECT_EQ(refusal(hl7({mshWith(9, "ORU^R01^ORU_R01"), pid(), pv1()})),
            "line 1: MSH-9: message type 'ORU^R01' is not an ADT message: the ssmix2 adapter reads "
            "admission and discharge events (ADT^A01, ADT^A03 …) only");
}

TEST(Ssmix2Malformed, NonAdmissionDischargeEventCode) {
  EXPECT_EQ(refusal(hl7({mshWith(9, "ADT^A40^ADT_A39"), pid(), pv1()})),
            "line 1: MSH-9: ADT event 'A40' is not an SS-MIX2 admission or discharge event "
            "(known: A01, A02, A03, A08, A11, A12, A13, A14, A15, A16, A21, A22, A25, A26, A27, "
            "A52, A53, A54, A55, A60)");
}

TEST(Ssmix2Malformed, MissingControlIdAndDate) {
  EXPECT_EQ(refusal(hl7({mshWith(10, ""), pid(), pv1()})),
            "line 1: MSH-10: the message control id is empty: it identifies the message and the "
            "sheet made from it");
  EXPECT_EQ(refusal(hl7({mshWith(7, "2024021"), pid(), pv1()})),
            "line 1: MSH-7: '2024021' is not a date: expected YYYYMMDD, optionally followed by "
            "the time (hhmm[ss[.ssss]]) and a +hhmm or -hhmm offset");
}

TEST(Ssmix2Malformed, TwoMshSegments) {
  EXPECT_EQ(refusal(hl7({kMsh, pid(), kMsh, pv1()})),
            "line 3: MSH: a second MSH segment: an input carries exactly one message");
}

TEST(Ssmix2Malformed, LineBreakInsideAField) {
  const std::string bytes = hl7({kMsh, pid({{11, "柏市\r柏1-2-3"}}), pv1()});
  EXPECT_EQ(refusal(bytes),
            "line 3: the line does not start with a segment id (three upper-case letters or "
            "digits, e.g. PID): a non-ASCII character; a CR or LF inside a field splits its "
            "segment");
}

// ---- PID ----

TEST(Ssmix2Malformed, MissingPid) {
  EXPECT_EQ(refusal(hl7({kMsh, pv1()})),
            "PID: the PID segment (patient) is missing: ADT^A01 (入院, admission) needs it");
}

TEST(Ssmix2Malformed, MissingPid5) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{5, ""}}), pv1()})),
            "line 2: PID-5: the patient name is missing: the sheet needs 氏名 in kanji "
            "(representation I) and in kana (representation P)");
}

TEST(Ssmix2Malformed, Pid5WithoutAKanaName) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{5, "柏木^花子^^^^^L^I"}}), pv1()})),
            "line 2: PID-5: no name written in kana (representation code P in the 8th component, "
            "e.g. セイ^メイ^^^^^L^P): the sheet needs 氏名（カナ）");
}

TEST(Ssmix2Malformed, Pid5KanaNameInKanji) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{5, "柏木^花子^^^^^L^I~柏木^ハナコ^^^^^L^P"}}), pv1()})),
            "line 2: PID-5: character 1 of the kana name (representation P) is U+67CF, not "
            "katakana: 氏名（カナ） is written in katakana");
}

TEST(Ssmix2Malformed, BadBirthDate) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{7, "1950133"}}), pv1()})),
            "line 2: PID-7: '1950133' is not a date: expected YYYYMMDD, optionally followed by "
            "the time (hhmm[ss[.ssss]]) and a +hhmm or -hhmm offset");
  EXPECT_EQ(refusal(hl7({kMsh, pid({{7, "19500230"}}), pv1()})),
            "line 2: PID-7: '19500230' is not a date: February 1950 has 28 days, not 30");
  EXPECT_EQ(refusal(hl7({kMsh, pid({{7, ""}}), pv1()})),
            "line 2: PID-7: the birth date is missing: the sheet needs 生年月日");
}

TEST(Ssmix2Malformed, BirthAfterAdmission) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{7, "20240301"}}), pv1()})),
            "line 2: PID-7: the birth date 2024-03-01 is after the admission date 2024-02-14 in "
            "PV1-44");
}

TEST(Ssmix2Malformed, BadSex) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{8, "U"}}), pv1()})),
            "line 2: PID-8: sex 'U' cannot be written on the sheet, which knows only 1 男 (M) and "
            "2 女 (F)");
  EXPECT_EQ(refusal(hl7({kMsh, pid({{8, ""}}), pv1()})),
            "line 2: PID-8: the sex is missing: the sheet needs 性別 (M or F)");
}

TEST(Ssmix2Malformed, UnsupportedEscapeSequence) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{11, "柏1-2-3\\X0D\\^^柏市^千葉県"}}), pv1()})),
            "line 2: PID-11: unsupported escape sequence '\\X0D\\' (read: \\F\\ \\S\\ \\T\\ "
            "\\R\\ \\E\\ \\H\\ \\N\\)");
  EXPECT_EQ(refusal(hl7({kMsh, pid({{11, "C:\\data^^柏市"}}), pv1()})),
            "line 2: PID-11: a '\\' that does not start an escape sequence (write a literal one "
            "as \\E\\)");
}

TEST(Ssmix2Malformed, TabInsideAName) {
  EXPECT_EQ(refusal(hl7({kMsh, pid({{5, "柏木\t^花子^^^^^L^I~カシワギ^ハナコ^^^^^L^P"}}), pv1()})),
            "line 2: PID-5: a TAB character in a field that is one line of text");
}

// ---- PV1 ----

TEST(Ssmix2Malformed, MissingPv1) {
  EXPECT_EQ(refusal(hl7({kMsh, pid()})),
            "PV1: the PV1 segment (patient visit) is missing: ADT^A01 (入院, admission) needs it");
}

TEST(Ssmix2Malformed, BadAdmissionDate) {
  EXPECT_EQ(refusal(hl7({kMsh, pid(), pv1({{44, "2024-02-14"}})})),
            "line 3: PV1-44: '2024-02-14' is not a date: expected YYYYMMDD, optionally followed "
            "by the time (hhmm[ss[.ssss]]) and a +hhmm or -hhmm offset");
  EXPECT_EQ(refusal(hl7({kMsh, pid(), pv1({{44, "202402142360"}})})),
            "line 3: PV1-44: '202402142360' is not a valid date and time: minute 60");
}

TEST(Ssmix2Malformed, DischargeBeforeAdmission) {
  const std::string bytes =
      hl7({mshWith(9, "ADT^A03^ADT_A03"), pid(), pv1({{45, "20240201120000"}})});
  EXPECT_EQ(refusal(bytes),
            "line 3: PV1-45: the discharge date 2024-02-01 is before the admission date "
            "2024-02-14 in PV1-44");
}

TEST(Ssmix2Malformed, ExpectedDischargeBeforeAdmission) {
  EXPECT_EQ(refusal(hl7({kMsh, pid(), pv1(), segment("PV2", {{9, "20240210"}})})),
            "line 4: PV2-9: the expected discharge date 2024-02-10 is before the admission date "
            "2024-02-14 in PV1-44");
}

TEST(Ssmix2Malformed, TwoPatientsInOneEvent) {
  EXPECT_EQ(refusal(hl7({kMsh, pid(), pid(), pv1()})),
            "line 3: PID: a second PID segment: an ADT event is about one patient and one visit");
}

TEST(Ssmix2Malformed, PublishedSampleCutShort) {
  const std::string sample = publicSample("ADT-22_A01_admission.hl7");
  EXPECT_EQ(refusal(sample.substr(0, 60)),
            "line 1: MSH: the MSH segment is truncated: it ends after MSH-9; MSH-9 (message "
            "type), MSH-10 (message control id), MSH-11 (processing id) and MSH-12 (version) are "
            "required");
}

}  // namespace
}  // namespace tsunagi::adapters
