#include "gateway/exchange/envelope.hpp"

#include <libxml/tree.h>
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "mapping/digest.hpp"
#include "mapping/model/binding.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/time.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::exchange {

namespace {

using mapping::DocumentError;
using mapping::Issue;

void element(std::string& out, const char* name, const std::string& value) {
  out += "  <";
  out += name;
  out += '>';
  mapping::binding::appendEscaped(out, value);
  out += "</";
  out += name;
  out += ">\n";
}

std::string childText(const xmlNode* parent, const char* name) {
  for (const xmlNode* n = parent->children; n; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0) {
      xmlChar* text = xmlNodeGetContent(n);
      std::string out = text ? reinterpret_cast<const char*>(text) : "";
      xmlFree(text);
      return out;
    }
  }
  return {};
}

const xmlNode* childElement(const xmlNode* parent, const char* name) {
  for (const xmlNode* n = parent->children; n; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0) {
      return n;
    }
  }
  return nullptr;
}

std::optional<std::string> optionalChild(const xmlNode* parent, const char* name) {
  if (!childElement(parent, name)) return std::nullopt;
  return childText(parent, name);
}

void requireRoot(const mapping::xml::Document& doc, const char* name) {
  const xmlNode* root = doc.root();
  const char* ns = root->ns ? reinterpret_cast<const char*>(root->ns->href) : "";
  if (std::strcmp(reinterpret_cast<const char*>(root->name), name) != 0 ||
      std::strcmp(ns, kExchangeNamespace) != 0) {
    throw DocumentError({Issue{static_cast<int>(xmlGetLineNo(root)),
                               std::string("/") + reinterpret_cast<const char*>(root->name),
                               std::string("expected ") + name + " in namespace " +
                                   kExchangeNamespace}});
  }
  auto issues = mapping::xml::shippedSchema("exchange-1.xsd")->validate(doc);
  if (!issues.empty()) throw DocumentError(std::move(issues));
}

// The schema's limits on <losses>: a report longer than this is cut, and says so.
constexpr std::size_t kMaxLosses = 1000;

// A loss text as the schema takes it: control characters as spaces, at most `limit` characters.
std::string fitted(const std::string& text, std::size_t limit) {
  std::u32string chars = mapping::text::decodeUtf8(text);
  for (char32_t& c : chars) {
    if (c < 0x20 || c == 0x7F) c = U' ';
  }
  if (chars.size() > limit) chars = chars.substr(0, limit - 1) + U"…";
  return mapping::text::encodeUtf8(chars);
}

}  // namespace

std::string serializeEnvelope(const Envelope& e) {
  std::string document = mapping::serialize(e.document);
  // Drop the inner XML declaration: the envelope has its own.
  if (auto eol = document.find('\n'); document.rfind("<?xml", 0) == 0 && eol != std::string::npos) {
    document.erase(0, eol + 1);
  }
  std::string out;
  out.reserve(document.size() + 512);
  out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Envelope xmlns=\"";
  out += kExchangeNamespace;
  out += "\">\n";
  element(out, "messageId", e.messageId);
  element(out, "created", e.created);
  element(out, "from", e.from);
  element(out, "to", e.to);
  element(out, "documentType", e.documentType);
  if (e.caseId) element(out, "caseId", *e.caseId);
  if (e.consentReference) element(out, "consentReference", *e.consentReference);
  if (!e.losses.empty()) {
    out += "  <losses>\n";
    const auto& entries = e.losses.entries();
    const std::size_t shown = std::min(entries.size(), kMaxLosses);
    for (std::size_t i = 0; i < shown; ++i) {
      adapters::Loss loss = entries[i];
      if (i + 1 == kMaxLosses && entries.size() > kMaxLosses) {
        loss = {adapters::Loss::Kind::Dropped, "/losses",
                std::to_string(entries.size() - kMaxLosses + 1) + " more losses not listed"};
      }
      out += "    <loss kind=\"";
      out += adapters::toString(loss.kind);
      out += "\" path=\"";
      mapping::binding::appendEscaped(out, fitted(loss.path, 512));
      out += "\">";
      mapping::binding::appendEscaped(out, fitted(loss.detail, 2000));
      out += "</loss>\n";
    }
    out += "  </losses>\n";
  }
  out += "  <document>\n";
  out += document;
  out += "  </document>\n</Envelope>\n";
  return out;
}

Envelope parseEnvelope(std::string_view bytes, const mapping::xml::ParseLimits& limits,
                       EnvelopePart part) {
  auto doc = mapping::xml::parseUntrusted(bytes, limits);
  requireRoot(doc, "Envelope");
  const xmlNode* root = doc.root();
  Envelope e;
  e.messageId = childText(root, "messageId");
  e.created = childText(root, "created");
  e.from = childText(root, "from");
  e.to = childText(root, "to");
  e.documentType = childText(root, "documentType");
  e.caseId = optionalChild(root, "caseId");
  e.consentReference = optionalChild(root, "consentReference");
  if (const xmlNode* losses = childElement(root, "losses")) {
    for (const xmlNode* n = losses->children; n; n = n->next) {
      if (n->type != XML_ELEMENT_NODE) continue;
      auto attribute = [&](const char* name) {
        return mapping::xml::attribute(n, name).value_or("");
      };
      xmlChar* text = xmlNodeGetContent(n);
      const std::string detail = text ? reinterpret_cast<const char*>(text) : "";
      xmlFree(text);
      // The schema enumerates the kinds, so every one read here is known.
      e.losses.add(*adapters::lossKindFromString(attribute("kind")), attribute("path"), detail);
    }
  }

  const xmlNode* holder = childElement(root, "document");
  const xmlNode* inner = holder ? holder->children : nullptr;
  while (inner && inner->type != XML_ELEMENT_NODE) inner = inner->next;
  if (!inner) throw DocumentError({Issue{0, "/Envelope/document", "carries no document"}});
  if (std::strcmp(reinterpret_cast<const char*>(inner->name), e.documentType.c_str()) != 0) {
    throw DocumentError({Issue{static_cast<int>(xmlGetLineNo(inner)), "/Envelope/document",
                               "documentType says " + e.documentType + " but the document is a " +
                                   reinterpret_cast<const char*>(inner->name)}});
  }
  std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buffer(xmlBufferCreate(), xmlBufferFree);
  xmlNodeDump(buffer.get(), doc.get(), const_cast<xmlNode*>(inner), 0, 0);
  e.documentBytes.assign(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                         static_cast<std::size_t>(xmlBufferLength(buffer.get())));
  e.documentLine = static_cast<int>(xmlGetLineNo(inner));
  if (part == EnvelopePart::Whole) parseEnvelopeDocument(e, limits);
  return e;
}

void parseEnvelopeDocument(Envelope& e, const mapping::xml::ParseLimits& limits) {
  // The inner document goes through the whole canonical pipeline on its own bytes.
  try {
    e.document = mapping::parseCanonical(e.documentBytes, limits);
  } catch (const DocumentError& error) {
    std::vector<Issue> issues = error.issues();
    for (Issue& issue : issues) {
      issue.path = "/Envelope/document" + issue.path;
      if (issue.line > 0) issue.line += e.documentLine - 1;
    }
    throw DocumentError(std::move(issues));
  }
  e.documentBytes.clear();
}

std::string Receipt::signingString() const {
  return "tsunagi-receipt-v1\n" + messageId + "\n" + sender + "\n" + receiver + "\n" +
         contentDigest + "\n" + receivedAt + "\n" + chainHead + "\n";
}

std::string issueReceipt(Receipt r, const crypto::Key& receiverKey) {
  r.signature = mapping::base64Encode(crypto::signSha256(receiverKey, r.signingString()));
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Receipt xmlns=\"";
  out += kExchangeNamespace;
  out += "\">\n";
  element(out, "messageId", r.messageId);
  element(out, "sender", r.sender);
  element(out, "receiver", r.receiver);
  element(out, "contentDigest", r.contentDigest);
  element(out, "receivedAt", r.receivedAt);
  element(out, "chainHead", r.chainHead);
  element(out, "signature", r.signature);
  out += "</Receipt>\n";
  return out;
}

Receipt verifyReceipt(std::string_view bytes, const crypto::Key& receiverPublicKey) {
  auto doc = mapping::xml::parseUntrusted(bytes);
  requireRoot(doc, "Receipt");
  const xmlNode* root = doc.root();
  Receipt r{childText(root, "messageId"), childText(root, "sender"),    childText(root, "receiver"),
            childText(root, "contentDigest"), childText(root, "receivedAt"),
            childText(root, "chainHead"), childText(root, "signature")};
  auto signature = mapping::base64Decode(r.signature);
  if (!signature || !crypto::verifySha256(receiverPublicKey, r.signingString(), *signature)) {
    throw crypto::CryptoError("receipt for message " + r.messageId +
                              " does not carry a valid signature of node " + r.receiver);
  }
  return r;
}

std::string newMessageId() {
  unsigned char b[16];
  const auto ms = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  for (int i = 0; i < 6; ++i) b[i] = static_cast<unsigned char>(ms >> (40 - 8 * i));
  if (RAND_bytes(b + 6, 10) != 1) throw std::runtime_error("no randomness for a message id");
  b[6] = static_cast<unsigned char>(0x70 | (b[6] & 0x0F));  // version 7
  b[8] = static_cast<unsigned char>(0x80 | (b[8] & 0x3F));  // RFC 9562 variant
  const std::string hex = mapping::toHex(std::string_view(reinterpret_cast<char*>(b), 16));
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string utcNow() {
  return mapping::isoUtc(mapping::civilTime(std::chrono::system_clock::now(), mapping::Zone::Utc),
                         true);
}

std::optional<double> parseInstant(std::string_view instant) {
  std::tm tm{};
  int fractionDigits = 0;
  double fraction = 0;
  const std::string text(instant);
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6) {
    return std::nullopt;
  }
  std::size_t at = static_cast<std::size_t>(consumed);
  if (at < text.size() && text[at] == '.') {
    double scale = 0.1;
    for (++at; at < text.size() && text[at] >= '0' && text[at] <= '9'; ++at, ++fractionDigits) {
      fraction += (text[at] - '0') * scale;
      scale /= 10;
    }
    if (fractionDigits == 0) return std::nullopt;
  }
  if (at + 1 != text.size() || text[at] != 'Z') return std::nullopt;
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<double>(mapping::unixSecondsOfUtc(tm)) + fraction;
}

}  // namespace tsunagi::exchange
