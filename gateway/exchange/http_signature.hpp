#pragma once
// The exchange's message integrity: an RFC 9530 Content-Digest over the body and an RFC 9421 HTTP
// message signature (ecdsa-p256-sha256, label "tsunagi") over the request. The exact profile is in
// docs/exchange-protocol.md ("Message signatures"). The Signature-Input, Signature and
// Content-Digest fields are untrusted input: they are parsed strictly as RFC 8941 structured
// fields and every refusal names the field and the reason.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/crypto/keys.hpp"

namespace tsunagi::exchange {

/// A signature that cannot be made or is not accepted; the message names the field and the reason.
class SignatureError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The signature label of the profile (the Signature-Input / Signature dictionary key).
inline constexpr std::string_view kSignatureLabel = "tsunagi";
/// The one algorithm of the profile (RFC 9421 §3.3.4).
inline constexpr std::string_view kSignatureAlgorithm = "ecdsa-p256-sha256";

/// The request parts the profile covers, as the receiver sees them.
struct SignedFields {
  std::string method;         ///< "@method", e.g. "POST" (case kept as sent)
  std::string targetUri;      ///< "@target-uri", e.g. "https://127.0.0.1:8443/exchange/v1/messages"
  std::string contentType;    ///< the Content-Type field value, e.g. "application/xml"
  std::string contentDigest;  ///< the Content-Digest field value
};

/// RFC 9530 Content-Digest of `body`: "sha-256=:BASE64:".
std::string contentDigest(std::string_view body);

/// nullopt when the Content-Digest `headerValue` has a sha-256 member equal to SHA-256(body);
/// otherwise the reason: "malformed: …", "no sha-256 member" or "digest does not match the body".
/// Other algorithms (sha-512, …) are ignored, as RFC 9530 allows.
std::optional<std::string> checkContentDigest(std::string_view headerValue, std::string_view body);

/// The two header values a signed request carries.
struct SignatureHeaders {
  std::string signatureInput;  ///< Signature-Input field value
  std::string signature;       ///< Signature field value
};

/// Signs the profile's components ("@method" "@target-uri" "content-type" "content-digest") with
/// parameters created, keyid and alg="ecdsa-p256-sha256" under the label "tsunagi". Throws
/// SignatureError when a value cannot be signed (line break, non-ASCII) or the key is not P-256.
SignatureHeaders signRequest(const SignedFields& fields, const crypto::Key& privateKey,
                             std::string_view keyId, std::int64_t created);

/// The RFC 9421 §2.5 signature base of the profile's four components, given the serialized
/// "@signature-params" value (the Signature-Input member without its label). Exposed for tests and
/// for other implementers to compare bytes with.
std::string signatureBase(const SignedFields& fields, std::string_view signatureParams);

/// What a verified signature asserted. The caller checks keyId against the authenticated peer and
/// created (and expires, when present) against its replay window.
struct VerifiedSignature {
  std::string keyId;
  std::int64_t created = 0;
  std::optional<std::int64_t> expires;
  std::vector<std::string> components;  ///< the covered components, in order
};

/// Verifies the "tsunagi" signature of a request. Parses both fields strictly (RFC 8941; duplicate
/// labels and trailing garbage are refused), requires "@method", "@target-uri" and
/// "content-digest" to be covered, created and keyid to be present, alg (when present) to be
/// ecdsa-p256-sha256, rebuilds the signature base from `fields` and checks it with `publicKey`.
/// Does not check the body against the digest: call checkContentDigest as well. Throws
/// SignatureError with the reason.
VerifiedSignature verifyRequest(const SignedFields& fields, std::string_view signatureInput,
                                std::string_view signature, const crypto::Key& publicKey);

/// Component name ("@status", "content-type", …) → its canonical value, for verifyMessage.
using ComponentValues = std::map<std::string, std::string, std::less<>>;

/// The generic verifier under verifyRequest: the member `label` of both fields, any covered
/// components (without component parameters) whose values are in `values`, at least the
/// `required` ones, ecdsa-p256-sha256 with `publicKey`. Used for the RFC 9421 test vectors.
VerifiedSignature verifyMessage(std::string_view label, std::string_view signatureInput,
                                std::string_view signature, const ComponentValues& values,
                                const std::vector<std::string>& required,
                                const crypto::Key& publicKey);

/// ecdsa-p256-sha256 over `base` with a 64-byte r‖s signature (RFC 9421 §3.3.4).
bool verifyBase(std::string_view base, std::string_view rawSignature, const crypto::Key& publicKey);

}  // namespace tsunagi::exchange
