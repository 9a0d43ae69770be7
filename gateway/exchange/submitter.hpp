#pragma once
// The local side's way into the exchange: route a canonical document to its peers, check consent,
// and commit one outbox message per peer — all in one transaction, so a document is accepted only
// when it is durable, and refused as a whole otherwise.

#include <stdexcept>
#include <string>
#include <vector>

#include "adapters/loss_report.hpp"
#include "gateway/federation/manifest_store.hpp"
#include "gateway/store/pool.hpp"
#include "mapping/model/canonical.hpp"

namespace tsunagi::exchange {

/// A submission that cannot be sent. `code` is stable: document-invalid, no-route, self-route,
/// identity-ambiguous, case-unknown, case-closed, not-case-owner, and the consent refusals
/// (store::consentCode: consent-missing, consent-revoked, consent-scope, consent-expired,
/// consent-not-yet-valid).
class SubmitError : public std::runtime_error {
 public:
  SubmitError(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const { return code_; }

 private:
  std::string code_;
};

struct Submitted {
  std::string peer;
  std::string messageId;
};

/// What goes with the documents of one local input.
struct SubmitContext {
  /// Ties a sheet to a case (optional for sheets; CaseUpdate and CaseMembership carry their own).
  std::optional<std::string> caseId;
  /// The decode's losses: kept with each outbox row and carried in each envelope (<losses>).
  adapters::LossReport losses;
};

class Submitter {
 public:
  Submitter(std::string selfCode, store::ConnectionPool& pool,
            const federation::ManifestStore& manifests);

  /// Validates, routes, checks consent and enqueues. Idempotent on the document's own id
  /// (sheetId, updateId, eventId): a resubmission returns the messages queued the first time. `caseId` ties a sheet to a case (optional
  /// for sheets; CaseUpdate and CaseMembership carry their own). Throws SubmitError (after
  /// recording a consent-blocked or refused event) or store::PgError.
  std::vector<Submitted> submit(const mapping::CanonicalDocument& document,
                                const std::optional<std::string>& caseId = {});
  /// The documents of one local input (a file, a request, an HL7 message): checked in order and
  /// queued in one transaction — all of them or, on the first refusal, none (the refusal is
  /// recorded and thrown as SubmitError). Documents already queued (same id) are not queued again:
  /// their original messages are returned in their place.
  std::vector<Submitted> submitAll(const std::vector<mapping::CanonicalDocument>& documents,
                                   const SubmitContext& context = {});

 private:
  std::string self_;
  store::ConnectionPool& pool_;
  const federation::ManifestStore& manifests_;
};

}  // namespace tsunagi::exchange
