#include "gateway/exchange/receiver.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/exchange/envelope.hpp"
#include "gateway/exchange/http_signature.hpp"
#include "gateway/store/case_book.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/node_metrics.hpp"

namespace tsunagi::exchange {

Receiver::Receiver(ReceiverSettings settings, store::ConnectionPool& pool,
                   const federation::ManifestStore& manifests, crypto::Key nodeKey, Clock clock)
    : settings_(std::move(settings)),
      pool_(pool),
      manifests_(manifests),
      nodeKey_(std::move(nodeKey)),
      clock_(clock ? std::move(clock) : [] { return std::chrono::system_clock::now(); }) {}

std::string Receiver::targetUri(const std::string& path) const {
  auto manifest = manifests_.current();
  const federation::ManifestNode* self = manifest ? manifest->node(settings_.nodeCode) : nullptr;
  if (!self) return path;
  // Scheme and authority exactly as the manifest writes them (the sender signs that text); the
  // path as received (it already carries any prefix of the endpoint).
  const std::string& endpoint = self->endpoint;
  const auto authorityStart = endpoint.find("://");
  const auto pathStart = authorityStart == std::string::npos
                             ? std::string::npos
                             : endpoint.find('/', authorityStart + 3);
  return endpoint.substr(0, pathStart) + path;
}

namespace {

// Where a document failed, without what it contained: "line 13 /Envelope/document/…/sex; …".
std::string issuePaths(const mapping::DocumentError& e) {
  return "invalid at " + mapping::redacted(e.issues());
}

}  // namespace

net::HttpResponse Receiver::refuse(const Problem& problem, const std::optional<std::string>& peer,
                                   const std::optional<std::string>& messageId,
                                   const std::optional<std::string>& logDetail) {
  // The peer gets the full detail; the application log and the exchange log get `logDetail` when
  // the detail could quote document content (validation messages may cite field values).
  const std::string recorded = logDetail.value_or(problem.detail);
  spdlog::warn("refused message {} from {}: {} ({})", messageId.value_or("-"), peer.value_or("-"),
               problem.type, recorded);
  try {
    store::withTransaction(pool_, [&](store::PgConnection& conn) {
      store::appendEvent(
          conn, store::NewEvent{store::EventType::Rejected, "inbound", peer, messageId,
                                store::jsonObject({{"status", std::to_string(problem.status)},
                                                   {"type", problem.type},
                                                   {"reason", recorded}})});
    });
  } catch (const store::PgError& e) {
    spdlog::error("could not record the refusal in the exchange log: {}", e.what());
  }
  return problem.reply();
}

namespace {

// A membership change the case book's rules refused inside the commit transaction (rolls it back).
struct MembershipRefused {
  store::MembershipRefusal refusal;
};

}  // namespace

net::HttpResponse Receiver::receiveMessage(const IncomingRequest& req) {
  auto manifest = manifests_.current();
  // 0. Who is calling: the TLS layer admitted only pinned manifest nodes; check again against the
  //    manifest in force now (it may have been reloaded since the handshake).
  if (!req.peer) return refuse(problems::unknownPeer("no client certificate"), {}, {});
  const std::string peer = req.peer->commonName();
  const federation::ManifestNode* peerNode = manifest->node(peer);
  if (!peerNode || !peerNode->hasPin(req.peer->spkiPin())) {
    return refuse(
        problems::unknownPeer("node " + peer + " with this key is not in manifest serial " +
                              std::to_string(manifest->serial)),
        peer, {});
  }
  if (req.body.size() > settings_.maxBodyBytes) {
    return refuse(problems::bodyTooLarge(std::to_string(req.body.size()) + " bytes"), peer, {});
  }

  // 1. The sender must be the authenticated peer: the envelope's routing fields are read first
  //    (hardened parse; the peer is already TLS-authenticated), the document inside comes later.
  Envelope envelope;
  try {
    mapping::xml::ParseLimits limits;
    limits.maxBytes = settings_.maxBodyBytes;
    envelope = parseEnvelope(req.body, limits, EnvelopePart::HeaderOnly);
  } catch (const mapping::DocumentError& e) {
    return refuse(problems::envelopeInvalid(e.what()), peer, {}, issuePaths(e));
  }
  const std::optional<std::string> id = envelope.messageId;
  if (envelope.from != peer) {
    return refuse(problems::senderMismatch("envelope says from " + envelope.from +
                                           " but the authenticated peer is " + peer),
                  peer, id);
  }
  // 2. Digest, 3. signature (made by the peer's key, under the peer's keyid).
  const SignedFields fields{req.method, targetUri(req.path), req.contentType, req.contentDigest};
  if (auto problem = checkContentDigest(req.contentDigest, req.body)) {
    return refuse(problems::digestMismatch(*problem), peer, id);
  }
  VerifiedSignature signature;
  try {
    signature = verifyRequest(fields, req.signatureInput, req.signature, req.peer->publicKey());
  } catch (const SignatureError& e) {
    return refuse(problems::signatureInvalid(e.what()), peer, id);
  }
  if (signature.keyId != peer) {
    return refuse(problems::senderMismatch("signature keyid " + signature.keyId +
                                           " is not the authenticated peer " + peer),
                  peer, id);
  }
  // 4. Replay window on the signature's creation time.
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
  if (signature.expires && *signature.expires < now) {
    return refuse(
        problems::staleRequest("signature expired at " + std::to_string(*signature.expires)), peer,
        id);
  }
  if (signature.created < now - settings_.acceptPast.count() ||
      signature.created > now + settings_.acceptFuture.count()) {
    return refuse(problems::staleRequest("created " + std::to_string(signature.created) +
                                         " is outside the window of -" +
                                         std::to_string(settings_.acceptPast.count()) + "/+" +
                                         std::to_string(settings_.acceptFuture.count()) +
                                         " s around " + std::to_string(now)),
                  peer, id);
  }
  // 5. Addressee, 6. document type.
  if (envelope.to != settings_.nodeCode) {
    return refuse(problems::wrongAddressee("addressed to " + envelope.to + ", this node is " +
                                           settings_.nodeCode),
                  peer, envelope.messageId);
  }
  const federation::ManifestNode* self = manifest->node(settings_.nodeCode);
  if (!self || !self->accepts(envelope.documentType)) {
    return refuse(problems::documentTypeNotAccepted(envelope.documentType), peer,
                  envelope.messageId);
  }
  // 7. Schema and business rules of the document.
  try {
    mapping::xml::ParseLimits limits;
    limits.maxBytes = settings_.maxBodyBytes;
    parseEnvelopeDocument(envelope, limits);
  } catch (const mapping::DocumentError& e) {
    return refuse(problems::documentInvalid(e.what()), peer, envelope.messageId, issuePaths(e));
  }
  // 8. Consent reference.
  if (!envelope.consentReference) {
    return refuse(problems::consentMissing("the envelope names no consent reference"), peer,
                  envelope.messageId);
  }

  // 9. A membership change only from the case's owner, the node its id names; nothing of the
  //    case changes when it is refused (store/case_book.hpp).
  const auto* membership = std::get_if<mapping::CaseMembership>(&envelope.document);
  if (membership) {
    if (auto refusal = store::checkMembership(*membership, peer, store::MembershipSide::Received)) {
      return refuse(problems::notCaseOwner(refusal->message), peer, envelope.messageId,
                    refusal->logged);
    }
  }
  // 10. Only a participant may post to a case this node knows. (A case not known yet is
  //     accepted: messages may arrive out of order.)
  if (const auto* u = std::get_if<mapping::CaseUpdate>(&envelope.document)) {
    try {
      auto conn = pool_.lease();
      auto known = store::findCase(*conn, u->caseId);
      if (known &&
          std::find(known->nodes.begin(), known->nodes.end(), peer) == known->nodes.end()) {
        return refuse(problems::notAParticipant("node " + peer + " is not a participant of case " +
                                                u->caseId),
                      peer, envelope.messageId,
                      "node " + peer + " is not a participant of the case");
      }
    } catch (const store::PgError& e) {
      spdlog::error("case lookup for message {} failed: {}", envelope.messageId, e.what());
      return problems::storageUnavailable("the message was not stored").reply(settings_.retryAfter);
    }
  }

  // Commit, then acknowledge. A repeated message id gets its original receipt.
  try {
    for (int attempt = 1;; ++attempt) {
      try {
        auto conn = pool_.lease();
        auto outcome = store::inTransaction(*conn, [&]() -> std::pair<int, std::string> {
          if (auto original = store::existingReceipt(*conn, peer, envelope.messageId)) {
            store::appendEvent(
                *conn,
                store::NewEvent{store::EventType::Duplicate, "inbound", peer, envelope.messageId,
                                store::jsonObject({{"answer", "original receipt"}})});
            return {200, *original};
          }
          std::string head = store::appendEvent(
              *conn,
              store::NewEvent{store::EventType::Received, "inbound", peer, envelope.messageId,
                              store::jsonObject({{"documentType", envelope.documentType},
                                                 {"contentDigest", req.contentDigest}})});
          if (!envelope.losses.empty()) {
            // Counts and kinds only: the details may quote characters of a name; they are kept
            // with the message (inbox.losses).
            head = store::appendEvent(
                *conn,
                store::NewEvent{
                    store::EventType::LossesReceived, "inbound", peer, envelope.messageId,
                    store::jsonObject({{"losses", std::to_string(envelope.losses.entries().size())},
                                       {"lossKinds", envelope.losses.kinds()}})});
          }
          if (membership) {
            // The rules of step 9 again, in the transaction that applies the change.
            if (auto refusal = store::applyMembership(*conn, *membership, peer,
                                                      store::MembershipSide::Received)) {
              throw MembershipRefused{*refusal};
            }
          }
          Receipt receipt{
              envelope.messageId, peer, settings_.nodeCode, req.contentDigest, utcNow(), head, {}};
          std::string receiptBytes = issueReceipt(receipt, nodeKey_);
          store::storeInbound(
              *conn,
              store::InboundMessage{peer, envelope.messageId, envelope.documentType,
                                    envelope.caseId, envelope.consentReference, req.body,
                                    req.contentDigest, envelope.losses.json()},
              receiptBytes);
          return {202, receiptBytes};
        });
        return net::HttpResponse{outcome.first, "application/xml", outcome.second, {}, false};
      } catch (const store::PgError& e) {
        // Two copies of one message raced: the loser retries and finds the winner's receipt.
        if (e.sqlstate() == "23505" && attempt < 3) continue;
        throw;
      }
    }
  } catch (const MembershipRefused& refused) {
    return refuse(problems::notCaseOwner(refused.refusal.message), peer, envelope.messageId,
                  refused.refusal.logged);
  } catch (const store::PgError& e) {
    spdlog::error("storing message {} from {} failed: {}", envelope.messageId, peer, e.what());
    return problems::storageUnavailable("the message was not stored").reply(settings_.retryAfter);
  }
}

net::HttpResponse Receiver::health() {
  auto manifest = manifests_.current();
  bool database = false;
  try {
    auto conn = pool_.lease(std::chrono::seconds(2));
    database = store::databaseAnswers(*conn);
  } catch (const store::PgError&) {
  }
  const std::string body = std::string("{\"status\":\"") + (database ? "ok" : "degraded") +
                           "\",\"node\":\"" + settings_.nodeCode + "\",\"manifestSerial\":" +
                           std::to_string(manifest ? manifest->serial : 0) + "}";
  return net::HttpResponse{database ? 200 : 503, "application/json", body, {}, false};
}

}  // namespace tsunagi::exchange
