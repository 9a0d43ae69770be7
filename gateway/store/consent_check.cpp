#include "gateway/store/consent_check.hpp"

namespace tsunagi::store {

std::string_view consentCode(ConsentOutcome outcome) {
  switch (outcome) {
    case ConsentOutcome::Covered:
      return "";
    case ConsentOutcome::PatientUnknown:
    case ConsentOutcome::NotRecorded:
      return "consent-missing";
    case ConsentOutcome::Revoked:
      return "consent-revoked";
    case ConsentOutcome::OutOfScope:
      return "consent-scope";
    case ConsentOutcome::Expired:
      return "consent-expired";
    case ConsentOutcome::NotYetValid:
      return "consent-not-yet-valid";
  }
  return "consent-missing";
}

std::string ConsentCheck::message() const {
  const std::string consent = "consent " + reference;
  switch (outcome) {
    case ConsentOutcome::Covered:
      return consent + " covers municipality " + municipality;
    case ConsentOutcome::PatientUnknown:
      return "the patient's 保険者番号 and 被保険者番号 are needed to find a consent";
    case ConsentOutcome::NotRecorded:
      return reference.empty() ? "no consent is recorded for this patient"
                               : consent + " is not recorded";
    case ConsentOutcome::Revoked:
      return consent + " was revoked";
    case ConsentOutcome::OutOfScope:
      return consent + " does not cover municipality " + municipality;
    case ConsentOutcome::Expired:
      return consent + " has expired";
    case ConsentOutcome::NotYetValid:
      return consent + " is not valid yet";
  }
  return consent;
}

}  // namespace tsunagi::store
