#pragma once
// One HTTP request and one answer, as every listener of the node sees them (local, console, peer:
// http_server.* reads the request whole and writes the answer). Kept apart from the server so
// that the code behind a listener (the Receiver, the console application, a channel) can take
// and return them without the listener's machinery.

#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/crypto/keys.hpp"

namespace tsunagi::net {

/// A request read whole by the listener (head and body within their limits).
struct HttpRequest {
  std::string method;
  std::string target;                                        ///< as sent: path and query
  std::string path;                                          ///< target without the query
  std::string query;                                         ///< raw, without '?'
  std::string version;                                       ///< "HTTP/1.1"
  std::vector<std::pair<std::string, std::string>> headers;  ///< names in lower case
  std::string body;
  std::string clientAddress;
  std::optional<crypto::Certificate> peerCertificate;

  /// The value of the first field line `lowerName`, or nullptr.
  const std::string* header(std::string_view lowerName) const;
  /// All field lines `lowerName` joined with ", " (RFC 9110 §5.3), or `fallback` when none.
  std::string get(std::string_view lowerName, std::string fallback = {}) const;
  /// The media type of Content-Type, lower case, without parameters ("application/json").
  std::string mediaType() const;
  const std::string& contentType() const;
};

/// The answer of every listener: the local API, the console application, the peer API's Receiver
/// and the inbound HTTP channels all return one (Problem::reply() makes a problem+json answer).
struct HttpResponse {
  int status = 200;
  std::string contentType = "text/plain; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  bool close = false;  ///< close the connection after this answer
};

/// The body of an answer a client reads from `in` (Poco's response stream), at most `maxBytes`:
/// nullopt when there is more — the rest is left unread, so the connection must not be reused.
/// The one way tsunagi's clients (peer, webhook, kintone, the demo) read an answer.
std::optional<std::string> readBoundedBody(std::istream& in, std::size_t maxBytes);

}  // namespace tsunagi::net
