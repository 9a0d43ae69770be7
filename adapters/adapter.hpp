#pragma once
// The adapter interface: what a city's or hospital's local bytes mean in canonical terms.
// Adapters are registered explicitly (registerBuiltinAdapters), never by static initialisers.

#include <memory>
#include <string>
#include <vector>

namespace tsunagi::adapters {

/// How far an adapter trusts its input (Envoy-style): every adapter in tsunagi treats local bytes as
/// untrusted, but says so explicitly so a reviewer can check it.
enum class InputTrust { Untrusted, TrustedLocal };

class Adapter {
 public:
  virtual ~Adapter() = default;
  /// Registry name, e.g. "liaison_xml". Lower case, digits and '_'.
  virtual std::string name() const = 0;
  /// Canonical document types it can decode to or encode from ("LiaisonSheet", "CaseUpdate", …).
  virtual std::vector<std::string> documentTypes() const = 0;
  virtual InputTrust inputTrust() const { return InputTrust::Untrusted; }
};

}  // namespace tsunagi::adapters
