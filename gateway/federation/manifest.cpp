#include "gateway/federation/manifest.hpp"

#include <libxml/tree.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>

#include "mapping/digest.hpp"
#include "mapping/identifiers.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/time.hpp"
#include "mapping/xml/document.hpp"
#include "mapping/xml/issue.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::federation {

using mapping::DocumentError;
using mapping::Issue;

bool ManifestNode::accepts(std::string_view documentType) const {
  return std::find(acceptedTypes.begin(), acceptedTypes.end(), documentType) != acceptedTypes.end();
}

bool ManifestNode::hasPin(std::string_view pin) const {
  return std::find(pins.begin(), pins.end(), pin) != pins.end();
}

const ManifestNode* Manifest::node(std::string_view code) const {
  for (const ManifestNode& n : nodes) {
    if (n.code == code) return &n;
  }
  return nullptr;
}

const ManifestNode* Manifest::nodeServingInsurer(std::string_view insurer) const {
  for (const ManifestNode& n : nodes) {
    if (std::find(n.insurers.begin(), n.insurers.end(), insurer) != n.insurers.end()) return &n;
  }
  return nullptr;
}

const ManifestNode* Manifest::nodeServingMunicipality(std::string_view municipality) const {
  for (const ManifestNode& n : nodes) {
    const auto& m = n.municipalities;
    if (std::find(m.begin(), m.end(), municipality) != m.end()) return &n;
  }
  return nullptr;
}

namespace {

namespace xml = mapping::xml;

constexpr const char* kSchemaFile = "manifest-1.xsd";

std::string_view nameOf(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

int lineOf(const xmlNode* node) { return static_cast<int>(xmlGetLineNo(node)); }

std::string textOf(const xmlNode* node) {
  xmlChar* text = xmlNodeGetContent(node);
  std::string out = text ? reinterpret_cast<const char*>(text) : "";
  xmlFree(text);
  return std::string(mapping::text::trimAscii(out));
}

std::vector<const xmlNode*> elements(const xmlNode* parent) {
  std::vector<const xmlNode*> out;
  for (const xmlNode* child = parent->children; child; child = child->next) {
    if (child->type == XML_ELEMENT_NODE) out.push_back(child);
  }
  return out;
}

void checkRoot(const xmlNode* root) {
  const std::string_view ns =
      root->ns && root->ns->href ? reinterpret_cast<const char*>(root->ns->href) : "";
  if (nameOf(root) == "FederationManifest" && ns == kManifestNamespace) return;
  throw DocumentError(
      {Issue{lineOf(root), "/" + std::string(nameOf(root)),
             "not a federation manifest: the root element must be <FederationManifest xmlns=\"" +
                 std::string(kManifestNamespace) + "\">, found another element" +
                 (ns == kManifestNamespace || ns.empty() ? "" : " in another namespace")}});
}

int digits(std::string_view s, std::size_t at, std::size_t count) {
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return -1;
    value = value * 10 + (s[i] - '0');
  }
  return value;
}

// YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM), already checked by the schema as an xs:dateTime with
// an offset; nullopt for what the schema allows but a manifest has no use for (years < 1970 or
// beyond four digits).
std::optional<std::time_t> parseInstant(std::string_view text) {
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':') {
    return std::nullopt;
  }
  struct tm t {};
  t.tm_year = digits(text, 0, 4) - 1900;
  t.tm_mon = digits(text, 5, 2) - 1;
  t.tm_mday = digits(text, 8, 2);
  t.tm_hour = digits(text, 11, 2);
  t.tm_min = digits(text, 14, 2);
  t.tm_sec = digits(text, 17, 2);
  if (t.tm_year < 70 || t.tm_mon < 0 || t.tm_mday < 1 || t.tm_hour < 0 || t.tm_min < 0 ||
      t.tm_sec < 0) {
    return std::nullopt;
  }
  std::size_t at = 19;
  if (at < text.size() && text[at] == '.') {
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  }
  long offset = 0;
  const std::string_view zone = text.substr(at);
  if (zone != "Z") {
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':')
      return std::nullopt;
    const int hours = digits(zone, 1, 2);
    const int minutes = digits(zone, 4, 2);
    if (hours < 0 || minutes < 0) return std::nullopt;
    offset = (hours * 60L + minutes) * 60L * (zone[0] == '-' ? -1 : 1);
  }
  if (t.tm_hour == 24) {  // xs:dateTime allows 24:00:00 for the end of a day
    t.tm_hour = 0;
    return mapping::unixSecondsOfUtc(t) + 24 * 3600 - offset;
  }
  return mapping::unixSecondsOfUtc(t) - offset;
}

// https://host[:port][/path]: the schema has checked the scheme; this checks the authority.
std::optional<std::string> checkEndpoint(std::string_view url) {
  constexpr std::string_view kScheme = "https://";
  if (url.substr(0, kScheme.size()) != kScheme) return "must start with https://";
  if (url.find_first_of("?#") != std::string_view::npos) {
    return "must not have a query or fragment: it is the base of the exchange URLs";
  }
  const std::string_view rest = url.substr(kScheme.size());
  const std::string_view authority = rest.substr(0, rest.find('/'));
  if (authority.find('@') != std::string_view::npos) return "must not carry user information";
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return "has an unterminated IPv6 address";
    host = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return "has text after the IPv6 address";
      port = after.substr(1);
    }
    if (host.empty() || host.find_first_not_of("0123456789abcdefABCDEF:.") != host.npos) {
      return "has an invalid IPv6 address";
    }
  } else {
    if (const auto colon = authority.find(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (host.empty()) return "has no host";
    if (host.find_first_not_of(
            "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != host.npos) {
      return "host has characters other than letters, digits, '.', '-'";
    }
  }
  // The exchange signs the target URI built from this text without normalising it
  // (docs/exchange-protocol.md), so only the plain form is accepted.
  if (std::any_of(host.begin(), host.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return "host must be written in lower case (the exchange signs the URI as written)";
  }
  if (authority.size() != host.size() || !port.empty()) {
    const int number = port.size() <= 5 ? digits(port, 0, port.size()) : -1;
    if (port.empty() || number < 1 || number > 65535) {
      return "port must be a number from 1 to 65535";
    }
    if (number == 443) return "must not name the default port 443 (write https://host)";
  }
  return std::nullopt;
}

std::optional<std::string> checkCaCertificate(const std::string& pem) {
  try {
    const crypto::Certificate cert = crypto::Certificate::fromPem(pem);
    if (X509_check_ca(cert.get()) < 1) {
      return "is not a CA certificate (no basicConstraints CA:TRUE)";
    }
  } catch (const crypto::CryptoError&) {
    return "is not a parsable PEM certificate";
  }
  return std::nullopt;
}

/// Collects issues while reading and remembers where each unique value was first seen.
class Checker {
 public:
  void add(const xmlNode* node, std::string message) {
    issues_.push_back(Issue{lineOf(node), xml::pathOf(node), std::move(message)});
  }
  // False (and an issue) if `value` of kind `what` was already seen in `scope`.
  bool unique(const std::string& scope, const std::string& value, const xmlNode* node,
              const std::string& what) {
    auto [it, inserted] = seen_[scope].emplace(value, xml::pathOf(node));
    if (!inserted) add(node, what + " is already listed at " + it->second);
    return inserted;
  }
  std::vector<Issue>& issues() { return issues_; }

 private:
  std::vector<Issue> issues_;
  std::map<std::string, std::map<std::string, std::string>> seen_;
};

ManifestNode readNode(const xmlNode* element, Checker& check) {
  ManifestNode node;
  for (const xmlNode* child : elements(element)) {
    const std::string_view name = nameOf(child);
    const std::string value = textOf(child);
    if (name == "code") {
      node.code = value;
      if (auto why = mapping::checkMunicipalityCode(value)) {
        check.add(child, "node code: " + *why + " (全国地方公共団体コード)");
      }
      check.unique("node", value, child, "node code");
    } else if (name == "name") {
      node.name = value;
    } else if (name == "endpoint") {
      node.endpoint = value;
      if (auto why = checkEndpoint(value)) check.add(child, "endpoint " + *why);
    } else if (name == "pin") {
      node.pins.push_back(value);
      // Re-encoding catches non-zero padding bits, which decode but never equal a computed pin.
      const auto decoded = mapping::base64Decode(value);
      if (!decoded || decoded->size() != 32 || mapping::base64Encode(*decoded) != value) {
        check.add(child,
                  "pin must be the base64 of a 32-byte SHA-256 of the node's public key "
                  "(44 characters, as certs/spki-pin.sh prints it)");
      }
      check.unique("pin", value, child, "pin");
    } else if (name == "serves") {
      for (const xmlNode* served : elements(child)) {
        const std::string code = textOf(served);
        if (nameOf(served) == "municipality") {
          node.municipalities.push_back(code);
          if (auto why = mapping::checkMunicipalityCode(code)) {
            check.add(served, "municipality: " + *why + " (全国地方公共団体コード)");
          }
          check.unique("municipality", code, served, "municipality");
        } else {
          node.insurers.push_back(code);
          if (auto why = mapping::checkInsurerNumber(code)) {
            check.add(served, "insurer: " + *why + " (保険者番号)");
          }
          check.unique("insurer", code, served, "insurer");
        }
      }
    } else if (name == "accepts") {
      node.acceptedTypes.push_back(value);
      check.unique("accepts " + xml::pathOf(element), value, child, "document type");
    }
  }
  return node;
}

Manifest readManifest(const xmlNode* root) {
  Manifest manifest;
  Checker check;
  const xmlNode* issuedNode = nullptr;
  const xmlNode* expiresNode = nullptr;
  for (const xmlNode* child : elements(root)) {
    const std::string_view name = nameOf(child);
    const std::string value = textOf(child);
    if (name == "serial") {
      manifest.serial = std::stoll(value);  // the schema has checked 1 ≤ serial ≤ 2^63−1
    } else if (name == "issued" || name == "expires") {
      const bool issued = name == "issued";
      const auto at = parseInstant(value);
      if (!at) {
        check.add(child, "not a time from 1970 to 9999 as YYYY-MM-DDThh:mm:ss with Z or ±hh:mm");
      }
      (issued ? manifest.issued : manifest.expires) = value;
      (issued ? manifest.issuedAt : manifest.expiresAt) = at.value_or(0);
      (issued ? issuedNode : expiresNode) = at ? child : nullptr;
    } else if (name == "issuer") {
      manifest.issuer = value;
    } else if (name == "caCertificate") {
      if (auto why = checkCaCertificate(value)) check.add(child, "caCertificate " + *why);
      for (std::size_t i = 0; i < manifest.caCertificatesPem.size(); ++i) {
        if (manifest.caCertificatesPem[i] == value + "\n") {
          check.add(child, "caCertificate is the same certificate as caCertificate[" +
                               std::to_string(i + 1) + "]");
        }
      }
      manifest.caCertificatesPem.push_back(value + "\n");
    } else if (name == "node") {
      manifest.nodes.push_back(readNode(child, check));
    }
  }
  if (issuedNode && expiresNode && manifest.expiresAt <= manifest.issuedAt) {
    check.add(expiresNode, "expires must be after issued");
  }
  if (!check.issues().empty()) throw DocumentError(std::move(check.issues()));
  return manifest;
}

}  // namespace

Manifest parseManifest(std::string_view xmlBytes) {
  const mapping::xml::Document document = mapping::xml::parseUntrusted(xmlBytes);
  const xmlNode* root = document.root();
  checkRoot(root);
  if (auto issues = mapping::xml::shippedSchema(kSchemaFile)->validate(document); !issues.empty()) {
    throw DocumentError(std::move(issues));
  }
  return readManifest(root);
}

std::string signManifest(std::string_view xmlBytes, const crypto::Key& coordinatorKey) {
  return crypto::signSha256(coordinatorKey, xmlBytes);
}

namespace {

std::string describeSubject(const crypto::Certificate& cert) {
  std::string out = "CN=" + cert.commonName();
  if (const std::string ou = cert.organizationalUnit(); !ou.empty()) out += ", OU=" + ou;
  return out;
}

}  // namespace

void verifyManifest(std::string_view xmlBytes, std::string_view derSignature,
                    const crypto::Certificate& signer,
                    const std::vector<crypto::Certificate>& trustedCas) {
  if (trustedCas.empty()) {
    throw ManifestError("no trusted CA certificate is configured to check the manifest signer");
  }
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      X509_STORE_CTX_free);
  if (!store || !ctx) throw std::bad_alloc();
  for (const crypto::Certificate& ca : trustedCas) {
    if (X509_STORE_add_cert(store.get(), ca.get()) != 1) {
      throw ManifestError("cannot add the trusted CA certificate (" + describeSubject(ca) +
                          ") to the verification store");
    }
  }
  if (X509_STORE_CTX_init(ctx.get(), store.get(), signer.get(), nullptr) != 1 ||
      X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY) != 1) {
    throw ManifestError("cannot set up the check of the manifest signer certificate");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    const int error = X509_STORE_CTX_get_error(ctx.get());
    throw ManifestError(
        "manifest signer certificate (" + describeSubject(signer) +
        ") does not chain to a trusted regional CA: " + X509_verify_cert_error_string(error));
  }
  if (signer.organizationalUnit() != "coordinator") {
    throw ManifestError("manifest signer certificate (" + describeSubject(signer) +
                        ") is not the coordinator's: only a certificate with OU=coordinator may "
                        "sign the federation manifest");
  }
  if (!crypto::verifySha256(signer.publicKey(), xmlBytes, derSignature)) {
    throw ManifestError("manifest signature does not verify with the signer certificate (" +
                        describeSubject(signer) +
                        "): the manifest or its .sig was changed, or another key signed it");
  }
}

}  // namespace tsunagi::federation
