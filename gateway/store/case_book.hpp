#pragma once
// The case book: cases, their patient and their participating nodes, and the one way a
// membership change is applied. A case belongs to the node that opened it, and its id names that
// node (`case-NNNNNN-…`, mapping::caseIdOwner): only the owner opens the case, adds or removes
// participants, or closes it. The submitter applies a local change (the actor is this node) and
// the receiver a peer's change (the actor is the authenticated sender) through applyMembership,
// in their own transactions.

#include <optional>
#include <string>
#include <vector>

#include "gateway/store/pg.hpp"
#include "mapping/model/case_membership.hpp"

namespace tsunagi::store {

// ---- membership changes ----

/// Why a membership change may not be made. `code` is stable: not-case-owner.
struct MembershipRefusal {
  std::string code;
  std::string message;  ///< for the peer or the local tool: the case id and node codes
  std::string logged;   ///< for the logs: without the case id (a value of the document)
};

/// Who makes a change: this node (a local submission) or a peer (a received message).
enum class MembershipSide { Local, Received };

/// The ownership rules, without touching the database: nullopt when `actor` may make `change`.
std::optional<MembershipRefusal> checkMembership(const mapping::CaseMembership& change,
                                                 const std::string& actor, MembershipSide side);

/// Applies `change`, made by `actor`, to the case book (call inside the caller's transaction).
/// When the rules refuse it, nothing is written and the refusal is returned. The effects:
///  - open: create the case, or reopen it, with the patient's numbers and key when given; the
///    participants are the listed nodes and the owner;
///  - add-participant: create the case if this node does not know it yet (no patient), add the
///    listed nodes and the owner; a closed case stays closed;
///  - remove-participant: remove the listed nodes;
///  - close: mark the case closed.
[[nodiscard]] std::optional<MembershipRefusal> applyMembership(
    PgConnection& conn, const mapping::CaseMembership& change, const std::string& actor,
    MembershipSide side);

// ---- reading ----

struct CaseInfo {
  std::optional<std::string> insurerNumber, insuredNumber;
  std::vector<std::string> nodes;
  bool closed = false;
};
std::optional<CaseInfo> findCase(PgConnection& conn, const std::string& caseId);
/// The key a patient is matched on: kana name folded for matching (mapping/text/kana), birth date
/// and sex code, joined with '|'.
std::string patientKey(const std::string& nameKana, const std::string& birthDate,
                       const std::string& sex);
/// The open cases whose patient has this key.
std::vector<std::string> openCasesForPatient(PgConnection& conn, const std::string& patientKey);

// ---- the rows applyMembership writes (tests set up a case book with them) ----

/// Opens (or reopens) a case. `patientKey` (patientKey() above) lets hospital documents that
/// carry no insurance numbers find the case.
void openCase(PgConnection& conn, const std::string& caseId,
              const std::optional<std::string>& insurer, const std::optional<std::string>& insured,
              const std::vector<std::string>& nodes,
              const std::optional<std::string>& patientKey = std::nullopt);
/// Creates the case when this node does not know it yet (no patient; an existing case, open or
/// closed, is left as it is).
void ensureCase(PgConnection& conn, const std::string& caseId);
void addCaseParticipants(PgConnection& conn, const std::string& caseId,
                         const std::vector<std::string>& nodes);
void removeCaseParticipants(PgConnection& conn, const std::string& caseId,
                            const std::vector<std::string>& nodes);
void closeCase(PgConnection& conn, const std::string& caseId);

}  // namespace tsunagi::store
