#include "gateway/exchange/submitter.hpp"

#include <algorithm>
#include <map>

#include "gateway/exchange/envelope.hpp"
#include "gateway/store/case_book.hpp"
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

// A refusal found while planning, inside the transaction: recorded after the rollback.
struct Refusal {
  std::string code, message, documentType;
  std::optional<std::string> peer;
  /// The reason the audit chain records when `message` quotes the document (empty: `message`).
  std::string logged{};
};

std::string documentIdOf(const mapping::CanonicalDocument& document) {
  return std::visit(
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
}

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
                                         const std::optional<std::string>& caseId) {
  SubmitContext context;
  context.caseId = caseId;
  return submitAll({document}, context);
}

namespace {

// Where a document goes and whose consent that needs; reads only (the connection is the
// submission's transaction, so a case opened by an earlier document of the input is seen).
Plan planFor(store::PgConnection& conn, const federation::Manifest& manifest,
             const std::string& self, const mapping::CanonicalDocument& document,
             const std::optional<std::string>& caseIdArg) {
  const std::string type = mapping::documentTypeName(document);
  auto refuse = [&](const std::string& code, const std::string& message,
                    const std::optional<std::string>& peer, const std::string& logged = {}) {
    throw Refusal{code, message, type, peer, logged};
  };
  Plan plan;
  plan.caseId = caseIdArg;
  // The other participants of a known, open case (each must be in the manifest).
  auto participantsOf = [&](const std::vector<std::string>& nodes) {
    std::vector<std::string> peers = nodes;
    std::sort(peers.begin(), peers.end());
    peers.erase(std::unique(peers.begin(), peers.end()), peers.end());
    peers.erase(std::remove(peers.begin(), peers.end(), self), peers.end());
    for (const auto& peer : peers) {
      if (!manifest.node(peer)) {
        refuse("no-route",
               "case participant node " + peer + " is not in manifest serial " +
                   std::to_string(manifest.serial),
               peer);
      }
    }
    return peers;
  };
  auto openCase = [&](const std::string& caseId) {
    auto known = store::findCase(conn, caseId);
    if (!known) refuse("case-unknown", "case " + caseId + " is not known to this node", {});
    if (known->closed) refuse("case-closed", "case " + caseId + " is closed", {});
    return *known;
  };
  if (const auto* sheet = std::get_if<mapping::LiaisonSheet>(&document)) {
    const federation::ManifestNode* target = nullptr;
    std::string key;
    if (sheet->insurance) {
      plan.patient = {sheet->insurance->insurerNumber, sheet->insurance->insuredNumber};
      target = manifest.nodeServingInsurer(sheet->insurance->insurerNumber);
      key = "保険者番号 " + sheet->insurance->insurerNumber;
    }
    if (!target && sheet->patient.municipalityCode) {
      target = manifest.nodeServingMunicipality(*sheet->patient.municipalityCode);
      key += (key.empty() ? "" : " or ") + std::string("municipality ") +
             *sheet->patient.municipalityCode;
    }
    const bool servedHere = target && target->code == self;
    if ((!target && !sheet->insurance) || servedHere) {
      // Through the patient's liaison case — the one named, or the one open case whose patient
      // has the same カナ氏名, 生年月日 and 性別 — to the case's other participants:
      //  - a hospital's document (FHIR, SS-MIX2) carries no 介護保険 numbers, so neither insurer
      //    nor municipality routes it (the case's patient then gives the consent lookup);
      //  - a care manager's admission sheet for a patient this node serves (a Matsudo care plan
      //    for the hospital in Kashiwa) would route back to this node by 保険者番号.
      std::optional<std::string> caseId = caseIdArg;
      if (!caseId) {
        const auto matches = store::openCasesForPatient(
            conn, store::patientKey(sheet->patient.nameKana, sheet->patient.birthDate.iso(),
                                    sheet->patient.sex));
        if (matches.size() > 1) {
          refuse("identity-ambiguous",
                 std::to_string(matches.size()) +
                     " open cases match the patient's カナ氏名, 生年月日 and 性別; the sender must "
                     "name the case",
                 std::nullopt);
        }
        if (matches.size() == 1) caseId = matches.front();
      }
      if (caseId) {
        const store::CaseInfo known = openCase(*caseId);
        plan.caseId = caseId;
        if (!sheet->insurance) plan.patient = {known.insurerNumber, known.insuredNumber};
        plan.peers = participantsOf(known.nodes);
        if (plan.peers.empty()) {
          refuse("self-route", "case " + *caseId + " has no participant but this node",
                 std::nullopt);
        }
        return plan;
      }
      if (!servedHere) {
        key =
            "this patient: no insurance numbers, no municipality, and no open case matches the "
            "カナ氏名, 生年月日 and 性別";
      }
    }
    if (!target) {
      const std::string noNode = "no node in manifest serial " + std::to_string(manifest.serial);
      refuse("no-route",
             noNode + " serves " +
                 (key.empty() ? std::string("this patient (no insurance or municipality)") : key),
             std::nullopt,
             // The key quotes the patient's 保険者番号 and municipality: not for the audit chain.
             noNode + " serves the patient's 保険者番号, municipality or case");
    }
    if (target->code == self) {
      refuse("self-route",
             "the patient is served by this node (" + self +
                 ") and no open case with another node matches the patient; nothing to send",
             std::nullopt);
    }
    plan.peers.push_back(target->code);
  } else {
    std::string caseId;
    if (const auto* update = std::get_if<mapping::CaseUpdate>(&document)) caseId = update->caseId;
    const auto* membership = std::get_if<mapping::CaseMembership>(&document);
    if (membership) caseId = membership->caseId;
    plan.caseId = caseId;
    if (membership) {
      // Only the case's owner, the node its id names, opens it or changes its participants.
      if (auto refusal = store::checkMembership(*membership, self, store::MembershipSide::Local)) {
        refuse(refusal->code, refusal->message, std::nullopt, refusal->logged);
      }
    }
    if (membership && membership->action == mapping::MembershipAction::Open) {
      if (membership->patient) {
        plan.patient = {membership->patient->insurerNumber, membership->patient->insuredNumber};
      }
      std::vector<std::string> nodes;
      for (const auto& p : membership->participants) nodes.push_back(p.node);
      plan.peers = participantsOf(nodes);
    } else {
      const store::CaseInfo known = openCase(caseId);
      plan.patient = {known.insurerNumber, known.insuredNumber};
      std::vector<std::string> nodes = known.nodes;
      if (membership && membership->action == mapping::MembershipAction::AddParticipant) {
        for (const auto& p : membership->participants) nodes.push_back(p.node);
      }
      plan.peers = participantsOf(nodes);
    }
  }
  return plan;
}

// Consent: every receiving municipality must be covered. Returns the reference per peer.
std::map<std::string, std::string> consentsFor(store::PgConnection& conn, const Plan& plan,
                                               const std::string& type) {
  std::map<std::string, std::string> consentFor;
  for (const auto& peer : plan.peers) {
    if (!plan.patient.insurer || !plan.patient.insured) {
      const store::ConsentCheck unknown{store::ConsentOutcome::PatientUnknown, "", peer};
      throw Refusal{std::string(unknown.code()), unknown.message(), type, peer};
    }
    const auto check = store::findConsent(conn, *plan.patient.insurer, *plan.patient.insured, peer);
    if (!check.covered()) {
      throw Refusal{std::string(check.code()), "not sent to " + peer + ": " + check.message(), type,
                    peer};
    }
    consentFor[peer] = check.reference;
  }
  return consentFor;
}

}  // namespace

std::vector<Submitted> Submitter::submitAll(
    const std::vector<mapping::CanonicalDocument>& documents, const SubmitContext& context) {
  for (const auto& document : documents) {
    if (auto issues = mapping::validate(document); !issues.empty()) {
      throw SubmitError("document-invalid", joinIssues(issues));
    }
  }
  auto manifest = manifests_.current();
  const std::string lossesJson = context.losses.json();
  for (int attempt = 1;; ++attempt) {
    try {
      // One transaction: every document's case bookkeeping and outbox rows, or nothing.
      return store::withTransaction(pool_, [&](store::PgConnection& conn) {
        std::vector<Submitted> out;
        for (const auto& document : documents) {
          const std::string type = mapping::documentTypeName(document);
          const std::string documentId = documentIdOf(document);
          // Idempotent on the document's own id: a tool that resubmits after a lost answer gets
          // the original messages, and nothing is sent twice.
          auto existing = store::queuedForDocument(conn, documentId);
          if (!existing.empty()) {
            for (auto& [peer, id] : existing) out.push_back({peer, id});
            continue;
          }
          const Plan plan = planFor(conn, *manifest, self_, document, context.caseId);
          auto consentFor = consentsFor(conn, plan, type);
          // Schema, code tables and business rules passed (above), routed, consent found.
          store::appendEvent(
              conn,
              store::NewEvent{store::EventType::Validated, "outbound", std::nullopt, std::nullopt,
                              store::jsonObject({{"documentType", type},
                                                 {"documentId", documentId},
                                                 {"peers", std::to_string(plan.peers.size())}})});
          if (const auto* membership = std::get_if<mapping::CaseMembership>(&document)) {
            // The one way the case book changes (the receiver applies a peer's the same way).
            if (auto refusal = store::applyMembership(conn, *membership, self_,
                                                      store::MembershipSide::Local)) {
              throw Refusal{refusal->code, refusal->message, type, std::nullopt, refusal->logged};
            }
          }
          for (const auto& peer : plan.peers) {
            Envelope envelope{newMessageId(),   utcNow(), self_, peer, type,          plan.caseId,
                              consentFor[peer], document, {},    0,    context.losses};
            store::OutboundMessage message;
            message.messageId = envelope.messageId;
            message.documentId = documentId;
            message.peer = peer;
            message.documentType = type;
            message.caseId = plan.caseId;
            message.consentReference = consentFor[peer];
            message.envelope = serializeEnvelope(envelope);
            message.lossesJson = lossesJson;
            message.lossCount = context.losses.entries().size();
            message.lossKinds = context.losses.kinds();
            store::enqueue(conn, message);
            out.push_back({peer, envelope.messageId});
          }
        }
        return out;
      });
    } catch (const Refusal& refusal) {
      // The transaction rolled back; the refusal is recorded on its own.
      store::withTransaction(pool_, [&](store::PgConnection& conn) {
        store::appendEvent(
            conn, store::NewEvent{
                      refusal.code.rfind("consent", 0) == 0 ? store::EventType::ConsentBlocked
                                                            : store::EventType::Refused,
                      "outbound", refusal.peer, std::nullopt,
                      store::jsonObject({{"documentType", refusal.documentType},
                                         {"code", refusal.code},
                                         {"reason", refusal.logged.empty() ? refusal.message
                                                                           : refusal.logged}})});
      });
      throw SubmitError(refusal.code, refusal.message);
    } catch (const store::PgError& e) {
      // The same document submitted twice at once: the second finds the first's messages.
      if (e.sqlstate() == "23505" && attempt < 3) continue;
      throw;
    }
  }
}

}  // namespace tsunagi::exchange
