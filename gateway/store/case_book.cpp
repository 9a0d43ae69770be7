#include "gateway/store/case_book.hpp"

#include "mapping/identifiers.hpp"
#include "mapping/text/kana.hpp"

namespace tsunagi::store {

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

std::optional<MembershipRefusal> applyMembership(PgConnection& conn,
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
      openCase(conn, change.caseId, patient ? patient->insurerNumber : std::optional<std::string>(),
               patient ? patient->insuredNumber : std::optional<std::string>(), nodes,
               patient ? std::optional<std::string>(
                             patientKey(patient->nameKana, patient->birthDate.iso(), patient->sex))
                       : std::nullopt);
      break;
    }
    case mapping::MembershipAction::AddParticipant:
      nodes.push_back(actor);
      ensureCase(conn, change.caseId);
      addCaseParticipants(conn, change.caseId, nodes);
      break;
    case mapping::MembershipAction::RemoveParticipant:
      removeCaseParticipants(conn, change.caseId, nodes);
      break;
    case mapping::MembershipAction::Close:
      closeCase(conn, change.caseId);
      break;
  }
  return std::nullopt;
}

void openCase(PgConnection& conn, const std::string& caseId,
              const std::optional<std::string>& insurer, const std::optional<std::string>& insured,
              const std::vector<std::string>& nodes, const std::optional<std::string>& patientKey) {
  conn.run("case_open",
           "INSERT INTO cases (case_id, insurer_number, insured_number, patient_key) "
           "VALUES ($1, $2, $3, $4) "
           "ON CONFLICT (case_id) DO UPDATE SET closed_at = NULL, "
           "insurer_number = coalesce(EXCLUDED.insurer_number, cases.insurer_number), "
           "insured_number = coalesce(EXCLUDED.insured_number, cases.insured_number), "
           "patient_key = coalesce(EXCLUDED.patient_key, cases.patient_key)",
           {caseId, insurer, insured, patientKey});
  addCaseParticipants(conn, caseId, nodes);
}

void ensureCase(PgConnection& conn, const std::string& caseId) {
  conn.run("case_ensure", "INSERT INTO cases (case_id) VALUES ($1) ON CONFLICT DO NOTHING",
           {caseId});
}

std::string patientKey(const std::string& nameKana, const std::string& birthDate,
                       const std::string& sex) {
  return mapping::text::foldForMatching(nameKana) + "|" + birthDate + "|" + sex;
}

std::vector<std::string> openCasesForPatient(PgConnection& conn, const std::string& patientKey) {
  auto r = conn.run("case_by_patient",
                    "SELECT case_id FROM cases WHERE patient_key = $1 AND closed_at IS NULL "
                    "ORDER BY case_id",
                    {patientKey});
  std::vector<std::string> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(r.text(i, 0));
  return out;
}

void addCaseParticipants(PgConnection& conn, const std::string& caseId,
                         const std::vector<std::string>& nodes) {
  for (const auto& node : nodes) {
    conn.run("case_add",
             "INSERT INTO case_participants (case_id, node) VALUES ($1, $2) ON CONFLICT DO NOTHING",
             {caseId, node});
  }
}

void removeCaseParticipants(PgConnection& conn, const std::string& caseId,
                            const std::vector<std::string>& nodes) {
  for (const auto& node : nodes) {
    conn.run("case_remove", "DELETE FROM case_participants WHERE case_id = $1 AND node = $2",
             {caseId, node});
  }
}

void closeCase(PgConnection& conn, const std::string& caseId) {
  conn.run("case_close", "UPDATE cases SET closed_at = now() WHERE case_id = $1", {caseId});
}

std::optional<CaseInfo> findCase(PgConnection& conn, const std::string& caseId) {
  auto c = conn.run("case_find",
                    "SELECT insurer_number, insured_number, closed_at IS NOT NULL FROM cases "
                    "WHERE case_id = $1",
                    {caseId});
  if (c.rows() == 0) return std::nullopt;
  CaseInfo info{c.optional(0, 0), c.optional(0, 1), {}, c.text(0, 2) == "t"};
  auto p =
      conn.run("case_nodes", "SELECT node FROM case_participants WHERE case_id = $1 ORDER BY node",
               {caseId});
  for (int i = 0; i < p.rows(); ++i) info.nodes.push_back(p.text(i, 0));
  return info;
}

}  // namespace tsunagi::store
