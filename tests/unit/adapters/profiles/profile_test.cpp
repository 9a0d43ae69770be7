// Mapping profiles: the shipped ones load, broken ones are refused with FILE:LINE: PATH: reason
// for every mistake, and the registry resolves ADAPTER:PROFILE specs.

#include "mapping/profile/profile.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "adapters/registry.hpp"

namespace tsunagi::mapping::profile {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// A valid room_csv profile; `extra` becomes line 10 (the seventh field of the document).
std::string profileWith(const std::string& extra, const std::string& adapter = "room_csv",
                        const std::string& document = R"(type="LiaisonSheet" kind="admission")") {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<Profile xmlns=\"urn:tsunagi:profile:1\" name=\"test\" adapter=\"" +
         adapter +
         "\" version=\"1\">\n"
         "  <document " +
         document +
         ">\n"
         "    <field source=\"ID\" path=\"sheetId\"/>\n"
         "    <field source=\"記入日\" path=\"dates/recordedOn\"/>\n"
         "    <field source=\"氏名\" path=\"patient/nameKanji\"/>\n"
         "    <field source=\"カナ\" path=\"patient/nameKana\"/>\n"
         "    <field source=\"性別\" path=\"patient/sex\"/>\n"
         "    <field source=\"生年月日\" path=\"patient/birthDate\"/>\n" +
         extra +
         "\n"
         "  </document>\n"
         "</Profile>\n";
}

// The refusal's full text (every mistake, one per line).
std::string refusal(const std::string& bytes) {
  try {
    parseProfile(bytes, "broken.xml");
  } catch (const ProfileError& e) {
    EXPECT_FALSE(e.issues().empty());
    return e.what();
  }
  ADD_FAILURE() << "accepted";
  return {};
}

TEST(Profiles, TheShippedProfilesLoad) {
  EXPECT_THAT(shippedProfileNames(),
              AllOf(Contains("kashiwa-room"), Contains("nagareyama-kintone")));
  const Profile kashiwa = loadProfile(locateProfile("kashiwa-room"));
  EXPECT_EQ(kashiwa.adapter, "room_csv");
  EXPECT_EQ(kashiwa.csv.encoding, CsvEncoding::Cp932);
  ASSERT_EQ(kashiwa.documents.size(), 2u);
  EXPECT_EQ(kashiwa.documents[0].label(), "LiaisonSheet (admission)");
  const FieldMapping* careLevel = kashiwa.documents[0].fieldFor("要介護度");
  ASSERT_NE(careLevel, nullptr);
  EXPECT_EQ(careLevel->info.kind, FieldKind::Code);
  EXPECT_EQ(careLevel->info.codeTable, "care-level");
  const Profile nagareyama = loadProfile(locateProfile("nagareyama-kintone"));
  ASSERT_EQ(nagareyama.documents.size(), 3u);
  EXPECT_EQ(nagareyama.documents[1].label(), "LiaisonSheet (discharge)");
  EXPECT_EQ(nagareyama.documents[1].app, 33);
  EXPECT_EQ(nagareyama.documents[2].app, 32);
  EXPECT_EQ(nagareyama.documents[0].tables.at(0).fields.at(0).path, "name");
  ASSERT_TRUE(nagareyama.documents[0].originId);
  EXPECT_EQ(nagareyama.documents[0].originId->source, "連携ID");
  ASSERT_NE(nagareyama.documents[2].idField(), nullptr);
  EXPECT_EQ(nagareyama.documents[2].idField()->source, "$id");
}

TEST(Profiles, AMinimalProfileLoads) {
  const Profile p = parseProfile(profileWith(""), "min.xml");
  EXPECT_EQ(p.name, "test");
  EXPECT_EQ(p.documents.at(0).fields.size(), 6u);
}

TEST(BrokenProfiles, UnknownCanonicalPath) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="住所" path="patient/adress"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@path: 'patient/adress' is not a "
                "field of LiaisonSheet: no field 'adress' in patient (known: nameKanji, "
                "nameKana, sex, birthDate, postalCode, address"));
}

TEST(BrokenProfiles, UnknownTopLevelField) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="X" path="patients/nameKanji"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@path: 'patients/nameKanji' is not a "
                "field of LiaisonSheet: no field 'patients' (known: sheetId, dates, patient"));
}

TEST(BrokenProfiles, PathToAGroup) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="保険" path="insurance"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@path: 'insurance' is not a field of "
                "LiaisonSheet: insurance is a group of fields, not a field"));
}

TEST(BrokenProfiles, RepeatedItemWithoutIndex) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="病名" path="diagnosis/name"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@path: 'diagnosis/name' is not a field "
                "of LiaisonSheet: diagnosis repeats: write diagnosis[1], diagnosis[2], …"));
}

TEST(BrokenProfiles, UnknownCodeTable) {
  EXPECT_THAT(
      refusal(profileWith(
          R"(    <field source="要介護度" path="insurance/careLevel" table="care-levels"/>)")),
      HasSubstr(
          "broken.xml:10: /Profile/document/field[7]/@table: unknown code table 'care-levels'"));
}

TEST(BrokenProfiles, CodeTableOfAnotherField) {
  EXPECT_THAT(
      refusal(profileWith(
          R"(    <field source="要介護度" path="insurance/careLevel" table="adl-level"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@table: insurance/careLevel uses code "
                "table care-level, not adl-level"));
}

TEST(BrokenProfiles, UnknownCodeInAValueMapping) {
  EXPECT_THAT(
      refusal(profileWith(
          R"(    <field source="要介護度" path="insurance/careLevel"><value tool="要介護６" code="26"/></field>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/value/@code: unknown code '26' in code "
                "table care-level"));
}

TEST(BrokenProfiles, DuplicateColumn) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="氏名" path="patient/address"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@source: duplicate column/field '氏名' "
                "(first used on line 6)"));
}

TEST(BrokenProfiles, SamePathTwice) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="名前" path="patient/nameKanji"/>)")),
      HasSubstr(
          "broken.xml:10: /Profile/document/field[7]/@path: patient/nameKanji is mapped twice "
          "(first on line 6)"));
}

TEST(BrokenProfiles, BadDateFormat) {
  EXPECT_THAT(refusal(profileWith(
                  R"(    <field source="入院日" path="dates/admittedOn" dateFormat="heisei"/>)")),
              AllOf(HasSubstr("broken.xml:10: /Profile/document/field[7]: attribute 'dateFormat'"),
                    HasSubstr("'heisei' is not an element of the set")));
}

TEST(BrokenProfiles, DateFormatOnAText) {
  EXPECT_THAT(
      refusal(
          profileWith(R"(    <field source="住所" path="patient/address" dateFormat="wareki"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@dateFormat: patient/address is a text "
                "field; a date format applies to dates"));
}

TEST(BrokenProfiles, InstantFormatOnADate) {
  EXPECT_THAT(
      refusal(profileWith(
          R"(    <field source="入院日" path="dates/admittedOn" dateFormat="jst-datetime"/>)")),
      HasSubstr("/@dateFormat: dates/admittedOn is a date; jst-datetime is for instants"));
}

TEST(BrokenProfiles, MaxLengthOnADate) {
  EXPECT_THAT(
      refusal(
          profileWith(R"(    <field source="入院日" path="dates/admittedOn" maxLength="10"/>)")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@maxLength: dates/admittedOn is a date "
                "field; maxLength is for text"));
}

TEST(BrokenProfiles, ListWithoutSeparatorInACsvProfile) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="同封" path="admission/enclosedCarePlanTable"/>)")),
      HasSubstr("/@separator: admission/enclosedCarePlanTable is a list; a CSV cell holds it only "
                "with a separator"));
}

TEST(BrokenProfiles, RequiredCanonicalFieldUnmapped) {
  std::string bytes = profileWith("");
  bytes.erase(bytes.find("    <field source=\"カナ\""),
              std::string("    <field source=\"カナ\" path=\"patient/nameKana\"/>\n").size());
  EXPECT_THAT(refusal(bytes),
              HasSubstr("broken.xml:3: /Profile/document: patient/nameKana is required in "
                        "every LiaisonSheet but no field maps it"));
}

TEST(BrokenProfiles, SheetWithoutKind) {
  EXPECT_THAT(refusal(profileWith("", "room_csv", R"(type="LiaisonSheet")")),
              HasSubstr("broken.xml:3: /Profile/document/@kind: a LiaisonSheet mapping needs "
                        "kind=\"admission\" or kind=\"discharge\""));
}

TEST(BrokenProfiles, KintoneWithoutAppAndWithATableForCsv) {
  const std::string text = refusal(profileWith("", "kintone"));
  EXPECT_THAT(
      text,
      HasSubstr("broken.xml:3: /Profile/document/@app: a kintone mapping needs the app number"));
  EXPECT_THAT(
      refusal(profileWith(
          R"(    <table source="服薬" path="medication/drug"><field source="薬" path="name"/></table>)")),
      HasSubstr("broken.xml:10: /Profile/document/table: tables map kintone SUBTABLE fields"));
}

TEST(BrokenProfiles, KintoneTypeThatCannotHoldTheField) {
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="入院日" path="dates/admittedOn" type="NUMBER"/>)",
                          "kintone", R"(type="LiaisonSheet" kind="admission" app="3")")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@type: a NUMBER field cannot hold "
                "dates/admittedOn (a date field)"));
  EXPECT_THAT(
      refusal(profileWith(R"(    <field source="住所" path="patient/address" type="DATE"/>)",
                          "kintone", R"(type="LiaisonSheet" kind="admission" app="3")")),
      HasSubstr("broken.xml:10: /Profile/document/field[7]/@type: a DATE field cannot hold "
                "patient/address"));
}

TEST(BrokenProfiles, AnOriginIdOnACsvProfileOrOnAMappedField) {
  EXPECT_THAT(refusal(profileWith(R"(    <originId source="連携ID"/>)")),
              HasSubstr("broken.xml:10: /Profile/document/originId: originId is for kintone "
                        "profiles"));
  EXPECT_THAT(refusal(profileWith(R"(    <originId source="氏名"/>)", "kintone",
                                  R"(type="LiaisonSheet" kind="admission" app="3")")),
              HasSubstr("broken.xml:10: /Profile/document/originId/@source: duplicate "
                        "column/field '氏名' (first used on line 6)"));
}

TEST(BrokenProfiles, EveryMistakeIsReportedNotOnlyTheFirst) {
  const std::string text =
      refusal(profileWith("    <field source=\"住所\" path=\"patient/adress\"/>\n    <field "
                          "source=\"氏名\" path=\"notes\"/>"));
  EXPECT_THAT(text, HasSubstr("broken.xml:10: /Profile/document/field[7]/@path"));
  EXPECT_THAT(text, HasSubstr("broken.xml:11: /Profile/document/field[8]/@source: duplicate"));
}

TEST(BrokenProfiles, WrongRootElement) {
  EXPECT_THAT(refusal("<CodeTable xmlns=\"urn:tsunagi:codes:1\"/>"),
              HasSubstr("broken.xml:1: /CodeTable: the root element must be <Profile "
                        "xmlns=\"urn:tsunagi:profile:1\">"));
}

TEST(BrokenProfiles, ADoctypeIsRefused) {
  EXPECT_THAT(refusal("<?xml version=\"1.0\"?>\n<!DOCTYPE p [<!ENTITY x \"y\">]>\n<Profile/>"),
              HasSubstr("broken.xml:"));
}

TEST(BrokenProfiles, NotXml) {
  EXPECT_THAT(refusal("利用者名,フリガナ\n"), HasSubstr("broken.xml:1:"));
}

// ---- the registry's ADAPTER:PROFILE ----

using adapters::AdapterConfigError;
using adapters::AdapterRegistry;

AdapterRegistry builtins() {
  AdapterRegistry r;
  adapters::registerBuiltinAdapters(r);
  return r;
}

std::string writeTemp(const std::string& name, const std::string& bytes) {
  const std::string path = ::testing::TempDir() + "/" + name;
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(ProfileSpecs, AShippedProfileByName) {
  auto a = builtins().create("room_csv:kashiwa-room");
  EXPECT_EQ(a->name(), "room_csv");
  EXPECT_TRUE(builtins().takesProfile("kintone"));
  EXPECT_FALSE(builtins().takesProfile("liaison_xml"));
}

TEST(ProfileSpecs, AProfileByPath) {
  const std::string path = writeTemp("own-profile.xml", profileWith(""));
  auto a = builtins().create("room_csv:" + path);
  EXPECT_EQ(a->documentTypes(), std::vector<std::string>{"LiaisonSheet"});
}

TEST(ProfileSpecs, AProfiledAdapterWithoutAProfile) {
  EXPECT_THAT([] { builtins().create("kintone"); },
              ThrowsMessage<AdapterConfigError>(
                  AllOf(HasSubstr("adapter 'kintone' needs a mapping profile: 'kintone:PROFILE'"),
                        HasSubstr("kashiwa-room, nagareyama-kintone"))));
  EXPECT_THAT([] { builtins().create("room_csv:"); },
              ThrowsMessage<AdapterConfigError>(HasSubstr("needs a mapping profile")));
}

TEST(ProfileSpecs, AnAdapterThatTakesNoProfile) {
  EXPECT_THAT(
      [] { builtins().create("liaison_xml:kashiwa-room"); },
      ThrowsMessage<AdapterConfigError>(HasSubstr(
          "adapter 'liaison_xml' takes no profile; use 'liaison_xml' without ':kashiwa-room'")));
}

TEST(ProfileSpecs, AProfileForAnotherAdapter) {
  EXPECT_THAT(
      [] { builtins().create("kintone:kashiwa-room"); },
      ThrowsMessage<AdapterConfigError>(HasSubstr("is for adapter 'room_csv', not 'kintone'")));
}

TEST(ProfileSpecs, AnUnknownShippedName) {
  EXPECT_THAT(
      [] { builtins().create("room_csv:kashiwa"); },
      ThrowsMessage<AdapterConfigError>(AllOf(HasSubstr("no shipped profile named 'kashiwa'"),
                                              HasSubstr("give a path to use your own"))));
}

TEST(ProfileSpecs, AMissingFile) {
  EXPECT_THAT([] { builtins().create("room_csv:./no/such/profile.xml"); },
              ThrowsMessage<AdapterConfigError>(
                  HasSubstr("./no/such/profile.xml:0: cannot read the profile file")));
}

TEST(ProfileSpecs, ABrokenProfileFileNamesItsLine) {
  const std::string path = writeTemp(
      "broken-profile.xml", profileWith(R"(    <field source="住所" path="patient/adress"/>)"));
  EXPECT_THAT([&] { builtins().create("room_csv:" + path); },
              ThrowsMessage<AdapterConfigError>(
                  HasSubstr(path + ":10: /Profile/document/field[7]/@path: 'patient/adress'")));
}

TEST(ProfileSpecs, ADefaultThatDoesNotTranslate) {
  const std::string path = writeTemp(
      "bad-default.xml",
      profileWith(
          R"(    <field source="要介護度" path="insurance/careLevel" default="要介護9"/>)"));
  EXPECT_THAT(
      [&] { builtins().create("room_csv:" + path); },
      ThrowsMessage<AdapterConfigError>(HasSubstr(
          path + ":10: /Profile/document[1]/field[7]/@default: default '要介護9' is not a value of "
                 "要介護状態区分")));
}

}  // namespace
}  // namespace tsunagi::mapping::profile
