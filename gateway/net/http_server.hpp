#pragma once
// HTTP/1.1 on the front door (listener.hpp): the loop reads a request's head and body completely
// (within their deadlines and limits) before a worker sees it, so handlers take a whole request in
// memory and return a whole answer. Strict on purpose: Content-Length bodies only (no chunked
// transfer coding), one Content-Length, no obsolete line folding, bounded head; every refusal
// closes the connection so that unread bytes are never taken for the next request.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/net/http_message.hpp"
#include "gateway/net/listener.hpp"

namespace tsunagi::net {

struct HttpOptions {
  std::size_t maxHeadBytes = 16 * 1024;
  std::size_t maxHeaders = 100;
  /// The largest body the request may carry, decided on its head (before any body byte is read).
  std::function<std::size_t(const HttpRequest& head)> bodyLimit;
  /// A refusal decided on the head alone (Host, Origin, content type, unknown target, …), or
  /// nullopt; asked before the body's framing and limit are. The body is never read for a
  /// refused request and the connection closes after the answer.
  std::function<std::optional<HttpResponse>(const HttpRequest& head)> screen;
  /// Answers a complete request (in a worker thread).
  std::function<HttpResponse(HttpRequest& request)> handle;
  /// Renders a protocol refusal (400, 411, 413, 431, 500) in the listener's own format.
  std::function<HttpResponse(int status, const std::string& detail)> refusal;
  /// Told of every request refused before a handler saw it (a protocol refusal or a screen's),
  /// in a worker thread, after the answer: for the listener's audit. `head` holds what could be
  /// parsed (at least the client's address).
  std::function<void(const HttpRequest& head, const HttpResponse& answer)> refused;
};

/// The problem type's slug of an application/problem+json answer ("host-not-allowed"), or the
/// status as text for any other answer.
std::string refusalCode(const HttpResponse& answer);

/// The session factory for a Listener serving HTTP/1.1 with these options.
std::function<std::unique_ptr<Session>()> httpSessions(HttpOptions options);

/// "OK", "Not Found", … for a status code.
const char* reasonPhrase(int status);

}  // namespace tsunagi::net
