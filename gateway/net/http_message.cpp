#include "gateway/net/http_message.hpp"

#include <algorithm>
#include <cctype>

namespace tsunagi::net {

const std::string* HttpRequest::header(std::string_view lowerName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowerName) return &value;
  }
  return nullptr;
}

std::string HttpRequest::get(std::string_view lowerName, std::string fallback) const {
  // Field lines of one name are one field, joined with ", " (RFC 9110 §5.3): a second
  // Signature-Input line is seen by the verifier, never silently dropped.
  std::optional<std::string> joined;
  for (const auto& [name, value] : headers) {
    if (name != lowerName) continue;
    joined = joined ? *joined + ", " + value : value;
  }
  return joined ? *joined : std::move(fallback);
}

const std::string& HttpRequest::contentType() const {
  static const std::string none;
  const std::string* value = header("content-type");
  return value ? *value : none;
}

std::string HttpRequest::mediaType() const {
  std::string type = contentType().substr(0, contentType().find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.pop_back();
  std::transform(type.begin(), type.end(), type.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return type;
}

std::optional<std::string> readBoundedBody(std::istream& in, std::size_t maxBytes) {
  std::string body;
  char chunk[16384];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    body.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (body.size() > maxBytes) return std::nullopt;
  }
  return body;
}

}  // namespace tsunagi::net
