// The front door under a hostile neighbour: idle connections, headers sent a byte a second and
// garbage must not stop a node from serving its legitimate peer, hospital and coordinator
// (issue 12, point 2), every connection closed by a limit is counted per listener, and refused
// handshakes are reported per listener with the client's address (point 9).

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "gateway/channels/mllp/mllp.hpp"
#include "gateway/node/node.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/test_console.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr const char* kHostile = "127.0.0.2";
constexpr const char* kLegitimate = "127.0.0.1";

// A blocking TCP connection from `source` to 127.0.0.1:port; -1 if refused.
int connectFrom(const std::string& source, unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  inet_pton(AF_INET, source.c_str(), &local.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    ::close(fd);
    return -1;
  }
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  const int on = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

// Hostile clients: idle TCP connections and connections that dribble a request a byte a second
// (after a TLS handshake when `tls` is given), all from one source address.
class Hostiles {
 public:
  Hostiles(std::string source, unsigned short port, SSL_CTX* tls, std::string dribble)
      : source_(std::move(source)), port_(port), tls_(tls), dribble_(std::move(dribble)) {}
  ~Hostiles() { stop(); }

  void openIdle(int n) {
    for (int i = 0; i < n; ++i) {
      const int fd = connectFrom(source_, port_);
      if (fd >= 0) idle_.push_back(fd);
    }
  }

  void openSlow(int n) {
    for (int i = 0; i < n; ++i) {
      const int fd = connectFrom(source_, port_);
      if (fd < 0) continue;
      SSL* ssl = nullptr;
      if (tls_) {
        ssl = SSL_new(tls_);
        SSL_set_fd(ssl, fd);
        if (SSL_connect(ssl) != 1) {
          ERR_clear_error();
          SSL_free(ssl);
          ::close(fd);
          continue;
        }
      }
      slow_.push_back({fd, ssl});
    }
    dribbler_ = std::thread([this] {
      std::size_t at = 0;
      while (!stop_) {
        for (auto& s : slow_) {
          const char c = dribble_[at % dribble_.size()];
          if (s.ssl) {
            SSL_write(s.ssl, &c, 1);
            ERR_clear_error();
          } else {
            ::send(s.fd, &c, 1, MSG_NOSIGNAL);
          }
        }
        ++at;
        for (int i = 0; i < 10 && !stop_; ++i) std::this_thread::sleep_for(milliseconds(100));
      }
    });
  }

  void stop() {
    stop_ = true;
    if (dribbler_.joinable()) dribbler_.join();
    for (auto& s : slow_) {
      if (s.ssl) SSL_free(s.ssl);
      ::close(s.fd);
    }
    slow_.clear();
    for (int fd : idle_) ::close(fd);
    idle_.clear();
  }

 private:
  struct Slow {
    int fd;
    SSL* ssl;
  };
  std::string source_;
  unsigned short port_;
  SSL_CTX* tls_;
  std::string dribble_;
  std::vector<int> idle_;
  std::vector<Slow> slow_;
  std::atomic<bool> stop_{false};
  std::thread dribbler_;
};

SSL_CTX* clientContext(const std::optional<testing::NodeFiles>& identity) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  if (identity) {
    SSL_CTX_use_certificate_file(ctx, identity->cert.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx, identity->key.c_str(), SSL_FILETYPE_PEM);
  }
  return ctx;
}

// One MLLP message from `source`: the ACK, or empty when refused or closed.
std::string mllpFrom(const std::string& source, unsigned short port, const std::string& message) {
  const int fd = connectFrom(source, port);
  if (fd < 0) return {};
  const std::string framed = channels::mllpFrame(message);
  ::send(fd, framed.data(), framed.size(), MSG_NOSIGNAL);
  std::string ack;
  char c;
  while (::recv(fd, &c, 1, 0) == 1 && c != channels::kMllpEnd) ack += c;
  ::close(fd);
  return ack;
}

// GET on the local (plain HTTP) listener from `source`: the status, or 0.
int localGet(unsigned short port, const std::string& path) {
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", port);
    session.setTimeout(Poco::Timespan(3, 0));
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    return response.getStatus();
  } catch (const Poco::Exception&) {
    return 0;
  }
}

template <class F>
auto timed(F&& f, milliseconds& took) {
  const auto start = Clock::now();
  auto result = f();
  took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  return result;
}

const char* kAdt =
    "MSH|^~\\&|HIS|KASHIWA|TSUNAGI|122173|20240315103000||ADT^A08^ADT_A01|MSG0001|P|2.5\r"
    "EVN|A08|20240315103000\r"
    "PID|1||0000123||テスト^タロウ||19400101|M\r";

class ListenerLimits : public ::testing::Test {
 protected:
  /// Starts the node; `perAddress` overrides every listener's per-address cap (0: defaults).
  /// Handshake and head deadlines are `deadline` (short, so that the test is).
  void start(std::size_t perAddress = 0, milliseconds deadline = milliseconds(3000)) {
    const unsigned short peerPort = testing::freePort();
    testing::ManifestSpec manifest;
    manifest.file = pki_.directory() / "manifest.xml";
    auto self = pki_.entry("122173", "https://127.0.0.1:" + std::to_string(peerPort));
    self.municipalities = {"122173"};
    auto neighbour = pki_.entry("122203", "https://127.0.0.1:9");
    neighbour.municipalities = {"122203"};
    manifest.nodes = {self, neighbour};
    pki_.writeManifest(manifest);

    NodeOptions o;
    o.code = "122173";
    o.name = "柏市";
    o.dataDir = fs::path(dir_.path()) / "node";
    o.conninfo = db_.conninfo();
    // Short deadlines keep the test short.
    o.local.limits.head = deadline;
    NodeExchangeOptions x;
    NodeConsoleOptions console;
    const auto& files = pki_.node("122173");
    x.tls = exchange::TlsFiles{files.key, files.cert, {pki_.ca().certificate()}, {}, nullptr};
    x.manifestFile = manifest.file;
    x.manifestSigner = pki_.coordinator().cert;
    x.peerPort = peerPort;
    x.retry = testing::TestFederation::fastRetry();
    x.limits.handshake = deadline;
    x.limits.head = deadline;
    channels::MllpOptions mllp;
    mllp.frameTimeout = std::chrono::duration_cast<std::chrono::seconds>(deadline);
    if (perAddress) {
      o.local.limits.maxConnectionsPerAddress = perAddress;
      x.limits.maxConnectionsPerAddress = perAddress;
      console.limits.maxConnectionsPerAddress = perAddress;
      mllp.maxConnectionsPerAddress = perAddress;
      mllp.maxConnections = 2 * perAddress;
    }
    o.channels.push_back(channels::ChannelOptions{"hospital-adt",
                                                  channels::Direction::Inbound,
                                                  "ssmix2",
                                                  {},
                                                  false,
                                                  {{"hospitalName", "柏の葉総合病院"}},
                                                  mllp});
    o.exchange = x;
    console.certificateFile = files.cert;
    console.keyFile = files.key;
    console.limits.handshake = deadline;
    console.limits.head = deadline;
    o.console = console;
    node_ = std::make_unique<Node>(o);
    node_->start();
    peerTls_ = clientContext(pki_.node("122203"));
    browserTls_ = clientContext(std::nullopt);
  }

  std::string metrics() {
    Poco::Net::HTTPClientSession session("127.0.0.1", node_->port());
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, "/metrics",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::string body;
    Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
    return body;
  }

  /// The legitimate clients, from 127.0.0.1, each answered within a second.
  void legitimateClientsAreServed() {
    milliseconds took{};
    const auto health =
        timed([&] { return neighbour().get(node_->peerPort(), "/exchange/v1/health"); }, took);
    EXPECT_EQ(health.status, 200) << health.error;
    EXPECT_LT(took, milliseconds(1000)) << "pinned peer's request";

    const std::string ack =
        timed([&] { return mllpFrom(kLegitimate, node_->mllpPort("hospital-adt"), kAdt); }, took);
    EXPECT_NE(ack.find("MSA|"), std::string::npos) << ack;
    EXPECT_LT(took, milliseconds(1000)) << "MLLP ACK";

    testing::ConsoleClient browser(node_->consolePort(), pki_.ca().certificate());
    std::string error;
    const auto login = timed(
        [&] {
          try {
            return browser.get("/login");
          } catch (const Poco::Exception& e) {
            error = e.displayText();
            return testing::ConsoleReply{};
          }
        },
        took);
    EXPECT_EQ(login.status, 200) << error;
    EXPECT_LT(took, milliseconds(1000)) << "console login page";

    EXPECT_EQ(timed([&] { return localGet(node_->port(), "/healthz"); }, took), 200);
    EXPECT_LT(took, milliseconds(1000)) << "local listener";
  }

  void TearDown() override {
    if (node_) node_->stop();
    SSL_CTX_free(peerTls_);
    SSL_CTX_free(browserTls_);
  }

  testing::RawPeer neighbour() {
    const auto& files = pki_.node("122203");
    return testing::RawPeer{files.key, files.cert, pki_.ca().certificate()};
  }

  // Everything a hostile client does, against every listener, from `source`.
  std::vector<std::unique_ptr<Hostiles>> attack(const std::string& source) {
    std::vector<std::unique_ptr<Hostiles>> all;
    const std::string httpHead =
        "POST /exchange/v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + std::string(64, 'a');
    auto add = [&](unsigned short port, SSL_CTX* tls, const std::string& dribble) {
      auto h = std::make_unique<Hostiles>(source, port, tls, dribble);
      h->openSlow(200);
      h->openIdle(200);
      all.push_back(std::move(h));
    };
    add(node_->peerPort(), peerTls_, httpHead);
    add(node_->consolePort(), browserTls_, httpHead);
    add(node_->mllpPort("hospital-adt"), nullptr, std::string("\x0bMSH|^~\\&|") + kAdt);
    add(node_->port(), nullptr, httpHead);
    return all;
  }

  testing::TempDir dir_{"listener-limits"};
  testing::TestPki pki_;
  testing::TestDatabase db_;
  std::unique_ptr<Node> node_;
  SSL_CTX* peerTls_ = nullptr;
  SSL_CTX* browserTls_ = nullptr;
};

TEST_F(ListenerLimits, HostileConnectionsFromOneAddressDoNotStarveAnother) {
  start();
  auto hostiles = attack(kHostile);
  legitimateClientsAreServed();

  // The hostile address got no more than its share on each listener.
  const auto* peer = node_->exchange()->listenerStats();
  ASSERT_NE(peer, nullptr);
  EXPECT_GT(peer->closedCount("per-address-limit"), 300);
  // Half-sent heads and silent new connections are closed at the head deadline.
  EXPECT_TRUE(testing::eventually([&] { return peer->closedCount("head-timeout") >= 16; },
                                  std::chrono::seconds(10)));
  hostiles.clear();
}

// With caps high enough to admit all 1,600 hostile connections, the design itself must hold:
// connections that have not sent a complete request occupy no worker.
TEST_F(ListenerLimits, ConnectionsWithoutACompleteRequestOccupyNoWorker) {
  start(1000, milliseconds(60000));
  auto hostiles = attack(kHostile);
  const auto* peer = node_->exchange()->listenerStats();
  ASSERT_NE(peer, nullptr);
  EXPECT_EQ(peer->closedCount("per-address-limit"), 0);
  EXPECT_GE(peer->open(), 300) << "the hostile connections are all held open";
  legitimateClientsAreServed();
  hostiles.clear();
}

TEST_F(ListenerLimits, FromOneAddressTheLegitimateRequestMayBeRefusedButNeverHangs) {
  testing::LogCapture log;
  start();
  auto hostiles = attack(kLegitimate);
  std::this_thread::sleep_for(milliseconds(300));

  milliseconds took{};
  timed([&] { return neighbour().get(node_->peerPort(), "/exchange/v1/health"); }, took);
  EXPECT_LT(took, milliseconds(1000)) << "pinned peer's request";
  timed([&] { return mllpFrom(kLegitimate, node_->mllpPort("hospital-adt"), kAdt); }, took);
  EXPECT_LT(took, milliseconds(1000)) << "MLLP";
  testing::ConsoleClient browser(node_->consolePort(), pki_.ca().certificate());
  timed(
      [&] {
        try {
          return browser.get("/login").status;
        } catch (const std::exception&) {
          return 0;
        }
      },
      took);
  EXPECT_LT(took, milliseconds(1000)) << "console";
  timed([&] { return localGet(node_->port(), "/healthz"); }, took);
  EXPECT_LT(took, milliseconds(1000)) << "local listener";

  // Once the deadlines have closed the dribblers, the HTTP listeners serve again.
  EXPECT_TRUE(testing::eventually(
      [&] { return neighbour().get(node_->peerPort(), "/exchange/v1/health").status == 200; },
      std::chrono::seconds(15)));
  EXPECT_TRUE(testing::eventually([&] { return localGet(node_->port(), "/healthz") == 200; },
                                  std::chrono::seconds(15)));

  // Counted per listener, logged with the address, and rate-limited.
  const std::string text = log.text();
  const std::string exposed = metrics();
  for (const char* listener : {"peer", "console", "local", "mllp:hospital-adt"}) {
    EXPECT_NE(exposed.find(std::string("tsunagi_listener_closed_total{listener=\"") + listener +
                           "\",reason=\"per-address-limit\"}"),
              std::string::npos)
        << listener << "\n"
        << exposed;
  }
  EXPECT_NE(text.find("listener peer: connection from 127.0.0.1 closed (per-address-limit)"),
            std::string::npos);
  std::size_t lines = 0;
  for (std::size_t at = 0; (at = text.find("(per-address-limit)", at)) != std::string::npos; ++at) {
    ++lines;
  }
  EXPECT_LE(lines, 12u) << "one warning per listener and reason every ten seconds";
  hostiles.clear();
}

TEST_F(ListenerLimits, RefusedHandshakesAreCountedPerListenerWithTheClientAddress) {
  testing::LogCapture log;
  start();
  // Plain HTTP to the console (a browser typing http://): a protocol refusal of the console, not
  // a peer failure.
  for (int i = 0; i < 3; ++i) {
    const int fd = connectFrom(kHostile, node_->consolePort());
    ASSERT_GE(fd, 0);
    const std::string get = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    ::send(fd, get.data(), get.size(), MSG_NOSIGNAL);
    char c;
    while (::recv(fd, &c, 1, 0) > 0) {
    }
    ::close(fd);
  }
  // A TLS client without a certificate at the peer listener.
  const auto anonymous = testing::RawPeer{std::nullopt, std::nullopt, pki_.ca().certificate()}.get(
      node_->peerPort(), "/exchange/v1/health");
  EXPECT_EQ(anonymous.status, 0);

  ASSERT_TRUE(testing::eventually(
      [&] { return node_->exchange()->handshakeStats().count("no-client-certificate") == 1; }));
  EXPECT_EQ(node_->exchange()->handshakeStats().count("protocol"), 0)
      << "console handshakes are not peer failures";
  const auto all = node_->exchange()->handshakeStats().all();
  EXPECT_EQ(all.count({"peer", "no-client-certificate"}), 1u);
  const std::string exposed = metrics();
  EXPECT_NE(exposed.find(
                "tsunagi_tls_handshake_failures_total{listener=\"console\",reason=\"protocol\"} 3"),
            std::string::npos)
      << exposed;
  EXPECT_NE(exposed.find("tsunagi_tls_handshake_failures_total{listener=\"peer\",reason=\"no-"
                         "client-certificate\"} 1"),
            std::string::npos)
      << exposed;
  const std::string text = log.text();
  EXPECT_NE(text.find("listener console: connection from 127.0.0.2 closed (handshake-failed)"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("listener peer: connection from 127.0.0.1 closed (handshake-failed): TLS "
                      "no-client-certificate"),
            std::string::npos)
      << text;
}

}  // namespace
}  // namespace tsunagi
