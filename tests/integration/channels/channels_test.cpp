// Local tools to a neighbour's local tools through two real nodes (real PostgreSQL, real mutual
// TLS): a file dropped in Kashiwa's folder, an HTTP POST to its channel endpoint and an HL7 ADT
// over MLLP each reach Nagareyama and come out of its outbound channels in the tool's format, with
// the loss report travelling along; an invalid file ends in error/ with its reason, and nothing is
// sent.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "adapters/liaison_xml/liaison_xml_adapter.hpp"
#include "adapters/ssmix2/ssmix2_adapter.hpp"
#include "gateway/channels/directory/directory_options.hpp"
#include "gateway/channels/http/http_options.hpp"
#include "gateway/channels/mllp/mllp.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/exchange_store.hpp"
#include "mapping/text/encoding.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_pki.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using testing::freePort;
using testing::eventually;
using ::testing::HasSubstr;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void replaceAll(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

// A room tool whose export loses a character (as CP932 tools lose 髙): liaison_xml plus one
// substitution, so the loss report's journey can be followed.
class LossyXml : public adapters::LiaisonXmlAdapter {
 public:
  std::string name() const override { return "lossy_xml"; }
  adapters::Decoded decode(const adapters::LocalInput& input) const override {
    auto decoded = LiaisonXmlAdapter::decode(input);
    decoded.losses.add(adapters::Loss::Kind::Substituted, "/LiaisonSheet/patient/nameKanji",
                       "髙 → 高");
    return decoded;
  }
};

// The hospital's ADT after identity linking (a later issue): ssmix2, then the patient's 介護保険
// numbers as the node's register knows them. ADT carries none, so without this no sheet routes.
class LinkedSsmix2 : public adapters::Ssmix2Adapter {
 public:
  std::string name() const override { return "ssmix2_linked"; }
  adapters::Decoded decode(const adapters::LocalInput& input) const override {
    auto decoded = Ssmix2Adapter::decode(input);
    for (auto& document : decoded.documents) {
      auto& sheet = std::get<mapping::LiaisonSheet>(document);
      sheet.insurance = mapping::Insurance{};
      sheet.insurance->insurerNumber = "122200";
      sheet.insurance->insuredNumber = "0000123456";
    }
    return decoded;
  }
};

struct Reply {
  int status;
  std::string body;
};

Reply post(unsigned short port, const std::string& path, const std::string& body) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, path,
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/xml");
  request.setContentLength(static_cast<std::streamsize>(body.size()));
  session.sendRequest(request) << body;
  Poco::Net::HTTPResponse response;
  std::string reply;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), reply);
  return {response.getStatus(), reply};
}

std::string mllpExchange(unsigned short port, const std::string& message) {
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", port));
  s.setReceiveTimeout(Poco::Timespan(30, 0));
  const std::string framed = channels::mllpFrame(message);
  s.sendBytes(framed.data(), static_cast<int>(framed.size()));
  std::string ack;
  char c;
  while (s.receiveBytes(&c, 1) == 1 && c != channels::kMllpEnd) {
    if (c != channels::kMllpStart) ack += c;
  }
  return ack;
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

class Channels : public ::testing::Test {
 protected:
  Channels() {
    auto registry = std::make_shared<adapters::AdapterRegistry>();
    adapters::registerBuiltinAdapters(*registry);
    registry->add("lossy_xml", [] { return std::make_unique<LossyXml>(); });
    registry->add("ssmix2_linked", [] { return std::make_unique<LinkedSsmix2>(); });

    const unsigned short kashiwaPeer = freePort(), nagareyamaPeer = freePort();
    testing::ManifestSpec manifest;
    manifest.file = pki_.directory() / "manifest.xml";
    auto kashiwa = pki_.entry("122173", "https://127.0.0.1:" + std::to_string(kashiwaPeer));
    kashiwa.municipalities = {"122173"};
    kashiwa.insurers = {"122176"};
    auto nagareyama = pki_.entry("122203", "https://127.0.0.1:" + std::to_string(nagareyamaPeer));
    nagareyama.municipalities = {"122203"};
    nagareyama.insurers = {"122200"};
    manifest.nodes = {kashiwa, nagareyama};
    pki_.writeManifest(manifest);

    using channels::ChannelOptions;
    using channels::Direction;
    auto options = [&](const std::string& code, const std::string& name, const std::string& db,
                       unsigned short peerPort) {
      NodeOptions o;
      o.code = code;
      o.name = name;
      o.dataDir = root() / code;
      o.conninfo = db;
      o.adapters = registry;
      NodeExchangeOptions x;
      const auto& files = pki_.node(code);
      x.tls = exchange::TlsFiles{files.key, files.cert, {pki_.ca().certificate()}, {}, nullptr};
      x.manifestFile = manifest.file;
      x.manifestSigner = pki_.coordinator().cert;
      x.peerPort = peerPort;
      x.retry = testing::TestFederation::fastRetry();
      o.exchange = x;
      return o;
    };

    NodeOptions a = options("122173", "柏市", dbA_.conninfo(), kashiwaPeer);
    channels::DirectoryOptions roomFolder;
    roomFolder.inbox = root() / "kashiwa-room/in";
    roomFolder.archive = root() / "kashiwa-room/archive";
    roomFolder.error = root() / "kashiwa-room/error";
    roomFolder.poll = std::chrono::milliseconds(50);
    roomFolder.settle = std::chrono::milliseconds(100);
    a.channels.push_back(
        ChannelOptions{"room-folder", Direction::Inbound, "lossy_xml", {}, false, {}, roomFolder});
    a.channels.push_back(ChannelOptions{"hospital-http",
                                        Direction::Inbound,
                                        "liaison_xml",
                                        {},
                                        false,
                                        {},
                                        channels::HttpOptions{}});
    a.channels.push_back(ChannelOptions{"hospital-adt",
                                        Direction::Inbound,
                                        "ssmix2_linked",
                                        {},
                                        false,
                                        {{"hospitalName", "柏の葉総合病院"}},
                                        channels::MllpOptions{}});
    a.channels.push_back(ChannelOptions{"hospital-adt-unlinked",
                                        Direction::Inbound,
                                        "ssmix2",
                                        {},
                                        false,
                                        {{"hospitalName", "柏の葉総合病院"}},
                                        channels::MllpOptions{}});

    NodeOptions b = options("122203", "流山市", dbB_.conninfo(), nagareyamaPeer);
    channels::DirectoryOptions fhirOut, xmlOut, careplanOut;
    fhirOut.outbox = root() / "nagareyama-fhir";
    xmlOut.outbox = root() / "nagareyama-xml";
    careplanOut.outbox = root() / "nagareyama-careplan";
    b.channels.push_back(ChannelOptions{"care-plan", Direction::Outbound, "careplan_csv",
                                        {"LiaisonSheet"}, false, {}, careplanOut});
    b.channels.push_back(ChannelOptions{
        "care-fhir", Direction::Outbound, "fhir_jp", {"LiaisonSheet"}, true, {}, fhirOut});
    b.channels.push_back(
        ChannelOptions{"care-xml", Direction::Outbound, "liaison_xml", {}, false, {}, xmlOut});

    kashiwa_ = std::make_unique<Node>(a);
    nagareyama_ = std::make_unique<Node>(b);
    kashiwa_->start();
    nagareyama_->start();
    store::withTransaction(*kashiwa_->pool(), [](store::PgConnection& conn) {
      store::recordConsent(conn, store::Consent{"consent-0001",
                                                "122200",
                                                "0000123456",
                                                {"122203"},
                                                "2024-01-10",
                                                "柏の葉総合病院 地域連携室",
                                                std::nullopt});
    });
  }
  ~Channels() override {
    if (kashiwa_) kashiwa_->stop();
    if (nagareyama_) nagareyama_->stop();
  }

  fs::path root() const { return fs::path(dir_.path()); }
  long long count(Node& node, const std::string& sql) {
    auto conn = node.pool()->lease();
    return conn->exec(sql).integer(0, 0);
  }
  std::string text(Node& node, const std::string& sql) {
    auto conn = node.pool()->lease();
    return conn->exec(sql).text(0, 0);
  }
  // The admission sheet of a Nagareyama patient (the fixture's patient lives in Matsudo).
  static std::string nagareyamaAdmission() {
    std::string xml = testing::canonicalFixture("admission-sheet.xml");
    replaceAll(xml, "<municipalityCode>122076</municipalityCode>",
               "<municipalityCode>122203</municipalityCode>");
    replaceAll(xml, "<insurerNumber>122077</insurerNumber>",
               "<insurerNumber>122200</insurerNumber>");
    replaceAll(xml, "<insuredNumber>0000654321</insuredNumber>",
               "<insuredNumber>0000123456</insuredNumber>");
    return xml;
  }

  testing::TempDir dir_{"channels"};
  testing::TestPki pki_;
  testing::TestDatabase dbA_, dbB_;
  std::unique_ptr<Node> kashiwa_, nagareyama_;
};

TEST_F(Channels, AFileInTheFolderReachesThePeerInItsToolFormatWithTheLossReport) {
  std::ofstream(root() / "kashiwa-room/in/room-export-001.xml", std::ios::binary)
      << nagareyamaAdmission();
  ASSERT_TRUE(eventually([&] { return filesIn(root() / "kashiwa-room/archive").size() == 1; }));
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox WHERE losses LIKE '%substituted%'"), 1);

  // Nagareyama: the FHIR tool gets a Bundle, the XML tool the canonical sheet.
  ASSERT_TRUE(eventually([&] { return filesIn(root() / "nagareyama-fhir").size() == 1; }));
  ASSERT_TRUE(eventually([&] { return filesIn(root() / "nagareyama-xml").size() == 1; }));
  const auto bundle = filesIn(root() / "nagareyama-fhir").at(0);
  EXPECT_EQ(bundle.extension(), ".json");
  EXPECT_THAT(bundle.filename().string(), ::testing::StartsWith("122173_"));
  EXPECT_THAT(readFile(bundle), HasSubstr(R"("resourceType": "Bundle")"));
  EXPECT_THAT(readFile(filesIn(root() / "nagareyama-xml").at(0)), HasSubstr("<LiaisonSheet"));
  // A received document at rest is the node's account's only (fileMode, default 0600), in a
  // folder the node made 0700; the room's input, archived, too.
  auto mode = [](const fs::path& p) { return fs::symlink_status(p).permissions() & fs::perms::all; };
  EXPECT_EQ(mode(bundle), fs::perms(0600));
  EXPECT_EQ(mode(root() / "nagareyama-fhir"), fs::perms(0700));
  EXPECT_EQ(mode(filesIn(root() / "kashiwa-room/archive").at(0)), fs::perms(0600));

  // The sender's loss report is kept with Nagareyama's inbox row, and its log has kinds only.
  EXPECT_THAT(
      text(*nagareyama_, "SELECT losses FROM inbox"),
      HasSubstr(
          R"({"kind":"substituted","path":"/LiaisonSheet/patient/nameKanji","detail":"髙 → 高"})"));
  EXPECT_EQ(count(*nagareyama_,
                  "SELECT count(*) FROM exchange_events WHERE event = 'losses-received' "
                  "AND detail LIKE '%\"lossKinds\":\"substituted\"%' AND detail NOT LIKE '%髙%'"),
            1);
  // The FHIR encoding's own losses are recorded per channel.
  ASSERT_TRUE(eventually([&] {
    return count(*nagareyama_, "SELECT count(*) FROM inbox WHERE local_state = 'delivered'") == 1;
  }));
  EXPECT_THAT(text(*nagareyama_, "SELECT local_losses FROM inbox"),
              HasSubstr(R"("care-fhir": [{"kind": )"));

  // The care-plan tool gets its two-file set (UPHOSOKU + UP1KYO) in one folder, under the names
  // the ケアプランデータ連携 format prescribes.
  ASSERT_EQ(filesIn(root() / "nagareyama-careplan").size(), 0u);  // files only at top level
  std::vector<fs::path> sets;
  for (const auto& e : fs::directory_iterator(root() / "nagareyama-careplan")) sets.push_back(e.path());
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_THAT(sets[0].filename().string(), ::testing::StartsWith("122173_"));
  std::vector<std::string> names;
  for (const auto& f : filesIn(sets[0])) names.push_back(f.filename().string());
  ASSERT_EQ(names.size(), 2u);
  EXPECT_THAT(names, ::testing::Contains(::testing::StartsWith("UPHOSOKU_")));
  EXPECT_THAT(names, ::testing::Contains(::testing::StartsWith("UP1KYO_")));
  EXPECT_EQ(mode(sets[0]), fs::perms(0700));
  for (const auto& f : filesIn(sets[0])) EXPECT_EQ(mode(f), fs::perms(0600)) << f;

  // Both translations are in the exchange logs, with counts and kinds only.
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM exchange_events WHERE event = 'translated' "
                             "AND detail LIKE '%\"step\":\"decode\"%' "
                             "AND detail LIKE '%\"lossKinds\":\"substituted\"%'"),
            1);
  EXPECT_EQ(count(*nagareyama_, "SELECT count(*) FROM exchange_events WHERE event = 'translated' "
                                "AND detail LIKE '%\"step\":\"encode\"%'"),
            3);
}

TEST_F(Channels, AnHttpPostToTheChannelIsCommittedThenDelivered) {
  const std::string sheet = testing::canonicalFixture("discharge-sheet.xml");
  const Reply reply = post(kashiwa_->port(), "/local/v1/channels/hospital-http", sheet);
  EXPECT_EQ(reply.status, 202) << reply.body;
  EXPECT_THAT(reply.body, HasSubstr(R"("peer":"122203")"));
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox"), 1);
  // Resent after a lost answer: the same message, nothing queued twice.
  EXPECT_EQ(post(kashiwa_->port(), "/local/v1/channels/hospital-http", sheet).body, reply.body);
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox"), 1);

  ASSERT_TRUE(eventually([&] { return filesIn(root() / "nagareyama-xml").size() == 1; }));
  EXPECT_EQ(readFile(filesIn(root() / "nagareyama-xml").at(0)), sheet);
  // fhir_jp encodes admission sheets only: the refusal is recorded, the other channel delivered.
  ASSERT_TRUE(eventually([&] {
    return count(*nagareyama_, "SELECT count(*) FROM inbox WHERE local_state = 'delivered'") == 1;
  }));
  EXPECT_EQ(count(*nagareyama_,
                  "SELECT count(*) FROM exchange_events WHERE event = 'encode-refused' "
                  "AND detail LIKE '%care-fhir%'"),
            1);
  EXPECT_TRUE(filesIn(root() / "nagareyama-fhir").empty());

  // Input the adapter cannot read: 422 with where and why, nothing queued.
  const Reply bad = post(kashiwa_->port(), "/local/v1/channels/hospital-http", "<LiaisonSheet/>");
  EXPECT_EQ(bad.status, 422);
  EXPECT_THAT(bad.body, HasSubstr("urn:tsunagi:problem:input-invalid"));
  EXPECT_EQ(post(kashiwa_->port(), "/local/v1/channels/nope", sheet).status, 404);
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox"), 1);
}

TEST_F(Channels, AnAdtOverMllpIsAcknowledgedOnceCommittedAndReachesThePeer) {
  const std::string adt =
      readFile(fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/ssmix2/ADT-22_A01_admission.hl7");
  // ADT carries no 介護保険 numbers: without linking, the sheet cannot be routed (AE, the reason).
  const std::string refused =
      mapping::text::decode(mllpExchange(kashiwa_->mllpPort("hospital-adt-unlinked"), adt),
                            mapping::text::Charset::Iso2022Jp);
  EXPECT_THAT(refused, HasSubstr("MSA|AE|A01-20240214-0001|no-route: "));
  EXPECT_THAT(refused, HasSubstr("ERR|||207^"));
  EXPECT_EQ(count(*kashiwa_,
                  "SELECT count(*) FROM exchange_events WHERE event = 'refused' "
                  "AND detail LIKE '%no-route%'"),
            1);

  // Linked to the patient's numbers, the same message is committed, then acknowledged.
  const std::string ack = mllpExchange(kashiwa_->mllpPort("hospital-adt"), adt);
  const std::string ackText = mapping::text::decode(ack, mapping::text::Charset::Iso2022Jp);
  EXPECT_THAT(ackText, HasSubstr("MSA|AA|A01-20240214-0001|"));
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox WHERE losses LIKE '%partial%'"), 1);

  ASSERT_TRUE(eventually([&] { return filesIn(root() / "nagareyama-fhir").size() == 1; }));
  EXPECT_THAT(readFile(filesIn(root() / "nagareyama-fhir").at(0)),
              HasSubstr(R"("resourceType": "Bundle")"));
  EXPECT_THAT(text(*nagareyama_, "SELECT losses FROM inbox"), HasSubstr(R"("kind":"partial")"));
}

TEST_F(Channels, AnInputWithSeveralDocumentsIsSentWhollyOrNotAtAll) {
  // The second document (a Matsudo patient: no node serves it here) is refused, so the first,
  // which alone would be sent, is not sent either.
  const auto first = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
  const auto second = mapping::parseCanonical(testing::canonicalFixture("admission-sheet.xml"));
  try {
    kashiwa_->exchange()->submitter().submitAll({first, second});
    FAIL() << "the input was accepted";
  } catch (const exchange::SubmitError& e) {
    EXPECT_EQ(e.code(), "no-route");
  }
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(kashiwa_->exchange()->submitter().submitAll({first}).size(), 1u);
}

TEST_F(Channels, AnInvalidFileEndsInErrorWithItsReasonAndNothingIsSent) {
  std::string sheet = nagareyamaAdmission();
  replaceAll(sheet, "<sex>1</sex>", "<sex>9</sex>");
  std::ofstream(root() / "kashiwa-room/in/broken.xml", std::ios::binary) << sheet;
  ASSERT_TRUE(
      eventually([&] { return fs::exists(root() / "kashiwa-room/error/broken.xml.error.txt"); }));
  EXPECT_TRUE(fs::exists(root() / "kashiwa-room/error/broken.xml"));
  EXPECT_FALSE(fs::exists(root() / "kashiwa-room/in/broken.xml"));
  const std::string why = readFile(root() / "kashiwa-room/error/broken.xml.error.txt");
  EXPECT_THAT(why, HasSubstr("input-invalid"));
  EXPECT_THAT(why, HasSubstr("/LiaisonSheet/patient/sex"));
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox"), 0);
  EXPECT_EQ(count(*kashiwa_,
                  "SELECT count(*) FROM exchange_events WHERE event = 'input-rejected' "
                  "AND detail LIKE '%room-folder%' AND detail LIKE '%/LiaisonSheet/patient/sex%'"),
            1);
  EXPECT_TRUE(filesIn(root() / "kashiwa-room/archive").empty());
}

TEST_F(Channels, AFolderOfFilesForAnAdapterThatReadsOneFileIsRefusedWhole) {
  // Two sheets in one folder: liaison_xml reads one file per input, so taking the first and
  // leaving the second unread would lose it. The folder is refused and nothing is sent.
  const fs::path staging = root() / "staging";
  fs::create_directories(staging);
  std::ofstream(staging / "a.xml", std::ios::binary) << nagareyamaAdmission();
  std::ofstream(staging / "b.xml", std::ios::binary) << nagareyamaAdmission();
  fs::rename(staging, root() / "kashiwa-room/in/two-sheets");
  ASSERT_TRUE(
      eventually([&] { return fs::exists(root() / "kashiwa-room/error/two-sheets.error.txt"); }));
  EXPECT_TRUE(fs::exists(root() / "kashiwa-room/error/two-sheets/b.xml"));
  const std::string why = readFile(root() / "kashiwa-room/error/two-sheets.error.txt");
  EXPECT_THAT(why, HasSubstr("input-is-a-set"));
  EXPECT_THAT(why, HasSubstr("reads one file per input"));
  EXPECT_EQ(count(*kashiwa_, "SELECT count(*) FROM outbox"), 0);
}

}  // namespace
}  // namespace tsunagi
