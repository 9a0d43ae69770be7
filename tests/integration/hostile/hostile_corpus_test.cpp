// The hostile-input corpus (tests/fixtures/hostile/, format in its README.md) against one running
// node: every case of every entry point — peer API (mutual TLS with manifest members' genuine
// certificates and, where the case is about content, valid RFC 9421 signatures), local HTTP, MLLP,
// the directory channel, kintone poller answers, the federation manifest, the node configuration
// and the console — sent as the bytes of its file, then checked for its expected outcome (status
// and problem type, ACK code, error reason), for the audit trail it must leave (an exchange_events
// row, a handshake counter or a log line, as documented), for nothing half-written (no outbox,
// inbox, consent, case or session row, no partial file), for secrets kept out of the log and the
// audit rows, and for the node still answering on every listener afterwards. Every failure
// fails the test. HOSTILE_CORPUS_VERBOSE=1 prints each answer.
#include <Poco/Base64Encoder.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <arpa/inet.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <typeinfo>

#include "gateway/channels/directory/directory_options.hpp"
#include "gateway/channels/http/http_options.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/channels/kintone/kintone_poller.hpp"
#include "gateway/channels/mllp/mllp_options.hpp"
#include "gateway/config/node_config.hpp"
#include "gateway/console/totp.hpp"
#include "gateway/crypto/keys.hpp"
#include "gateway/exchange/http_signature.hpp"
#include "gateway/exchange/tls.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/exchange_store.hpp"
#include "mapping/digest.hpp"
#include "mapping/text/encoding.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/test_console.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

const fs::path kCorpus = fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/hostile";

constexpr const char* kKashiwa = "122173";     // the node under test
constexpr const char* kNagareyama = "122203";  // a member; owns case-122203-…
constexpr const char* kMatsudo = "122076";     // a member playing the hostile peer
const std::string kPassword = "correct horse battery staple";

std::string readBytes(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeBytes(const fs::path& file, const std::string& bytes) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out) throw std::runtime_error("cannot write " + file.string());
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto at = text.find(separator, start);
    out.push_back(text.substr(start, at == std::string::npos ? std::string::npos : at - start));
    if (at == std::string::npos) return out;
    start = at + 1;
  }
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder encoder(out);
  encoder.rdbuf()->setLineLength(0);
  encoder << bytes;
  encoder.close();
  return out.str();
}

std::int64_t unixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- the corpus: cases.tsv and the template language of its inputs (README.md) ----

struct Case {
  std::string entryPoint;
  int line = 0;
  std::map<std::string, std::string> columns;

  /// The column's text; "-" and a missing column read as "".
  std::string operator[](const std::string& column) const {
    auto it = columns.find(column);
    return it == columns.end() || it->second == "-" ? std::string() : it->second;
  }
  std::string name() const { return (*this)["name"]; }
  fs::path dir() const { return kCorpus / entryPoint; }
  std::string where() const {
    return entryPoint + "/cases.tsv:" + std::to_string(line) + " [" + name() + "]";
  }
};

std::vector<Case> readCases(const std::string& entryPoint) {
  const std::string text = readBytes(kCorpus / entryPoint / "cases.tsv");
  std::vector<std::string> header;
  std::vector<Case> out;
  int number = 0;
  for (std::string line : split(text, '\n')) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const auto cells = split(line, '\t');
    if (header.empty()) {
      header = cells;
      continue;
    }
    if (cells.size() > header.size()) {
      throw std::runtime_error(entryPoint + "/cases.tsv:" + std::to_string(number) +
                               ": more cells than columns");
    }
    Case c{entryPoint, number, {}};
    for (std::size_t i = 0; i < cells.size(); ++i) c.columns[header[i]] = cells[i];
    out.push_back(std::move(c));
  }
  return out;
}

/// \r \n \t \\ \xHH.
std::string unescape(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out += text[i];
      continue;
    }
    const char c = text[++i];
    if (c == 'r')
      out += '\r';
    else if (c == 'n')
      out += '\n';
    else if (c == 't')
      out += '\t';
    else if (c == '\\')
      out += '\\';
    else if (c == 'x' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += '\\';
      out += c;
    }
  }
  return out;
}

using Vars = std::map<std::string, std::string>;

std::string expand(std::string_view text, const fs::path& dir, const Vars& vars);

// The top-level directives of `text`: where each "{{" opens and its "}}" closes. In a run of
// braces the directive's own are the innermost pair: "[{{x}}]" and "{"a":{{x}}}" both work; a run
// of "}" closes as many open directives as it can with its last pairs.
struct Span {
  std::size_t open, close;
};

std::vector<Span> directives(std::string_view text) {
  std::vector<Span> out;
  std::size_t depth = 0, start = 0;
  for (std::size_t i = 0; i < text.size();) {
    const char ch = text[i];
    if (ch != '{' && ch != '}') {
      ++i;
      continue;
    }
    std::size_t k = 0;
    while (i + k < text.size() && text[i + k] == ch) ++k;
    if (ch == '{' && k >= 2) {
      if (depth == 0) start = i + k - 2;
      ++depth;
    } else if (ch == '}' && k >= 2 && depth > 0) {
      depth -= std::min(depth, k / 2);
      if (depth == 0) out.push_back({start, i + k - 2});
    }
    i += k;
  }
  return out;  // an unclosed directive stays text
}

// Splits on `separator` outside directives.
std::vector<std::string> splitTop(const std::string& text, char separator) {
  const auto spans = directives(text);
  std::vector<std::string> out(1);
  std::size_t span = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    while (span < spans.size() && spans[span].close + 1 < i) ++span;
    const bool inside = span < spans.size() && i >= spans[span].open && i <= spans[span].close + 1;
    if (text[i] == separator && !inside) {
      out.emplace_back();
    } else {
      out.back() += text[i];
    }
  }
  return out;
}

// unescape() outside directives, which are copied as written (they unescape their own).
std::string unescapeOutside(const std::string& text) {
  std::string out;
  std::size_t at = 0;
  for (const Span& s : directives(text)) {
    out += unescape(text.substr(at, s.open - at)) + text.substr(s.open, s.close + 2 - s.open);
    at = s.close + 2;
  }
  return out + unescape(text.substr(at));
}

// "NAME|FROM=>TO|FROM=>TO": the file, then each substitution (every FROM must occur; TO may hold
// directives of its own).
std::string withSubstitutions(const std::string& spec, const fs::path& base, bool expandIt,
                              bool dropDeclaration, const fs::path& dir, const Vars& vars) {
  const auto parts = splitTop(spec, '|');
  std::string bytes = readBytes(base / parts[0]);
  if (expandIt) bytes = expand(bytes, dir, vars);
  if (dropDeclaration && bytes.rfind("<?xml", 0) == 0) bytes.erase(0, bytes.find('\n') + 1);
  while (!bytes.empty() && dropDeclaration && bytes.back() == '\n') bytes.pop_back();
  for (std::size_t i = 1; i < parts.size(); ++i) {
    const auto arrow = parts[i].find("=>");
    if (arrow == std::string::npos)
      throw std::runtime_error("substitution without =>: " + parts[i]);
    const std::string from = expand(unescapeOutside(parts[i].substr(0, arrow)), dir, vars);
    const std::string to = expand(unescapeOutside(parts[i].substr(arrow + 2)), dir, vars);
    const auto at = bytes.find(from);
    if (at == std::string::npos) {
      throw std::runtime_error(parts[0] + " no longer contains '" + from + "' (update the case)");
    }
    bytes.replace(at, from.size(), to);
  }
  return bytes;
}

std::string expand(std::string_view text, const fs::path& dir, const Vars& vars) {
  std::string out;
  std::size_t at = 0;
  for (const Span& span : directives(text)) {
    out += text.substr(at, span.open - at);
    const std::string directive(text.substr(span.open + 2, span.close - span.open - 2));
    at = span.close + 2;
    const auto colon = directive.find(':');
    const std::string kind = directive.substr(0, colon);
    const std::string arg = colon == std::string::npos ? "" : directive.substr(colon + 1);
    const fs::path fixtures = fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures";
    if (kind == "canonical") {
      out += withSubstitutions(arg, fixtures / "canonical", false, true, dir, vars);
    } else if (kind == "fixture") {
      out += withSubstitutions(arg, fixtures, false, false, dir, vars);
    } else if (kind == "shared") {
      out += withSubstitutions(arg, kCorpus / "shared", true, false, dir, vars);
    } else if (kind == "file") {
      out += withSubstitutions(arg, dir / "inputs", true, false, dir, vars);
    } else if (kind == "repeat") {
      const auto second = arg.find(':');
      const long long n = std::stoll(arg.substr(0, second));
      const std::string unit = expand(unescape(arg.substr(second + 1)), dir, vars);
      out.reserve(out.size() + unit.size() * static_cast<std::size_t>(n));
      for (long long i = 0; i < n; ++i) out += unit;
    } else if (kind == "bytes") {
      std::istringstream hex(arg);
      std::string byte;
      while (hex >> byte) out += static_cast<char>(std::stoi(byte, nullptr, 16));
    } else if (kind == "var") {
      auto it = vars.find(arg);
      if (it == vars.end()) throw std::runtime_error("no variable '" + arg + "' here");
      out += it->second;
    } else {
      out += "{{" + directive + "}}";  // {{length}} and anything not ours: left as written
    }
  }
  return out + std::string(text.substr(at));
}

/// The case's input: a file of inputs/ (expanded), or "=TEMPLATE" written in the cell.
std::string inputOf(const Case& c, const std::string& column, const Vars& vars) {
  const std::string cell = c[column];
  if (cell.empty()) return "";
  if (cell[0] == '=') return expand(cell.substr(1), c.dir(), vars);
  return expand(readBytes(c.dir() / "inputs" / cell), c.dir(), vars);
}

/// An HTTP request from a .http file: head lines end in LF in the file and become CRLF, the body
/// (after the first empty line) is sent as written; {{length}} is the body's length. A .raw file
/// is sent exactly as written (only {{length}} filled in).
std::string httpRequest(const Case& c, const std::string& column, const Vars& vars) {
  std::string bytes = inputOf(c, column, vars);
  const bool raw = c[column].size() > 4 && c[column].substr(c[column].size() - 4) == ".raw";
  std::string head, body;
  if (raw) {
    const auto end = bytes.find("\r\n\r\n");
    head = end == std::string::npos ? bytes : bytes.substr(0, end + 4);
    body = end == std::string::npos ? "" : bytes.substr(end + 4);
  } else {
    const auto end = bytes.find("\n\n");
    const std::string lines = end == std::string::npos ? bytes : bytes.substr(0, end);
    body = end == std::string::npos ? "" : bytes.substr(end + 2);
    for (const auto& line : split(lines, '\n')) head += line + "\r\n";
    head += "\r\n";
  }
  for (auto at = head.find("{{length}}"); at != std::string::npos; at = head.find("{{length}}")) {
    head.replace(at, 10, std::to_string(body.size()));
  }
  return head + body;
}

// ---- a client that sends exactly the bytes given (plain TCP or TLS) ----

struct TlsIdentity {
  fs::path key, cert;
};

struct Wire {
  std::string bytes;
  bool connected = false;
  bool handshakeFailed = false;
  bool closedByServer = false;
};

enum class ReadUntil { HttpResponse, MllpAck, Close };

// Whether `bytes` hold one complete HTTP response (head and Content-Length body).
bool completeHttpResponse(const std::string& bytes) {
  const auto end = bytes.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  std::size_t length = 0;
  std::string head = bytes.substr(0, end);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  if (const auto cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
    length = std::stoul(head.substr(cl + 17));
  }
  return bytes.size() >= end + 4 + length;
}

bool httpAsksToClose(const std::string& bytes) {
  std::string head = bytes.substr(0, bytes.find("\r\n\r\n"));
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  return contains(head, "\r\nconnection: close");
}

/// Sends `bytes` to 127.0.0.1:port (through TLS when `tls` is set; `identity` is the client
/// certificate) and reads the answer: one HTTP response (and the close that follows when it says
/// Connection: close), one MLLP ACK, or everything until the server closes.
Wire sendBytes(unsigned short port, const std::string& bytes, ReadUntil until, bool tls = false,
               const std::optional<TlsIdentity>& identity = std::nullopt, bool halfClose = false,
               milliseconds timeout = milliseconds(10000)) {
  Wire out;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
  timeval tv{static_cast<time_t>(timeout.count() / 1000),
             static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) != 0) {
    ::close(fd);
    return out;
  }
  out.connected = true;
  SSL_CTX* ctx = nullptr;
  SSL* ssl = nullptr;
  if (tls) {
    ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
    if (identity) {
      SSL_CTX_use_certificate_file(ctx, identity->cert.c_str(), SSL_FILETYPE_PEM);
      SSL_CTX_use_PrivateKey_file(ctx, identity->key.c_str(), SSL_FILETYPE_PEM);
    }
    ssl = SSL_new(ctx);
    SSL_set_fd(ssl, fd);
    if (SSL_connect(ssl) != 1) {
      out.handshakeFailed = true;
      ERR_clear_error();
      SSL_free(ssl);
      SSL_CTX_free(ctx);
      ::close(fd);
      return out;
    }
  }
  // Write in pieces: a large body must not block on a full socket while nothing reads it.
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const std::size_t n = std::min<std::size_t>(bytes.size() - sent, 65536);
    const int w = ssl ? SSL_write(ssl, bytes.data() + sent, static_cast<int>(n))
                      : static_cast<int>(::send(fd, bytes.data() + sent, n, MSG_NOSIGNAL));
    if (w <= 0) break;  // the server stopped reading (a refusal): read its answer
    sent += static_cast<std::size_t>(w);
  }
  if (halfClose && !ssl) ::shutdown(fd, SHUT_WR);
  bool wantClose = until == ReadUntil::Close;
  char buffer[16384];
  for (;;) {
    if (until == ReadUntil::HttpResponse && !wantClose && completeHttpResponse(out.bytes)) {
      if (!httpAsksToClose(out.bytes)) break;
      wantClose = true;  // and read on: the server must close now
    }
    if (until == ReadUntil::MllpAck && out.bytes.find('\x1c') != std::string::npos) break;
    const int n = ssl ? SSL_read(ssl, buffer, sizeof buffer)
                      : static_cast<int>(::recv(fd, buffer, sizeof buffer, 0));
    if (n == 0) {
      out.closedByServer = true;
      break;
    }
    if (n < 0) {
      if (ssl) {
        const int error = SSL_get_error(ssl, n);
        // A reset or a close without close_notify is a close; a timeout is not.
        if (error == SSL_ERROR_ZERO_RETURN ||
            (error == SSL_ERROR_SYSCALL && errno != EAGAIN && errno != EWOULDBLOCK) ||
            error == SSL_ERROR_SSL) {
          out.closedByServer = true;
        }
        ERR_clear_error();
      } else if (errno == ECONNRESET) {
        out.closedByServer = true;
      }
      break;
    }
    out.bytes.append(buffer, static_cast<std::size_t>(n));
  }
  if (ssl) {
    SSL_free(ssl);
    SSL_CTX_free(ctx);
  }
  ::close(fd);
  return out;
}

struct HttpReply {
  int status = 0;
  std::string head, body;
};

HttpReply parseHttp(const std::string& bytes) {
  HttpReply r;
  if (bytes.rfind("HTTP/1.", 0) != 0 || bytes.size() < 12) return r;
  r.status = std::atoi(bytes.substr(9, 3).c_str());
  const auto end = bytes.find("\r\n\r\n");
  r.head = bytes.substr(0, end);
  if (end != std::string::npos) r.body = bytes.substr(end + 4);
  return r;
}

// The length of the first HTTP response in `bytes` (head and Content-Length body).
std::size_t firstResponseLength(const std::string& bytes) {
  const auto end = bytes.find("\r\n\r\n");
  if (end == std::string::npos) return bytes.size();
  std::string head = bytes.substr(0, end);
  std::transform(head.begin(), head.end(), head.begin(),
                 [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
  const auto cl = head.find("\r\ncontent-length:");
  return end + 4 + (cl == std::string::npos ? 0 : std::stoul(head.substr(cl + 17)));
}

/// Checks `reply` against "STATUS [slug|error-code] [closes]": the status, the problem type
/// (urn:tsunagi:problem:SLUG) or the console's JSON error code, and whether the connection was
/// closed after the answer.
void expectHttp(const Wire& wire, const std::string& expect, const std::string& where) {
  const auto words = split(expect, ' ');
  const HttpReply reply = parseHttp(wire.bytes);
  if (std::getenv("HOSTILE_CORPUS_VERBOSE")) {
    std::cout << where << ": " << reply.status << " " << reply.body.substr(0, 160)
              << (wire.closedByServer ? " [closed]" : "") << "\n";
  }
  if (words[0] == "handshake") {
    EXPECT_TRUE(wire.handshakeFailed || (wire.bytes.empty() && wire.closedByServer))
        << where << ": the TLS handshake was not refused; got " << wire.bytes.substr(0, 200);
    return;
  }
  if (words[0] == "closed") {
    EXPECT_TRUE(reply.status == 0 && (wire.closedByServer || wire.handshakeFailed))
        << where << ": expected the connection closed without an answer; got "
        << wire.bytes.substr(0, 200);
    return;
  }
  EXPECT_EQ(std::to_string(reply.status), words[0]) << where << ": " << wire.bytes.substr(0, 600);
  for (std::size_t i = 1; i < words.size(); ++i) {
    if (words[i] == "closes") {
      EXPECT_TRUE(httpAsksToClose(wire.bytes) && wire.closedByServer)
          << where << ": the connection was not closed after the answer";
      EXPECT_EQ(wire.bytes.size(), firstResponseLength(wire.bytes))
          << where << ": more than one response: " << wire.bytes.substr(0, 600);
    } else if (!words[i].empty()) {
      const bool problem =
          contains(reply.body, "\"type\":\"urn:tsunagi:problem:" + words[i] + "\"");
      const bool error = contains(reply.body, "\"error\":\"" + words[i] + "\"");
      EXPECT_TRUE(problem || error)
          << where << ": expected " << words[i] << " in " << reply.body.substr(0, 600);
    }
  }
}

// ---- a kintone-compatible server answering what the current case says ----

class ScriptedKintone {
 public:
  struct Answer {
    int status = 200;
    std::string contentType = "application/json; charset=utf-8";
    std::string body = R"({"records":[]})";
  };

  explicit ScriptedKintone(testing::TestPki& pki) {
    const auto& files = pki.node(kMatsudo);  // any certificate of the test CA for 127.0.0.1
    auto context = exchange::makeBrowserServerContext(files.key, files.cert);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0), 64, context);
    port_ = socket.address().port();
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(2);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, params);
    server_->start();
  }
  ~ScriptedKintone() { server_->stopAll(true); }

  std::string baseUrl() const { return "https://127.0.0.1:" + std::to_string(port_); }
  void answer(Answer a) {
    std::lock_guard lock(mutex_);
    answer_ = std::move(a);
  }
  int requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(ScriptedKintone& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      Answer a;
      {
        std::lock_guard lock(server_.mutex_);
        a = server_.answer_;
        ++server_.requests_;
      }
      (void)request;
      response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(a.status));
      response.setContentType(a.contentType);
      response.sendBuffer(a.body.data(), a.body.size());
    }

   private:
    ScriptedKintone& server_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(ScriptedKintone& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    ScriptedKintone& server_;
  };

  unsigned short port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  mutable std::mutex mutex_;
  Answer answer_;
  int requests_ = 0;
};

// ---- the running node and what every entry point's cases share ----

struct Environment {
  testing::TempDir dir{"hostile"};
  testing::TestPki pki;
  testing::TestDatabase db;
  testing::LogCapture log{
      spdlog::level::debug};  // before the node starts: its threads never see the logger swapped
  std::unique_ptr<ScriptedKintone> kintone;
  std::unique_ptr<Node> node;
  fs::path manifestFile;
  testing::ManifestSpec manifest;
  unsigned short peerPort = 0;

  fs::path root() const { return fs::path(dir.path()); }
  fs::path inbox(const std::string& channel) const { return root() / channel / "in"; }
  fs::path archive(const std::string& channel) const { return root() / channel / "archive"; }
  fs::path errors(const std::string& channel) const { return root() / channel / "error"; }

  Environment() {
    peerPort = testing::freePort();
    manifest.file = pki.directory() / "manifest.xml";
    auto self = pki.entry(kKashiwa, "https://127.0.0.1:" + std::to_string(peerPort));
    self.municipalities = {"122173"};
    self.insurers = {"122176"};
    // Nagareyama and Matsudo are members whose nodes are not running here: their certificates
    // play the peers, and what Kashiwa queues for them waits in its outbox.
    auto nagareyama = pki.entry(kNagareyama, "https://127.0.0.1:9");
    nagareyama.municipalities = {"122203"};
    nagareyama.insurers = {"122200"};
    auto matsudo = pki.entry(kMatsudo, "https://127.0.0.1:9");
    matsudo.municipalities = {"122076"};
    matsudo.insurers = {"122077"};
    manifest.nodes = {self, nagareyama, matsudo};
    pki.ca().makeCrl();
    pki.writeManifest(manifest);
    manifestFile = manifest.file;
    kintone = std::make_unique<ScriptedKintone>(pki);

    NodeOptions o;
    o.code = kKashiwa;
    o.name = "柏市";
    o.dataDir = root() / "node";
    o.conninfo = db.conninfo();
    NodeExchangeOptions x;
    const auto& files = pki.node(kKashiwa);
    x.tls = exchange::TlsFiles{
        files.key, files.cert, {pki.ca().certificate()}, pki.ca().directory() / "crl.pem", nullptr};
    x.manifestFile = manifest.file;
    x.manifestSigner = pki.coordinator().cert;
    x.peerPort = peerPort;
    // Sends to the absent peers are tried rarely: their events stay out of the cases' way.
    x.retry = testing::TestFederation::fastRetry();
    x.retry.baseDelay = std::chrono::minutes(10);
    x.retry.maxDelay = std::chrono::minutes(10);
    x.retry.idlePoll = milliseconds(200);
    x.limits.head = milliseconds(1500);  // a head that never completes is closed within the case
    o.exchange = x;
    o.local.limits.head = milliseconds(1500);

    using channels::ChannelOptions;
    using channels::Direction;
    auto folder = [&](const std::string& name) {
      channels::DirectoryOptions d;
      d.inbox = inbox(name);
      d.archive = archive(name);
      d.error = errors(name);
      d.poll = milliseconds(20);
      d.settle = milliseconds(60);
      d.maxBytes = 1024 * 1024;
      return d;
    };
    o.channels.push_back(ChannelOptions{
        "xml-folder", Direction::Inbound, "liaison_xml", {}, false, {}, folder("xml-folder")});
    o.channels.push_back(ChannelOptions{"room-folder",
                                        Direction::Inbound,
                                        "room_csv:kashiwa-room",
                                        {},
                                        false,
                                        {},
                                        folder("room-folder")});
    o.channels.push_back(ChannelOptions{"careplan-folder",
                                        Direction::Inbound,
                                        "careplan_csv",
                                        {},
                                        false,
                                        {},
                                        folder("careplan-folder")});
    channels::HttpOptions http;
    http.maxBytes = 1024 * 1024;
    o.channels.push_back(
        ChannelOptions{"hospital-fhir", Direction::Inbound, "fhir_jp", {}, false, {}, http});
    o.channels.push_back(
        ChannelOptions{"hospital-xml", Direction::Inbound, "liaison_xml", {}, false, {}, http});
    channels::MllpOptions mllp;
    mllp.maxBytes = 256 * 1024;
    mllp.frameTimeout = std::chrono::seconds(3);
    o.channels.push_back(ChannelOptions{"hospital-adt",
                                        Direction::Inbound,
                                        "ssmix2",
                                        {},
                                        false,
                                        {{"hospitalName", "柏の葉総合病院"}},
                                        mllp});
    NodeConsoleOptions console;
    console.certificateFile = files.cert;
    console.keyFile = files.key;
    // Cases are independent: no lock-out or address throttle carries over from one to the next.
    console.lockoutAttempts = 1000;
    console.throttleFailures = 1000000;
    o.console = console;
    node = std::make_unique<Node>(o);
    node->start();
    // The fixtures' patient (保険者 122200, 被保険者 0000123456) may go to Nagareyama.
    store::withTransaction(*node->pool(), [](store::PgConnection& conn) {
      store::recordConsent(conn, store::Consent{"consent-0001",
                                                "122200",
                                                "0000123456",
                                                {kNagareyama},
                                                "2024-01-10",
                                                "柏の葉総合病院 地域連携室",
                                                std::nullopt});
    });
  }

  ~Environment() {
    if (node) node->stop();
  }

  long long count(const std::string& sql) {
    auto conn = node->pool()->lease();
    return conn->exec(sql).integer(0, 0);
  }
  std::string text(const std::string& sql) {
    auto conn = node->pool()->lease();
    auto r = conn->exec(sql);
    return r.rows() == 0 ? std::string() : r.optional(0, 0).value_or("");
  }

  long long lastEventId() { return count("SELECT coalesce(max(id), 0) FROM exchange_events"); }

  /// The node's written state a refusal must not change: outbox, inbox, consents, case book,
  /// console sessions and dead letters.
  std::string writtenState() {
    return text(
        "SELECT (SELECT count(*) FROM outbox)::text || '/' || "
        "(SELECT count(*) FROM outbox WHERE state = 'dead')::text || '/' || "
        "(SELECT count(*) FROM inbox)::text || '/' || "
        "(SELECT count(*) FROM consents)::text || '/' || "
        "(SELECT count(*) FROM consents WHERE revoked_at IS NOT NULL)::text || '/' || "
        "(SELECT count(*) FROM console_sessions)::text || '/' || "
        "coalesce((SELECT string_agg(c.case_id || ':' || coalesce(c.insurer_number, '-') || ':' || "
        "coalesce(c.insured_number, '-') || ':' || (c.closed_at IS NULL)::text || ':' || "
        "coalesce((SELECT string_agg(p.node, ',' ORDER BY p.node) FROM case_participants p "
        "WHERE p.case_id = c.case_id), ''), ';' ORDER BY c.case_id) FROM cases c), '')");
  }

  struct Event {
    long long id;
    std::string event, peer, detail;
  };
  /// Events after `since`, without the background work of the delivery workers.
  std::vector<Event> eventsSince(long long since) {
    auto conn = node->pool()->lease();
    auto r = conn->execParams(
        "SELECT id, event, coalesce(peer, ''), coalesce(detail, '') FROM exchange_events "
        "WHERE id > $1::bigint AND event NOT IN ('sent', 'retry-scheduled', 'receipted', "
        "'dead-lettered', 'delivered-locally', 'local-retry-scheduled', 'local-dead-lettered') "
        "ORDER BY id",
        {std::to_string(since)});
    std::vector<Event> out;
    for (int i = 0; i < r.rows(); ++i) {
      out.push_back({r.integer(i, 0), r.text(i, 1), r.text(i, 2), r.text(i, 3)});
    }
    return out;
  }

  TlsIdentity identity(const std::string& code) {
    const auto& files = pki.node(code);
    return TlsIdentity{files.key, files.cert};
  }
  std::string localHost() const { return "127.0.0.1:" + std::to_string(node->port()); }

  /// Every listener still serves: local /healthz, the peer health for a pinned member, the
  /// console's login page and an MLLP ACK.
  void stillHealthy(const std::string& where) {
    const Wire health =
        sendBytes(node->port(),
                  "GET /healthz HTTP/1.1\r\nHost: " + localHost() + "\r\nConnection: close\r\n\r\n",
                  ReadUntil::HttpResponse);
    const HttpReply h = parseHttp(health.bytes);
    EXPECT_EQ(h.status, 200) << where << ": /healthz: " << health.bytes.substr(0, 300);
    EXPECT_TRUE(contains(h.body, "\"status\":\"ok\"")) << where << ": " << h.body;
    const Wire peerHealth = sendBytes(
        peerPort,
        "GET /exchange/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        ReadUntil::HttpResponse, true, identity(kNagareyama));
    EXPECT_EQ(parseHttp(peerHealth.bytes).status, 200)
        << where << ": peer health: " << peerHealth.bytes.substr(0, 300);
    const Wire login = sendBytes(
        node->consolePort(), "GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        ReadUntil::HttpResponse, true);
    EXPECT_EQ(parseHttp(login.bytes).status, 200) << where << ": console /login";
    const std::string cancel = readBytes(fs::path(TSUNAGI_SOURCE_DIR) /
                                         "tests/fixtures/ssmix2/ADT-12_A11_cancel_admission.hl7");
    const Wire ack =
        sendBytes(node->mllpPort("hospital-adt"), "\x0b" + cancel + "\x1c\r", ReadUntil::MllpAck);
    EXPECT_TRUE(contains(ack.bytes, "MSA|")) << where << ": no MLLP ACK";
  }

  /// The log written since `from` (an offset into the capture).
  std::string logSince(std::size_t from) {
    const std::string all = log.text();
    return from < all.size() ? all.substr(from) : std::string();
  }
};

/// Checks the case's "audit" cell against the events written for it: "none" (nothing), or
/// EVENT[:detail-part] terms joined by "+", each matching one new event.
void expectAudit(const std::vector<Environment::Event>& events, const std::string& audit,
                 const std::string& where) {
  std::string seen;
  for (const auto& e : events) seen += "\n  " + e.event + " " + e.detail;
  if (audit == "none") {
    EXPECT_TRUE(events.empty()) << where << ": expected no exchange log row, got" << seen;
    return;
  }
  for (const auto& term : split(audit, '+')) {
    const auto colon = term.find(':');
    const std::string name = term.substr(0, colon);
    const std::string part = colon == std::string::npos ? "" : term.substr(colon + 1);
    bool found = false;
    for (const auto& e : events) found = found || (e.event == name && contains(e.detail, part));
    EXPECT_TRUE(found) << where << ": no '" << term << "' row in the exchange log; got"
                       << (seen.empty() ? std::string(" nothing") : seen);
  }
}

/// The "secret" cell: text of the input that must appear in neither the log nor the new rows.
void expectSecretKept(const Case& c, const std::string& logText,
                      const std::vector<Environment::Event>& events) {
  const std::string secret = unescape(expand(c["secret"], c.dir(), {}));
  if (secret.empty()) return;
  EXPECT_FALSE(contains(logText, secret)) << c.where() << ": the log quotes the input";
  for (const auto& e : events) {
    EXPECT_FALSE(contains(e.detail, secret))
        << c.where() << ": the exchange log row " << e.event << " quotes the input";
  }
}

class HostileCorpus : public ::testing::Test {
 public:
  static Environment& env() { return *env_; }

 protected:
  static void SetUpTestSuite() { env_ = new Environment(); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  /// Runs `check` for each case, with the snapshot of written state, events and log before it.
  struct Before {
    long long eventId;
    std::string state;
    std::size_t logOffset;
  };
  static Before before() {
    return Before{env().lastEventId(), env().writtenState(), env().log.text().size()};
  }
  /// After a refusal nothing is written; after an accepted case the state may change.
  static void expectUnchanged(const Before& b, const std::string& where) {
    EXPECT_EQ(env().writtenState(), b.state) << where << ": a refused input changed the state";
  }

  static Environment* env_;
};

Environment* HostileCorpus::env_ = nullptr;

/// Runs one case: every failure fails the test (there is no list of tolerated failures).
void runChecked(const Case& c, const std::function<void()>& body) {
  try {
    body();
  } catch (const std::exception& e) {
    ADD_FAILURE() << c.where() << ": " << e.what();
  }
}

bool accepted(const std::string& expect) {
  return expect.rfind("200", 0) == 0 || expect.rfind("201", 0) == 0 ||
         expect.rfind("202", 0) == 0 || expect.rfind("AA", 0) == 0 ||
         expect.rfind("archive", 0) == 0 || expect.rfind("taken", 0) == 0 ||
         expect.rfind("Loaded", 0) == 0;
}

// ---- peer API ----

// The signed request of a peer case: `sign` says how the signature is made (README.md).
std::vector<std::pair<std::string, std::string>> peerHeaders(const Case& c, const std::string& body,
                                                             unsigned short port,
                                                             const std::string& as) {
  const std::string sign = c["sign"];
  std::vector<std::pair<std::string, std::string>> headers;
  if (sign == "none") return headers;
  auto& pki = HostileCorpus::env().pki;
  std::string keyOf = as, keyId = as, digestBody = body;
  std::string target = "https://127.0.0.1:" + std::to_string(port) + "/exchange/v1/messages";
  std::int64_t created = unixNow();
  std::string params;  // custom signature parameters (signed correctly)
  bool flip = false;
  // "params:" takes the rest of the cell (its value has spaces); other terms are space-separated.
  std::vector<std::string> terms;
  if (sign.rfind("params:", 0) == 0) {
    terms.push_back(sign);
  } else {
    terms = split(sign, ' ');
  }
  for (const auto& term : terms) {
    const auto colon = term.find(':');
    const std::string k = term.substr(0, colon);
    const std::string v = colon == std::string::npos ? "" : term.substr(colon + 1);
    if (k == "good") {
    } else if (k == "created") {
      created += std::stoll(v);
    } else if (k == "keyid") {
      keyId = v;
    } else if (k == "key") {
      keyOf = v;
    } else if (k == "target") {
      target = v;
    } else if (k == "digest-of") {
      digestBody = unescape(v);
    } else if (k == "flip") {
      flip = true;
    } else if (k == "params") {
      params = unescape(v);
    } else if (k == "digest-only") {
      return {{"Content-Digest", exchange::contentDigest(body)}};
    } else {
      throw std::runtime_error(c.where() + ": unknown sign term " + term);
    }
  }
  const exchange::SignedFields fields{"POST", target, "application/xml",
                                      exchange::contentDigest(digestBody)};
  const auto key = crypto::Key::privateFromPemFile(pki.node(keyOf).key);
  exchange::SignatureHeaders sig;
  if (params.empty()) {
    sig = exchange::signRequest(fields, key, keyId, created);
  } else {
    const Vars v{
        {"now", std::to_string(created)}, {"past", std::to_string(created - 10)}, {"keyid", keyId}};
    const std::string p = expand(params, c.dir(), v);
    const std::string raw =
        crypto::derToRawP256(crypto::signSha256(key, exchange::signatureBase(fields, p)));
    sig = {"tsunagi=" + p, "tsunagi=:" + base64(raw) + ":"};
  }
  if (flip) {
    const auto at = sig.signature.find(':') + 5;
    sig.signature[at] = sig.signature[at] == 'A' ? 'B' : 'A';
  }
  return {{"Content-Digest", fields.contentDigest},
          {"Signature-Input", sig.signatureInput},
          {"Signature", sig.signature}};
}

// "Name: value" replaces every header of that name, "+Name: value" adds one, "-Name" removes.
void applyHeaderEdits(std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& edits) {
  auto lower = [](std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    return s;
  };
  for (const auto& line : split(edits, '\n')) {
    if (line.empty()) continue;
    if (line[0] == '-') {
      const std::string name = lower(line.substr(1));
      std::erase_if(headers, [&](const auto& h) { return lower(h.first) == name; });
      continue;
    }
    const bool add = line[0] == '+';
    const std::string spec = add ? line.substr(1) : line;
    const auto colon = spec.find(':');
    std::string name = spec.substr(0, colon);
    std::string value = spec.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.erase(0, 1);
    if (!add) {
      const std::string l = lower(name);
      std::erase_if(headers, [&](const auto& h) { return lower(h.first) == l; });
    }
    headers.emplace_back(name, value);
  }
}

TEST_F(HostileCorpus, PeerApi) {
  auto& e = env();
  const auto cases = readCases("peer");
  ASSERT_GE(cases.size(), 30u);
  for (const Case& c : cases) {
    runChecked(c, [&] {
      const std::string as = c["as"];
      const Vars vars{{"port", std::to_string(e.peerPort)}, {"now", std::to_string(unixNow())}};
      const Before b = before();
      const auto handshakesBefore = e.node->exchange()->handshakeStats().all();
      std::string request;
      const std::string input = c["input"];
      const bool raw = input.size() > 5 && (input.substr(input.size() - 5) == ".http" ||
                                            input.substr(input.size() - 4) == ".raw");
      if (raw) {
        request = httpRequest(c, "input", vars);
      } else {
        const std::string body = inputOf(c, "input", vars);
        auto headers =
            peerHeaders(c, body, e.peerPort,
                        as == "none" || as.rfind("other-ca", 0) == 0 ? std::string(kMatsudo) : as);
        Vars headerVars = vars;
        headerVars["digest"] = exchange::contentDigest(body);
        applyHeaderEdits(headers, expand(unescape(c["headers"]), c.dir(), headerVars));
        request =
            "POST /exchange/v1/messages HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(e.peerPort) +
            "\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\n";
        for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
        request += "Connection: close\r\n\r\n" + body;
      }
      std::optional<TlsIdentity> identity;
      bool tls = true;
      if (as == "plain") {
        tls = false;
      } else if (as.rfind("other-ca:", 0) == 0) {
        const auto& files = e.pki.otherCa().node(as.substr(9));
        identity = TlsIdentity{files.key, files.cert};
      } else if (as != "none") {
        identity = e.identity(as);
      }
      const Wire wire = sendBytes(e.peerPort, request, ReadUntil::HttpResponse, tls, identity);
      const std::string expect = c["expect"];
      expectHttp(wire, expect, c.where());

      // The audit: a row of the exchange log, or the handshake counter by reason.
      const std::string audit = c["audit"];
      if (audit.rfind("handshake:", 0) == 0) {
        const std::string reason = audit.substr(10);
        EXPECT_TRUE(testing::eventually(
            [&] {
              const auto now = e.node->exchange()->handshakeStats().all();
              const auto key = std::make_pair(std::string("peer"), reason);
              const auto was = handshakesBefore.count(key) ? handshakesBefore.at(key) : 0;
              return now.count(key) && now.at(key) > was;
            },
            std::chrono::seconds(5)))
            << c.where() << ": no handshake refusal counted as " << reason;
      } else {
        expectAudit(e.eventsSince(b.eventId), audit, c.where());
      }
      if (!accepted(expect)) expectUnchanged(b, c.where());
      expectSecretKept(c, e.logSince(b.logOffset), e.eventsSince(b.eventId));
      const Wire health = sendBytes(
          e.peerPort,
          "GET /exchange/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
          ReadUntil::HttpResponse, true, e.identity(kNagareyama));
      ASSERT_EQ(parseHttp(health.bytes).status, 200) << c.where() << ": the peer listener stopped";
    });
  }
  e.stillHealthy("after the peer cases");
}

// ---- local HTTP ----

TEST_F(HostileCorpus, LocalHttp) {
  auto& e = env();
  const auto cases = readCases("local");
  ASSERT_GE(cases.size(), 30u);
  for (const Case& c : cases) {
    runChecked(c, [&] {
      const Vars vars{{"host", e.localHost()}, {"port", std::to_string(e.node->port())}};
      const Before b = before();
      const Wire wire =
          sendBytes(e.node->port(), httpRequest(c, "input", vars), ReadUntil::HttpResponse);
      const std::string expect = c["expect"];
      expectHttp(wire, expect, c.where());
      const auto events = e.eventsSince(b.eventId);
      expectAudit(events, c["audit"], c.where());
      if (!accepted(expect)) expectUnchanged(b, c.where());
      expectSecretKept(c, e.logSince(b.logOffset), events);
      const Wire health =
          sendBytes(e.node->port(), "GET /healthz HTTP/1.1\r\nHost: " + e.localHost() + "\r\n\r\n",
                    ReadUntil::HttpResponse);
      ASSERT_EQ(parseHttp(health.bytes).status, 200) << c.where() << ": the local listener stopped";
    });
  }
  e.stillHealthy("after the local HTTP cases");
}

// ---- MLLP ----

TEST_F(HostileCorpus, Mllp) {
  auto& e = env();
  const auto cases = readCases("mllp");
  ASSERT_GE(cases.size(), 30u);
  const unsigned short port = e.node->mllpPort("hospital-adt");
  for (const Case& c : cases) {
    runChecked(c, [&] {
      const Before b = before();
      const std::string message = inputOf(c, "input", {});
      const std::string framing = c["framing"].empty() ? "frame" : c["framing"];
      std::string bytes;
      if (framing == "frame")
        bytes = "\x0b" + message + "\x1c\r";
      else if (framing == "raw")
        bytes = message;
      else
        throw std::runtime_error(c.where() + ": framing is frame or raw");
      const std::string expect = c["expect"];
      const bool closes = expect == "closed";
      const Wire wire = sendBytes(port, bytes, closes ? ReadUntil::Close : ReadUntil::MllpAck,
                                  false, std::nullopt, closes, milliseconds(closes ? 5000 : 10000));
      std::string ack = wire.bytes;
      if (contains(ack, "\x1b$"))
        ack = mapping::text::decode(ack, mapping::text::Charset::Iso2022Jp);
      if (closes) {
        EXPECT_TRUE(ack.empty() && wire.closedByServer)
            << c.where() << ": expected the connection closed without an ACK; got " << ack;
      } else {
        const auto colon = expect.find(':');
        const std::string code = expect.substr(0, colon);
        EXPECT_TRUE(contains(ack, "\rMSA|" + code + "|"))
            << c.where() << ": expected " << code << "; got " << ack.substr(0, 400);
        if (colon != std::string::npos) {
          EXPECT_TRUE(contains(ack, expect.substr(colon + 1)))
              << c.where() << ": the ACK does not say " << expect.substr(colon + 1) << ": "
              << ack.substr(0, 400);
        }
      }
      const auto events = e.eventsSince(b.eventId);
      expectAudit(events, c["audit"], c.where());
      if (!accepted(expect)) expectUnchanged(b, c.where());
      expectSecretKept(c, e.logSince(b.logOffset), events);
    });
  }
  e.stillHealthy("after the MLLP cases");
}

// ---- directory channels ----

std::vector<std::string> namesIn(const fs::path& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    out.push_back(entry.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 ? (st.st_mode & 07777) : 0;
}

TEST_F(HostileCorpus, DirectoryChannels) {
  auto& e = env();
  const auto cases = readCases("directory");
  ASSERT_GE(cases.size(), 30u);
  const fs::path staging = e.root() / "staging";
  fs::create_directories(staging);
  const Vars vars{{"nodeKey", e.pki.node(kKashiwa).key.string()},
                  {"staging", staging.string()},
                  {"root", e.root().string()}};
  for (const Case& c : cases) {
    runChecked(c, [&] {
      const std::string channel = c["channel"];
      const std::string entry = expand(c["entry"], c.dir(), vars);
      const std::string kind = c["kind"].empty() ? "file" : c["kind"];
      const Before b = before();
      const auto archivedBefore = namesIn(e.archive(channel));
      const auto refusedBefore = namesIn(e.errors(channel));
      const fs::path target = e.inbox(channel) / entry;
      std::string hashed;  // what the input-rejected row's inputSha256 is of
      if (kind == "file") {
        hashed = inputOf(c, "input", vars);
        writeBytes(staging / "x", hashed);
        fs::rename(staging / "x", target);
      } else if (kind == "symlink") {
        fs::create_symlink(expand(c["input"], c.dir(), vars), target);
        hashed = entry;
      } else if (kind == "fifo") {
        ASSERT_EQ(::mkfifo(target.c_str(), 0600), 0);
        hashed = entry;
      } else if (kind == "hardlink") {
        writeBytes(staging / ("linked-" + std::to_string(c.line)), inputOf(c, "input", vars));
        fs::create_hard_link(staging / ("linked-" + std::to_string(c.line)), target);
        hashed = entry;
      } else if (kind == "set") {
        // input: NAME=INPUT;NAME->TARGET (a symbolic link);NAME/ (a folder), built aside, renamed
        // in.
        const fs::path set = staging / ("set-" + std::to_string(c.line));
        fs::create_directories(set);
        for (const auto& member : split(c["input"], ';')) {
          if (member.empty()) continue;
          if (const auto arrow = member.find("->"); arrow != std::string::npos) {
            fs::create_symlink(expand(member.substr(arrow + 2), c.dir(), vars),
                               set / member.substr(0, arrow));
          } else if (member.back() == '/') {
            fs::create_directories(set / member);
          } else {
            const auto eq = member.find('=');
            Case part = c;
            part.columns["input"] = member.substr(eq + 1);
            writeBytes(set / member.substr(0, eq), inputOf(part, "input", vars));
          }
        }
        fs::rename(set, target);
        hashed = entry;
      } else {
        FAIL() << c.where() << ": unknown kind " << kind;
      }
      const std::string expect = c["expect"];
      if (expect == "ignored") {
        // Several settle periods later it is still there, unread.
        std::this_thread::sleep_for(milliseconds(400));
        EXPECT_TRUE(fs::exists(fs::symlink_status(target))) << c.where() << ": it was taken";
        EXPECT_EQ(namesIn(e.archive(channel)), archivedBefore);
        EXPECT_EQ(namesIn(e.errors(channel)), refusedBefore);
        fs::remove_all(target);
      } else {
        const bool gone = testing::eventually(
            [&] { return !fs::exists(fs::symlink_status(target)); }, std::chrono::seconds(3));
        EXPECT_TRUE(gone) << c.where() << ": still in the inbox after 3 s";
        if (!gone) {
          fs::remove_all(target);
          return;
        }
        // The outcome: the entry in archive/ or in error/ with NAME.error.txt naming the code.
        const auto archived = namesIn(e.archive(channel));
        const auto refused = namesIn(e.errors(channel));
        std::vector<std::string> newArchived, newRefused;
        std::set_difference(archived.begin(), archived.end(), archivedBefore.begin(),
                            archivedBefore.end(), std::back_inserter(newArchived));
        std::set_difference(refused.begin(), refused.end(), refusedBefore.begin(),
                            refusedBefore.end(), std::back_inserter(newRefused));
        if (expect == "archive") {
          EXPECT_EQ(newArchived.size(), 1u) << c.where() << ": not archived";
          EXPECT_TRUE(newRefused.empty()) << c.where() << ": also in error/";
        } else if (expect.rfind("error:", 0) == 0) {
          const std::string code = expect.substr(6);
          EXPECT_TRUE(newArchived.empty()) << c.where() << ": archived although refused";
          std::string reason, moved;
          for (const auto& n : newRefused) {
            const bool isReason = n.size() > 10 && n.substr(n.size() - 10) == ".error.txt";
            if (isReason)
              reason = n;
            else
              moved = n;
          }
          ASSERT_FALSE(reason.empty()) << c.where() << ": no NAME.error.txt in error/";
          EXPECT_FALSE(moved.empty()) << c.where() << ": the input is not in error/";
          const std::string why = readBytes(e.errors(channel) / reason);
          EXPECT_TRUE(contains(why, code)) << c.where() << ": " << reason << " says: " << why;
          // At rest: the node's account's only (fileMode 0600), never a link followed.
          EXPECT_EQ(modeOf(e.errors(channel) / reason), 0600u) << c.where() << ": " << reason;
          if (!moved.empty() && kind == "file") {
            EXPECT_EQ(modeOf(e.errors(channel) / moved), 0600u) << c.where() << ": " << moved;
          }
          // Control characters in the name reach the error file escaped (\\xNN), never raw: a
          // name can neither add a line to it nor drive a terminal.
          for (unsigned char ch : entry) {
            if (ch >= 0x20 && ch != 0x7f) continue;
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\x%02x", ch);
            EXPECT_TRUE(contains(why, escaped))
                << c.where() << ": the error file does not show " << escaped;
            if (ch != '\n') {
              EXPECT_FALSE(contains(why, std::string(1, static_cast<char>(ch))))
                  << c.where() << ": the error file holds a raw control character";
            }
          }
        } else {
          FAIL() << c.where() << ": unknown expectation " << expect;
        }
        // No half-written files anywhere the connector writes.
        for (const auto& dir : {e.inbox(channel), e.archive(channel), e.errors(channel)}) {
          for (const auto& n : namesIn(dir)) {
            EXPECT_FALSE(n.size() > 5 && n.substr(n.size() - 5) == ".part")
                << c.where() << ": partial file " << (dir / n);
          }
        }
      }
      const auto events = e.eventsSince(b.eventId);
      std::string audit = c["audit"];
      // An input refused unread is recorded with the SHA-256 of its name.
      if (contains(audit, "{{sha}}")) {
        audit.replace(audit.find("{{sha}}"), 7, mapping::sha256Hex(hashed));
      }
      expectAudit(events, audit, c.where());
      if (!accepted(expect)) expectUnchanged(b, c.where());
      expectSecretKept(c, e.logSince(b.logOffset), events);
    });
  }
  e.stillHealthy("after the directory cases");
}

// ---- kintone poller answers ----

TEST_F(HostileCorpus, KintonePollerAnswers) {
  auto& e = env();
  const auto cases = readCases("kintone");
  ASSERT_GE(cases.size(), 30u);
  writeBytes(e.root() / "kintone.token", "hostileCorpusToken0001\n");
  ::chmod((e.root() / "kintone.token").c_str(), 0600);
  channels::KintoneOptions k;
  k.baseUrl = e.kintone->baseUrl();
  k.app = "31";
  k.tokenFile = e.root() / "kintone.token";
  k.caCertificate = e.pki.ca().certificate();
  k.timeout = std::chrono::seconds(10);
  const channels::ChannelOptions options{"kintone-corpus",
                                         channels::Direction::Inbound,
                                         "kintone:nagareyama-kintone",
                                         {},
                                         false,
                                         {},
                                         k};
  // The node's own inbound path: the channel on its Submitter and database, polled on demand.
  channels::InboundChannel channel(options, builtinAdapters()->create(options.adapter),
                                   e.node->exchange()->submitter(), *e.node->pool());
  channels::KintonePoller poller(channel, k, *e.node->pool());
  auto cursor = [&] {
    return e.text(
        "SELECT coalesce(last_id::text, '') FROM kintone_cursors WHERE channel = 'kintone-corpus'");
  };
  unsigned long long nextId = 1;
  for (const Case& c : cases) {
    runChecked(c, [&] {
      // A good (empty) answer first: the failure before this case is over.
      e.kintone->answer({});
      poller.pollOnce();
      const Vars vars{{"id", std::to_string(nextId)},
                      {"lastId", std::to_string(nextId > 1 ? nextId - 1 : 0)}};
      const Before b = before();
      const std::string cursorBefore = cursor();
      const std::string body = inputOf(c, "input", vars);
      ScriptedKintone::Answer answer;
      answer.status = c["status"].empty() ? 200 : std::stoi(c["status"]);
      if (!c["content-type"].empty()) answer.contentType = c["content-type"];
      answer.body =
          c["kind"] == "record" ? R"({"records":[)" + body + R"(],"totalCount":null})" : body;
      e.kintone->answer(answer);
      const int requestsBefore = e.kintone->requests();
      const std::size_t handled = poller.pollOnce();
      EXPECT_GT(e.kintone->requests(), requestsBefore) << c.where() << ": no request was made";
      const std::string expect = c["expect"];
      const auto colon = expect.find(':');
      const std::string outcome = expect.substr(0, colon);
      const std::string code = colon == std::string::npos ? "" : expect.substr(colon + 1);
      const auto events = e.eventsSince(b.eventId);
      if (outcome == "taken" || outcome == "skipped") {
        EXPECT_EQ(handled, 1u) << c.where();
        EXPECT_EQ(cursor(), std::to_string(nextId)) << c.where() << ": the cursor did not pass it";
        if (outcome == "skipped") {
          bool found = false;
          for (const auto& ev : events) {
            found =
                found || (ev.event == "kintone-record-skipped" &&
                          contains(ev.detail, "\"recordId\":\"" + std::to_string(nextId) + "\"") &&
                          contains(ev.detail, "\"code\":\"" + code + "\""));
          }
          EXPECT_TRUE(found) << c.where() << ": no kintone-record-skipped row with code " << code;
        }
        ++nextId;
      } else if (outcome == "failed") {
        EXPECT_EQ(handled, 0u) << c.where();
        EXPECT_EQ(cursor(), cursorBefore) << c.where() << ": the cursor moved on a failed poll";
        bool found = false;
        for (const auto& ev : events) {
          found = found || (ev.event == "kintone-poll-failed" &&
                            contains(ev.detail, "\"code\":\"" + code + "\""));
        }
        EXPECT_TRUE(found) << c.where() << ": no kintone-poll-failed row with code " << code;
      } else {
        FAIL() << c.where() << ": unknown expectation " << expect;
      }
      expectAudit(events, c["audit"], c.where());
      if (!accepted(expect)) expectUnchanged(b, c.where());
      expectSecretKept(c, e.logSince(b.logOffset), events);
    });
  }
  e.kintone->answer({});
  e.stillHealthy("after the kintone cases");
}

// ---- the federation manifest ----

TEST_F(HostileCorpus, FederationManifest) {
  auto& e = env();
  const auto cases = readCases("manifest");
  ASSERT_GE(cases.size(), 30u);
  const std::string good = readBytes(e.manifestFile);
  const std::string goodSignature = readBytes(e.manifestFile.string() + ".sig");
  auto serialInForce = [&] {
    const Wire w = sendBytes(
        e.node->port(),
        "GET /healthz HTTP/1.1\r\nHost: " + e.localHost() + "\r\nConnection: close\r\n\r\n",
        ReadUntil::HttpResponse);
    const std::string body = parseHttp(w.bytes).body;
    const auto at = body.find("\"manifestSerial\":");
    return at == std::string::npos ? std::string()
                                   : body.substr(at + 17, body.find('}', at) - at - 17);
  };
  ASSERT_FALSE(serialInForce().empty());
  auto pem = [](const fs::path& file) {
    std::string text = readBytes(file);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    return text;
  };
  for (const Case& c : cases) {
    runChecked(c, [&] {
      const Before b = before();
      const std::string serial = serialInForce();
      const Vars vars{{"ca", pem(e.pki.ca().certificate())},
                      {"nodeCert", pem(e.pki.node(kKashiwa).cert)},
                      {"issued", testing::TestPki::timestamp(-3600)},
                      {"expires", testing::TestPki::timestamp(90LL * 86400)},
                      {"past", testing::TestPki::timestamp(-86400)},
                      {"pastIssued", testing::TestPki::timestamp(-2 * 86400)},
                      {"serial", serial},
                      {"nextSerial", std::to_string(std::stoll(serial) + 1)},
                      {"kashiwaPin", e.pki.node(kKashiwa).pin},
                      {"nagareyamaPin", e.pki.node(kNagareyama).pin},
                      {"matsudoPin", e.pki.node(kMatsudo).pin},
                      {"port", std::to_string(e.peerPort)}};
      const std::string xml = inputOf(c, "input", vars);
      const std::string sign = c["sign"].empty() ? "coordinator" : c["sign"];
      const fs::path sig = e.manifestFile.string() + ".sig";
      writeBytes(e.manifestFile, xml);
      if (sign == "coordinator") {
        e.pki.writeSigned(xml, e.manifestFile);
      } else if (sign == "none") {
        fs::remove(sig);
      } else if (sign == "garbage") {
        writeBytes(sig, "\x30\x06\x02\x01\x01\x02\x01\x01 not a signature");
      } else if (sign == "of-good") {
        writeBytes(sig, goodSignature);
      } else if (sign.rfind("node:", 0) == 0) {
        e.pki.writeSigned(xml, e.manifestFile, e.pki.node(sign.substr(5)).key);
      } else if (sign == "other-ca") {
        e.pki.writeSigned(xml, e.manifestFile, e.pki.otherCa().coordinator().key);
      } else {
        FAIL() << c.where() << ": unknown sign " << sign;
      }
      const std::string summary = e.node->reload();
      const std::string expect = c["expect"];
      const auto colon = expect.find(':');
      const std::string outcome = expect.substr(0, colon);
      EXPECT_TRUE(contains(summary, "manifest: " + outcome))
          << c.where() << ": expected " << outcome << "; got " << summary;
      if (colon != std::string::npos) {
        EXPECT_TRUE(contains(summary, expect.substr(colon + 1)))
            << c.where() << ": the refusal does not say '" << expect.substr(colon + 1)
            << "': " << summary;
      }
      if (!accepted(expect)) {
        EXPECT_EQ(serialInForce(), serial) << c.where() << ": the manifest in force changed";
        // Audited: the log names the refusal and its reason.
        const std::string logged = e.logSince(b.logOffset);
        EXPECT_TRUE(contains(logged, "refused") &&
                    (colon == std::string::npos || contains(logged, expect.substr(colon + 1))))
            << c.where() << ": the refusal and its reason are not in the log";
      }
      const auto events = e.eventsSince(b.eventId);
      expectAudit(events, c["audit"].empty() ? "none" : c["audit"], c.where());
      expectSecretKept(c, e.logSince(b.logOffset) + summary, events);
      // The peers of the manifest in force are still served.
      const Wire health = sendBytes(
          e.peerPort,
          "GET /exchange/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
          ReadUntil::HttpResponse, true, e.identity(kNagareyama));
      EXPECT_EQ(parseHttp(health.bytes).status, 200) << c.where();
    });
  }
  writeBytes(e.manifestFile, good);
  writeBytes(e.manifestFile.string() + ".sig", goodSignature);
  e.stillHealthy("after the manifest cases");
}

// ---- the node configuration ----

TEST_F(HostileCorpus, NodeConfiguration) {
  auto& e = env();
  const auto cases = readCases("config");
  ASSERT_GE(cases.size(), 30u);
  const fs::path dir = e.root() / "config";
  fs::create_directories(dir);
  writeBytes(dir / "token-0644", "hostileCorpusToken0001\n");
  ::chmod((dir / "token-0644").c_str(), 0644);
  writeBytes(dir / "token-0600", "hostileCorpusToken0001\n");
  ::chmod((dir / "token-0600").c_str(), 0600);
  writeBytes(dir / "token-empty", "\n");
  ::chmod((dir / "token-empty").c_str(), 0600);
  fs::create_directories(dir / "a-folder");
  const Vars vars{{"key", e.pki.node(kKashiwa).key.string()},
                  {"cert", e.pki.node(kKashiwa).cert.string()},
                  {"otherCert", e.pki.node(kNagareyama).cert.string()},
                  {"ca", e.pki.ca().certificate().string()},
                  {"crl", (e.pki.ca().directory() / "crl.pem").string()},
                  {"manifest", e.manifestFile.string()},
                  {"signer", e.pki.coordinator().cert.string()},
                  {"dir", dir.string()}};
  // Each case is one of these with one thing changed: they load.
  for (const char* valid :
       {"base.xml", "with-channel.xml", "with-kintone.xml", "with-console.xml"}) {
    const fs::path file = dir / valid;
    writeBytes(file,
               expand(readBytes(kCorpus / "config/inputs" / valid), kCorpus / "config", vars));
    EXPECT_NO_THROW(config::loadNodeConfig(file)) << valid;
  }
  for (const Case& c : cases) {
    runChecked(c, [&] {
      const Before b = before();
      const fs::path file = dir / (c.name() + ".xml");
      writeBytes(file, inputOf(c, "input", vars));
      std::string message;
      try {
        config::loadNodeConfig(file);
        ADD_FAILURE() << c.where() << ": the configuration was accepted";
        return;
      } catch (const config::ConfigError& error) {
        message = error.what();
      } catch (const std::exception& error) {
        ADD_FAILURE() << c.where()
                      << ": refused, but not as a ConfigError (no file, line and path): "
                      << typeid(error).name() << ": " << error.what();
        return;
      }
      if (std::getenv("HOSTILE_CORPUS_VERBOSE")) std::cout << c.where() << ": " << message << "\n";
      std::string prefix = file.string() + ":";
      if (!c["line"].empty()) prefix += c["line"] + ":";
      EXPECT_EQ(message.rfind(prefix, 0), 0u) << c.where() << ": " << message;
      if (!c["path"].empty()) {
        EXPECT_TRUE(contains(message, " " + c["path"] + ": ")) << c.where() << ": " << message;
      }
      EXPECT_TRUE(contains(message, c["reason"])) << c.where() << ": " << message;
      expectSecretKept(c, message, {});
      expectUnchanged(b, c.where());
    });
  }
  e.stillHealthy("after the configuration cases");
}

// ---- console forms ----

TEST_F(HostileCorpus, ConsoleForms) {
  auto& e = env();
  const auto cases = readCases("console");
  ASSERT_GE(cases.size(), 30u);
  const unsigned short port = e.node->consolePort();
  const std::string coordinatorSecret =
      testing::addConsoleUser(*e.node->pool(), "sato", console::Role::Coordinator, kPassword);
  const std::string adminSecret =
      testing::addConsoleUser(*e.node->pool(), "suzuki", console::Role::Admin, kPassword);
  const std::string deadLetter = testing::seedOutbound(*e.node->pool(), kNagareyama, true);
  auto totp = [](const std::string& secret) {
    return console::hotp(*console::base32Decode(secret),
                         static_cast<std::uint64_t>(console::totpStep(unixNow())));
  };
  // Log in through the API: the session cookie and CSRF token of each role.
  auto login = [&](const std::string& user, const std::string& secret) {
    const std::string body = R"({"user":")" + user + R"(","password":")" + kPassword +
                             R"(","totp":")" + totp(secret) + R"("})";
    const Wire w =
        sendBytes(port,
                  "POST /api/v1/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                  "application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body,
                  ReadUntil::HttpResponse, true);
    const HttpReply r = parseHttp(w.bytes);
    EXPECT_EQ(r.status, 200) << w.bytes;
    const auto cookie = r.head.find("tsunagi_session=");
    const auto csrf = r.body.find("\"csrfToken\":\"");
    if (cookie == std::string::npos || csrf == std::string::npos)
      return std::make_pair(std::string(), std::string());
    return std::make_pair(r.head.substr(cookie + 16, r.head.find(';', cookie) - cookie - 16),
                          r.body.substr(csrf + 13, r.body.find('"', csrf + 13) - csrf - 13));
  };
  const auto [session, csrf] = login("sato", coordinatorSecret);
  const auto [adminSession, adminCsrf] = login("suzuki", adminSecret);
  ASSERT_FALSE(session.empty());
  ASSERT_FALSE(adminSession.empty());
  // The login form's token (double submit: cookie and field).
  const Wire form =
      sendBytes(port, "GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                ReadUntil::HttpResponse, true);
  const auto tokenAt = form.bytes.find("tsunagi_login=");
  ASSERT_NE(tokenAt, std::string::npos);
  const std::string loginCsrf = form.bytes.substr(tokenAt + 14, 43);
  const Vars vars{{"session", session},           {"csrf", csrf},
                  {"adminSession", adminSession}, {"adminCsrf", adminCsrf},
                  {"loginCsrf", loginCsrf},       {"deadLetter", deadLetter},
                  {"password", kPassword}};
  for (const Case& c : cases) {
    runChecked(c, [&] {
      const Before b = before();
      const std::string request = httpRequest(c, "input", vars);
      const Wire wire = sendBytes(port, request, ReadUntil::HttpResponse, c["tls"] != "no");
      const std::string expect = c["expect"];
      expectHttp(wire, expect, c.where());
      const auto events = e.eventsSince(b.eventId);
      expectAudit(events, c["audit"], c.where());
      if (!accepted(expect) && c["writes"] != "yes") expectUnchanged(b, c.where());
      expectSecretKept(c, e.logSince(b.logOffset), events);
    });
  }
  e.stillHealthy("after the console cases");
}

}  // namespace
}  // namespace tsunagi
