#pragma once
// The case book's rules and its one way of changing membership. A case belongs to the node that
// opened it, and its id names that node (`case-NNNNNN-…`, mapping::caseIdOwner): only the owner
// opens the case, adds or removes participants, or closes it. The submitter applies a local
// change (the actor is this node) and the receiver a peer's change (the actor is the
// authenticated sender) through the same function, in their own transactions.

#include <optional>
#include <string>

#include "gateway/store/pg.hpp"
#include "mapping/model/case_membership.hpp"

namespace tsunagi::exchange {

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
    store::PgConnection& conn, const mapping::CaseMembership& change, const std::string& actor,
    MembershipSide side);

}  // namespace tsunagi::exchange
