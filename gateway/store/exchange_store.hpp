#pragma once
// The node's exchange state in PostgreSQL: the hash-chained event log, the outbox with its
// delivery leases, receipts, the idempotent inbox and consents (the case book: case_book.hpp).
// Every state change appends its event in the same transaction, so the log and the state cannot
// disagree.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "gateway/store/consent_check.hpp"
#include "gateway/store/event_type.hpp"
#include "gateway/store/pg.hpp"

namespace tsunagi::store {

/// An event to append to the chain.
struct NewEvent {
  EventType type;
  std::string direction;  ///< outbound, inbound, local, node, console
  std::optional<std::string> peer;
  std::optional<std::string> messageId;
  std::string detailJson = "{}";  ///< identifiers, codes, reasons only — never clinical content
};

/// An event as the chain stores and hashes it: `event` is the stored name (toString(EventType)
/// when this build wrote it; a row read back is taken as it is).
struct Event {
  std::string event;      ///< queued, sent, receipted, … (docs/operations.md "Audit log")
  std::string direction;  ///< outbound, inbound, local, node, console
  std::optional<std::string> peer;
  std::optional<std::string> messageId;
  std::string detailJson = "{}";  ///< identifiers, codes, reasons only — never clinical content
};

/// Now on the database clock, UTC, "YYYY-MM-DDThh:mm:ss.ffffffZ": the time format of the log.
std::string databaseTimestamp(PgConnection& conn);

/// Appends to the chain (locks the head row: call inside the state change's transaction).
/// Returns the new chain head.
std::string appendEvent(PgConnection& conn, const NewEvent& event);

class ConnectionPool;
/// An `http-refused` event: a request a listener refused before any handler saw it (malformed
/// HTTP, a body over the limit, a Host, Origin or content type not allowed). Codes and the
/// client's address only. Logs, never throws: a refusal must not fail for want of a database.
void recordHttpRefusal(ConnectionPool& pool, const std::string& listener,
                       const std::string& direction, int status, const std::string& code,
                       const std::string& client);
std::string chainHead(PgConnection& conn);
/// The bytes an event's hash covers after the previous hash (exposed for `audit verify`).
std::string eventCanonicalBytes(long long id, const std::string& at, const Event& event);
/// The row's hash: lower-case hex SHA-256(previousHash || '\n' || canonical bytes).
std::string eventHash(const std::string& previousHash, long long id, const std::string& at,
                      const Event& event);

/// A JSON object from string pairs, escaped; the one way event details are written.
std::string jsonObject(const std::vector<std::pair<std::string, std::string>>& fields);

// ---- outbox ----

struct OutboundMessage {
  std::string messageId;
  std::string documentId;  ///< sheetId / updateId / eventId: submissions are idempotent on it
  std::string peer;
  std::string documentType;
  std::optional<std::string> caseId;
  std::optional<std::string> consentReference;
  std::string envelope;           ///< serialized envelope; the HTTP signature is made at each send
  std::string lossesJson = "[]";  ///< the decode's LossReport::json() (also in the envelope)
  std::string lossKinds;          ///< LossReport::kinds(), for the queued event
  std::size_t lossCount = 0;
};

/// (peer, message id) of the messages already queued for a document id, in peer order.
std::vector<std::pair<std::string, std::string>> queuedForDocument(PgConnection& conn,
                                                                   const std::string& documentId);

/// Commits nothing by itself: call inside a transaction together with the other rows of the
/// submission, so a message is accepted only once it is durable.
void enqueue(PgConnection& conn, const OutboundMessage& message);

struct ClaimedMessage {
  long long id;
  std::string messageId;
  std::string peer;
  std::string envelope;
  int attempts;  ///< including this one
  std::optional<std::string> consentReference;
};

/// Claims up to `limit` due messages for `peer` (FOR UPDATE SKIP LOCKED) and leases them for
/// `lease`: a crashed sender's lease runs out and another worker retries (the receiver is
/// idempotent). Its own short transaction.
std::vector<ClaimedMessage> claimDue(PgConnection& conn, const std::string& peer, int limit,
                                     std::chrono::seconds lease);

/// Receipt verified: the message is delivered.
void markDelivered(PgConnection& conn, const ClaimedMessage& m, const std::string& receipt,
                   const std::string& chainHead, const std::string& receivedAt);
/// Try again after `delay`, or dead-letter when `permanent` or attempts are exhausted. `reason`
/// (value-free) goes to the audit chain; `peerDetail`, what the peer answered (it may quote the
/// document), is kept with the message only (outbox.last_error, after the reason).
void markFailed(PgConnection& conn, const ClaimedMessage& m, const std::string& reason,
                bool permanent, int maxAttempts, std::chrono::milliseconds delay,
                const std::string& peerDetail = {});

/// Gives a claimed message back without counting the attempt (its peer is down: the rest of a
/// batch waits with it).
void release(PgConnection& conn, const ClaimedMessage& m, std::chrono::milliseconds delay);

/// Why a consent no longer allows sending (not recorded, revoked or expired), or nullopt.
std::optional<ConsentCheck> consentWithdrawn(PgConnection& conn, const std::string& reference);

struct OutboxCounts {
  long long pending = 0, delivered = 0, dead = 0;
};
OutboxCounts outboxCounts(PgConnection& conn, const std::optional<std::string>& peer = {});

// ---- dead letters (outbox and the inbox's local hand-over) ----

/// A coordinator's decision on a dead letter: who and why, recorded in the event.
struct DeadLetterAction {
  std::string messageId;
  std::string actor;   ///< the console user
  std::string reason;  ///< required, free text of the coordinator (no clinical content)
};

/// Puts a dead-lettered message back in its queue (attempts from zero, due now) and appends a
/// `replayed` event; the delivery workers take it from there. False when no dead letter has
/// this id. Call inside a transaction.
bool replayDeadLetter(PgConnection& conn, const DeadLetterAction& action);
/// Marks a dead letter `discarded` (kept, never sent) with a `discarded` event. False when no
/// dead letter has this id. Call inside a transaction.
bool discardDeadLetter(PgConnection& conn, const DeadLetterAction& action);

// ---- inbox ----

struct InboundMessage {
  std::string sender;
  std::string messageId;
  std::string documentType;
  std::optional<std::string> caseId;
  std::optional<std::string> consentReference;
  std::string envelope;
  std::string contentDigest;
  std::string lossesJson = "[]";  ///< the envelope's <losses> as LossReport::json()
};

/// The original receipt when (sender, messageId) is already in the inbox.
std::optional<std::string> existingReceipt(PgConnection& conn, const std::string& sender,
                                           const std::string& messageId);
void storeInbound(PgConnection& conn, const InboundMessage& message, const std::string& receipt);

/// An inbox message claimed for hand-over to the local side.
struct ClaimedInbound {
  std::string sender;
  std::string messageId;
  std::string documentType;
  std::string envelope;
  int attempts;  ///< including this one
};

/// Claims due inbox messages for local delivery (SKIP LOCKED + lease, like the outbox).
std::vector<ClaimedInbound> claimInbound(PgConnection& conn, int limit, std::chrono::seconds lease);
/// Records the losses of encoding a received message for the local channel `channel` (JSON
/// array), beside the message in the inbox, and an event with their count and kinds.
void recordLocalLosses(PgConnection& conn, const ClaimedInbound& m, const std::string& channel,
                       const std::string& lossesJson, std::size_t count, const std::string& kinds);
void markInboundDelivered(PgConnection& conn, const ClaimedInbound& m, const std::string& where);
void markInboundFailed(PgConnection& conn, const ClaimedInbound& m, const std::string& reason,
                       bool permanent, int maxAttempts, std::chrono::milliseconds delay);

// ---- consents (cases: gateway/store/case_book.hpp) ----

struct Consent {
  std::string reference;
  std::string insurerNumber, insuredNumber;
  std::vector<std::string> scope;  ///< receiving municipality codes
  std::string obtainedOn;          ///< YYYY-MM-DD
  std::string obtainedBy;
  std::optional<std::string> validUntil;
};

void recordConsent(PgConnection& conn, const Consent& consent);
/// Revokes; returns false when there is no such consent.
bool revokeConsent(PgConnection& conn, const std::string& reference);

/// The newest consent covering this patient and receiving municipality today (Covered, with its
/// reference), or why there is none. Of several consents, a revoked one is reported before the
/// others; otherwise the newest one's reason.
ConsentCheck findConsent(PgConnection& conn, const std::string& insurerNumber,
                         const std::string& insuredNumber, const std::string& municipality);

}  // namespace tsunagi::store
