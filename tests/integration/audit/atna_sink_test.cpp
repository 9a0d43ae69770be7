// The ATNA sink against a real TLS collector on loopback: each audit event arrives as an RFC 5425
// frame holding an RFC 5424 syslog message with a DICOM audit message; while the collector is down
// the events wait in the spool directory and go out once it is back.
#include "gateway/audit/atna_sink.hpp"

#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "gateway/store/migrations.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::audit {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

/// A syslog-over-TLS collector: accepts connections and splits what arrives into RFC 5425 frames.
class Collector {
 public:
  Collector(testing::TestPki& pki, unsigned short port) {
    const auto& files = pki.node("122076");
    exchange::TlsFiles tls{files.key, files.cert, {pki.ca().certificate()}, {}, {}};
    context_ = exchange::makeServerContext(
        tls, [](const crypto::Certificate&) { return std::optional<std::string>(); }, stats_);
    server_.emplace(Poco::Net::SocketAddress("127.0.0.1", port), 16, context_);
    thread_ = std::thread([this] { run(); });
  }
  ~Collector() {
    stopping_ = true;
    thread_.join();
  }
  unsigned short port() const { return server_->address().port(); }
  std::vector<std::string> frames() {
    std::lock_guard lock(mutex_);
    return frames_;
  }

 private:
  void run() {
    while (!stopping_) {
      if (!server_->poll(Poco::Timespan(0, 100000), Poco::Net::Socket::SELECT_READ)) continue;
      try {
        Poco::Net::SecureStreamSocket client = server_->acceptConnection();
        client.setReceiveTimeout(Poco::Timespan(0, 200000));
        std::string buffer;
        while (!stopping_) {
          char chunk[4096];
          int n = 0;
          try {
            n = client.receiveBytes(chunk, sizeof chunk);
          } catch (const Poco::TimeoutException&) {
            continue;
          }
          if (n <= 0) break;
          buffer.append(chunk, static_cast<std::size_t>(n));
          for (;;) {  // "LENGTH SP MESSAGE"
            const auto space = buffer.find(' ');
            if (space == std::string::npos) break;
            const std::size_t length = std::stoul(buffer.substr(0, space));
            if (buffer.size() < space + 1 + length) break;
            std::lock_guard lock(mutex_);
            frames_.push_back(buffer.substr(space + 1, length));
            buffer.erase(0, space + 1 + length);
          }
        }
      } catch (const Poco::Exception&) {
        // a failed handshake or reset: wait for the next connection
      }
    }
  }

  exchange::HandshakeStats stats_;
  Poco::Net::Context::Ptr context_;
  std::optional<Poco::Net::SecureServerSocket> server_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::vector<std::string> frames_;
  std::thread thread_;
};

class Atna : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { pki_ = new testing::TestPki(); }
  static void TearDownTestSuite() {
    delete pki_;
    pki_ = nullptr;
  }
  void SetUp() override {
    store::PgConnection conn(db_.conninfo());
    store::migrate(conn);
  }

  AtnaOptions options(unsigned short port) {
    const auto& node = pki_->node("122173");
    return AtnaOptions{"127.0.0.1",
                       port,
                       {node.key, node.cert, {pki_->ca().certificate()}, {}, {}},
                       std::filesystem::path(spool_.path()) / "spool"};
  }

  void append(store::EventType event, const std::string& messageId) {
    auto conn = pool_.lease();
    store::inTransaction(*conn, [&] {
      store::appendEvent(*conn,
                         store::NewEvent{event, "outbound", "122203", messageId,
                                         store::jsonObject({{"documentType", "LiaisonSheet"}})});
    });
  }

  static testing::TestPki* pki_;
  testing::TestDatabase db_;
  store::ConnectionPool pool_{db_.conninfo(), 2};
  testing::TempDir spool_{"atna"};
};

testing::TestPki* Atna::pki_ = nullptr;

TEST_F(Atna, SendsEachEventAsADicomAuditMessageInASyslogFrameOverTls) {
  Collector collector(*pki_, 0);
  AtnaSink sink(pool_, options(collector.port()), "122173");
  sink.start();  // from the current head on
  append(store::EventType::Queued, "0192f0a0-0000-7000-8000-000000000001");
  append(store::EventType::DeadLettered, "0192f0a0-0000-7000-8000-000000000001");
  const bool arrived =
      testing::eventually([&] { return collector.frames().size() == 2; }, std::chrono::seconds(30));
  sink.stop();
  ASSERT_TRUE(arrived) << collector.frames().size() << " frames";
  const auto frames = collector.frames();
  EXPECT_THAT(frames[0], ::testing::StartsWith("<85>1 "));
  EXPECT_THAT(frames[0], HasSubstr(" tsunagi-122173 "));
  EXPECT_THAT(frames[0], HasSubstr(" IHE+RFC-3881 - \xEF\xBB\xBF<?xml"));
  EXPECT_THAT(
      frames[0],
      HasSubstr(R"(<EventID csd-code="110106" codeSystemName="DCM" originalText="Export"/>)"));
  EXPECT_THAT(frames[0], HasSubstr(R"(EventOutcomeIndicator="0")"));
  EXPECT_THAT(frames[0],
              HasSubstr(R"(ParticipantObjectID="0192f0a0-0000-7000-8000-000000000001")"));
  EXPECT_THAT(frames[0], HasSubstr(R"(<ActiveParticipant UserID="122203")"));
  EXPECT_THAT(frames[1], HasSubstr(R"(EventOutcomeIndicator="8")"));
  EXPECT_EQ(sink.spooled(), 0u);
}

TEST_F(Atna, SpoolsWhileTheCollectorIsDownAndDrainsWhenItIsBack) {
  unsigned short port = 0;
  {
    Poco::Net::ServerSocket reserve(Poco::Net::SocketAddress("127.0.0.1", 0));
    port = reserve.address().port();
  }  // closed: nothing listens there now
  AtnaSink sink(pool_, options(port), "122173");
  append(store::EventType::Queued, "m1");
  append(store::EventType::Sent, "m1");
  append(store::EventType::Receipted, "m1");
  EXPECT_EQ(sink.spoolNew(), 3);
  EXPECT_EQ(sink.spoolNew(), 0);
  EXPECT_EQ(sink.drain(), std::nullopt);
  EXPECT_EQ(sink.spooled(), 3u);

  Collector collector(*pki_, port);
  EXPECT_EQ(sink.drain(), 3);
  EXPECT_EQ(sink.spooled(), 0u);
  ASSERT_TRUE(testing::eventually([&] { return collector.frames().size() == 3; },
                                  std::chrono::seconds(30)));
  const auto frames = collector.frames();
  EXPECT_THAT(frames[0], HasSubstr(R"(originalText="queued")"));
  EXPECT_THAT(frames[2], HasSubstr(R"(originalText="receipted")"));
  for (const auto& f : frames)
    EXPECT_THAT(f, Not(HasSubstr("LiaisonSheet\"")));  // detail is base64
}

TEST(AtnaMessage, EscapesValuesAndCarriesNoFreeText) {
  AuditRow row{7, "2026-01-02T03:04:05.000006Z",
               store::Event{"rejected", "inbound", "122203", "a\"<b>&", R"({"reason":"x"})"}};
  const std::string xml = atnaAuditMessage(row, "122173", "gw1");
  EXPECT_THAT(xml, HasSubstr(R"(ParticipantObjectID="a&quot;&lt;b&gt;&amp;")"));
  EXPECT_THAT(
      xml, HasSubstr(R"(<EventID csd-code="110107" codeSystemName="DCM" originalText="Import"/>)"));
  EXPECT_THAT(xml, HasSubstr(R"(EventActionCode="C")"));
  EXPECT_THAT(xml, HasSubstr(R"(EventOutcomeIndicator="8")"));
  const std::string frame = syslogFrame(xml, row.at, "gw1", "122173");
  const auto space = frame.find(' ');
  EXPECT_EQ(std::stoul(frame.substr(0, space)), frame.size() - space - 1);
}

}  // namespace
}  // namespace tsunagi::audit
