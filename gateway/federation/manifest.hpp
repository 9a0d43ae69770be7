#pragma once
// The federation manifest (mapping/schema/manifest-1.xsd): which nodes exist, where they listen,
// which SPKI pins they may present, what they serve and accept. Issued and signed by the regional
// coordinator with a detached ECDSA P-256 signature that the openssl CLI can make and check.

#include <ctime>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/crypto/keys.hpp"

namespace tsunagi::federation {

/// The XML namespace of the manifest's elements.
inline constexpr const char* kManifestNamespace = "urn:tsunagi:manifest:1";

/// One node of the federation as the manifest describes it.
struct ManifestNode {
  std::string code;      ///< 全国地方公共団体コード of the node (its certificate's CN)
  std::string name;      ///< e.g. 柏市
  std::string endpoint;  ///< https://host[:port][/path], the base of the exchange URLs
  std::vector<std::string> pins;            ///< base64 SHA-256 of SPKI; 1, or 2 during rotation
  std::vector<std::string> municipalities;  ///< 全国地方公共団体コード served
  std::vector<std::string> insurers;        ///< 保険者番号 served
  /// Document types accepted: LiaisonSheet, CaseUpdate, CaseMembership (the manifest's
  /// <accepts> elements; named apart from accepts() since C++ allows only one of the two).
  std::vector<std::string> acceptedTypes;

  /// True if the node accepts documents of this type (e.g. "LiaisonSheet").
  bool accepts(std::string_view documentType) const;
  /// True if `pin` is one of the node's pins (a peer presenting another key is refused).
  bool hasPin(std::string_view pin) const;
};

/// A parsed, checked manifest. Served codes and pins are unique across nodes, so the lookups
/// below have at most one answer.
struct Manifest {
  long long serial = 0;
  std::string issued;   ///< as written, e.g. 2026-11-01T00:00:00Z
  std::string expires;  ///< as written
  std::time_t issuedAt = 0;
  std::time_t expiresAt = 0;
  std::string issuer;
  std::vector<std::string> caCertificatesPem;  ///< 1, or 2 during a CA rotation
  std::vector<ManifestNode> nodes;

  /// The node with this code, or nullptr.
  const ManifestNode* node(std::string_view code) const;
  /// The node serving this 保険者番号, or nullptr.
  const ManifestNode* nodeServingInsurer(std::string_view insurer) const;
  /// The node serving this 全国地方公共団体コード, or nullptr.
  const ManifestNode* nodeServingMunicipality(std::string_view municipality) const;
};

/// A manifest signature or signer that cannot be trusted: the message names the failed check.
class ManifestError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parses untrusted manifest bytes: hardened parse, manifest-1.xsd, then the rules a schema cannot
/// express (check digits; unique node codes, pins and served codes; pins decode to 32 bytes;
/// expires after issued; endpoint host and port; every caCertificate a parsable CA certificate).
/// Throws mapping::DocumentError whose issues carry line and path
/// (/FederationManifest/node[2]/pin). Does not look at the clock: expiry is the caller's decision.
Manifest parseManifest(std::string_view xmlBytes);

/// The detached signature over the exact bytes: DER ECDSA/SHA-256, the format of
/// `openssl dgst -sha256 -sign coordinator.key -out MANIFEST.xml.sig MANIFEST.xml`.
/// Signs whatever it is given; check the manifest with parseManifest() first.
std::string signManifest(std::string_view xmlBytes, const crypto::Key& coordinatorKey);

/// Checks, in this order, that `signer` chains to one of `trustedCas` (at the current time),
/// that its subject has OU=coordinator, and that `derSignature` is its signature over `xmlBytes`.
/// Throws ManifestError naming the check that failed. Does not parse the manifest.
void verifyManifest(std::string_view xmlBytes, std::string_view derSignature,
                    const crypto::Certificate& signer,
                    const std::vector<crypto::Certificate>& trustedCas);

}  // namespace tsunagi::federation
