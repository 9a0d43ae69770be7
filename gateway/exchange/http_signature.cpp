#include "gateway/exchange/http_signature.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <utility>
#include <variant>

#include "mapping/digest.hpp"
#include "mapping/text/strings.hpp"

namespace tsunagi::exchange {

namespace {

// ---- RFC 8941 structured fields: Dictionaries (no RFC 9651 dates or display strings) ----------
// Parsing follows RFC 8941 §4.2 with two deliberate refusals for untrusted input: a dictionary key
// or a parameter key that appears twice (8941 would let the last one win) and a byte sequence that
// is not padded, canonical base64.

struct Token {
  std::string text;
};
struct ByteSequence {
  std::string bytes;
};
struct Decimal {
  std::string text;  // canonical serialization
};
using BareItem = std::variant<std::int64_t, Decimal, std::string, Token, ByteSequence, bool>;
using Parameters = std::vector<std::pair<std::string, BareItem>>;
struct Item {
  BareItem value;
  Parameters params;
};
struct InnerList {
  std::vector<Item> items;
  Parameters params;
};
using Member = std::variant<Item, InnerList>;
using Dictionary = std::vector<std::pair<std::string, Member>>;

bool isDigit(char c) { return c >= '0' && c <= '9'; }
bool isLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool isAlpha(char c) { return isLcAlpha(c) || (c >= 'A' && c <= 'Z'); }
bool isTchar(char c) {
  return isAlpha(c) || isDigit(c) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

std::string inQuotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

class Parser {
 public:
  Parser(std::string_view field, std::string_view text) : field_(field), text_(text) {}

  Dictionary dictionary() {
    Dictionary out;
    skipSpaces();
    while (!atEnd()) {
      std::string key = parseKey();
      for (const auto& [existing, _] : out) {
        if (existing == key) fail("duplicate member " + inQuotes(key));
      }
      if (peek() == '=') {
        ++pos_;
        out.emplace_back(std::move(key), peek() == '(' ? Member(parseInnerList()) : parseItem());
      } else {
        out.emplace_back(std::move(key), Item{true, parseParameters()});
      }
      skipOws();
      if (atEnd()) break;
      if (peek() != ',') fail("expected ',' after member " + inQuotes(out.back().first));
      ++pos_;
      skipOws();
      if (atEnd()) fail("trailing ','");
    }
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw SignatureError(field_ + ": " + what + " at byte " + std::to_string(pos_));
  }
  bool atEnd() const { return pos_ >= text_.size(); }
  char peek() const { return atEnd() ? '\0' : text_[pos_]; }
  void skipSpaces() {
    while (peek() == ' ') ++pos_;
  }
  void skipOws() {
    while (peek() == ' ' || peek() == '\t') ++pos_;
  }

  std::string parseKey() {
    if (!isLcAlpha(peek()) && peek() != '*') fail("expected a key (a lower-case letter or '*')");
    const std::size_t start = pos_;
    while (isLcAlpha(peek()) || isDigit(peek()) || peek() == '_' || peek() == '-' ||
           peek() == '.' || peek() == '*') {
      ++pos_;
    }
    return std::string(text_.substr(start, pos_ - start));
  }

  InnerList parseInnerList() {
    InnerList list;
    ++pos_;  // '('
    while (!atEnd()) {
      skipSpaces();
      if (atEnd()) break;
      if (peek() == ')') {
        ++pos_;
        list.params = parseParameters();
        return list;
      }
      list.items.push_back(parseItem());
      if (atEnd()) break;
      if (peek() != ' ' && peek() != ')') fail("expected ' ' or ')' after an inner-list item");
    }
    fail("inner list has no closing ')'");
  }

  Item parseItem() {
    BareItem value = parseBareItem();
    return Item{std::move(value), parseParameters()};
  }

  Parameters parseParameters() {
    Parameters params;
    while (peek() == ';') {
      ++pos_;
      skipSpaces();
      std::string key = parseKey();
      BareItem value = true;
      if (peek() == '=') {
        ++pos_;
        value = parseBareItem();
      }
      for (const auto& [existing, _] : params) {
        if (existing == key) fail("duplicate parameter " + inQuotes(key));
      }
      params.emplace_back(std::move(key), std::move(value));
    }
    return params;
  }

  BareItem parseBareItem() {
    const char c = peek();
    if (c == '-' || isDigit(c)) return parseNumber();
    if (c == '"') return parseString();
    if (c == ':') return parseByteSequence();
    if (c == '?') return parseBoolean();
    if (isAlpha(c) || c == '*') return parseToken();
    if (atEnd()) fail("value expected, found the end of the field");
    fail("unexpected character '" + std::string(1, c) + "'");
  }

  BareItem parseNumber() {
    bool negative = false;
    if (peek() == '-') {
      negative = true;
      ++pos_;
    }
    if (!isDigit(peek())) fail("expected a digit");
    std::string digits;
    std::size_t point = std::string::npos;
    while (isDigit(peek()) || (peek() == '.' && point == std::string::npos)) {
      if (peek() == '.') {
        if (digits.size() > 12) fail("decimal has more than 12 integer digits");
        point = digits.size();
      } else {
        digits += peek();
      }
      ++pos_;
      if (point == std::string::npos && digits.size() > 15) fail("integer has more than 15 digits");
    }
    if (point == std::string::npos) {
      const std::int64_t value = std::stoll(digits);
      return negative ? -value : value;
    }
    const std::size_t fraction = digits.size() - point;
    if (fraction == 0) fail("decimal ends with '.'");
    if (fraction > 3) fail("decimal has more than 3 fractional digits");
    std::string whole = digits.substr(0, point);
    whole.erase(0, std::min(whole.find_first_not_of('0'), whole.size() - 1));
    std::string frac = digits.substr(point);
    while (frac.size() > 1 && frac.back() == '0') frac.pop_back();
    return Decimal{(negative ? "-" : "") + whole + "." + frac};
  }

  BareItem parseString() {
    ++pos_;  // '"'
    std::string out;
    while (!atEnd()) {
      const char c = text_[pos_++];
      if (c == '\\') {
        if (peek() != '"' && peek() != '\\') fail("a string may only escape '\"' and '\\'");
        out += text_[pos_++];
      } else if (c == '"') {
        return out;
      } else if (c < 0x20 || c > 0x7e) {
        --pos_;
        fail("string has a character outside printable ASCII");
      } else {
        out += c;
      }
    }
    fail("string has no closing '\"'");
  }

  BareItem parseToken() {
    const std::size_t start = pos_;
    while (isTchar(peek()) || peek() == ':' || peek() == '/') ++pos_;
    return Token{std::string(text_.substr(start, pos_ - start))};
  }

  BareItem parseByteSequence() {
    const std::size_t start = ++pos_;  // after ':'
    const std::size_t end = text_.find(':', start);
    if (end == std::string_view::npos) fail("byte sequence has no closing ':'");
    auto bytes = mapping::base64Decode(text_.substr(start, end - start));
    if (!bytes) fail("byte sequence is not padded standard base64");
    pos_ = end + 1;
    return ByteSequence{std::move(*bytes)};
  }

  BareItem parseBoolean() {
    ++pos_;  // '?'
    if (peek() != '0' && peek() != '1') fail("a boolean is ?0 or ?1");
    return text_[pos_++] == '1';
  }

  std::string field_;
  std::string_view text_;
  std::size_t pos_ = 0;
};

std::string serializeString(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string serializeBareItem(const BareItem& item) {
  struct Visitor {
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(const Decimal& v) const { return v.text; }
    std::string operator()(const std::string& v) const { return serializeString(v); }
    std::string operator()(const Token& v) const { return v.text; }
    std::string operator()(const ByteSequence& v) const {
      return ":" + mapping::base64Encode(v.bytes) + ":";
    }
    std::string operator()(bool v) const { return v ? "?1" : "?0"; }
  };
  return std::visit(Visitor{}, item);
}

std::string serializeParameters(const Parameters& params) {
  std::string out;
  for (const auto& [key, value] : params) {
    out += ";" + key;
    const bool* flag = std::get_if<bool>(&value);
    if (!flag || !*flag) out += "=" + serializeBareItem(value);
  }
  return out;
}

std::string serializeInnerList(const InnerList& list) {
  std::string out = "(";
  for (std::size_t i = 0; i < list.items.size(); ++i) {
    if (i > 0) out += ' ';
    out += serializeBareItem(list.items[i].value) + serializeParameters(list.items[i].params);
  }
  return out + ")" + serializeParameters(list.params);
}

const Member* findMember(const Dictionary& dictionary, std::string_view key) {
  for (const auto& [name, member] : dictionary) {
    if (name == key) return &member;
  }
  return nullptr;
}

std::string memberNames(const Dictionary& dictionary) {
  if (dictionary.empty()) return "the field is empty";
  std::string out = "present:";
  for (const auto& [name, _] : dictionary) out += " " + name;
  return out;
}

// ---- RFC 9421 -----------------------------------------------------------------------------------

const char* const kProfileComponents[] = {"@method", "@target-uri", "content-type",
                                          "content-digest"};

std::string trimOws(std::string_view v) { return std::string(mapping::text::trimAscii(v, " \t")); }

/// §2.1: field values lose leading and trailing whitespace; derived components are used as they
/// are.
std::string canonicalValue(std::string_view name, std::string_view value) {
  return name.starts_with('@') ? std::string(value) : trimOws(value);
}

/// §2.5: one line per covered component, then "@signature-params"; ASCII only, no line breaks.
std::string buildBase(const std::vector<std::pair<std::string, std::string>>& lines,
                      std::string_view signatureParams) {
  std::string base;
  for (const auto& [name, value] : lines) {
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x80) throw SignatureError("component " + inQuotes(name) + " has a non-ASCII value");
      if ((u < 0x20 && c != '\t') || u == 0x7f) {
        throw SignatureError("component " + inQuotes(name) +
                             " has a control character (line break?)");
      }
    }
    base += serializeString(name) + ": " + value + "\n";
  }
  return base + "\"@signature-params\": " + std::string(signatureParams);
}

std::vector<std::pair<std::string, std::string>> profileLines(const SignedFields& fields) {
  const std::string* values[] = {&fields.method, &fields.targetUri, &fields.contentType,
                                 &fields.contentDigest};
  std::vector<std::pair<std::string, std::string>> lines;
  for (std::size_t i = 0; i < 4; ++i) {
    lines.emplace_back(kProfileComponents[i], canonicalValue(kProfileComponents[i], *values[i]));
  }
  return lines;
}

template <typename T>
const T* paramAs(const BareItem& value) {
  return std::get_if<T>(&value);
}

}  // namespace

std::string contentDigest(std::string_view body) {
  return "sha-256=:" + mapping::base64Encode(mapping::sha256(body)) + ":";
}

std::optional<std::string> checkContentDigest(std::string_view headerValue, std::string_view body) {
  Dictionary digests;
  try {
    digests = Parser("Content-Digest", headerValue).dictionary();
  } catch (const SignatureError& e) {
    return std::string("malformed: ") + e.what();
  }
  const Member* member = findMember(digests, "sha-256");
  if (!member) return std::string("no sha-256 member");
  const Item* item = std::get_if<Item>(member);
  const ByteSequence* digest = item ? paramAs<ByteSequence>(item->value) : nullptr;
  if (!digest) return std::string("malformed: the sha-256 member is not a byte sequence");
  if (digest->bytes.size() != 32) {
    return "malformed: the sha-256 member is " + std::to_string(digest->bytes.size()) +
           " bytes, not 32";
  }
  const std::string actual = mapping::sha256(body);
  if (CRYPTO_memcmp(actual.data(), digest->bytes.data(), 32) != 0) {
    return std::string("digest does not match the body");
  }
  return std::nullopt;
}

std::string signatureBase(const SignedFields& fields, std::string_view signatureParams) {
  return buildBase(profileLines(fields), signatureParams);
}

SignatureHeaders signRequest(const SignedFields& fields, const crypto::Key& privateKey,
                             std::string_view keyId, std::int64_t created) {
  if (!privateKey.isP256()) throw SignatureError("cannot sign: the key is not an EC P-256 key");
  if (keyId.empty()) throw SignatureError("cannot sign: the keyid is empty");
  for (const char c : keyId) {
    if (c < 0x20 || c > 0x7e) throw SignatureError("cannot sign: the keyid is not printable ASCII");
  }
  if (created < 0) throw SignatureError("cannot sign: created is before 1970");
  const auto lines = profileLines(fields);
  for (const auto& [name, value] : lines) {
    if (value.empty()) throw SignatureError("cannot sign: " + inQuotes(name) + " is empty");
  }
  InnerList params;
  for (const char* name : kProfileComponents) params.items.push_back(Item{std::string(name), {}});
  params.params = {{"created", created},
                   {"keyid", std::string(keyId)},
                   {"alg", std::string(kSignatureAlgorithm)}};
  const std::string serialized = serializeInnerList(params);
  const std::string base = buildBase(lines, serialized);
  const std::string raw = crypto::derToRawP256(crypto::signSha256(privateKey, base));
  const std::string label(kSignatureLabel);
  return {label + "=" + serialized, label + "=:" + mapping::base64Encode(raw) + ":"};
}

bool verifyBase(std::string_view base, std::string_view rawSignature,
                const crypto::Key& publicKey) {
  if (rawSignature.size() != 64) return false;
  return crypto::verifySha256(publicKey, base, crypto::rawToDerP256(rawSignature));
}

VerifiedSignature verifyMessage(std::string_view label, std::string_view signatureInput,
                                std::string_view signature, const ComponentValues& values,
                                const std::vector<std::string>& required,
                                const crypto::Key& publicKey) {
  if (!publicKey.isP256()) throw SignatureError("the verification key is not an EC P-256 key");
  const Dictionary inputs = Parser("Signature-Input", signatureInput).dictionary();
  const Dictionary signatures = Parser("Signature", signature).dictionary();
  const std::string name = inQuotes(label);

  const Member* inputMember = findMember(inputs, label);
  if (!inputMember) {
    throw SignatureError("Signature-Input: no " + name + " member (" + memberNames(inputs) + ")");
  }
  const Member* signatureMember = findMember(signatures, label);
  if (!signatureMember) {
    throw SignatureError("Signature: no " + name + " member (" + memberNames(signatures) + ")");
  }
  const InnerList* input = std::get_if<InnerList>(inputMember);
  if (!input) {
    throw SignatureError("Signature-Input: member " + name + " is not an inner list of components");
  }

  VerifiedSignature verified;
  std::vector<std::pair<std::string, std::string>> lines;
  for (std::size_t i = 0; i < input->items.size(); ++i) {
    const std::string* component = paramAs<std::string>(input->items[i].value);
    if (!component) {
      throw SignatureError("Signature-Input: component " + std::to_string(i + 1) + " of " + name +
                           " is not a quoted string");
    }
    const std::string id = inQuotes(*component);
    if (!input->items[i].params.empty()) {
      throw SignatureError("Signature-Input: component " + id + " has parameters (" +
                           serializeParameters(input->items[i].params) + "), not supported here");
    }
    if (*component == "@signature-params") {
      throw SignatureError("Signature-Input: \"@signature-params\" cannot be a covered component");
    }
    if (std::find(verified.components.begin(), verified.components.end(), *component) !=
        verified.components.end()) {
      throw SignatureError("Signature-Input: component " + id + " is covered twice");
    }
    const auto value = values.find(*component);
    if (value == values.end()) {
      throw SignatureError("Signature-Input: covered component " + id +
                           " has no value in this message");
    }
    verified.components.push_back(*component);
    lines.emplace_back(*component, canonicalValue(*component, value->second));
  }
  for (const std::string& component : required) {
    if (std::find(verified.components.begin(), verified.components.end(), component) ==
        verified.components.end()) {
      throw SignatureError("Signature-Input: required component " + inQuotes(component) +
                           " is not covered");
    }
  }

  bool haveCreated = false;
  bool haveKeyId = false;
  for (const auto& [key, value] : input->params) {
    const std::string param = inQuotes(key);
    if (key == "created" || key == "expires") {
      const std::int64_t* time = paramAs<std::int64_t>(value);
      if (!time || *time < 0) {
        throw SignatureError("Signature-Input: " + param + " must be a non-negative integer");
      }
      if (key == "created") {
        verified.created = *time;
        haveCreated = true;
      } else {
        verified.expires = *time;
      }
    } else if (key == "keyid" || key == "alg" || key == "nonce" || key == "tag") {
      const std::string* text = paramAs<std::string>(value);
      if (!text) throw SignatureError("Signature-Input: " + param + " must be a quoted string");
      if (key == "alg" && *text != kSignatureAlgorithm) {
        throw SignatureError("Signature-Input: alg " + inQuotes(*text) + " is not " +
                             std::string(kSignatureAlgorithm));
      }
      if (key == "keyid") {
        verified.keyId = *text;
        haveKeyId = true;
      }
    } else {
      throw SignatureError("Signature-Input: unknown signature parameter " + param);
    }
  }
  if (!haveCreated) throw SignatureError("Signature-Input: the created parameter is missing");
  if (!haveKeyId) throw SignatureError("Signature-Input: the keyid parameter is missing");

  const Item* signatureItem = std::get_if<Item>(signatureMember);
  const ByteSequence* raw = signatureItem ? paramAs<ByteSequence>(signatureItem->value) : nullptr;
  if (!raw) throw SignatureError("Signature: member " + name + " is not a byte sequence");
  if (raw->bytes.size() != 64) {
    throw SignatureError("Signature: " + name + " is " + std::to_string(raw->bytes.size()) +
                         " bytes; an ecdsa-p256-sha256 signature is 64 (r‖s)");
  }

  const std::string base = buildBase(lines, serializeInnerList(*input));
  if (!verifyBase(base, raw->bytes, publicKey)) {
    throw SignatureError("signature does not verify");
  }
  return verified;
}

VerifiedSignature verifyRequest(const SignedFields& fields, std::string_view signatureInput,
                                std::string_view signature, const crypto::Key& publicKey) {
  ComponentValues values;
  const auto lines = profileLines(fields);
  for (const auto& [name, value] : lines) {
    if (!value.empty()) values.emplace(name, value);  // an empty field counts as absent
  }
  return verifyMessage(kSignatureLabel, signatureInput, signature, values,
                       {"@method", "@target-uri", "content-digest"}, publicKey);
}

}  // namespace tsunagi::exchange
