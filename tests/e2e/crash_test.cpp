// Crash safety with real processes: `tsunagi run` nodes are killed with SIGKILL at random moments
// while a local tool streams 2,000 documents into the sender; after the queues drain, every
// document is in the receiver's inbox exactly once.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "gateway/common/subprocess.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/pg.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_logs.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using testing::freePort;

std::string readFrom(const fs::path& file, std::size_t offset) {
  std::ifstream in(file, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// One `tsunagi run` process, restartable.
class NodeProcess {
 public:
  NodeProcess(fs::path config, fs::path log) : config_(std::move(config)), log_(std::move(log)) {}
  ~NodeProcess() {
    kill(SIGKILL);
    testing::keepChildLog(log_, "crash-node");
  }

  void start() {
    const std::size_t offset = fs::exists(log_) ? fs::file_size(log_) : 0;
    SpawnOptions s;
    s.argv = {TSUNAGI_EXECUTABLE, "run", "--config", config_.string()};
    s.logFile = log_;
    s.env = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp"};
    pid_ = spawnProcess(s);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
      const std::string text = readFrom(log_, offset);
      if (auto at = text.find(" ready: local http://127.0.0.1:"); at != std::string::npos) {
        localPort_ = static_cast<unsigned short>(std::stoi(text.substr(at + 31)));
        return;
      }
      if (waitForExit(pid_, std::chrono::milliseconds(0)) || std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("node did not start: " + text);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  void kill(int signal) {
    if (pid_ <= 0) return;
    ::kill(pid_, signal);
    waitForExit(pid_, std::chrono::seconds(60));
    pid_ = -1;
  }

  unsigned short localPort() const { return localPort_; }

 private:
  fs::path config_, log_;
  pid_t pid_ = -1;
  std::atomic<unsigned short> localPort_{0};
};

std::string nodeConfig(const std::string& code, const std::string& name, const std::string& conninfo,
                       unsigned short peerPort, const testing::NodeFiles& files, testing::TestPki& pki,
                       const fs::path& manifest) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<NodeConfig xmlns="urn:tsunagi:config:1">
  <node code=")" + code + R"(" name=")" + name + R"("/>
  <dataDirectory>data-)" + code + R"(</dataDirectory>
  <database conninfo=")" + conninfo + R"(" poolSize="8"/>
  <localListener host="127.0.0.1" port="0"/>
  <exchange>
    <peerListener host="127.0.0.1" port=")" + std::to_string(peerPort) + R"("/>
    <tls key=")" + files.key.string() + R"(" certificate=")" + files.cert.string() + R"(">
      <ca>)" + pki.ca().certificate().string() + R"(</ca>
    </tls>
    <manifest file=")" + manifest.string() + R"(" signer=")" + pki.coordinator().cert.string() + R"("/>
    <retry maxAttempts="1000" baseDelayMs="100" maxDelayMs="1000" leaseSeconds="5"/>
  </exchange>
  <log format="json" level="warn"/>
</NodeConfig>
)";
}

/// POSTs one document to the node's local listener; true once the node answered 202.
bool submit(unsigned short port, const std::string& body) {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/local/v1/documents",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/xml");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    session.sendRequest(request) << body;
    Poco::Net::HTTPResponse response;
    std::string reply;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), reply);
    if (response.getStatus() != 202 && response.getStatus() != 503) {
      ADD_FAILURE() << "local submission refused: " << response.getStatus() << " " << reply;
    }
    return response.getStatus() == 202;
  } catch (const Poco::Exception&) {
    return false;  // the node is down (killed): the tool tries again, as a real one would
  }
}

std::set<std::string> column(const std::string& conninfo, const std::string& sql) {
  store::PgConnection conn(conninfo);
  auto r = conn.exec(sql);
  std::set<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.insert(r.text(i, 0));
  return out;
}

TEST(CrashSafety, EveryMessageArrivesExactlyOnceDespiteRepeatedSigkills) {
  testing::TestPki pki;
  testing::TestDatabase senderDb, receiverDb;
  const unsigned short senderPeerPort = freePort(), receiverPeerPort = freePort();
  testing::ManifestSpec spec;
  spec.file = pki.directory() / "manifest.xml";
  auto kashiwa = pki.entry("122173", "https://127.0.0.1:" + std::to_string(senderPeerPort));
  kashiwa.municipalities = {"122173"};
  kashiwa.insurers = {"122176"};
  auto nagareyama = pki.entry("122203", "https://127.0.0.1:" + std::to_string(receiverPeerPort));
  nagareyama.municipalities = {"122203"};
  nagareyama.insurers = {"122200"};
  spec.nodes = {kashiwa, nagareyama};
  pki.writeManifest(spec);

  const fs::path dir = pki.directory();
  std::ofstream(dir / "kashiwa.xml") << nodeConfig("122173", "柏市", senderDb.conninfo(), senderPeerPort,
                                                  pki.node("122173"), pki, spec.file);
  std::ofstream(dir / "nagareyama.xml") << nodeConfig("122203", "流山市", receiverDb.conninfo(),
                                                     receiverPeerPort, pki.node("122203"), pki, spec.file);
  NodeProcess sender(dir / "kashiwa.xml", dir / "kashiwa.log");
  NodeProcess receiver(dir / "nagareyama.xml", dir / "nagareyama.log");
  sender.start();
  receiver.start();
  {
    store::PgConnection conn(senderDb.conninfo());
    store::inTransaction(conn, [&] {
      store::recordConsent(conn, store::Consent{"consent-0001", "122200", "0000123456", {"122203"},
                                                "2024-01-10", "柏の葉総合病院", std::nullopt});
    });
  }

  const int total = 2000;
  const std::string fixture = testing::canonicalFixture("discharge-sheet.xml");
  std::atomic<int> accepted{0};
  std::atomic<bool> streaming{true};
  std::mutex restartMutex;  // the streamer reads the sender's port while it restarts

  std::thread streamer([&] {
    for (int i = 0; i < total; ++i) {
      std::string sheet = fixture;
      sheet.replace(sheet.find("<sheetId>") + 9, 36, "crash-" + std::to_string(i));
      while (!submit(sender.localPort(), sheet)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      ++accepted;
    }
    streaming = false;
  });

  std::mt19937 random(20261122);
  int kills = 0;
  while (streaming && kills < 8) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(300, 1500)(random)));
    if (!streaming) break;
    NodeProcess& victim = (kills % 2 == 0) ? receiver : sender;
    victim.kill(SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    victim.start();
    ++kills;
  }
  streamer.join();
  EXPECT_GE(kills, 4) << "the stream finished before the crashes could happen";
  EXPECT_EQ(accepted, total);

  ASSERT_TRUE(testing::eventually(
      [&] {
        store::PgConnection conn(senderDb.conninfo());
        return conn.exec("SELECT count(*) FROM outbox WHERE state = 'delivered'").integer(0, 0) == total;
      },
      std::chrono::seconds(240)))
      << "not drained";
  const auto sent = column(senderDb.conninfo(), "SELECT message_id FROM outbox");
  const auto documents = column(senderDb.conninfo(), "SELECT document_id FROM outbox");
  const auto received = column(receiverDb.conninfo(), "SELECT message_id FROM inbox");
  EXPECT_EQ(documents.size(), static_cast<std::size_t>(total));  // nothing lost, nothing twice
  EXPECT_EQ(sent.size(), static_cast<std::size_t>(total));
  EXPECT_EQ(received, sent);  // each sent message is in the inbox, and nothing else is
  store::PgConnection conn(receiverDb.conninfo());
  EXPECT_EQ(conn.exec("SELECT count(*) FROM inbox").integer(0, 0), total);
  sender.kill(SIGTERM);
  receiver.kill(SIGTERM);
}

}  // namespace
}  // namespace tsunagi
