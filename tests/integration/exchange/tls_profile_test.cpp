// The TLS profile of the two listeners a stranger can reach — a node's peer listener (mutual TLS)
// and the coordinators' console (HTTPS) — as an outside scanner sees it: Debian's sslscan, run
// against them on loopback, must find TLS 1.2 and 1.3 only, ECDHE key exchange with AEAD suites
// only. sslscan's own renegotiation and compression probes speak TLS 1.0 only (they can report
// nothing about a TLS 1.2-only server), so those two are probed here directly: a TLS 1.2
// ClientHello offering DEFLATE must get null compression and a ServerHello with RFC 5746's
// renegotiation_info, and a client-initiated renegotiation on an established TLS 1.2 connection
// must be refused. The peer listener refuses a handshake without a client certificate.
// sslscan missing is a failure (`./setup.sh test` installs it), never a skip.
#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>

#include "gateway/common/subprocess.hpp"
#include "tests/support/test_console.hpp"
#include "tests/support/test_federation.hpp"

namespace tsunagi::exchange {
namespace {

namespace fs = std::filesystem;
using testing::eventually;

const testing::TestNodeSpec kKashiwa{"122173", "柏市", {"122173"}, {"122176"}};
const testing::TestNodeSpec kNagareyama{"122203", "流山市", {"122203"}, {"122200"}};

// ---- sslscan ----------------------------------------------------------------------------------

/// One element of sslscan's XML report and its attributes.
struct Element {
  std::map<std::string, std::string> attributes;
  std::string at(const std::string& name) const {
    const auto it = attributes.find(name);
    return it == attributes.end() ? std::string() : it->second;
  }
};

struct Scan {
  std::string xml;
  std::vector<Element> protocols, ciphers, groups, renegotiation, compression, heartbleed;
};

std::vector<Element> elementsNamed(const std::string& xml, const std::string& name) {
  std::vector<Element> out;
  const std::regex element("<" + name + R"(\s([^<>]*?)/?>)");
  const std::regex attribute(R"(([A-Za-z_][\w-]*)="([^"]*)\")");
  for (std::sregex_iterator it(xml.begin(), xml.end(), element), end; it != end; ++it) {
    Element e;
    const std::string body = (*it)[1].str();
    for (std::sregex_iterator a(body.begin(), body.end(), attribute); a != end; ++a) {
      e.attributes[(*a)[1].str()] = (*a)[2].str();
    }
    out.push_back(std::move(e));
  }
  return out;
}

std::optional<fs::path> sslscanProgram() {
  std::vector<fs::path> dirs = {"/usr/bin", "/usr/local/bin"};
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');) dirs.emplace_back(dir);
  }
  for (const auto& dir : dirs) {
    if (!dir.empty() && ::access((dir / "sslscan").c_str(), X_OK) == 0) return dir / "sslscan";
  }
  return std::nullopt;
}

/// Runs sslscan against 127.0.0.1:port (with a client certificate when `client` is given).
/// Fails the test when sslscan is not installed or writes no report.
std::optional<Scan> sslscan(unsigned short port, const testing::NodeFiles* client = nullptr) {
  const auto program = sslscanProgram();
  if (!program) {
    ADD_FAILURE() << "sslscan is not installed: apt-get install sslscan (./setup.sh test installs "
                     "it). This test scans the peer listener and the console with it.";
    return std::nullopt;
  }
  testing::TempDir dir("sslscan");
  const fs::path report = fs::path(dir.path()) / "report.xml";
  SpawnOptions s;
  s.argv = {program->string(), "--no-colour", "--xml=" + report.string()};
  if (client) {
    s.argv.push_back("--certs=" + client->cert.string());
    s.argv.push_back("--pk=" + client->key.string());
  }
  s.argv.push_back("127.0.0.1:" + std::to_string(port));
  s.logFile = fs::path(dir.path()) / "sslscan.out";
  s.env = {"PATH=/usr/bin:/bin"};
  const int status = runProcess(s);
  std::ifstream in(report);
  Scan scan;
  scan.xml.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (status != 0 || scan.xml.find("</document>") == std::string::npos) {
    ADD_FAILURE() << "sslscan exited " << status << " without a complete report:\n"
                  << tailOfFile(s.logFile);
    return std::nullopt;
  }
  scan.protocols = elementsNamed(scan.xml, "protocol");
  scan.ciphers = elementsNamed(scan.xml, "cipher");
  scan.groups = elementsNamed(scan.xml, "group");
  scan.renegotiation = elementsNamed(scan.xml, "renegotiation");
  scan.compression = elementsNamed(scan.xml, "compression");
  scan.heartbleed = elementsNamed(scan.xml, "heartbleed");
  return scan;
}

bool isAeadEcdheTls12Suite(const std::string& name) {
  return name.rfind("ECDHE-", 0) == 0 &&
         (name.find("-GCM-") != std::string::npos || name.ends_with("-CHACHA20-POLY1305"));
}

bool isAeadTls13Suite(const std::string& name) {
  return name == "TLS_AES_128_GCM_SHA256" || name == "TLS_AES_256_GCM_SHA384" ||
         name == "TLS_CHACHA20_POLY1305_SHA256";
}

int acceptedSuites(const Scan& scan, const std::string& version) {
  int n = 0;
  for (const auto& c : scan.ciphers) n += c.at("sslversion") == version ? 1 : 0;
  return n;
}

/// The profile both listeners share: TLS 1.2 and 1.3 only (1.3 offered), ECDHE + AEAD suites
/// only, elliptic-curve groups only, nothing sslscan calls vulnerable.
void expectModernProfile(const Scan& scan, const std::string& listener) {
  SCOPED_TRACE(listener + " listener, sslscan report:\n" + scan.xml);
  ASSERT_FALSE(scan.protocols.empty());
  std::set<std::string> enabled;
  for (const auto& p : scan.protocols) {
    if (p.at("enabled") == "1") enabled.insert(p.at("type") + p.at("version"));
  }
  EXPECT_EQ(enabled, (std::set<std::string>{"tls1.2", "tls1.3"}));
  ASSERT_GT(acceptedSuites(scan, "TLSv1.3"), 0) << "no TLS 1.3 suite was accepted";
  ASSERT_GT(acceptedSuites(scan, "TLSv1.2"), 0) << "no TLS 1.2 suite was accepted";
  for (const auto& c : scan.ciphers) {
    const std::string version = c.at("sslversion"), name = c.at("cipher");
    if (version == "TLSv1.3") {
      EXPECT_TRUE(isAeadTls13Suite(name)) << name;
    } else {
      EXPECT_EQ(version, "TLSv1.2") << name;
      EXPECT_TRUE(isAeadEcdheTls12Suite(name)) << version << " " << name;
    }
  }
  for (const auto& g : scan.groups) {
    EXPECT_EQ(g.at("name").rfind("ffdhe", 0), std::string::npos)
        << "finite-field DH group offered: " << g.at("name");
  }
  for (const auto& r : scan.renegotiation) EXPECT_EQ(r.at("supported"), "0");
  for (const auto& c : scan.compression) EXPECT_EQ(c.at("supported"), "0");
  for (const auto& h : scan.heartbleed) EXPECT_EQ(h.at("vulnerable"), "0");
}

// ---- direct probes ----------------------------------------------------------------------------

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

/// A blocking TCP connection to 127.0.0.1:port with 5 s send and receive timeouts.
int connectLoopback(unsigned short port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  timeval timeout{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

void put16(std::string& out, unsigned value) {
  out += static_cast<char>((value >> 8) & 0xff);
  out += static_cast<char>(value & 0xff);
}

/// A TLS 1.2 ClientHello (no supported_versions: TLS 1.3 is not offered) with ECDHE + AEAD
/// suites, P-256 and X25519, the renegotiation_info extension, and compression methods
/// DEFLATE (1) before null (0): a server willing to compress would pick DEFLATE.
std::string clientHelloOfferingDeflate() {
  std::string body;
  put16(body, 0x0303);
  body += std::string(32, '\x5a');  // client random
  body += '\0';                     // no session id
  std::string suites;
  for (unsigned suite : {0xC02Bu, 0xC02Cu, 0xCCA9u, 0xC02Fu, 0xC030u, 0xCCA8u})
    put16(suites, suite);
  put16(body, static_cast<unsigned>(suites.size()));
  body += suites;
  body += std::string("\x02\x01\x00", 3);  // compression methods: DEFLATE, null
  std::string extensions;
  auto extension = [&](unsigned type, const std::string& data) {
    put16(extensions, type);
    put16(extensions, static_cast<unsigned>(data.size()));
    extensions += data;
  };
  std::string groups;
  put16(groups, 4);
  put16(groups, 0x0017);  // secp256r1
  put16(groups, 0x001d);  // x25519
  extension(0x000a, groups);
  extension(0x000b, std::string("\x01\x00", 2));  // ec_point_formats: uncompressed
  std::string algorithms;
  put16(algorithms, 6);
  put16(algorithms, 0x0403);  // ecdsa_secp256r1_sha256
  put16(algorithms, 0x0804);  // rsa_pss_rsae_sha256
  put16(algorithms, 0x0401);  // rsa_pkcs1_sha256
  extension(0x000d, algorithms);
  extension(0xff01, std::string("\x00", 1));  // renegotiation_info, initial handshake
  put16(body, static_cast<unsigned>(extensions.size()));
  body += extensions;
  std::string handshake = "\x01";
  handshake += static_cast<char>((body.size() >> 16) & 0xff);
  put16(handshake, static_cast<unsigned>(body.size() & 0xffff));
  handshake += body;
  std::string record = "\x16";
  put16(record, 0x0301);
  put16(record, static_cast<unsigned>(handshake.size()));
  return record + handshake;
}

struct ServerHello {
  std::string error;  ///< what came instead of a ServerHello
  unsigned suite = 0;
  int compression = -1;
  bool renegotiationInfo = false;
};

ServerHello helloFrom(unsigned short port) {
  ServerHello out;
  Fd socket{connectLoopback(port)};
  if (socket.fd < 0) return {"cannot connect"};
  const std::string hello = clientHelloOfferingDeflate();
  if (::send(socket.fd, hello.data(), hello.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(hello.size())) {
    return {"cannot send the ClientHello"};
  }
  std::string received, handshake;
  auto byte = [&](std::size_t i) { return static_cast<unsigned char>(handshake[i]); };
  for (;;) {
    // Handshake bytes from whole records; an alert ends the probe.
    while (received.size() >= 5) {
      const std::size_t length =
          (static_cast<unsigned char>(received[3]) << 8) | static_cast<unsigned char>(received[4]);
      if (received.size() < 5 + length) break;
      if (received[0] == '\x15') {
        return {"alert " + std::to_string(static_cast<unsigned char>(received[6]))};
      }
      if (received[0] != '\x16') return {"record type " + std::to_string(received[0])};
      handshake += received.substr(5, length);
      received.erase(0, 5 + length);
    }
    if (handshake.size() >= 4) {
      const std::size_t length = (byte(1) << 16) | (byte(2) << 8) | byte(3);
      if (byte(0) != 2) return {"handshake message " + std::to_string(byte(0))};
      if (handshake.size() >= 4 + length) break;
    }
    char buffer[4096];
    const ssize_t n = ::recv(socket.fd, buffer, sizeof buffer, 0);
    if (n <= 0) return {"connection closed before a ServerHello"};
    received.append(buffer, static_cast<std::size_t>(n));
  }
  // ServerHello: version(2) random(32) session_id(1+n) cipher_suite(2) compression(1) extensions
  std::size_t at = 4 + 2 + 32;
  if (at >= handshake.size() || at + 1 + byte(at) + 3 > handshake.size()) {
    return {"a ServerHello too short to read"};
  }
  at += 1 + byte(at);
  out.suite = (byte(at) << 8) | byte(at + 1);
  out.compression = byte(at + 2);
  at += 3;
  if (at + 2 <= handshake.size()) {
    const std::size_t end = std::min(handshake.size(), at + 2 + ((byte(at) << 8) | byte(at + 1)));
    for (at += 2; at + 4 <= end;) {
      const unsigned type = (byte(at) << 8) | byte(at + 1);
      const std::size_t length = (byte(at + 2) << 8) | byte(at + 3);
      if (type == 0xff01) out.renegotiationInfo = true;
      at += 4 + length;
    }
  }
  return out;
}

std::string openSslErrors() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char text[256];
    ERR_error_string_n(e, text, sizeof text);
    out += std::string(out.empty() ? "" : "; ") + text;
  }
  return out;
}

struct Renegotiation {
  std::string error;           ///< why the first handshake failed
  bool secureSupport = false;  ///< the server sent RFC 5746 renegotiation_info
  bool accepted = false;       ///< the client-initiated renegotiation completed
};

/// A TLS 1.2 connection (with `client`'s certificate when given), then a renegotiation the client
/// asks for.
Renegotiation renegotiate(unsigned short port, const testing::NodeFiles* client) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx.get(), TLS1_2_VERSION);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (client &&
      (SSL_CTX_use_certificate_chain_file(ctx.get(), client->cert.c_str()) != 1 ||
       SSL_CTX_use_PrivateKey_file(ctx.get(), client->key.c_str(), SSL_FILETYPE_PEM) != 1)) {
    return {"cannot load the client certificate: " + openSslErrors()};
  }
  Fd socket{connectLoopback(port)};
  if (socket.fd < 0) return {"cannot connect"};
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), socket.fd);
  if (SSL_connect(ssl.get()) != 1) return {"TLS 1.2 handshake failed: " + openSslErrors()};
  Renegotiation out;
  out.secureSupport = SSL_get_secure_renegotiation_support(ssl.get()) == 1;
  out.accepted = SSL_renegotiate(ssl.get()) == 1 && SSL_do_handshake(ssl.get()) == 1;
  ERR_clear_error();
  return out;
}

void expectNoCompressionNorClientRenegotiation(unsigned short port,
                                               const testing::NodeFiles* client,
                                               const std::string& listener) {
  SCOPED_TRACE(listener + " listener");
  const ServerHello hello = helloFrom(port);
  ASSERT_EQ(hello.error, "") << "no ServerHello for a TLS 1.2 ClientHello";
  EXPECT_EQ(hello.compression, 0) << "the server chose compression method " << hello.compression;
  EXPECT_TRUE(hello.renegotiationInfo) << "no renegotiation_info (RFC 5746) in the ServerHello";
  EXPECT_TRUE(hello.suite == 0xC02B || hello.suite == 0xC02C || hello.suite == 0xCCA9)
      << std::hex << hello.suite;

  const Renegotiation r = renegotiate(port, client);
  ASSERT_EQ(r.error, "");
  EXPECT_TRUE(r.secureSupport);
  EXPECT_FALSE(r.accepted) << "a client-initiated renegotiation was accepted";
}

// ---- the listeners ----------------------------------------------------------------------------

class TlsProfile : public ::testing::Test {
 protected:
  TlsProfile() : federation_({kKashiwa, kNagareyama}) {}
  unsigned short peerPort() { return federation_.node("122173").exchange().port(); }
  /// A neighbour's identity, pinned in the manifest: the peer listener completes its handshakes.
  const testing::NodeFiles& neighbour() { return federation_.pki().node("122203"); }

  testing::TestFederation federation_;
};

TEST_F(TlsProfile, ThePeerListenerOffersTls12And13WithEcdheAeadSuitesOnly) {
  const auto scan = sslscan(peerPort(), &neighbour());
  ASSERT_TRUE(scan.has_value());
  expectModernProfile(*scan, "peer");
}

TEST_F(TlsProfile, ThePeerListenerCompletesNoHandshakeWithoutAClientCertificate) {
  // sslscan without a certificate: a TLS 1.2 suite counts only when its handshake completes, and
  // none does (TLS 1.3 suites are chosen in the ServerHello, before the certificate is asked for).
  const auto scan = sslscan(peerPort());
  ASSERT_TRUE(scan.has_value());
  EXPECT_EQ(acceptedSuites(*scan, "TLSv1.2"), 0) << scan->xml;

  auto& stats = federation_.node("122173").exchange().handshakeStats();
  const long long before = stats.count("no-client-certificate");
  const auto ca = federation_.pki().ca().certificate();
  const auto anonymous = testing::RawPeer{std::nullopt, std::nullopt, ca}.get(peerPort(), "/");
  EXPECT_EQ(anonymous.status, 0) << "an HTTP answer without a client certificate: "
                                 << anonymous.body;
  EXPECT_TRUE(eventually([&] { return stats.count("no-client-certificate") > before; }));
  // The same request with the neighbour's certificate gets an HTTP answer.
  const auto known = testing::RawPeer{neighbour().key, neighbour().cert, ca}.get(peerPort(), "/");
  EXPECT_NE(known.status, 0) << known.error;
}

TEST_F(TlsProfile, ThePeerListenerNeitherCompressesNorRenegotiatesWhenAClientAsks) {
  expectNoCompressionNorClientRenegotiation(peerPort(), &neighbour(), "peer");
}

TEST(TlsProfileConsole, TheConsoleOffersTls12And13WithEcdheAeadSuitesOnly) {
  testing::TestConsole console;
  const auto scan = sslscan(console.port());
  ASSERT_TRUE(scan.has_value());
  expectModernProfile(*scan, "console");
}

TEST(TlsProfileConsole, TheConsoleNeitherCompressesNorRenegotiatesWhenAClientAsks) {
  testing::TestConsole console;
  expectNoCompressionNorClientRenegotiation(console.port(), nullptr, "console");
}

}  // namespace
}  // namespace tsunagi::exchange
