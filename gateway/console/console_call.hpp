#pragma once
// Shared by console_app.cpp (routing, authentication) and console_views.cpp (the handlers of
// each page and API call): one request in flight, and the JSON and redirect answers. Internal to
// gateway/console/.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <optional>
#include <sstream>
#include <string>

#include "gateway/console/console_app.hpp"

namespace tsunagi::console {

using Json = Poco::JSON::Object;
using JsonArray = Poco::JSON::Array;

inline std::string stringify(const Poco::Dynamic::Var& value) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(value, out);
  return out.str();
}

inline Response jsonResponse(int status, const Poco::Dynamic::Var& value) {
  return Response{status, "application/json; charset=utf-8", stringify(value), {}};
}

inline Poco::Dynamic::Var optionalJson(const std::optional<std::string>& v) {
  return v ? Poco::Dynamic::Var(*v) : Poco::Dynamic::Var();
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

  /// A field of the posted form, or of the posted JSON object (API calls); "" when absent or
  /// not a string.
  std::string field(const std::string& name) {
    if (auto it = req.form.find(name); it != req.form.end()) return it->second;
    if (!api || req.contentType.rfind("application/json", 0) != 0) return "";
    if (!json) {
      try {
        json = Poco::JSON::Parser().parse(req.body).extract<Poco::JSON::Object::Ptr>();
      } catch (const Poco::Exception&) {
        json = new Poco::JSON::Object;  // not a JSON object: every field is absent
      }
    }
    try {
      return json->optValue<std::string>(name, "");
    } catch (const Poco::Exception&) {
      return "";
    }
  }
  std::string user() const { return session ? session->user : ""; }
  Poco::JSON::Object::Ptr json;  ///< the parsed body of an API call, on first use
};

}  // namespace tsunagi::console
