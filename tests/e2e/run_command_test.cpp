// `tsunagi run --config FILE` as a city's ICT staff use it: every kind of configuration mistake is
// named (file, line, key, what was expected) with exit code 2 before anything listens; SIGHUP
// reloads the manifest and keeps the last good one.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "gateway/common/subprocess.hpp"
#include "tests/support/test_logs.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class RunCommand : public ::testing::Test {
 protected:
  RunCommand() {
    manifest_.file = pki_.directory() / "manifest.xml";
    auto kashiwa = pki_.entry("122173", "https://127.0.0.1:1");
    kashiwa.municipalities = {"122173"};
    auto nagareyama = pki_.entry("122203", "https://127.0.0.1:2");
    nagareyama.municipalities = {"122203"};
    manifest_.nodes = {kashiwa, nagareyama};
    pki_.writeManifest(manifest_);
  }
  ~RunCommand() override { testing::keepChildLogsBelow(pki_.directory(), "run"); }

  /// A valid configuration; `edit` changes its text to make the mistake under test.
  fs::path config(const std::function<void(std::string&)>& edit = {}) {
    const auto& files = pki_.node("122173");
    std::string text = R"(<?xml version="1.0" encoding="UTF-8"?>
<NodeConfig xmlns="urn:tsunagi:config:1">
  <node code="122173" name="柏市"/>
  <dataDirectory>data</dataDirectory>
  <database conninfo=")" + db_.conninfo() + R"("/>
  <localListener host="127.0.0.1" port="0"/>
  <exchange>
    <peerListener host="127.0.0.1" port="0"/>
    <tls key=")" + files.key.string() + R"(" certificate=")" + files.cert.string() + R"(">
      <ca>)" + pki_.ca().certificate().string() + R"(</ca>
    </tls>
    <manifest file="manifest.xml" signer=")" + pki_.coordinator().cert.string() + R"("/>
  </exchange>
  <log format="json" level="info"/>
</NodeConfig>
)";
    if (edit) edit(text);
    const fs::path file = pki_.directory() / "node.xml";
    std::ofstream(file) << text;
    return file;
  }

  struct Outcome {
    int status;
    std::string output;
  };

  Outcome runToCompletion(const fs::path& file) {
    SpawnOptions s;
    s.argv = {TSUNAGI_EXECUTABLE, "run", "--config", file.string()};
    s.logFile = pki_.directory() / "run.log";
    fs::remove(s.logFile);
    s.env = {"PATH=/usr/bin:/bin"};
    const int status = runProcess(s);
    testing::keepChildLog(s.logFile, "run");
    return {status, readFile(s.logFile)};
  }

  static void replace(std::string& text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }

  testing::TestPki pki_;
  testing::TestDatabase db_;
  testing::ManifestSpec manifest_;
};

TEST_F(RunCommand, UnknownKeyIsNamedWithItsLine) {
  auto r = runToCompletion(config([](std::string& t) {
    replace(t, "  <log ", "  <colour>blue</colour>\n  <log ");
  }));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("node.xml:14: /NodeConfig/colour: This element is not expected."));
}

TEST_F(RunCommand, WrongTypeIsNamedWithWhatWasExpected) {
  auto r = runToCompletion(config([](std::string& t) {
    replace(t, R"(<localListener host="127.0.0.1" port="0"/>)",
            R"(<localListener host="127.0.0.1" port="eighty"/>)");
  }));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("node.xml:6: /NodeConfig/localListener: attribute 'port': 'eighty' is not a valid value"));
}

TEST_F(RunCommand, MissingFileIsNamedWithTheKey) {
  auto r = runToCompletion(config([](std::string& t) {
    replace(t, R"(<manifest file="manifest.xml")", R"(<manifest file="no-such-manifest.xml")");
  }));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("node.xml:12: /NodeConfig/exchange/manifest/@file: file "));
  EXPECT_THAT(r.output, HasSubstr("no-such-manifest.xml does not exist"));
}

TEST_F(RunCommand, UnreadableKeyIsRefused) {
  const fs::path broken = pki_.directory() / "broken.key";
  std::ofstream(broken) << "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n";
  auto r = runToCompletion(config([&](std::string& t) {
    replace(t, pki_.node("122173").key.string(), broken.string());
  }));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("/NodeConfig/exchange/tls/@key: unreadable private key"));
}

TEST_F(RunCommand, CertificateOfAnotherNodeIsRefused) {
  auto r = runToCompletion(config([&](std::string& t) {
    replace(t, pki_.node("122173").cert.string(), pki_.node("122203").cert.string());
  }));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("the certificate is for node 122203, this node is 122173"));
}

TEST_F(RunCommand, PortInUseIsAStartErrorWithExit2) {
  Poco::Net::ServerSocket taken(Poco::Net::SocketAddress("127.0.0.1", 0));
  const std::string port = std::to_string(taken.address().port());
  auto r = runToCompletion(config([&](std::string& t) {
    replace(t, R"(<localListener host="127.0.0.1" port="0"/>)",
            R"(<localListener host="127.0.0.1" port=")" + port + R"("/>)");
  }));
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("node 122173 cannot start"));
  EXPECT_THAT(r.output, HasSubstr("in use"));
}

TEST_F(RunCommand, MissingConfigFileExits2) {
  auto r = runToCompletion(pki_.directory() / "absent.xml");
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.output, HasSubstr("absent.xml: configuration file does not exist"));
}

int manifestSerial(unsigned short port) {
  Poco::Net::HTTPClientSession session("127.0.0.1", port);
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/healthz");
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  const auto at = body.find("\"manifestSerial\":");
  return at == std::string::npos ? -1 : std::stoi(body.substr(at + 17));
}

TEST_F(RunCommand, SighupLoadsANewerManifestAndKeepsItAgainstAnOlderOne) {
  SpawnOptions s;
  s.argv = {TSUNAGI_EXECUTABLE, "run", "--config", config().string()};
  s.logFile = pki_.directory() / "node.log";
  s.env = {"PATH=/usr/bin:/bin"};
  pid_t pid = spawnProcess(s);
  unsigned short port = 0;
  ASSERT_TRUE(testing::TempDir("x").path().size() > 0);
  for (int i = 0; i < 600 && port == 0; ++i) {
    const std::string log = readFile(s.logFile);
    if (auto at = log.find(" ready: local http://127.0.0.1:"); at != std::string::npos) {
      port = static_cast<unsigned short>(std::stoi(log.substr(at + 31)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(port, 0) << readFile(s.logFile);
  EXPECT_EQ(manifestSerial(port), 1);

  manifest_.serial = 2;
  pki_.writeManifest(manifest_);
  kill(pid, SIGHUP);
  EXPECT_TRUE([&] {
    for (int i = 0; i < 100; ++i) {
      if (manifestSerial(port) == 2) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }());

  manifest_.serial = 1;  // an older manifest is refused; serial 2 stays in force
  pki_.writeManifest(manifest_);
  kill(pid, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_EQ(manifestSerial(port), 2);
  EXPECT_THAT(readFile(s.logFile), HasSubstr("RefusedOlderSerial"));

  // The manifest's remaining validity is a metric (an alert can fire well before expiry).
  {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/metrics");
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    EXPECT_THAT(body, HasSubstr("tsunagi_manifest_serial 2\n"));
    const auto at = body.find("\ntsunagi_manifest_expiry_seconds ");
    ASSERT_NE(at, std::string::npos) << body;
    const long long seconds = std::stoll(body.substr(at + 33));
    EXPECT_GT(seconds, 80LL * 24 * 3600);  // TestPki's manifests expire in 90 days
    EXPECT_LE(seconds, 90LL * 24 * 3600);
  }

  kill(pid, SIGTERM);
  auto status = waitForExit(pid, std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(*status, 0);
  EXPECT_THAT(readFile(s.logFile), HasSubstr("node 122173 stopped"));
}

TEST_F(RunCommand, BrokenCrlAtSighupKeepsTheNodeRunningWithTheLastGoodList) {
  const fs::path crl = pki_.ca().makeCrl();
  SpawnOptions s;
  s.argv = {TSUNAGI_EXECUTABLE, "run", "--config", config([&](std::string& t) {
              replace(t, R"(">
      <ca>)", "\" crl=\"" + crl.string() + R"(">
      <ca>)");
            }).string()};
  s.logFile = pki_.directory() / "crl-node.log";
  s.env = {"PATH=/usr/bin:/bin"};
  pid_t pid = spawnProcess(s);
  unsigned short port = 0;
  for (int i = 0; i < 600 && port == 0; ++i) {
    const std::string log = readFile(s.logFile);
    if (auto at = log.find(" ready: local http://127.0.0.1:"); at != std::string::npos) {
      port = static_cast<unsigned short>(std::stoi(log.substr(at + 31)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(port, 0) << readFile(s.logFile);
  std::ofstream(crl, std::ios::trunc) << "not a CRL\n";
  kill(pid, SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(waitForExit(pid, std::chrono::milliseconds(0)).has_value()) << readFile(s.logFile);
  EXPECT_EQ(manifestSerial(port), 1);
  EXPECT_THAT(readFile(s.logFile), HasSubstr("CRL reload refused"));
  kill(pid, SIGTERM);
  EXPECT_EQ(waitForExit(pid, std::chrono::seconds(30)), std::optional<int>(0));
}

}  // namespace
}  // namespace tsunagi
