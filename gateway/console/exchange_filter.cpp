#include "gateway/console/exchange_filter.hpp"

#include <algorithm>

#include "mapping/date.hpp"
#include "mapping/identifiers.hpp"

namespace tsunagi::console {

namespace {

void oneOf(const std::string& field, const std::string& value,
           std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return;
  }
  std::string list;
  for (const char* a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
  throw FilterError(field, "must be one of " + list);
}

}  // namespace

ExchangeFilter parseFilter(const std::map<std::string, std::string>& fields,
                           const std::optional<std::string>& brokenEscape) {
  if (brokenEscape) {
    std::string field = "query";
    for (const char* name : {"from", "to", "peer", "direction", "documentType", "status", "caseId",
                             "messageId", "page", "lang"}) {
      if (*brokenEscape == name) field = name;
    }
    throw FilterError(field, "malformed %-escape ('%' must be followed by two hexadecimal digits)");
  }
  ExchangeFilter f;
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = fields.find(name);
    if (it == fields.end() || it->second.empty()) return std::nullopt;
    if (it->second.size() > 256) throw FilterError(name, "longer than 256 bytes");
    return it->second;
  };
  for (const char* name : {"from", "to"}) {
    if (auto v = get(name)) {
      if (!mapping::Date::parseIso(*v)) throw FilterError(name, "expected a date YYYY-MM-DD");
      (std::string(name) == "from" ? f.from : f.to) = *v;
    }
  }
  if (f.from && f.to && *f.from > *f.to) throw FilterError("to", "is before from");
  if (auto v = get("peer")) {
    if (auto problem = mapping::checkMunicipalityCode(*v)) {
      throw FilterError("peer", "expected a 6-digit node code (" + *problem + ")");
    }
    f.peer = v;
  }
  if (auto v = get("direction")) {
    oneOf("direction", *v, {"outbound", "inbound"});
    f.direction = v;
  }
  if (auto v = get("documentType")) {
    oneOf("documentType", *v, {"LiaisonSheet", "CaseUpdate", "CaseMembership"});
    f.documentType = v;
  }
  if (auto v = get("status")) {
    oneOf("status", *v, {"pending", "delivered", "dead", "discarded"});
    f.status = v;
  }
  if (auto v = get("caseId")) {
    // Any printable text is searched for as it is (a bind parameter): case ids are the peers'.
    if (v->size() > 64) throw FilterError("caseId", "longer than 64 bytes");
    for (unsigned char c : *v) {
      if (c < 0x20 || c == 0x7F) throw FilterError("caseId", "contains a control character");
    }
    f.caseId = v;
  }
  if (auto v = get("messageId")) {
    if (!isUuid(*v)) throw FilterError("messageId", "expected a UUID (8-4-4-4-12 hexadecimal)");
    std::string lower = *v;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    f.messageId = lower;
  }
  if (auto v = get("page")) {
    if (v->size() > 6 || !std::all_of(v->begin(), v->end(), ::isdigit) || std::stoi(*v) < 1) {
      throw FilterError("page", "expected a page number 1-999999");
    }
    f.page = std::stoi(*v);
  }
  return f;
}

std::vector<std::pair<std::string, std::string>> filterFields(const ExchangeFilter& f) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const char* name, const std::optional<std::string>& v) {
    if (v) out.emplace_back(name, *v);
  };
  add("from", f.from);
  add("to", f.to);
  add("peer", f.peer);
  add("direction", f.direction);
  add("documentType", f.documentType);
  add("status", f.status);
  add("caseId", f.caseId);
  add("messageId", f.messageId);
  return out;
}

}  // namespace tsunagi::console
