// What a running node keeps of a refused local input: NAME.error.txt (or the ACK, or the problem
// document) tells the one who sent it exactly what was wrong, quoting the input; the application
// log and the audit chain keep the code, the position and the field path, never a value. Inputs
// carry a patient's name, a 和暦 birth date and 介護保険 numbers: a room CSV in the channel's
// folder (its header line missing, or a birth date that does not exist), an ADT over MLLP and a
// kintone record over the local HTTP channel. Real PostgreSQL, the node's own listeners.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "gateway/channels/directory/directory_options.hpp"
#include "gateway/channels/http/http_options.hpp"
#include "gateway/channels/mllp/mllp.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/pg.hpp"
#include "mapping/text/encoding.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_pki.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using testing::eventually;
using ::testing::HasSubstr;
using ::testing::Not;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string cp932(const std::string& utf8) {
  return mapping::text::encode(utf8, mapping::text::Charset::Cp932,
                               mapping::text::OnUnmappable::Fail)
      .bytes;
}

/// The values of the inputs below: none may reach the log or the audit chain.
const std::vector<std::string> kValues = {"柏木",   "カシワギ",   "昭和12",
                                          "122176", "0002345678", "19371340"};

class LogRedaction : public ::testing::Test {
 protected:
  LogRedaction() {
    testing::ManifestSpec manifest;
    manifest.file = pki_.directory() / "manifest.xml";
    auto self = pki_.entry("122173", "https://127.0.0.1:" + std::to_string(testing::freePort()));
    self.municipalities = {"122173"};
    manifest.nodes = {self};
    pki_.writeManifest(manifest);

    NodeOptions o;
    o.code = "122173";
    o.name = "柏市";
    o.dataDir = root() / "node";
    o.conninfo = db_.conninfo();
    NodeExchangeOptions x;
    const auto& files = pki_.node("122173");
    x.tls = exchange::TlsFiles{files.key, files.cert, {pki_.ca().certificate()}, {}, nullptr};
    x.manifestFile = manifest.file;
    x.manifestSigner = pki_.coordinator().cert;
    o.exchange = x;

    channels::ChannelOptions room;
    room.name = "room-folder";
    room.adapter = "room_csv:kashiwa-room";
    channels::DirectoryOptions folder;
    folder.inbox = root() / "room/in";
    folder.archive = root() / "room/archive";
    folder.error = root() / "room/error";
    folder.poll = std::chrono::milliseconds(50);
    folder.settle = std::chrono::milliseconds(100);
    room.connector = folder;
    channels::ChannelOptions adt;
    adt.name = "hospital-adt";
    adt.adapter = "ssmix2";
    adt.metadata = {{"hospitalName", "柏の葉総合病院"}};
    adt.connector = channels::MllpOptions{};
    channels::ChannelOptions kintone;
    kintone.name = "care-kintone";
    kintone.adapter = "kintone:nagareyama-kintone";
    kintone.connector = channels::HttpOptions{};
    o.channels = {room, adt, kintone};

    node_ = std::make_unique<Node>(o);
    node_->start();
  }
  ~LogRedaction() override { node_->stop(); }

  fs::path root() const { return fs::path(dir_.path()); }

  long long count(const std::string& sql, const std::vector<store::PgParam>& params = {}) {
    auto conn = node_->pool()->lease();
    return conn->execParams(sql, params).integer(0, 0);
  }

  /// Refused inputs recorded in the audit chain with `text` in their detail.
  long long rejections(const std::string& text) {
    return count(
        "SELECT count(*) FROM exchange_events WHERE event = 'input-rejected' AND detail LIKE $1",
        {"%" + text + "%"});
  }

  /// Every value of kValues is absent from the log and from every row of the audit chain.
  void expectNoValueLoggedOrAudited() {
    const std::string log = log_.text();
    for (const auto& value : kValues) {
      EXPECT_THAT(log, Not(HasSubstr(value))) << log;
      EXPECT_EQ(count("SELECT count(*) FROM exchange_events e WHERE e::text LIKE $1",
                      {"%" + value + "%"}),
                0)
          << value;
    }
  }

  /// Drops `bytes` into the room folder as `name`; returns NAME.error.txt once it is written.
  std::string refusedFile(const std::string& name, const std::string& bytes) {
    std::ofstream(root() / "room/in" / name, std::ios::binary) << bytes;
    const fs::path why = root() / "room/error" / (name + ".error.txt");
    EXPECT_TRUE(eventually([&] { return fs::exists(why); })) << name;
    return readFile(why);
  }

  testing::LogCapture log_{spdlog::level::trace};
  testing::TempDir dir_{"log-redaction"};
  testing::TestPki pki_;
  testing::TestDatabase db_;
  std::unique_ptr<Node> node_;
};

TEST_F(LogRedaction, ARoomCsvWhoseFirstLineIsAPatientsRecordStaysOutOfTheLog) {
  // No header line: the first line is read as the header, its cells as column names.
  const std::string why = refusedFile(
      "export.csv",
      cp932("20240311-0007,柏木 ハナ,カシワギ ハナ,女,昭和12年3月4日,122176,0002345678\r\n"
            "20240312-0002,十河 タロウ,ソゴウ タロウ,男,大正15年12月25日,122176,0001111111\r\n"));
  // The error file beside the input says what is wrong, quoting the input.
  EXPECT_THAT(why, HasSubstr("input-invalid"));
  EXPECT_THAT(why, HasSubstr("column 2 '柏木 ハナ' is not a column of"));
  EXPECT_THAT(why, HasSubstr("昭和12年3月4日"));
  ASSERT_TRUE(eventually([&] { return rejections("room-folder") == 1; }));
  expectNoValueLoggedOrAudited();
  // The audit chain and the log say where, by column number.
  EXPECT_EQ(rejections("line 1 column 2 [unknown-column]"), 1);
  EXPECT_THAT(log_.text(), HasSubstr("line 1 column 2 [unknown-column]"));
}

TEST_F(LogRedaction, ABirthDateThatDoesNotExistIsNamedByItsColumnOnly) {
  std::ifstream in(fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/room_csv/kashiwa-sheets.csv",
                   std::ios::binary);
  std::string text = mapping::text::decode(
      std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()),
      mapping::text::Charset::Cp932);
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"柏木 ハナ", "柏木 花"},
           {"昭和15年3月2日", "昭和12年13月4日"},
           {"04-7164-0000,,0002345678", "04-7164-0000,122176,0002345678"}}) {
    text.replace(text.find(from), from.size(), to);
  }
  const std::string why = refusedFile("sheets.csv", cp932(text));
  EXPECT_THAT(why, HasSubstr("line 2: 生年月日: column 生年月日: "));
  EXPECT_THAT(why, HasSubstr("昭和12年13月4日"));
  ASSERT_TRUE(eventually([&] { return rejections("room-folder") == 1; }));
  expectNoValueLoggedOrAudited();
  EXPECT_EQ(rejections("line 2 生年月日 [invalid-value]"), 1);
}

TEST_F(LogRedaction, AnAdtOverMllpIsAnsweredWithTheValueAndLoggedWithoutIt) {
  std::ifstream in(fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/ssmix2/ADT-22_A01_admission.hl7",
                   std::ios::binary);
  std::string adt(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
  adt.replace(adt.find("19390621"), 8, "19371340");
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", node_->mllpPort("hospital-adt")));
  s.setReceiveTimeout(Poco::Timespan(30, 0));
  const std::string framed = channels::mllpFrame(adt);
  s.sendBytes(framed.data(), static_cast<int>(framed.size()));
  std::string ack;
  char c;
  while (s.receiveBytes(&c, 1) == 1 && c != channels::kMllpEnd) {
    if (c != channels::kMllpStart) ack += c;
  }
  EXPECT_THAT(ack, HasSubstr("MSA|AE|"));
  EXPECT_THAT(ack, HasSubstr("19371340"));  // the sender is told what is wrong
  ASSERT_TRUE(eventually([&] { return rejections("hospital-adt") == 1; }));
  expectNoValueLoggedOrAudited();
  EXPECT_EQ(rejections("line 3 PID-7"), 1);  // the ADT's patient is 柏木 花子 (カシワギ ハナコ)
}

TEST_F(LogRedaction, AKintoneRecordPostedOverHttpIsAnsweredWithTheValueAndLoggedWithoutIt) {
  std::ifstream in(
      fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/kintone/nagareyama-sheet-record.json",
      std::ios::binary);
  std::string json(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>{});
  json.replace(json.find("髙橋 よし子"), std::string("髙橋 よし子").size(), "柏木 ハナ");
  json.replace(json.find("\"1940-03-02\""), 12, "\"昭和12年13月4日\"");
  json.replace(json.find("\"0001234567\""), 12, "\"0002345678\"");

  Poco::Net::HTTPClientSession session("127.0.0.1", node_->port());
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST,
                                 "/local/v1/channels/care-kintone",
                                 Poco::Net::HTTPMessage::HTTP_1_1);
  request.setContentType("application/json");
  request.setContentLength(static_cast<std::streamsize>(json.size()));
  session.sendRequest(request) << json;
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  EXPECT_EQ(response.getStatus(), 422) << body;
  EXPECT_THAT(body, HasSubstr("昭和12年13月4日"));
  ASSERT_TRUE(eventually([&] { return rejections("care-kintone") == 1; }));
  expectNoValueLoggedOrAudited();
  EXPECT_EQ(rejections("record.生年月日 [invalid-value]"), 1);
}

}  // namespace
}  // namespace tsunagi
