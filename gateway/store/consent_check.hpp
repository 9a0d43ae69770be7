#pragma once
// Whether a recorded consent allows sending a patient's documents to a node: the outcomes of the
// consent checks (store::findConsent before queuing, store::consentWithdrawn before each send),
// each mapped once to its stable problem code and its message (docs/exchange-protocol.md
// "Consent").

#include <string>
#include <string_view>

namespace tsunagi::store {

enum class ConsentOutcome {
  Covered,         ///< a consent covers the transfer
  PatientUnknown,  ///< consent-missing: the patient's 保険者番号 and 被保険者番号 are not known
  NotRecorded,  ///< consent-missing: no consent for the patient, or none with this reference
  Revoked,      ///< consent-revoked
  OutOfScope,   ///< consent-scope: the consent does not list the receiving node
  Expired,      ///< consent-expired: its valid_until is past
  NotYetValid,  ///< consent-not-yet-valid: its obtained_on is still to come
};

/// The problem code of a refusal ("consent-missing", …); "" for Covered.
std::string_view consentCode(ConsentOutcome outcome);

/// The outcome of one check, with what its message names.
struct ConsentCheck {
  ConsentOutcome outcome = ConsentOutcome::NotRecorded;
  std::string reference;     ///< the consent found (covering, or the refused one); "" if none
  std::string municipality;  ///< the receiving node checked ("" when not checked by node)

  bool covered() const { return outcome == ConsentOutcome::Covered; }
  std::string_view code() const { return consentCode(outcome); }
  /// For the local tool, the logs and the audit reason: the consent's reference and the node
  /// code, never a patient's data ("consent C-1 was revoked", "no consent is recorded for this
  /// patient").
  std::string message() const;
};

}  // namespace tsunagi::store
