#pragma once
// The console's requests and answers, apart from the HTTPS server (console_server.*) so the
// application (console_app.*) can be read and tested without sockets.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/net/http_message.hpp"

namespace tsunagi::console {

struct Request {
  std::string method;
  std::string path;                          ///< without the query
  std::map<std::string, std::string> query;  ///< decoded
  std::map<std::string, std::string> form;   ///< decoded urlencoded body (POST forms)
  std::map<std::string, std::string> cookies;
  std::map<std::string, std::string> headers;  ///< names in lower case
  std::string contentType;
  std::string body;    ///< raw body (JSON API)
  std::string client;  ///< peer address, for the audit
  /// Set when the query or the urlencoded form had a broken %-escape (a '%' not followed by two
  /// hexadecimal digits): the field's name, or "" when the name itself is broken. The field is
  /// not in `query`/`form`; the app answers 400 (docs/console-api.md, "Malformed requests").
  std::optional<std::string> brokenEscape;
};

/// The console's answers are the listeners' one answer type (every one names its content type).
using Response = net::HttpResponse;

/// Decodes application/x-www-form-urlencoded text ('+' is a space); later duplicates win. A field
/// whose name or value has a broken %-escape is left out; the first such field's name ("" when
/// the name is the broken part) is stored in *broken when given, so the caller can refuse it.
std::map<std::string, std::string> parseUrlEncoded(const std::string& text,
                                                   std::optional<std::string>* broken = nullptr);
/// Percent-encodes a query value.
std::string urlEncode(const std::string& value);

}  // namespace tsunagi::console
