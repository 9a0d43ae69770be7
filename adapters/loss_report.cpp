#include "adapters/loss_report.hpp"

#include <map>

#include "mapping/json/writer.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::adapters {

namespace {

const char* japaneseKind(Loss::Kind kind) {
  switch (kind) {
    case Loss::Kind::Dropped: return "欠落";
    case Loss::Kind::Truncated: return "切り詰め";
    case Loss::Kind::Approximated: return "近似";
    case Loss::Kind::Substituted: return "文字置換";
    case Loss::Kind::Partial: return "部分情報";
  }
  return "";
}

}  // namespace

const char* toString(Loss::Kind kind) {
  switch (kind) {
    case Loss::Kind::Dropped: return "dropped";
    case Loss::Kind::Truncated: return "truncated";
    case Loss::Kind::Approximated: return "approximated";
    case Loss::Kind::Substituted: return "substituted";
    case Loss::Kind::Partial: return "partial";
  }
  return "";
}

std::optional<Loss::Kind> lossKindFromString(std::string_view text) {
  for (Loss::Kind k : {Loss::Kind::Dropped, Loss::Kind::Truncated, Loss::Kind::Approximated,
                       Loss::Kind::Substituted, Loss::Kind::Partial}) {
    if (text == toString(k)) return k;
  }
  return std::nullopt;
}

void LossReport::add(Loss::Kind kind, std::string path, std::string detail) {
  entries_.push_back(Loss{kind, std::move(path), std::move(detail)});
}

void LossReport::append(const LossReport& other) {
  entries_.insert(entries_.end(), other.entries_.begin(), other.entries_.end());
}

std::string LossReport::text() const {
  std::string out;
  for (const Loss& l : entries_) {
    out += std::string(toString(l.kind)) + " " + l.path + ": " + l.detail + "\n";
  }
  return out;
}

std::string LossReport::japaneseNote(std::size_t maxCharacters) const {
  if (entries_.empty()) return {};
  std::map<Loss::Kind, int> counts;
  for (const Loss& l : entries_) ++counts[l.kind];
  std::string note = "【連携時の注意】変換で";
  bool first = true;
  for (const auto& [kind, n] : counts) {
    note += std::string(first ? "" : "・") + japaneseKind(kind) + std::to_string(n) + "件";
    first = false;
  }
  note += "があります:";
  for (const Loss& l : entries_) note += " " + l.path + " " + l.detail + ";";
  return mapping::text::cutToCharacters(note, maxCharacters);
}

std::string LossReport::kinds() const {
  std::map<Loss::Kind, int> counts;
  for (const Loss& l : entries_) ++counts[l.kind];
  std::string out;
  for (const auto& [kind, n] : counts) out += (out.empty() ? "" : ",") + std::string(toString(kind));
  return out;
}

std::string LossReport::json() const {
  std::string out = "[";
  for (std::size_t i = 0; i < entries_.size(); ++i) {
    if (i) out += ',';
    out += "{\"kind\":\"" + std::string(toString(entries_[i].kind)) + "\",\"path\":\"" +
           mapping::json::jsonEscape(entries_[i].path) + "\",\"detail\":\"" +
           mapping::json::jsonEscape(entries_[i].detail) + "\"}";
  }
  return out + "]";
}

std::string fitText(std::string_view text, std::size_t limit, const std::string& target,
                    const std::string& source, LossReport& losses) {
  const std::size_t count = mapping::text::characterCount(text);
  if (count <= limit) return std::string(text);
  losses.add(Loss::Kind::Truncated, target,
             "cut from " + std::to_string(count) + " to " + std::to_string(limit) +
                 " characters (from " + source + ")");
  return mapping::text::cutToCharacters(text, limit);
}

std::string fitLine(std::string_view text, std::size_t limit, const std::string& target,
                    const std::string& source, LossReport& losses) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return fitText(line, limit, target, source, losses);
}

}  // namespace tsunagi::adapters
