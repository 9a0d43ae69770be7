#pragma once
// Shared by console_app.cpp (routing, authentication) and console_views.cpp (the handlers of
// each page and API call): one request in flight, and the JSON and redirect answers. Internal to
// gateway/console/.

#include <optional>
#include <string>

#include "gateway/console/console_app.hpp"
#include "mapping/json/reader.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi::console {

using Json = mapping::json::JsonValue;

inline Response jsonResponse(int status, const Json& value) {
  return Response{status, "application/json; charset=utf-8", value.compact(), {}};
}

inline Json optionalJson(const std::optional<std::string>& v) { return v ? Json(*v) : Json::null(); }

inline Json optionalJson(const std::optional<long long>& v) {
  return v ? Json::integer(*v) : Json::null();
}

/// An API body read by the project's JSON reader: a JSON object, the strings as sent (control
/// characters included: the handlers check them). Throws mapping::json::JsonError.
inline mapping::json::JsonView readApiBody(const std::string& body) {
  mapping::json::JsonLimits limits;
  limits.maxDepth = 16;
  limits.controlCharacters = true;
  return mapping::json::parseJson(body, limits).root("");
}

/// A member of an API body as text: a string as sent, a number as written; "" when absent or of
/// another kind.
inline std::string apiField(const mapping::json::JsonView& body, std::string_view name) {
  const auto m = body.isObject() ? body.member(name) : std::nullopt;
  return m && (m->isString() || m->isNumber()) ? m->asScalarText() : "";
}

inline std::string cookie(const std::string& name, const std::string& value,
                          const std::string& path, std::optional<long long> maxAge,
                          bool httpOnly = true) {
  return name + "=" + value + "; Path=" + path + "; Secure; SameSite=Strict" +
         (httpOnly ? "; HttpOnly" : "") + (maxAge ? "; Max-Age=" + std::to_string(*maxAge) : "");
}

inline Response redirect(const std::string& location) {
  Response r{303, "text/plain; charset=utf-8", "", {}};
  r.headers.emplace_back("Location", location);
  return r;
}

struct ConsoleApp::Call {
  explicit Call(const Request& r) : req(r) {}
  const Request& req;
  Tr tr;
  bool api = false;
  std::string path;  ///< below /api/v1 for API calls
  std::optional<SessionInfo> session;
  std::vector<std::pair<std::string, std::string>> headers;

  /// A field of the posted form, or of the posted JSON object (API calls: apiField); "" when
  /// absent.
  std::string field(const std::string& name) {
    if (auto it = req.form.find(name); it != req.form.end()) return it->second;
    if (!api || req.contentType.rfind("application/json", 0) != 0) return "";
    if (!json) {
      try {
        json = readApiBody(req.body);
      } catch (const mapping::json::JsonError&) {
        json = mapping::json::JsonView();  // not a JSON object: every field is absent
      }
    }
    return apiField(*json, name);
  }
  std::string user() const { return session ? session->user : ""; }
  std::optional<mapping::json::JsonView> json;  ///< the parsed body of an API call, on first use
};

}  // namespace tsunagi::console
