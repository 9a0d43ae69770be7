#pragma once
// The types of the audit chain's events and their stable names. The name is what the chain stores
// (exchange_events.event) and hashes: the console, `audit verify`, the archive and the ATNA sink
// read it back, so a name never changes once written (docs/operations.md "Audit log" → Events).

#include <optional>
#include <string_view>

namespace tsunagi::store {

enum class EventType {
  // a peer's message (receiver)
  Received,        ///< received
  Duplicate,       ///< duplicate
  Rejected,        ///< rejected
  LossesReceived,  ///< losses-received
  // a local submission (submitter, local API)
  Validated,       ///< validated
  Refused,         ///< refused
  ConsentBlocked,  ///< consent-blocked
  // the outbox
  Queued,          ///< queued
  Sent,            ///< sent
  Receipted,       ///< receipted
  RetryScheduled,  ///< retry-scheduled
  DeadLettered,    ///< dead-lettered
  // dead letters, by a coordinator
  Replayed,   ///< replayed
  Discarded,  ///< discarded
  // the inbox's hand-over to the local side
  Translated,           ///< translated
  DeliveredLocally,     ///< delivered-locally
  LocalRetryScheduled,  ///< local-retry-scheduled
  LocalDeadLettered,    ///< local-dead-lettered
  EncodeRefused,        ///< encode-refused
  ChannelRefused,       ///< channel-refused
  // channels and listeners
  InputRejected,         ///< input-rejected
  InputWithoutDocument,  ///< input-without-document
  KintoneRecordSkipped,  ///< kintone-record-skipped
  KintonePollFailed,     ///< kintone-poll-failed
  KintonePollRecovered,  ///< kintone-poll-recovered
  HttpRefused,           ///< http-refused
  // consents
  ConsentRecorded,  ///< consent-recorded
  ConsentRevoked,   ///< consent-revoked
  ConsentRefused,   ///< consent-refused
  // identity
  IdentityReviewed,  ///< identity-reviewed
  // the console
  ConsoleLogin,           ///< console-login
  ConsoleLoginRefused,    ///< console-login-refused
  ConsoleLoginThrottled,  ///< console-login-throttled
  ConsoleLogout,          ///< console-logout
  ConsoleRefused,         ///< console-refused
  ConsoleSearched,        ///< console-searched
  ConsoleExported,        ///< console-exported
  ConsoleViewed,          ///< console-viewed
  ConsoleConsentRevoked,  ///< console-consent-revoked
  ConsoleUserAdded,       ///< console-user-added
  ConsolePasswordSet,     ///< console-password-set
  ConsoleTotpEnrolled,    ///< console-totp-enrolled
  ConsoleUserUnlocked,    ///< console-user-unlocked
};

/// How many event types there are (EventType values are 0 … eventTypeCount - 1).
inline constexpr int eventTypeCount = static_cast<int>(EventType::ConsoleUserUnlocked) + 1;

/// The stored name ("received", "console-login", …).
std::string_view toString(EventType type);
/// The type of a stored name, or nullopt for a name this build does not write (a row read back
/// is hashed as stored, whatever its name).
std::optional<EventType> parseEventType(std::string_view name);

}  // namespace tsunagi::store
