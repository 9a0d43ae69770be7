#include "gateway/net/http_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "mapping/text/strings.hpp"

namespace tsunagi::net {

const char* reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 415:
      return "Unsupported Media Type";
    case 421:
      return "Misdirected Request";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

namespace {

bool isToken(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    if (c <= 32 || c >= 127) return false;
    if (std::string_view("()<>@,;:\\\"/[]?={}").find(static_cast<char>(c)) !=
        std::string_view::npos) {
      return false;
    }
  }
  return true;
}

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

struct HeadError {
  int status;
  std::string detail;
};

// Parses "METHOD SP target SP HTTP/1.x CRLF (name: value CRLF)*" (the final CRLF excluded).
std::optional<HeadError> parseHead(std::string_view head, const HttpOptions& options,
                                   HttpRequest& out) {
  auto lineEnd = head.find("\r\n");
  std::string_view requestLine = head.substr(0, lineEnd);
  const auto sp1 = requestLine.find(' ');
  const auto sp2 = sp1 == std::string_view::npos ? sp1 : requestLine.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || requestLine.find(' ', sp2 + 1) != std::string_view::npos) {
    return HeadError{400, "the request line is not 'METHOD TARGET HTTP/1.1'"};
  }
  out.method = std::string(requestLine.substr(0, sp1));
  out.target = std::string(requestLine.substr(sp1 + 1, sp2 - sp1 - 1));
  out.version = std::string(requestLine.substr(sp2 + 1));
  if (!isToken(out.method)) return HeadError{400, "the method is not a token"};
  if (out.version != "HTTP/1.1" && out.version != "HTTP/1.0") {
    return HeadError{400, "only HTTP/1.1 and HTTP/1.0 are served"};
  }
  if (out.target.empty() || out.target.front() != '/') {
    return HeadError{400, "the request target must be an absolute path"};
  }
  for (unsigned char c : out.target) {
    if (c <= 32 || c >= 127)
      return HeadError{400, "the request target has a byte outside US-ASCII"};
  }
  const auto q = out.target.find('?');
  out.path = out.target.substr(0, q);
  out.query = q == std::string::npos ? std::string() : out.target.substr(q + 1);
  while (lineEnd != std::string_view::npos) {
    const std::size_t start = lineEnd + 2;
    lineEnd = head.find("\r\n", start);
    std::string_view line = head.substr(
        start, lineEnd == std::string_view::npos ? std::string_view::npos : lineEnd - start);
    if (line.empty()) continue;
    if (line.front() == ' ' || line.front() == '\t') {
      return HeadError{400, "obsolete line folding in a header"};
    }
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || !isToken(line.substr(0, colon))) {
      return HeadError{400, "a header line is not 'Name: value'"};
    }
    std::string_view value = mapping::text::trimAscii(line.substr(colon + 1), " \t");
    for (unsigned char c : value) {
      if ((c < 32 && c != '\t') || c == 127) {
        return HeadError{400, "a header value has a control character"};
      }
    }
    if (out.headers.size() >= options.maxHeaders) {
      return HeadError{431, "more than " + std::to_string(options.maxHeaders) + " headers"};
    }
    out.headers.emplace_back(lower(line.substr(0, colon)), std::string(value));
    if (out.headers.back().first == "host" && out.header("host") != &out.headers.back().second) {
      return HeadError{400, "more than one Host header"};
    }
  }
  return std::nullopt;
}

class HttpSession : public Session {
 public:
  explicit HttpSession(std::shared_ptr<const HttpOptions> options) : options_(std::move(options)) {}

  bool ready(std::string& buffer) override {
    if (state_ == State::Ready || state_ == State::Refused) return true;
    if (state_ == State::Waiting) {
      // Empty lines before a request are allowed (RFC 9112 §2.2).
      std::size_t skip = 0;
      while (skip + 1 < buffer.size() && buffer[skip] == '\r' && buffer[skip + 1] == '\n') {
        skip += 2;
      }
      if (skip) buffer.erase(0, skip);
      if (buffer.empty()) return false;
      const auto end = buffer.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (buffer.size() > options_->maxHeadBytes) {
          return refuse(
              431, "the request head is over " + std::to_string(options_->maxHeadBytes) + " bytes");
        }
        partial_ = true;
        return false;
      }
      if (end > options_->maxHeadBytes) {
        return refuse(
            431, "the request head is over " + std::to_string(options_->maxHeadBytes) + " bytes");
      }
      request_ = HttpRequest{};
      if (auto error =
              parseHead(std::string_view(buffer).substr(0, end + 2), *options_, request_)) {
        return refuse(error->status, error->detail);
      }
      buffer.erase(0, end + 4);
      if (options_->screen) {
        if (auto answer = options_->screen(request_)) {
          refused_ = std::move(*answer);
          refused_.close = true;
          state_ = State::Refused;
          return true;
        }
      }
      if (!framed()) return true;
      state_ = State::Body;
    }
    if (buffer.size() < length_) return false;
    request_.body = buffer.substr(0, length_);
    buffer.erase(0, length_);
    state_ = State::Ready;
    return true;
  }

  Phase phase() const override {
    switch (state_) {
      case State::Body:
        return Phase::Body;
      case State::Waiting:
        return partial_ || fresh_ ? Phase::Head : Phase::Idle;
      default:
        return Phase::Head;
    }
  }

  bool serve(std::string& buffer, Connection& connection) override {
    (void)buffer;
    HttpResponse response;
    bool keep = false;
    if (state_ == State::Refused) {
      response = std::move(refused_);
      response.close = true;
      request_.clientAddress = connection.clientAddress();
    } else {
      request_.clientAddress = connection.clientAddress();
      request_.peerCertificate = connection.peerCertificate();
      try {
        response = options_->handle(request_);
      } catch (const std::exception& e) {
        spdlog::error("HTTP {} {}: handler failed: {}", request_.method, request_.path, e.what());
        response = render(500, "the request could not be served");
        response.close = true;
      }
      keep = !response.close && wantsKeepAlive();
    }
    const bool head = request_.method == "HEAD";
    std::string out = "HTTP/1.1 " + std::to_string(response.status) + " " +
                      reasonPhrase(response.status) + "\r\n";
    out += "Content-Type: " + response.contentType + "\r\n";
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    if (!keep) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head) out += response.body;
    const bool written = connection.write(out);
    if (state_ == State::Refused && options_->refused) {
      try {
        options_->refused(request_, response);
      } catch (const std::exception& e) {
        spdlog::error("HTTP refusal not recorded: {}", e.what());
      }
    }
    reset();
    return keep && written;
  }

 private:
  enum class State { Waiting, Body, Ready, Refused };

  bool refuse(int status, const std::string& detail) {
    refused_ = render(status, detail);
    refused_.close = true;
    state_ = State::Refused;
    return true;
  }

  HttpResponse render(int status, const std::string& detail) const {
    if (options_->refusal) return options_->refusal(status, detail);
    return HttpResponse{status, "text/plain; charset=utf-8", detail + "\n", {}, true};
  }

  // Decides the body's length on the head; false (and a refusal) for what cannot be framed safely.
  bool framed() {
    if (request_.header("transfer-encoding")) {
      refuse(411, "send Content-Length (no Transfer-Encoding)");
      return false;
    }
    std::optional<std::string> declared;
    for (const auto& [name, value] : request_.headers) {
      if (name != "content-length") continue;
      if (declared && *declared != value) {
        refuse(400, "two different Content-Length headers");
        return false;
      }
      declared = value;
    }
    length_ = 0;
    if (declared) {
      if (declared->empty() || declared->size() > 15 ||
          !std::all_of(declared->begin(), declared->end(),
                       [](unsigned char c) { return std::isdigit(c); })) {
        refuse(400, "Content-Length is not a number");
        return false;
      }
      length_ = std::stoull(*declared);
    } else if (request_.method == "POST" || request_.method == "PUT" ||
               request_.method == "PATCH") {
      refuse(411, "send Content-Length");
      return false;
    }
    const std::size_t limit = options_->bodyLimit ? options_->bodyLimit(request_) : 0;
    if (length_ > limit) {
      refuse(413, std::to_string(length_) + " bytes; the limit is " + std::to_string(limit));
      return false;
    }
    return true;
  }

  bool wantsKeepAlive() const {
    const std::string connection = lower(request_.get("connection"));
    if (request_.version == "HTTP/1.0") return connection == "keep-alive";
    return connection.find("close") == std::string::npos;
  }

  void reset() {
    state_ = State::Waiting;
    fresh_ = false;
    partial_ = false;
    length_ = 0;
    request_ = HttpRequest{};
    refused_ = HttpResponse{};
  }

  std::shared_ptr<const HttpOptions> options_;
  State state_ = State::Waiting;
  bool fresh_ = true;     ///< no request yet on this connection
  bool partial_ = false;  ///< part of a head has arrived
  std::size_t length_ = 0;
  HttpRequest request_;
  HttpResponse refused_;
};

}  // namespace

std::string refusalCode(const HttpResponse& answer) {
  constexpr std::string_view prefix = "urn:tsunagi:problem:";
  const auto at = answer.body.find(prefix);
  if (answer.contentType.rfind("application/problem+json", 0) == 0 && at != std::string::npos) {
    const auto start = at + prefix.size();
    return answer.body.substr(start, answer.body.find('"', start) - start);
  }
  return std::to_string(answer.status);
}

std::function<std::unique_ptr<Session>()> httpSessions(HttpOptions options) {
  auto shared = std::make_shared<const HttpOptions>(std::move(options));
  return [shared] { return std::make_unique<HttpSession>(shared); };
}

}  // namespace tsunagi::net
