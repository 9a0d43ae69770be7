#include "adapters/loss_report.hpp"

#include <map>

#include "mapping/json/writer.hpp"
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
  // Cut on a character boundary, never inside a UTF-8 sequence.
  const std::u32string chars = mapping::text::decodeUtf8(note);
  if (chars.size() <= maxCharacters) return note;
  return mapping::text::encodeUtf8(chars.substr(0, maxCharacters - 1)) + "…";
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
           mapping::json::jsonEscape(entries_[i].path) + "\",\"detail\":\"" + mapping::json::jsonEscape(entries_[i].detail) + "\"}";
  }
  return out + "]";
}

}  // namespace tsunagi::adapters
