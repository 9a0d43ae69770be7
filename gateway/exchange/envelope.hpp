#pragma once
// The exchange envelope and receipt (schema mapping/schema/exchange-1.xsd, protocol
// docs/exchange-protocol.md). The canonical document travels inside <document>, byte for byte as
// its deterministic serializer wrote it.

#include <optional>
#include <string>
#include <string_view>

#include "adapters/loss_report.hpp"
#include "gateway/crypto/keys.hpp"
#include "mapping/model/canonical.hpp"

namespace tsunagi::exchange {

inline constexpr const char* kExchangeNamespace = "urn:tsunagi:exchange:1";

struct Envelope {
  std::string messageId;  ///< UUIDv7
  std::string created;    ///< UTC instant, e.g. 2026-11-22T08:00:00.123Z
  std::string from;       ///< sender node code
  std::string to;         ///< addressee node code
  std::string documentType;
  std::optional<std::string> caseId;
  std::optional<std::string> consentReference;
  mapping::CanonicalDocument document;
  /// The inner document's bytes and first line, kept by a HeaderOnly parse.
  std::string documentBytes;
  int documentLine = 0;
  /// What the sender's adapter lost decoding the local input (<losses>; empty when absent).
  adapters::LossReport losses = {};
};

enum class EnvelopePart { Whole, HeaderOnly };

/// Deterministic bytes of an envelope.
std::string serializeEnvelope(const Envelope& envelope);

/// Parses an envelope from a peer: hardened XML, exchange schema, then the inner document through
/// the whole canonical pipeline (schema, code tables, business rules). Throws
/// mapping::DocumentError; `issues()[0].path` starts with /Envelope.
Envelope parseEnvelope(std::string_view bytes, const mapping::xml::ParseLimits& limits = {},
                       EnvelopePart part = EnvelopePart::Whole);
/// Completes a HeaderOnly parse: the inner document through the canonical pipeline.
void parseEnvelopeDocument(Envelope& envelope, const mapping::xml::ParseLimits& limits = {});

struct Receipt {
  std::string messageId;
  std::string sender;
  std::string receiver;
  std::string contentDigest;  ///< the Content-Digest of the envelope as received
  std::string receivedAt;     ///< UTC instant
  std::string chainHead;      ///< receiver's audit-chain head after recording the message
  std::string signature;      ///< base64 DER ECDSA over signingString()

  /// The exact bytes the receiver signs: "tsunagi-receipt-v1\n" and each field on its own line.
  std::string signingString() const;
};

/// Signs and serializes a receipt.
std::string issueReceipt(Receipt receipt, const crypto::Key& receiverKey);
/// Parses a receipt and checks its signature with the receiver's public key; throws
/// mapping::DocumentError (malformed) or crypto::CryptoError (signature does not verify).
Receipt verifyReceipt(std::string_view bytes, const crypto::Key& receiverPublicKey);

/// A new UUIDv7 (RFC 9562): 48-bit Unix milliseconds, version 7, 74 random bits.
std::string newMessageId();
/// Now as an exchange instant with milliseconds: 2026-11-22T08:00:00.123Z.
std::string utcNow();
/// Seconds since the epoch of an exchange instant; nullopt if it is not one.
std::optional<double> parseInstant(std::string_view instant);

}  // namespace tsunagi::exchange
