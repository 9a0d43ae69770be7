#pragma once
// The console's requests and answers, apart from the HTTPS server (console_server.*) so the
// application (console_app.*) can be read and tested without sockets.

#include <map>
#include <string>
#include <utility>
#include <vector>

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
};

struct Response {
  int status = 200;
  std::string contentType = "text/html; charset=utf-8";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// Decodes application/x-www-form-urlencoded text ('+' is a space); later duplicates win.
std::map<std::string, std::string> parseUrlEncoded(const std::string& text);
/// Percent-encodes a query value.
std::string urlEncode(const std::string& value);

}  // namespace tsunagi::console
