#include "gateway/exchange/case_book.hpp"

#include <vector>

#include "gateway/store/exchange_store.hpp"
#include "mapping/identifiers.hpp"

namespace tsunagi::exchange {

namespace {

const char* verbOf(mapping::MembershipAction action) {
  switch (action) {
    case mapping::MembershipAction::Open:
      return "open it";
    case mapping::MembershipAction::AddParticipant:
      return "add participants to it";
    case mapping::MembershipAction::RemoveParticipant:
      return "remove participants from it";
    case mapping::MembershipAction::Close:
      return "close it";
  }
  return "change it";
}

}  // namespace

std::optional<MembershipRefusal> checkMembership(const mapping::CaseMembership& change,
                                                 const std::string& actor, MembershipSide side) {
  const std::string who =
      side == MembershipSide::Local ? "this node (" + actor + ")" : "node " + actor;
  const std::string mayNot = who + " may not " + verbOf(change.action);
  const auto owner = mapping::caseIdOwner(change.caseId);
  if (!owner) {
    return MembershipRefusal{"not-case-owner",
                             "case id " + change.caseId +
                                 " does not name the node that opened it (case-NNNNNN-…); " +
                                 mayNot,
                             "the case id names no node (case-NNNNNN-…); " + mayNot};
  }
  if (*owner != actor) {
    return MembershipRefusal{
        "not-case-owner",
        "case " + change.caseId + " belongs to node " + *owner + " (its id names it); " + mayNot,
        "the case id names another node as its owner; " + mayNot};
  }
  return std::nullopt;
}

std::optional<MembershipRefusal> applyMembership(store::PgConnection& conn,
                                                 const mapping::CaseMembership& change,
                                                 const std::string& actor, MembershipSide side) {
  if (auto refusal = checkMembership(change, actor, side)) return refusal;
  // From here the actor is the owner.
  std::vector<std::string> nodes;
  for (const auto& p : change.participants) nodes.push_back(p.node);
  switch (change.action) {
    case mapping::MembershipAction::Open: {
      nodes.push_back(actor);
      const auto* patient = change.patient ? &*change.patient : nullptr;
      store::openCase(conn, change.caseId,
                      patient ? patient->insurerNumber : std::optional<std::string>(),
                      patient ? patient->insuredNumber : std::optional<std::string>(), nodes,
                      patient ? std::optional<std::string>(store::patientKey(
                                    patient->nameKana, patient->birthDate.iso(), patient->sex))
                              : std::nullopt);
      break;
    }
    case mapping::MembershipAction::AddParticipant:
      nodes.push_back(actor);
      store::ensureCase(conn, change.caseId);
      store::addCaseParticipants(conn, change.caseId, nodes);
      break;
    case mapping::MembershipAction::RemoveParticipant:
      store::removeCaseParticipants(conn, change.caseId, nodes);
      break;
    case mapping::MembershipAction::Close:
      store::closeCase(conn, change.caseId);
      break;
  }
  return std::nullopt;
}

}  // namespace tsunagi::exchange
