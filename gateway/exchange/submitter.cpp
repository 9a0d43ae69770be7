#include "gateway/exchange/submitter.hpp"

#include <algorithm>
#include <map>

#include "gateway/exchange/envelope.hpp"
#include "gateway/store/exchange_store.hpp"

namespace tsunagi::exchange {

namespace {

struct Patient {
  std::optional<std::string> insurer, insured;
};

struct Plan {
  std::vector<std::string> peers;
  Patient patient;
  std::optional<std::string> caseId;
};

std::string joinIssues(const std::vector<mapping::Issue>& issues) {
  std::string out;
  for (const auto& i : issues) out += (out.empty() ? "" : "; ") + i.describe();
  return out;
}

}  // namespace

Submitter::Submitter(std::string selfCode, store::ConnectionPool& pool,
                     const federation::ManifestStore& manifests)
    : self_(std::move(selfCode)), pool_(pool), manifests_(manifests) {}

std::vector<Submitted> Submitter::submit(const mapping::CanonicalDocument& document,
                                         const std::optional<std::string>& caseIdArg) {
  if (auto issues = mapping::validate(document); !issues.empty()) {
    throw SubmitError("document-invalid", joinIssues(issues));
  }
  auto manifest = manifests_.current();
  const std::string type = mapping::documentTypeName(document);
  const std::string documentId = std::visit(
      [](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, mapping::LiaisonSheet>)
          return d.sheetId;
        else if constexpr (std::is_same_v<T, mapping::CaseUpdate>)
          return d.updateId;
        else
          return d.eventId;
      },
      document);
  auto alreadyQueued = [&]() -> std::vector<Submitted> {
    auto conn = pool_.lease();
    std::vector<Submitted> out;
    for (auto& [peer, id] : store::queuedForDocument(*conn, documentId)) out.push_back({peer, id});
    return out;
  };
  // Idempotent on the document's own id: a tool that resubmits after a lost answer gets the
  // original messages, and nothing is sent twice.
  if (auto existing = alreadyQueued(); !existing.empty()) return existing;

  auto refuseEvent = [&](const std::string& code, const std::string& message,
                         const std::optional<std::string>& peer) {
    store::withTransaction(pool_, [&](store::PgConnection& conn) {
      store::appendEvent(
          conn, store::Event{code.rfind("consent", 0) == 0 ? "consent-blocked" : "refused",
                             "outbound", peer, std::nullopt,
                             store::jsonObject(
                                 {{"documentType", type}, {"code", code}, {"reason", message}})});
    });
    throw SubmitError(code, message);
  };

  // Where it goes, and whose consent that needs.
  Plan plan;
  plan.caseId = caseIdArg;
  {
    auto conn = pool_.lease();
    if (const auto* sheet = std::get_if<mapping::LiaisonSheet>(&document)) {
      const federation::ManifestNode* target = nullptr;
      std::string key;
      if (sheet->insurance) {
        plan.patient = {sheet->insurance->insurerNumber, sheet->insurance->insuredNumber};
        target = manifest->nodeServingInsurer(sheet->insurance->insurerNumber);
        key = "保険者番号 " + sheet->insurance->insurerNumber;
      }
      if (!target && sheet->patient.municipalityCode) {
        target = manifest->nodeServingMunicipality(*sheet->patient.municipalityCode);
        key += (key.empty() ? "" : " or ") + std::string("municipality ") +
               *sheet->patient.municipalityCode;
      }
      if (!target) {
        refuseEvent(
            "no-route",
            "no node in manifest serial " + std::to_string(manifest->serial) + " serves " +
                (key.empty() ? std::string("this patient (no insurance or municipality)") : key),
            std::nullopt);
      }
      if (target->code == self_) {
        refuseEvent("self-route",
                    "the patient is served by this node (" + self_ + "); nothing to send",
                    std::nullopt);
      }
      plan.peers.push_back(target->code);
    } else {
      std::string caseId;
      if (const auto* update = std::get_if<mapping::CaseUpdate>(&document)) caseId = update->caseId;
      const auto* membership = std::get_if<mapping::CaseMembership>(&document);
      if (membership) caseId = membership->caseId;
      plan.caseId = caseId;
      auto known = store::findCase(*conn, caseId);
      if (membership && membership->action == mapping::MembershipAction::Open) {
        if (membership->patient) {
          plan.patient = {membership->patient->insurerNumber, membership->patient->insuredNumber};
        }
        for (const auto& p : membership->participants) plan.peers.push_back(p.node);
      } else {
        if (!known)
          refuseEvent("case-unknown", "case " + caseId + " is not known to this node", {});
        if (known->closed) refuseEvent("case-closed", "case " + caseId + " is closed", {});
        plan.patient = {known->insurerNumber, known->insuredNumber};
        plan.peers = known->nodes;
        if (membership && membership->action == mapping::MembershipAction::AddParticipant) {
          for (const auto& p : membership->participants) plan.peers.push_back(p.node);
        }
      }
      std::sort(plan.peers.begin(), plan.peers.end());
      plan.peers.erase(std::unique(plan.peers.begin(), plan.peers.end()), plan.peers.end());
      plan.peers.erase(std::remove(plan.peers.begin(), plan.peers.end(), self_), plan.peers.end());
      for (const auto& peer : plan.peers) {
        if (!manifest->node(peer)) {
          refuseEvent("no-route",
                      "case participant node " + peer + " is not in manifest serial " +
                          std::to_string(manifest->serial),
                      peer);
        }
      }
    }
  }

  // Consent: every receiving municipality must be covered.
  std::map<std::string, std::string> consentFor;
  {
    auto conn = pool_.lease();
    for (const auto& peer : plan.peers) {
      if (!plan.patient.insurer || !plan.patient.insured) {
        refuseEvent("consent-missing",
                    "the patient's 保険者番号 and 被保険者番号 are needed to find a consent", peer);
      }
      auto decision = store::findConsent(*conn, *plan.patient.insurer, *plan.patient.insured, peer);
      if (!decision.reference) {
        std::string code = "consent-missing";
        if (decision.refusal.find("revoked") != std::string::npos) code = "consent-revoked";
        if (decision.refusal.find("does not cover") != std::string::npos) code = "consent-scope";
        if (decision.refusal.find("expired") != std::string::npos) code = "consent-expired";
        refuseEvent(code, "not sent to " + peer + ": " + decision.refusal, peer);
      }
      consentFor[peer] = *decision.reference;
    }
  }

  // One transaction: the case bookkeeping and every outbox row, or nothing.
  try {
    return store::withTransaction(pool_, [&](store::PgConnection& conn) {
      std::vector<Submitted> out;
      if (const auto* membership = std::get_if<mapping::CaseMembership>(&document)) {
        std::vector<std::string> nodes;
        for (const auto& p : membership->participants) nodes.push_back(p.node);
        switch (membership->action) {
          case mapping::MembershipAction::Open:
            nodes.push_back(self_);
            store::openCase(conn, membership->caseId, plan.patient.insurer, plan.patient.insured,
                            nodes);
            break;
          case mapping::MembershipAction::AddParticipant:
            store::addCaseParticipants(conn, membership->caseId, nodes);
            break;
          case mapping::MembershipAction::RemoveParticipant:
            store::removeCaseParticipants(conn, membership->caseId, nodes);
            break;
          case mapping::MembershipAction::Close:
            store::closeCase(conn, membership->caseId);
            break;
        }
      }
      for (const auto& peer : plan.peers) {
        Envelope envelope{newMessageId(), utcNow(),         self_,    peer, type,
                          plan.caseId,    consentFor[peer], document, {},   0};
        store::enqueue(
            conn, store::OutboundMessage{envelope.messageId, documentId, peer, type, plan.caseId,
                                         consentFor[peer], serializeEnvelope(envelope)});
        out.push_back({peer, envelope.messageId});
      }
      return out;
    });
  } catch (const store::PgError& e) {
    // The same document submitted twice at once: the second finds the first's messages.
    if (e.sqlstate() == "23505") {
      if (auto existing = alreadyQueued(); !existing.empty()) return existing;
    }
    throw;
  }
}

}  // namespace tsunagi::exchange
