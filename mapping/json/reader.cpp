#include "mapping/json/reader.hpp"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>

#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::mapping::json {

namespace detail {

enum class JsonKind : std::uint8_t { Null, False, True, Number, String, Array, Object };

struct JsonNode {
  JsonKind kind = JsonKind::Null;
  std::uint32_t first = 0;  ///< arrays: index into elements; objects: index into members
  std::uint32_t count = 0;  ///< elements or members
  /// Strings unescaped; numbers, objects and arrays as written (their bytes in JsonTree::text).
  std::string_view text;
  /// The object or array holding this value (kNoParent for the top level), and where in it:
  /// an index into JsonTree::members for an object, the element's position for an array.
  std::uint32_t parent = 0xFFFFFFFF;  // kNoParent
  std::uint32_t slot = 0;
};

constexpr std::uint32_t kNoParent = 0xFFFFFFFF;

struct JsonMember {
  std::string_view key;
  std::uint32_t value = 0;   ///< node index
  std::uint32_t offset = 0;  ///< byte offset of the name, for the duplicate-name message
};

struct JsonTree {
  std::string text;             ///< the input; unescaped strings and numbers view into it
  std::string unescaped;        ///< strings that had escapes, decoded; reserved so views stay valid
  std::vector<JsonNode> nodes;  ///< nodes[0] is the top-level object
  std::vector<std::uint32_t> elements;  ///< each array's elements, contiguous
  std::vector<JsonMember> members;      ///< each object's members, contiguous, sorted by key
  bool controlCharacters = false;       ///< JsonLimits::controlCharacters
};

}  // namespace detail

namespace {

using detail::JsonKind;
using detail::JsonMember;
using detail::JsonNode;
using detail::JsonTree;

int lineAt(std::string_view bytes, std::size_t offset) {
  offset = std::min(offset, bytes.size());
  return 1 + static_cast<int>(
                 std::count(bytes.begin(), bytes.begin() + static_cast<long>(offset), '\n'));
}

// Characters (not bytes) from the start of the line to `offset`, 1-based.
std::size_t columnAt(std::string_view bytes, std::size_t offset) {
  offset = std::min(offset, bytes.size());
  const auto nl = bytes.rfind('\n', offset == 0 ? 0 : offset - 1);
  std::size_t from = (nl == std::string_view::npos || nl >= offset) ? 0 : nl + 1;
  return 1 + text::characterCount(bytes.substr(from, offset - from));
}

// A refusal at `offset` of `text`: the message for the sender, the position and `code` for logs.
JsonError refusalAt(std::string_view text, std::size_t offset, std::string message,
                       const char* code = "json-syntax") {
  return JsonError(Issue{.line = lineAt(text, offset),
                                     .path = "",
                                     .message = std::move(message),
                                     .code = code,
                                     .column = static_cast<int>(columnAt(text, offset)),
                                     .offset = offset});
}

std::string where(std::string_view bytes, std::size_t offset) {
  return "line " + std::to_string(lineAt(bytes, offset)) + ", column " +
         std::to_string(columnAt(bytes, offset)) + " (byte offset " + std::to_string(offset) + ")";
}

// The strict parser. It writes into `tree` and throws JsonError at the first problem.
class Parser {
 public:
  Parser(JsonTree& tree, std::size_t maxDepth)
      : tree_(tree), text_(tree.text), maxDepth_(maxDepth) {}

  void parseTopLevel() {
    skipSpace();
    // The caller checked that the text starts with '{'.
    value(0);
    skipSpace();
    if (at_ != text_.size()) fail(at_, "unexpected text after the end of the top-level object");
  }

 private:
  [[noreturn]] void fail(std::size_t offset, const std::string& what) const {
    throw refusalAt(text_, offset,
                    "the document is not valid JSON: " + what + " at " + where(text_, offset));
  }

  // The end of the text where more was expected: an open string, or open objects and arrays.
  [[noreturn]] void truncated(bool inString) const {
    if (inString) {
      throw refusalAt(text_, text_.size(),
                      "the JSON ends inside a string: the document is truncated or a quote is "
                      "missing");
    }
    throw refusalAt(text_, text_.size(),
                    "the JSON ends with " + std::to_string(open_) +
                        " object(s) or array(s) still open: the document is truncated");
  }

  [[noreturn]] void unexpected(const std::string& expected) {
    if (at_ >= text_.size()) truncated(false);
    const auto c = static_cast<unsigned char>(text_[at_]);
    std::string found;
    if (c >= 0x80) {
      std::size_t offset = at_;
      const char32_t cp = decodeUtf8(offset);
      found = text::codePointLabel(cp);
    } else if (c < 0x20 || c == 0x7F) {
      found = "the control character " + text::codePointLabel(c);
    } else {
      found = std::string("'") + static_cast<char>(c) + "'";
    }
    fail(at_, "expected " + expected + ", found " + found);
  }

  // Decodes one multi-byte UTF-8 sequence at `offset` with the shared strict decoder.
  char32_t decodeUtf8(std::size_t& offset) const {
    const std::size_t start = offset;
    try {
      return text::decodeUtf8At(text_, offset);
    } catch (const text::TextError& e) {
      throw refusalAt(text_, start,
                      std::string("the document is not valid UTF-8 (JSON must be): ") + e.what(),
                      "not-utf8");
    }
  }

  void skipSpace() {
    while (at_ < text_.size()) {
      const char c = text_[at_];
      if (c != ' ' && c != '\n' && c != '\r' && c != '\t') return;
      ++at_;
    }
  }

  std::uint32_t addNode(JsonKind kind, std::string_view text = {}) {
    tree_.nodes.push_back(JsonNode{kind, 0, 0, text});
    return static_cast<std::uint32_t>(tree_.nodes.size() - 1);
  }

  std::uint32_t value(std::size_t depth) {
    if (at_ >= text_.size()) truncated(false);
    switch (text_[at_]) {
      case '{':
        return object(depth + 1);
      case '[':
        return array(depth + 1);
      case '"':
        return addNode(JsonKind::String, string());
      case 't':
        return literal("true", JsonKind::True);
      case 'f':
        return literal("false", JsonKind::False);
      case 'n':
        return literal("null", JsonKind::Null);
      default:
        if (text_[at_] == '-' || (text_[at_] >= '0' && text_[at_] <= '9')) return number();
        unexpected("a value (object, array, string, number, true, false or null)");
    }
  }

  void enter(std::size_t depth) {
    if (depth > maxDepth_) {
      throw refusalAt(text_, at_,
                      "JSON is nested more than " + std::to_string(maxDepth_) +
                          " levels deep (byte offset " + std::to_string(at_) + ")",
                      "json-depth");
    }
    ++open_;
    ++at_;  // past '{' or '['
    skipSpace();
  }

  std::uint32_t object(std::size_t depth) {
    const std::size_t start = at_;
    enter(depth);
    const std::uint32_t node = addNode(JsonKind::Object);
    const std::size_t base = scratchMembers_.size();
    if (at_ < text_.size() && text_[at_] == '}') {
      ++at_;
    } else {
      for (;;) {
        if (at_ >= text_.size() || text_[at_] != '"') unexpected("a member name in double quotes");
        const auto keyOffset = static_cast<std::uint32_t>(at_);
        const std::string_view key = string();
        skipSpace();
        if (at_ >= text_.size() || text_[at_] != ':') unexpected("':' after the member name");
        ++at_;
        skipSpace();
        const std::uint32_t v = value(depth);
        scratchMembers_.push_back(JsonMember{key, v, keyOffset});
        skipSpace();
        if (at_ < text_.size() && text_[at_] == ',') {
          ++at_;
          skipSpace();
          continue;
        }
        if (at_ < text_.size() && text_[at_] == '}') {
          ++at_;
          break;
        }
        unexpected("',' or '}' after a member");
      }
    }
    const auto begin = scratchMembers_.begin() + static_cast<long>(base);
    std::sort(begin, scratchMembers_.end(),
              [](const JsonMember& a, const JsonMember& b) { return a.key < b.key; });
    for (auto it = begin; it != scratchMembers_.end() && it + 1 != scratchMembers_.end(); ++it) {
      if (it->key == (it + 1)->key) {
        const auto [first, second] = std::minmax(it->offset, (it + 1)->offset);
        fail(second, "the member name \"" + std::string(it->key.substr(0, 64)) +
                         "\" appears twice in one object (first at " + where(text_, first) +
                         "); names must be unique");
      }
    }
    JsonNode& n = tree_.nodes[node];
    n.first = static_cast<std::uint32_t>(tree_.members.size());
    n.count = static_cast<std::uint32_t>(scratchMembers_.size() - base);
    tree_.members.insert(tree_.members.end(), begin, scratchMembers_.end());
    scratchMembers_.resize(base);
    for (std::uint32_t i = n.first; i < n.first + n.count; ++i) {
      JsonNode& member = tree_.nodes[tree_.members[i].value];
      member.parent = node;
      member.slot = i;
    }
    n.text = std::string_view(text_).substr(start, at_ - start);
    --open_;
    return node;
  }

  std::uint32_t array(std::size_t depth) {
    const std::size_t start = at_;
    enter(depth);
    const std::uint32_t node = addNode(JsonKind::Array);
    const std::size_t base = scratchElements_.size();
    if (at_ < text_.size() && text_[at_] == ']') {
      ++at_;
    } else {
      for (;;) {
        scratchElements_.push_back(value(depth));
        skipSpace();
        if (at_ < text_.size() && text_[at_] == ',') {
          ++at_;
          skipSpace();
          continue;
        }
        if (at_ < text_.size() && text_[at_] == ']') {
          ++at_;
          break;
        }
        unexpected("',' or ']' after an array element");
      }
    }
    JsonNode& n = tree_.nodes[node];
    n.first = static_cast<std::uint32_t>(tree_.elements.size());
    n.count = static_cast<std::uint32_t>(scratchElements_.size() - base);
    tree_.elements.insert(tree_.elements.end(), scratchElements_.begin() + static_cast<long>(base),
                          scratchElements_.end());
    scratchElements_.resize(base);
    for (std::uint32_t i = 0; i < n.count; ++i) {
      JsonNode& element = tree_.nodes[tree_.elements[n.first + i]];
      element.parent = node;
      element.slot = i;
    }
    n.text = std::string_view(text_).substr(start, at_ - start);
    --open_;
    return node;
  }

  std::uint32_t literal(std::string_view word, JsonKind kind) {
    const std::string_view rest = std::string_view(text_).substr(at_, word.size());
    if (rest != word) {
      if (rest.size() < word.size() && word.substr(0, rest.size()) == rest) truncated(false);
      unexpected("a value (object, array, string, number, true, false or null)");
    }
    at_ += word.size();
    return addNode(kind);
  }

  bool digitAt(std::size_t i) const {
    return i < text_.size() && text_[i] >= '0' && text_[i] <= '9';
  }

  // At least one digit, then as many as follow.
  void digits(const char* after) {
    if (at_ >= text_.size()) truncated(false);
    if (!digitAt(at_)) unexpected(std::string("a digit ") + after);
    while (digitAt(at_)) ++at_;
  }

  std::uint32_t number() {
    const std::size_t start = at_;
    if (text_[at_] == '-') ++at_;
    if (at_ < text_.size() && text_[at_] == '0') {
      ++at_;
      if (digitAt(at_)) fail(start, "a number cannot start with 0 followed by more digits");
    } else {
      digits("in the number");
    }
    if (at_ < text_.size() && text_[at_] == '.') {
      ++at_;
      digits("after the decimal point");
    }
    if (at_ < text_.size() && (text_[at_] == 'e' || text_[at_] == 'E')) {
      ++at_;
      if (at_ < text_.size() && (text_[at_] == '+' || text_[at_] == '-')) ++at_;
      digits("in the exponent");
    }
    return addNode(JsonKind::Number, std::string_view(text_).substr(start, at_ - start));
  }

  unsigned hex4(std::size_t escapeStart) {
    unsigned value = 0;
    for (int i = 0; i < 4; ++i) {
      if (at_ >= text_.size()) truncated(true);
      const char c = text_[at_];
      unsigned digit = 0;
      if (c >= '0' && c <= '9') {
        digit = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        digit = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        digit = static_cast<unsigned>(c - 'A' + 10);
      } else {
        fail(escapeStart, "\\u must be followed by four hexadecimal digits");
      }
      value = value * 16 + digit;
      ++at_;
    }
    return value;
  }

  // One \uXXXX escape (a surrogate pair takes two), appended to `out` as UTF-8.
  void unicodeEscape(std::string& out) {
    const std::size_t start = at_ - 2;  // at the backslash
    char32_t cp = hex4(start);
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      fail(start, "the escape \\u" + std::string(text_.substr(start + 2, 4)) +
                      " is a lone low surrogate (it must follow a high surrogate \\uD800-\\uDBFF)");
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      if (at_ + 1 < text_.size() && text_[at_] == '\\' && text_[at_ + 1] == 'u') {
        at_ += 2;
        const char32_t low = hex4(at_ - 2);
        if (low >= 0xDC00 && low <= 0xDFFF) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          text::appendUtf8(out, cp);
          return;
        }
      } else if (at_ + 1 >= text_.size()) {
        truncated(true);
      }
      fail(start, "the escape \\u" + std::string(text_.substr(start + 2, 4)) +
                      " is a lone high surrogate (it must be followed by a low surrogate "
                      "\\uDC00-\\uDFFF)");
    }
    text::appendUtf8(out, cp);
  }

  // A string at at_ (the opening quote). Returns its value: a view into the text when it has no
  // escapes, else into the tree's unescaped buffer.
  std::string_view string() {
    ++at_;
    const std::size_t start = at_;
    // Fast path: no escapes.
    for (;;) {
      if (at_ >= text_.size()) truncated(true);
      const auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        ++at_;
        return std::string_view(text_).substr(start, at_ - 1 - start);
      }
      if (c == '\\') break;
      checkedStringByte(c);
    }
    // Slow path: decode into the tree's buffer. The decoded text of all strings together is never
    // longer than the input, so one reservation keeps every earlier view valid.
    std::string& out = tree_.unescaped;
    if (out.capacity() < text_.size()) out.reserve(text_.size());
    const std::size_t outStart = out.size();
    out.append(text_, start, at_ - start);
    for (;;) {
      if (at_ >= text_.size()) truncated(true);
      const auto c = static_cast<unsigned char>(text_[at_]);
      if (c == '"') {
        ++at_;
        return std::string_view(out).substr(outStart);
      }
      if (c != '\\') {
        const std::size_t from = at_;
        checkedStringByte(c);
        out.append(text_, from, at_ - from);
        continue;
      }
      if (at_ + 1 >= text_.size()) truncated(true);
      const char e = text_[at_ + 1];
      at_ += 2;
      switch (e) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u':
          unicodeEscape(out);
          break;
        default: {
          const std::size_t escapeAt = at_ - 2;
          at_ = escapeAt + 1;
          const auto b = static_cast<unsigned char>(e);
          std::string shown;
          if (b >= 0x80) {
            std::size_t offset = at_;
            shown = text::codePointLabel(decodeUtf8(offset));
          } else if (b < 0x20 || b == 0x7F) {
            shown = text::codePointLabel(b);
          } else {
            shown = std::string("\\") + e;
          }
          fail(escapeAt, "the escape " + shown +
                             " is not JSON (allowed: \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)");
        }
      }
    }
  }

  // One character of a string other than '"' and '\\': advances past it.
  void checkedStringByte(unsigned char c) {
    if (c < 0x20) {
      fail(at_, "the control character " + text::codePointLabel(c) +
                    " must be written as an escape inside a string");
    }
    if (c < 0x80) {
      ++at_;
      return;
    }
    decodeUtf8(at_);  // advances past the whole sequence, or throws
  }

  JsonTree& tree_;
  const std::string& text_;
  const std::size_t maxDepth_;
  std::size_t at_ = 0;
  std::size_t open_ = 0;  ///< objects and arrays open at at_
  std::vector<JsonMember> scratchMembers_;
  std::vector<std::uint32_t> scratchElements_;
};

}  // namespace

JsonDocument parseJson(std::string_view bytes, const JsonLimits& limits) {
  if (bytes.size() > limits.maxBytes || bytes.size() >= std::numeric_limits<std::uint32_t>::max()) {
    throw JsonError("",
                       "the document is " + text::withThousands(bytes.size()) + " bytes; at most " +
                           text::withThousands(limits.maxBytes) + " bytes are accepted");
  }
  // A UTF-8 byte order mark is not JSON, but some Windows exporters write one.
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
  const std::size_t first = bytes.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) {
    throw JsonError("", "the document is empty; expected a JSON object");
  }
  if (const void* nul = std::memchr(bytes.data(), '\0', bytes.size())) {
    const auto offset = static_cast<std::size_t>(static_cast<const char*>(nul) - bytes.data());
    throw refusalAt(
        bytes, offset,
        "NUL byte at byte offset " + std::to_string(offset) + "; JSON text cannot contain one");
  }
  if (bytes[first] != '{') {
    throw refusalAt(bytes, first, "the document is not a JSON object; it must start with '{'");
  }
  auto tree = std::make_shared<JsonTree>();
  tree->text.assign(bytes);
  tree->controlCharacters = limits.controlCharacters;
  // About one node per 16 bytes in kintone and FHIR JSON: reserve to avoid most regrowth.
  tree->nodes.reserve(bytes.size() / 16 + 1);
  Parser(*tree, limits.maxDepth).parseTopLevel();
  return JsonDocument(std::move(tree));
}

JsonView JsonDocument::root(std::string path) const { return JsonView(*this, std::move(path)); }

JsonView::JsonView(const JsonDocument& document, std::string path)
    : tree_(document.tree_), node_(0), root_(std::move(path)) {}

std::string JsonView::path() const {
  if (!tree_) return root_;
  std::vector<std::uint32_t> chain;  // from this value up to the top level
  for (std::uint32_t n = node_; tree_->nodes[n].parent != detail::kNoParent; n = tree_->nodes[n].parent) {
    chain.push_back(n);
  }
  std::string out = root_;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    const JsonNode& n = tree_->nodes[*it];
    if (tree_->nodes[n.parent].kind == JsonKind::Object) {
      if (!out.empty()) out += '.';
      out += tree_->members[n.slot].key;
    } else {
      out += '[' + std::to_string(n.slot) + ']';
    }
  }
  return out;
}

namespace {

const JsonNode* nodeOf(const std::shared_ptr<const JsonTree>& tree, std::uint32_t node) {
  return tree ? &tree->nodes[node] : nullptr;
}

JsonKind kindOf(const std::shared_ptr<const JsonTree>& tree, std::uint32_t node) {
  const JsonNode* n = nodeOf(tree, node);
  return n ? n->kind : JsonKind::Null;
}

}  // namespace

bool JsonView::isObject() const { return kindOf(tree_, node_) == JsonKind::Object; }
bool JsonView::isArray() const { return kindOf(tree_, node_) == JsonKind::Array; }
bool JsonView::isString() const { return kindOf(tree_, node_) == JsonKind::String; }
bool JsonView::isNumber() const { return kindOf(tree_, node_) == JsonKind::Number; }

std::string JsonView::kind() const {
  switch (kindOf(tree_, node_)) {
    case JsonKind::Object:
      return "an object";
    case JsonKind::Array:
      return "an array";
    case JsonKind::String:
      return "a string";
    case JsonKind::Number:
      return "a number";
    case JsonKind::True:
    case JsonKind::False:
      return "true or false";
    case JsonKind::Null:
      return "null";
  }
  return "null";
}

std::string JsonView::memberPath(std::string_view key) const {
  std::string out = path();
  if (!out.empty()) out += '.';
  out += key;
  return out;
}

void JsonView::requireObject() const {
  if (!isObject()) throw JsonError(path(), "expected an object, found " + kind());
}

std::string JsonView::asString() const {
  if (!isString()) throw JsonError(path(), "expected a string, found " + kind());
  const std::string_view text = tree_->nodes[node_].text;
  for (unsigned char c : tree_->controlCharacters ? std::string_view() : text) {
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      throw JsonError(path(),
                         "contains the control character " +
                             text::codePointLabel(static_cast<char32_t>(c)) +
                             ", which the liaison sheet cannot carry");
    }
  }
  return std::string(text);
}

long long JsonView::asInteger() const {
  if (!isNumber()) throw JsonError(path(), "expected a whole number, found " + kind());
  const std::string_view text = tree_->nodes[node_].text;
  long long value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    throw JsonError(path(), "expected a whole number of at most 19 digits");
  }
  return value;
}

std::optional<long long> JsonView::integer(std::string_view key) const {
  auto m = member(key);
  if (!m) return std::nullopt;
  return m->asInteger();
}

std::string JsonView::asScalarText() const {
  if (isNumber()) return std::string(tree_->nodes[node_].text);
  return asString();
}

std::string_view JsonView::sourceText() const {
  if (!isObject() && !isArray() && !isNumber()) {
    throw JsonError(path(), "expected an object, an array or a number, found " + kind());
  }
  return tree_->nodes[node_].text;
}

std::optional<std::uint32_t> JsonView::find(std::string_view key) const {
  requireObject();
  const JsonNode& n = tree_->nodes[node_];
  const auto begin = tree_->members.begin() + n.first;
  const auto end = begin + n.count;
  const auto it = std::lower_bound(
      begin, end, key, [](const JsonMember& m, std::string_view k) { return m.key < k; });
  if (it == end || it->key != key) return std::nullopt;
  return it->value;
}

std::optional<JsonView> JsonView::member(std::string_view key) const {
  const auto value = find(key);
  if (!value || tree_->nodes[*value].kind == JsonKind::Null) return std::nullopt;
  return JsonView(tree_, *value, root_);
}

bool JsonView::has(std::string_view key) const {
  const auto value = find(key);
  return value && tree_->nodes[*value].kind != JsonKind::Null;
}

std::optional<JsonView> JsonView::object(std::string_view key) const {
  auto m = member(key);
  if (m && !m->isObject()) {
    throw JsonError(m->path(), "expected an object, found " + m->kind());
  }
  return m;
}

std::vector<JsonView> JsonView::array(std::string_view key) const {
  auto m = member(key);
  if (!m) return {};
  return m->elements();
}

std::vector<JsonView> JsonView::elements() const {
  if (!isArray()) throw JsonError(path(), "expected an array, found " + kind());
  const JsonNode& n = tree_->nodes[node_];
  std::vector<JsonView> out;
  out.reserve(n.count);
  for (std::uint32_t i = 0; i < n.count; ++i) {
    out.push_back(
        JsonView(tree_, tree_->elements[n.first + i], root_));
  }
  return out;
}

std::vector<std::string> JsonView::keys() const {
  requireObject();
  const JsonNode& n = tree_->nodes[node_];
  std::vector<std::string> out;
  out.reserve(n.count);
  for (std::uint32_t i = 0; i < n.count; ++i) out.emplace_back(tree_->members[n.first + i].key);
  return out;
}

std::optional<std::string> JsonView::string(std::string_view key) const {
  auto m = member(key);
  if (!m) return std::nullopt;
  return m->asString();
}

std::string JsonView::requiredString(std::string_view key, const std::string& why) const {
  auto s = string(key);
  if (!s) throw JsonError(memberPath(key), "is required (" + why + ")");
  return *s;
}

}  // namespace tsunagi::mapping::json
