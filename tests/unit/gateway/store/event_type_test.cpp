// The audit chain's event names are stored and hashed: the console, `audit verify`, the archive
// and the ATNA sink read them back. They never change once written.

#include "gateway/store/event_type.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace tsunagi::store {
namespace {

TEST(EventType, EveryTypeHasOneNameAndParsesBack) {
  std::set<std::string_view> seen;
  for (int i = 0; i < eventTypeCount; ++i) {
    const auto type = static_cast<EventType>(i);
    const std::string_view name = toString(type);
    EXPECT_FALSE(name.empty());
    EXPECT_TRUE(seen.insert(name).second) << "two types are named " << name;
    EXPECT_EQ(parseEventType(name), type) << name;
  }
}

TEST(EventType, StoredNamesAreTheOnesChainsAlreadyHold) {
  // Written by earlier releases: a renamed type would break the console's filters, the ATNA
  // mapping and every reader of an existing chain.
  EXPECT_EQ(toString(EventType::Received), "received");
  EXPECT_EQ(toString(EventType::Rejected), "rejected");
  EXPECT_EQ(toString(EventType::LossesReceived), "losses-received");
  EXPECT_EQ(toString(EventType::ConsentBlocked), "consent-blocked");
  EXPECT_EQ(toString(EventType::RetryScheduled), "retry-scheduled");
  EXPECT_EQ(toString(EventType::DeadLettered), "dead-lettered");
  EXPECT_EQ(toString(EventType::DeliveredLocally), "delivered-locally");
  EXPECT_EQ(toString(EventType::LocalDeadLettered), "local-dead-lettered");
  EXPECT_EQ(toString(EventType::InputRejected), "input-rejected");
  EXPECT_EQ(toString(EventType::HttpRefused), "http-refused");
  EXPECT_EQ(toString(EventType::ConsentRefused), "consent-refused");
  EXPECT_EQ(toString(EventType::IdentityReviewed), "identity-reviewed");
  EXPECT_EQ(toString(EventType::ConsoleLogin), "console-login");
  EXPECT_EQ(toString(EventType::ConsoleUserUnlocked), "console-user-unlocked");
}

TEST(EventType, NamesNotWrittenByThisBuildDoNotParse) {
  EXPECT_EQ(parseEventType(""), std::nullopt);
  EXPECT_EQ(parseEventType("Received"), std::nullopt);
  EXPECT_EQ(parseEventType("received "), std::nullopt);
  EXPECT_EQ(parseEventType("console-view"), std::nullopt);
}

}  // namespace
}  // namespace tsunagi::store
