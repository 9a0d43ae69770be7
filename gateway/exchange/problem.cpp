#include "gateway/exchange/problem.hpp"
#include "mapping/json/writer.hpp"


namespace tsunagi::exchange {

std::string Problem::json() const {
  return "{\"type\":\"" + mapping::json::jsonEscape(type) + "\",\"title\":\"" + mapping::json::jsonEscape(title) +
         "\",\"status\":" + std::to_string(status) + ",\"detail\":\"" + mapping::json::jsonEscape(detail) +
         "\"}";
}

net::HttpResponse Problem::reply(std::chrono::seconds retryAfter) const {
  net::HttpResponse r{status, "application/problem+json", json(), {}, false};
  if (retryAfter.count() > 0)
    r.headers.emplace_back("Retry-After", std::to_string(retryAfter.count()));
  return r;
}

namespace problems {

namespace {
Problem make(int status, const char* slug, const char* title, const std::string& detail) {
  return Problem{status, std::string("urn:tsunagi:problem:") + slug, title, detail};
}
}  // namespace

Problem senderMismatch(const std::string& d) { return make(403, "sender-mismatch", "Sender is not the authenticated peer", d); }
Problem unknownPeer(const std::string& d) { return make(403, "unknown-peer", "Peer is not in the federation manifest", d); }
Problem digestMismatch(const std::string& d) { return make(400, "digest-mismatch", "Content-Digest does not match the body", d); }
Problem signatureInvalid(const std::string& d) { return make(401, "signature-invalid", "HTTP message signature is missing or invalid", d); }
Problem staleRequest(const std::string& d) { return make(401, "stale-request", "Signature created outside the replay window", d); }
Problem wrongAddressee(const std::string& d) { return make(421, "wrong-addressee", "Message is addressed to another node", d); }
Problem documentTypeNotAccepted(const std::string& d) { return make(422, "document-type-not-accepted", "This node does not accept the document type", d); }
Problem envelopeInvalid(const std::string& d) { return make(400, "envelope-invalid", "Envelope is not valid", d); }
Problem documentInvalid(const std::string& d) { return make(422, "document-invalid", "Document fails schema or business rules", d); }
Problem notAParticipant(const std::string& d) { return make(403, "not-a-participant", "Sender does not take part in the case", d); }
Problem notCaseOwner(const std::string& d) { return make(403, "not-case-owner", "Sender does not own the case", d); }
Problem consentMissing(const std::string& d) { return make(422, "consent-missing", "No consent reference", d); }
Problem bodyTooLarge(const std::string& d) { return make(413, "body-too-large", "Request body is over the size limit", d); }
Problem lengthRequired(const std::string& d) { return make(411, "length-required", "Content-Length is required", d); }
Problem storageUnavailable(const std::string& d) { return make(503, "storage-unavailable", "Message could not be stored; retry later", d); }
Problem notFound(const std::string& d) { return make(404, "not-found", "No such resource", d); }
Problem methodNotAllowed(const std::string& d) { return make(405, "method-not-allowed", "Method not allowed", d); }
Problem httpRefusal(int status, const std::string& d) {
  if (status == 411) return lengthRequired(d);
  if (status == 413) return bodyTooLarge(d);
  return make(status, "bad-request", "The request is not well-formed HTTP/1.1", d);
}

}  // namespace problems
}  // namespace tsunagi::exchange
