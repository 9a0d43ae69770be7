// Session expiry with an injected clock, roles, CSRF token comparison, the login throttle, and
// the request helpers.
#include "gateway/console/session.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/console/html.hpp"
#include "gateway/console/http.hpp"
#include "gateway/console/exchange_filter.hpp"

namespace tsunagi::console {
namespace {

TEST(Session, ExpiresAfterTheIdleTimeAndSlidesWithUse) {
  SessionPolicy policy{std::chrono::minutes(30), std::chrono::hours(12)};
  const std::int64_t created = 1'800'000'000;
  std::int64_t expires = sessionExpiry(created, created, policy);
  EXPECT_EQ(expires, created + 1800);
  EXPECT_FALSE(sessionExpired(expires, created + 1799));
  EXPECT_TRUE(sessionExpired(expires, created + 1800));
  // Used after 20 minutes: another 30 from then.
  expires = sessionExpiry(created, created + 1200, policy);
  EXPECT_FALSE(sessionExpired(expires, created + 2999));
  EXPECT_TRUE(sessionExpired(expires, created + 3000));
}

TEST(Session, NeverOutlivesTheAbsoluteLimitHoweverOftenUsed) {
  SessionPolicy policy{std::chrono::minutes(30), std::chrono::hours(12)};
  const std::int64_t created = 1'800'000'000;
  const std::int64_t lateUse = created + 12 * 3600 - 60;
  EXPECT_EQ(sessionExpiry(created, lateUse, policy), created + 12 * 3600);
}

TEST(Session, TheInjectedClockIsTheOneRead) {
  const Clock clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::seconds(1234));
  };
  EXPECT_EQ(unixSeconds(clock), 1234);
}

TEST(Roles, CoordinatorsActAdminsAdministerBothRead) {
  EXPECT_TRUE(allows(Role::Coordinator, Permission::Read));
  EXPECT_TRUE(allows(Role::Coordinator, Permission::Act));
  EXPECT_FALSE(allows(Role::Coordinator, Permission::Administer));
  EXPECT_TRUE(allows(Role::Admin, Permission::Read));
  EXPECT_FALSE(allows(Role::Admin, Permission::Act));
  EXPECT_TRUE(allows(Role::Admin, Permission::Administer));
  EXPECT_EQ(parseRole("admin"), Role::Admin);
  EXPECT_EQ(parseRole("Admin"), std::nullopt);
}

TEST(Csrf, TokensMatchOnlyWhenEqualAndPresent) {
  const std::string token = newToken();
  EXPECT_EQ(token.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_EQ(token.find_first_of("+/="), std::string::npos);
  EXPECT_TRUE(tokensMatch(token, token));
  EXPECT_FALSE(tokensMatch(token, ""));
  EXPECT_FALSE(tokensMatch("", ""));
  EXPECT_FALSE(tokensMatch(token, token.substr(1)));
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_FALSE(tokensMatch(token, flipped));
  EXPECT_NE(newToken(), token);
}

TEST(Csrf, TheDatabaseKeepsOnlyADigestOfTheSessionCookie) {
  const std::string token = newToken();
  EXPECT_EQ(tokenDigest(token).size(), 64u);
  EXPECT_EQ(tokenDigest(token).find(token), std::string::npos);
}

TEST(ConsoleHtml, EscapesMarkupAndQuotes) {
  EXPECT_EQ(html("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
}

TEST(ConsoleHttp, DecodesFormsAndQueries) {
  auto f = parseUrlEncoded("user=sato&password=a+b%26c%3D&caseId=%27+OR+1%3D1--&broken=%zz&=x");
  EXPECT_EQ(f["user"], "sato");
  EXPECT_EQ(f["password"], "a b&c=");
  EXPECT_EQ(f["caseId"], "' OR 1=1--");
  EXPECT_EQ(f.count("broken"), 0u);
  EXPECT_EQ(f.count(""), 0u);
  EXPECT_EQ(parseUrlEncoded(urlEncode("柏 & 松戸") + "=1").count("柏 & 松戸"), 1u);
}

TEST(ConsoleHttp, NamesTheFirstFieldWithABrokenEscape) {
  std::optional<std::string> broken;
  auto f = parseUrlEncoded("peer=%zz&status=dead&page=%4", &broken);
  EXPECT_EQ(broken, "peer");
  EXPECT_EQ(f.count("peer"), 0u);
  EXPECT_EQ(f["status"], "dead");
  broken.reset();
  parseUrlEncoded("a=1&%G1=x", &broken);
  EXPECT_EQ(broken, "");  // the name itself is broken
  broken.reset();
  parseUrlEncoded("peer=122173&caseId=100%25", &broken);
  EXPECT_EQ(broken, std::nullopt);
}

TEST(ConsoleFilter, ABrokenEscapeIsAnInvalidFilter) {
  try {
    parseFilter({{"status", "dead"}}, std::string("peer"));
    FAIL() << "accepted";
  } catch (const FilterError& e) {
    EXPECT_EQ(e.field(), "peer");
  }
  try {
    parseFilter({}, std::string("<script>"));
    FAIL() << "accepted";
  } catch (const FilterError& e) {
    EXPECT_EQ(e.field(), "query");  // a made-up name is not echoed
  }
}

TEST(ConsoleFilter, NamesTheFieldOfEachMalformedValue) {
  const std::vector<std::pair<std::string, std::string>> bad = {{"from", "2026-02-30"},
                                                                {"to", "yesterday"},
                                                                {"peer", "122174"},
                                                                {"direction", "sideways"},
                                                                {"documentType", "Invoice"},
                                                                {"status", "lost"},
                                                                {"messageId", "not-a-uuid"},
                                                                {"page", "0"},
                                                                {"caseId", std::string(65, 'x')}};
  for (const auto& [field, value] : bad) {
    try {
      parseFilter({{field, value}});
      ADD_FAILURE() << field << " accepted " << value;
    } catch (const FilterError& e) {
      EXPECT_EQ(e.field(), field);
      EXPECT_EQ(std::string(e.what()).find(value), std::string::npos) << "never echoes the value";
    }
  }
  EXPECT_THROW(parseFilter({{"from", "2026-03-02"}, {"to", "2026-03-01"}}), FilterError);
}

TEST(ConsoleFilter, KeepsGoodValuesAndLowerCasesMessageIds) {
  auto f = parseFilter({{"from", "2026-03-01"},
                        {"peer", "122203"},
                        {"status", "dead"},
                        {"caseId", "C-1' OR '1'='1"},
                        {"page", "3"},
                        {"lang", "en"},
                        {"messageId", "01A20272-E50E-7EC5-916C-15DFFF48D8C3"}});
  EXPECT_EQ(f.from, "2026-03-01");
  EXPECT_EQ(f.peer, "122203");
  EXPECT_EQ(f.status, "dead");
  EXPECT_EQ(f.caseId, "C-1' OR '1'='1");
  EXPECT_EQ(f.messageId, "01a20272-e50e-7ec5-916c-15dfff48d8c3");
  EXPECT_EQ(f.page, 3);
}

TEST(LoginThrottle, CountsAnIpv6AddressAsItsSlash64AndAMappedIpv4AsIpv4) {
  EXPECT_EQ(LoginThrottle::addressKey("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(LoginThrottle::addressKey("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(LoginThrottle::addressKey("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(LoginThrottle::addressKey("2001:db8:1:2::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(LoginThrottle::addressKey("fe80::1%eth0"), "fe80::/64");
  LoginThrottle throttle(LoginThrottlePolicy{1, std::chrono::seconds(10), std::chrono::seconds(60),
                                             std::chrono::minutes(5)});
  EXPECT_TRUE(throttle.admit("2001:db8:1:2::1", 1000).admitted);
  EXPECT_FALSE(throttle.admit("2001:db8:1:2::99", 1000).admitted) << "the same /64";
  EXPECT_TRUE(throttle.admit("2001:db8:1:3::1", 1000).admitted) << "another /64";
}

TEST(LoginThrottle, WaitsDoubleAfterTheFreeFailuresUpToTheLongestAndAreForgotten) {
  LoginThrottle throttle(LoginThrottlePolicy{3, std::chrono::seconds(2), std::chrono::seconds(10),
                                             std::chrono::minutes(5)});
  std::int64_t now = 1'800'000'000;
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(throttle.admit("192.0.2.7", now).admitted);
  auto refused = throttle.admit("192.0.2.7", now);
  EXPECT_FALSE(refused.admitted);
  EXPECT_EQ(refused.retryAfter, 2);
  EXPECT_TRUE(refused.firstRefusal);
  EXPECT_FALSE(throttle.admit("192.0.2.7", now + 1).firstRefusal) << "audited once per wait";
  std::vector<std::int64_t> waits;
  for (int i = 0; i < 4; ++i) {
    now += refused.retryAfter;
    EXPECT_TRUE(throttle.admit("192.0.2.7", now).admitted);
    refused = throttle.admit("192.0.2.7", now);
    waits.push_back(refused.retryAfter);
  }
  EXPECT_EQ(waits, (std::vector<std::int64_t>{4, 8, 10, 10}));
  EXPECT_EQ(refused.failures, 7);
  EXPECT_TRUE(throttle.admit("192.0.2.8", now).admitted) << "another address";
  // Quiet for the forget time: the address starts over.
  EXPECT_TRUE(throttle.admit("192.0.2.7", now + 300).admitted);
  EXPECT_EQ(throttle.admit("192.0.2.7", now + 300).failures, 2);
}

TEST(LoginThrottle, ASuccessIsTakenBackAndAccountsAreRememberedPerAddress) {
  LoginThrottle throttle(LoginThrottlePolicy{2, std::chrono::seconds(5), std::chrono::seconds(60),
                                             std::chrono::minutes(5)});
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(throttle.admit("192.0.2.7", 1000).admitted) << i;
    throttle.takeBack("192.0.2.7");
  }
  EXPECT_TRUE(throttle.admit("192.0.2.7", 1000).admitted);
  throttle.failedOn("192.0.2.7", "sato");
  EXPECT_TRUE(throttle.hasFailedOn("192.0.2.7", "sato"));
  EXPECT_FALSE(throttle.hasFailedOn("192.0.2.7", "tanaka"));
  EXPECT_FALSE(throttle.hasFailedOn("192.0.2.8", "sato"));
  // An address that fails on many accounts has failed on all of them.
  LoginThrottle wide(LoginThrottlePolicy{1000, std::chrono::seconds(5), std::chrono::seconds(60),
                                         std::chrono::minutes(5)});
  for (int i = 0; i < 40; ++i) {
    wide.admit("192.0.2.9", 1000);
    wide.failedOn("192.0.2.9", "user" + std::to_string(i));
  }
  EXPECT_TRUE(wide.hasFailedOn("192.0.2.9", "someone-else"));
}

TEST(LoginThrottle, RemembersABoundedNumberOfAddressesDroppingTheStalest) {
  LoginThrottle throttle(LoginThrottlePolicy{1, std::chrono::seconds(30), std::chrono::seconds(60),
                                             std::chrono::minutes(5), 100});
  for (int i = 0; i < 1000; ++i)
    throttle.admit("10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250), 1000 + i);
  EXPECT_LE(throttle.size(), 100u);
  EXPECT_FALSE(throttle.admit("10.0.3.249", 1999).admitted) << "the newest is still waiting";
}

}  // namespace
}  // namespace tsunagi::console
