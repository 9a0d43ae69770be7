#pragma once
// RFC 9457 problem details for the exchange API. Each refusal has a stable `type` URN that a peer's
// software can act on; docs/exchange-protocol.md lists them all.

#include <chrono>
#include <string>

#include "gateway/net/http_message.hpp"

namespace tsunagi::exchange {

struct Problem {
  int status;
  std::string type;    ///< urn:tsunagi:problem:…
  std::string title;   ///< short, stable English title
  std::string detail;  ///< what exactly was wrong (identifiers and reasons only)

  /// application/problem+json body.
  std::string json() const;
  /// The answer carrying it (application/problem+json), with Retry-After when `retryAfter` > 0.
  net::HttpResponse reply(std::chrono::seconds retryAfter = {}) const;
};

namespace problems {
Problem senderMismatch(const std::string& detail);
Problem unknownPeer(const std::string& detail);
Problem digestMismatch(const std::string& detail);
Problem signatureInvalid(const std::string& detail);
Problem staleRequest(const std::string& detail);
Problem wrongAddressee(const std::string& detail);
Problem documentTypeNotAccepted(const std::string& detail);
Problem envelopeInvalid(const std::string& detail);
Problem documentInvalid(const std::string& detail);
Problem consentMissing(const std::string& detail);
Problem notAParticipant(const std::string& detail);
Problem notCaseOwner(const std::string& detail);
Problem bodyTooLarge(const std::string& detail);
Problem lengthRequired(const std::string& detail);
Problem storageUnavailable(const std::string& detail);
Problem notFound(const std::string& detail);
Problem methodNotAllowed(const std::string& detail);
/// A request refused by the HTTP layer before any handler (net/http_server): 411, 413, or 400/431
/// for a malformed head.
Problem httpRefusal(int status, const std::string& detail);
}  // namespace problems

}  // namespace tsunagi::exchange
