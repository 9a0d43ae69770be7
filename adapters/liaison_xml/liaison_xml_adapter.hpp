#pragma once
// The canonical documents themselves, as bytes: for tools and hospitals that already write
// LiaisonSheet, CaseUpdate or CaseMembership XML (docs/liaison-sheet.md). Nothing is translated,
// so nothing is lost: the loss report is always empty.

#include "adapters/adapter.hpp"
#include "adapters/registry.hpp"

namespace tsunagi::adapters {

/// decode = mapping::parseCanonical (hardened parse, XSD, code tables, business rules: all three
/// document types); encode = mapping::serialize (the deterministic canonical bytes).
/// Input trust: untrusted — the parser's limits (4 MiB, no DTD, depth and attribute caps) apply.
class LiaisonXmlAdapter : public Adapter {
 public:
  std::string name() const override { return "liaison_xml"; }
  /// LiaisonSheet, CaseUpdate and CaseMembership.
  std::vector<std::string> documentTypes() const override;
  bool canEncode() const override { return true; }
  /// One document; a refusal becomes an AdapterError carrying the parser's issues unchanged
  /// (line, field path, message).
  Decoded decode(const LocalInput& input) const override;

 protected:
  /// The canonical bytes; suggestedName is "<root element>-<document id>.xml". Throws
  /// AdapterError for characters XML cannot carry. Nothing is lost in the canonical form, and the
  /// losses travel beside it in the exchange, so EncodeOptions::appendLossNote is not applied.
  Encoded encodeDocument(const mapping::CanonicalDocument& document,
                         const EncodeOptions& options) const override;
};

/// Registers "liaison_xml".
void registerLiaisonXml(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
