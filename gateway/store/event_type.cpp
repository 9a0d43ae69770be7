#include "gateway/store/event_type.hpp"

#include <array>
#include <utility>

namespace tsunagi::store {

namespace {

using Entry = std::pair<EventType, std::string_view>;

constexpr std::array<Entry, eventTypeCount> kNames{{
    {EventType::Received, "received"},
    {EventType::Duplicate, "duplicate"},
    {EventType::Rejected, "rejected"},
    {EventType::LossesReceived, "losses-received"},
    {EventType::Validated, "validated"},
    {EventType::Refused, "refused"},
    {EventType::ConsentBlocked, "consent-blocked"},
    {EventType::Queued, "queued"},
    {EventType::Sent, "sent"},
    {EventType::Receipted, "receipted"},
    {EventType::RetryScheduled, "retry-scheduled"},
    {EventType::DeadLettered, "dead-lettered"},
    {EventType::Replayed, "replayed"},
    {EventType::Discarded, "discarded"},
    {EventType::Translated, "translated"},
    {EventType::DeliveredLocally, "delivered-locally"},
    {EventType::LocalRetryScheduled, "local-retry-scheduled"},
    {EventType::LocalDeadLettered, "local-dead-lettered"},
    {EventType::EncodeRefused, "encode-refused"},
    {EventType::ChannelRefused, "channel-refused"},
    {EventType::InputRejected, "input-rejected"},
    {EventType::InputWithoutDocument, "input-without-document"},
    {EventType::KintoneRecordSkipped, "kintone-record-skipped"},
    {EventType::KintonePollFailed, "kintone-poll-failed"},
    {EventType::KintonePollRecovered, "kintone-poll-recovered"},
    {EventType::HttpRefused, "http-refused"},
    {EventType::ConsentRecorded, "consent-recorded"},
    {EventType::ConsentRevoked, "consent-revoked"},
    {EventType::ConsentRefused, "consent-refused"},
    {EventType::IdentityReviewed, "identity-reviewed"},
    {EventType::ConsoleLogin, "console-login"},
    {EventType::ConsoleLoginRefused, "console-login-refused"},
    {EventType::ConsoleLoginThrottled, "console-login-throttled"},
    {EventType::ConsoleLogout, "console-logout"},
    {EventType::ConsoleRefused, "console-refused"},
    {EventType::ConsoleSearched, "console-searched"},
    {EventType::ConsoleExported, "console-exported"},
    {EventType::ConsoleViewed, "console-viewed"},
    {EventType::ConsoleConsentRevoked, "console-consent-revoked"},
    {EventType::ConsoleUserAdded, "console-user-added"},
    {EventType::ConsolePasswordSet, "console-password-set"},
    {EventType::ConsoleTotpEnrolled, "console-totp-enrolled"},
    {EventType::ConsoleUserUnlocked, "console-user-unlocked"},
}};

// Listed in enum order, so toString is an index.
constexpr bool inEnumOrder() {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (static_cast<std::size_t>(kNames[i].first) != i) return false;
  }
  return true;
}
static_assert(inEnumOrder(), "kNames must list every EventType once, in enum order");

}  // namespace

std::string_view toString(EventType type) {
  return kNames.at(static_cast<std::size_t>(type)).second;
}

std::optional<EventType> parseEventType(std::string_view name) {
  for (const auto& [type, stored] : kNames) {
    if (stored == name) return type;
  }
  return std::nullopt;
}

}  // namespace tsunagi::store
