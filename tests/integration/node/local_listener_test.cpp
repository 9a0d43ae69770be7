// The local listener's request hygiene (issue 12, point 6): no request desync after a refusal,
// no requests from web pages (Origin), no DNS rebinding (Host), the documented content type on
// every POST — and well-formed keep-alive and pipelined requests still served.

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <string>

#include "gateway/node/node.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;

// Sends `bytes` on a new connection and reads until the server closes it (or 5 s pass).
struct Exchange {
  std::string reply;
  bool closedByServer = false;
};

Exchange raw(unsigned short port, const std::string& bytes, bool halfClose = false) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  Exchange out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return out;
  }
  ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
  if (halfClose) ::shutdown(fd, SHUT_WR);
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) {
      out.closedByServer = true;
      break;
    }
    if (n < 0) break;  // timeout: the server kept the connection open
    out.reply.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

// Status lines ("HTTP/1.1 NNN ") in what the server sent.
std::size_t responses(const std::string& reply) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = reply.find("HTTP/1.1 ", at)) != std::string::npos; ++at) {
    const std::string code = reply.substr(at + 9, 4);
    if (code.size() == 4 && std::isdigit(static_cast<unsigned char>(code[0])) &&
        std::isdigit(static_cast<unsigned char>(code[1])) &&
        std::isdigit(static_cast<unsigned char>(code[2])) && code[3] == ' ') {
      ++n;
    }
  }
  return n;
}

class LocalListener : public ::testing::Test {
 protected:
  void SetUp() override {
    NodeOptions o;
    o.code = "122173";
    o.name = "柏市";
    o.dataDir = fs::path(dir_.path()) / "node";
    o.conninfo = db_.conninfo();
    o.local.allowedHosts = {"tsunagi.kashiwa.lan:8080"};
    o.local.allowedOrigins = {"https://care.kashiwa.lan"};
    // Short idle timeout: a kept-alive connection is closed by the server within the test.
    o.local.limits.idle = std::chrono::milliseconds(500);
    node_ = std::make_unique<Node>(o);
    node_->start();
  }
  void TearDown() override { node_->stop(); }

  std::string host() const { return "Host: 127.0.0.1:" + std::to_string(node_->port()) + "\r\n"; }
  long long consents() {
    auto conn = node_->pool()->lease();
    return std::stoll(conn->exec("SELECT count(*) FROM consents").text(0, 0));
  }

  static std::string consentJson() {
    return R"({"reference":"consent-0001","insurerNumber":"122200","insuredNumber":"0000123456",)"
           R"("scope":["122203"],"obtainedOn":"2024-01-10","obtainedBy":"地域連携室"})";
  }

  testing::TempDir dir_{"local-listener"};
  testing::TestDatabase db_;
  std::unique_ptr<Node> node_;
};

TEST_F(LocalListener, AnUnreadBodyIsNeverTakenForTheNextRequest) {
  // No Content-Length: 411, and the "body" (a second request) is not served.
  const std::string smuggled = "GET /healthz HTTP/1.1\r\n" + host() + "\r\n";
  auto r = raw(node_->port(), "POST /local/v1/consents HTTP/1.1\r\n" + host() +
                                  "Content-Type: application/json\r\n\r\n" + smuggled);
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 411 ", 0), 0u) << r.reply;
  EXPECT_EQ(responses(r.reply), 1u) << r.reply;
  EXPECT_TRUE(r.closedByServer);

  // Over the limit: 413 without reading the body, and closed.
  r = raw(node_->port(), "POST /local/v1/consents HTTP/1.1\r\n" + host() +
                             "Content-Type: application/json\r\nContent-Length: 70000\r\n\r\n" +
                             smuggled);
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 413 ", 0), 0u) << r.reply;
  EXPECT_EQ(responses(r.reply), 1u) << r.reply;
  EXPECT_TRUE(r.closedByServer);

  // Chunked: refused the same way.
  r = raw(node_->port(), "POST /local/v1/consents HTTP/1.1\r\n" + host() +
                             "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "5\r\nhello\r\n0\r\n\r\n" +
                             smuggled);
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 411 ", 0), 0u) << r.reply;
  EXPECT_EQ(responses(r.reply), 1u) << r.reply;

  // Two different Content-Lengths.
  r = raw(node_->port(), "POST /local/v1/consents HTTP/1.1\r\n" + host() +
                             "Content-Type: application/json\r\nContent-Length: 2\r\n"
                             "Content-Length: 40\r\n\r\n{}" +
                             smuggled);
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 400 ", 0), 0u) << r.reply;
  EXPECT_EQ(responses(r.reply), 1u) << r.reply;
  EXPECT_EQ(consents(), 0);
}

TEST_F(LocalListener, WellFormedRequestsAreKeptAliveAndPipelined) {
  const std::string get = "GET /healthz HTTP/1.1\r\n" + host() + "\r\n";
  const auto r = raw(node_->port(), get + get);
  EXPECT_EQ(responses(r.reply), 2u) << r.reply;
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 200 ", 0), 0u) << r.reply;
  EXPECT_TRUE(r.closedByServer) << "closed at the idle timeout";
}

TEST_F(LocalListener, ARequestFromAWebPageIsRefused) {
  // A page on another site posting a "simple" cross-site request.
  auto r =
      raw(node_->port(), "POST /local/v1/consents HTTP/1.1\r\n" + host() +
                             "Origin: https://evil.example\r\nContent-Type: text/plain\r\n"
                             "Content-Length: " +
                             std::to_string(consentJson().size()) + "\r\n\r\n" + consentJson());
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 403 ", 0), 0u) << r.reply;
  EXPECT_NE(r.reply.find("urn:tsunagi:problem:origin-not-allowed"), std::string::npos);
  EXPECT_TRUE(r.closedByServer);
  // The right content type does not help a foreign origin.
  r = raw(node_->port(), "POST /local/v1/consents HTTP/1.1\r\n" + host() +
                             "Origin: https://evil.example\r\nContent-Type: application/json\r\n"
                             "Content-Length: " +
                             std::to_string(consentJson().size()) + "\r\n\r\n" + consentJson());
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 403 ", 0), 0u) << r.reply;
  // Without an Origin, text/plain is not the documented type.
  r = raw(node_->port(), "POST /local/v1/consents HTTP/1.1\r\n" + host() +
                             "Content-Type: text/plain\r\nContent-Length: " +
                             std::to_string(consentJson().size()) + "\r\n\r\n" + consentJson());
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 415 ", 0), 0u) << r.reply;
  EXPECT_NE(r.reply.find("application/json"), std::string::npos) << r.reply;
  EXPECT_EQ(consents(), 0);
  // A configured origin with the documented type is served.
  r = raw(node_->port(),
          "POST /local/v1/consents HTTP/1.1\r\n" + host() +
              "Origin: https://care.kashiwa.lan\r\nContent-Type: application/json\r\n"
              "Connection: close\r\nContent-Length: " +
              std::to_string(consentJson().size()) + "\r\n\r\n" + consentJson());
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 201 ", 0), 0u) << r.reply;
  EXPECT_EQ(consents(), 1);
}

TEST_F(LocalListener, AHostThatIsNotTheListenersOwnIsRefused) {
  auto r = raw(node_->port(), "GET /healthz HTTP/1.1\r\nHost: evil.example\r\n\r\n");
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 421 ", 0), 0u) << r.reply;
  EXPECT_NE(r.reply.find("urn:tsunagi:problem:host-not-allowed"), std::string::npos);
  r = raw(node_->port(), "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n");
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 421 ", 0), 0u) << r.reply;
  r = raw(node_->port(), "GET /healthz HTTP/1.0\r\n\r\n");
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 421 ", 0), 0u) << "no Host at all: " << r.reply;
  r = raw(node_->port(), "GET /healthz HTTP/1.1\r\nHost: localhost:" +
                             std::to_string(node_->port()) + "\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 200 ", 0), 0u) << r.reply;
  r = raw(node_->port(),
          "GET /healthz HTTP/1.1\r\nHost: tsunagi.kashiwa.lan:8080\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(r.reply.rfind("HTTP/1.1 200 ", 0), 0u) << "a configured name: " << r.reply;
}

TEST_F(LocalListener, MalformedHeadsAreRefusedAndClosed) {
  for (const std::string& head :
       {std::string("GARBAGE\r\n\r\n"), std::string("GET /healthz HTTP/2.0\r\n") + host() + "\r\n",
        std::string("GET healthz HTTP/1.1\r\n") + host() + "\r\n",
        std::string("GET /healthz HTTP/1.1\r\n") + host() + " folded\r\n\r\n",
        std::string("GET /healthz HTTP/1.1\r\n") + host() + "Bad Header: x\r\n\r\n",
        std::string("GET /healthz HTTP/1.1\r\n") + host() + "X: " + std::string(20000, 'a') +
            "\r\n\r\n"}) {
    const auto r = raw(node_->port(), head);
    EXPECT_TRUE(r.reply.rfind("HTTP/1.1 400 ", 0) == 0 || r.reply.rfind("HTTP/1.1 431 ", 0) == 0)
        << head.substr(0, 60) << " → " << r.reply;
    EXPECT_EQ(responses(r.reply), 1u);
    EXPECT_TRUE(r.closedByServer);
  }
}

}  // namespace
}  // namespace tsunagi
