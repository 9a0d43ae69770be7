// What coordinators do in the console, over real HTTPS and PostgreSQL: search with pagination,
// open an exchange, retry and discard dead letters with a reason, review identities, export CSV,
// read the dashboard and audit status, switch to English — every action in the audit chain.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/store/exchange_store.hpp"
#include "tests/support/test_console.hpp"

namespace tsunagi::console {
namespace {

using testing::ConsoleClient;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TestConsole;

const std::string kPassword = "correct horse battery staple";

class ConsolePages : public ::testing::Test {
 protected:
  TestConsole console;
  std::string secret = console.addUser("sato", Role::Coordinator, kPassword);
  ConsoleClient client = console.client();

  void SetUp() override {
    ASSERT_EQ(client.login("sato", kPassword, console.code(secret)).status, 303);
  }
  std::string csrf() { return ConsoleClient::csrfIn(client.get("/dead-letters").body); }
};

TEST_F(ConsolePages, SearchPagesThroughResultsNewestFirst) {
  for (int i = 0; i < 55; ++i)
    console.seedOutbound(i % 2 ? "122203" : "122076", false, "CASE-" + std::to_string(i % 3));
  const auto first = client.get("/exchanges");
  EXPECT_THAT(first.body, HasSubstr("<strong id=\"total\">55</strong>"));
  EXPECT_THAT(first.body, HasSubstr("1 / 2"));
  EXPECT_THAT(first.body, HasSubstr("rel=\"next\""));
  const auto second = client.get("/api/v1/exchanges?page=2");
  EXPECT_THAT(second.body, HasSubstr("\"total\":55,\"page\":2,\"pageSize\":50"));
  const auto peer = client.get(
      "/api/v1/exchanges?peer=122203&direction=outbound&documentType=LiaisonSheet&status=pending");
  EXPECT_THAT(peer.body, HasSubstr("\"total\":27"));
  const auto caseSearch = client.get("/api/v1/exchanges?caseId=CASE-0&peer=122076");
  EXPECT_THAT(caseSearch.body, HasSubstr("\"total\":10"));
  EXPECT_EQ(console.events("console-searched", "\"peer\":\"122203\""), 1);
}

TEST_F(ConsolePages, SearchFiltersByJapanDateRange) {
  console.seedOutbound("122203", false);
  auto conn = console.pool().lease();
  conn->exec("UPDATE outbox SET created_at = '2026-03-01 15:30:00+00'");  // 3月2日 00:30 in Japan
  EXPECT_THAT(client.get("/api/v1/exchanges?from=2026-03-02&to=2026-03-02").body,
              HasSubstr("\"total\":1"));
  EXPECT_THAT(client.get("/api/v1/exchanges?to=2026-03-01").body, HasSubstr("\"total\":0"));
  EXPECT_THAT(client.get("/api/v1/exchanges?from=2026-03-03").body, HasSubstr("\"total\":0"));
}

TEST_F(ConsolePages, AnExchangePageShowsItsTimelineReceiptAndLossReportAndIsAudited) {
  const std::string id = console.seedOutbound("122203", true);
  const auto page = client.get("/exchanges/" + id);
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.body, HasSubstr("イベント履歴"));
  EXPECT_THAT(page.body, HasSubstr(">queued<"));
  EXPECT_THAT(page.body, HasSubstr(">dead-lettered<"));
  EXPECT_THAT(page.body, HasSubstr("受領証なし"));
  EXPECT_THAT(page.body, HasSubstr("欠落レポート"));
  EXPECT_THAT(page.body, HasSubstr("/dead-letters/" + id + "/retry"));
  EXPECT_EQ(console.events("console-viewed", "\"user\":\"sato\""), 1);
  const auto api = client.get("/api/v1/exchanges/" + id);
  EXPECT_THAT(api.body, HasSubstr("\"status\":\"dead\""));
  EXPECT_THAT(api.body, HasSubstr("\"event\":\"dead-lettered\""));
  EXPECT_EQ(client.get("/exchanges/01a20272-e50e-7ec5-916c-15dfff48d8c3").status, 404);
  EXPECT_EQ(client.get("/exchanges/not-a-uuid").status, 404);
  const std::string in = console.seedInbound("122076");
  EXPECT_THAT(client.get("/exchanges/" + in).body, HasSubstr("sha-256=:AAAA:"));
}

TEST_F(ConsolePages, RetryPutsADeadLetterBackWithAReplayedEventNamingCoordinatorAndReason) {
  const std::string id = console.seedOutbound("122203", true);
  const auto list = client.get("/dead-letters");
  EXPECT_THAT(list.body, HasSubstr(id));
  EXPECT_EQ(
      client.postForm("/dead-letters/" + id + "/retry", {{"csrf", csrf()}, {"reason", ""}}).status,
      422);
  EXPECT_EQ(console.events("console-refused", "\"reason\":\"reason-missing\""), 1);
  const auto retry = client.postForm("/dead-letters/" + id + "/retry",
                                     {{"csrf", csrf()}, {"reason", "流山市がスキーマを更新済み"}});
  EXPECT_EQ(retry.status, 303);
  EXPECT_EQ(retry.location, "/dead-letters?done=replayed");
  EXPECT_EQ(console.count("SELECT count(*) FROM outbox WHERE state = 'pending' AND attempts = 0"),
            1);
  EXPECT_EQ(console.events("replayed", "\"by\":\"sato\",\"reason\":\"流山市がスキーマを更新済み\""),
            1);
  EXPECT_THAT(client.get("/dead-letters").body, Not(HasSubstr(id)));
  // Twice: it is no longer a dead letter.
  EXPECT_EQ(
      client.postForm("/dead-letters/" + id + "/retry", {{"csrf", csrf()}, {"reason", "again"}})
          .status,
      404);
}

TEST_F(ConsolePages, DiscardKeepsTheRowWithItsReasonAndNeverSendsIt) {
  const std::string id = console.seedOutbound("122203", true);
  const std::string in = console.seedInbound("122076");
  console.count("UPDATE inbox SET local_state = 'dead' RETURNING 1");
  EXPECT_EQ(client
                .postForm("/dead-letters/" + id + "/discard",
                          {{"csrf", csrf()}, {"reason", "duplicate sheet"}})
                .status,
            303);
  EXPECT_EQ(client
                .postForm("/dead-letters/" + in + "/discard",
                          {{"csrf", csrf()}, {"reason", "test message"}})
                .status,
            303);
  EXPECT_EQ(console.count("SELECT count(*) FROM outbox WHERE state = 'discarded'"), 1);
  EXPECT_EQ(console.count("SELECT count(*) FROM inbox WHERE local_state = 'discarded'"), 1);
  EXPECT_EQ(console.events("discarded", "\"reason\":\"duplicate sheet\""), 1);
  EXPECT_EQ(console.events("discarded", "\"reason\":\"test message\""), 1);
  EXPECT_THAT(client.get("/api/v1/exchanges?status=discarded").body, HasSubstr("\"total\":2"));
}

TEST_F(ConsolePages, IdentityReviewsAreDecidedWithAReason) {
  const std::string in = console.seedInbound("122076");
  const long long review = console.seedIdentityReview("122076", in);
  const auto page = client.get("/identity-reviews");
  EXPECT_THAT(page.body, HasSubstr("local patient P-0042"));
  const auto decide =
      client.postForm("/identity-reviews/" + std::to_string(review) + "/resolve",
                      {{"csrf", csrf()}, {"resolution", "linked"}, {"reason", "電話で確認"}});
  EXPECT_EQ(decide.status, 303);
  EXPECT_EQ(console.events("identity-reviewed", "\"resolution\":\"linked\",\"by\":\"sato\""), 1);
  EXPECT_THAT(client.get("/api/v1/identity-reviews").body, HasSubstr("\"identityReviews\":[]"));
}

TEST_F(ConsolePages, CsvExportHasEveryMatchingRowAndIsAudited) {
  for (int i = 0; i < 3; ++i) console.seedOutbound("122203", false, "=HYPERLINK(\"x\")");
  console.seedOutbound("122076", false);
  auto csv = client.get("/exchanges.csv?peer=122203");
  EXPECT_EQ(csv.status, 200);
  EXPECT_THAT(csv.contentType, HasSubstr("text/csv"));
  EXPECT_THAT(csv.headers["Content-Disposition"], HasSubstr("attachment; filename=\"exchanges-"));
  EXPECT_EQ(csv.body.rfind("\xEF\xBB\xBF"
                           "at,direction,peer",
                           0),
            0u);
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 4);
  EXPECT_THAT(csv.body, HasSubstr("\"'=HYPERLINK(\"\"x\"\")\"")) << "formulas are defused";
  EXPECT_EQ(console.events("console-exported", "\"rows\":\"3\""), 1);
}

TEST_F(ConsolePages, DashboardShowsPeersCountsAndExpiry) {
  console.seedOutbound("122203", true);
  console.seedOutbound("122203", false);
  console.seedInbound("122076");
  const auto page = client.get("/");
  EXPECT_THAT(page.body, HasSubstr("流山市"));
  EXPECT_THAT(page.body, HasSubstr("残り 20 日"));
  EXPECT_THAT(page.body, HasSubstr("<svg"));
  const auto api = client.get("/api/v1/dashboard");
  EXPECT_THAT(
      api.body,
      HasSubstr(
          R"("peer":"122203","name":"流山市","lastSent":null,"lastReceived":null,"backlog":1,"deadLetters":1,"successes24h":0,"failures24h":1,"errorRate24h":1)"));
  EXPECT_THAT(api.body, HasSubstr(R"("peer":"122076")"));
}

TEST_F(ConsolePages, AuditStatusShowsTheChainHead) {
  console.seedOutbound("122203", false);
  const auto api = client.get("/api/v1/audit");
  auto conn = console.pool().lease();
  const std::string head = conn->exec("SELECT hash FROM audit_head").text(0, 0);
  EXPECT_THAT(api.body, HasSubstr("\"headHash\":\"" + head + "\""));
  EXPECT_THAT(client.get("/audit").body, HasSubstr(head));
}

TEST_F(ConsolePages, EnglishOnRequestAndRemembered) {
  const auto en = client.get("/exchanges?lang=en");
  EXPECT_THAT(en.body, HasSubstr("Exchange search"));
  EXPECT_THAT(en.body, HasSubstr("<html lang=\"en\">"));
  EXPECT_THAT(client.get("/dead-letters").body, HasSubstr("Dead letters"));
  EXPECT_THAT(client.get("/?lang=ja").body, HasSubstr("ダッシュボード"));
}

TEST_F(ConsolePages, LogoutEndsTheSession) {
  const auto out = client.postForm("/logout", {{"csrf", csrf()}});
  EXPECT_EQ(out.status, 303);
  EXPECT_EQ(console.count("SELECT count(*) FROM console_sessions"), 0);
  EXPECT_EQ(client.get("/").status, 303);
  EXPECT_EQ(console.events("console-logout", "\"user\":\"sato\""), 1);
}

}  // namespace
}  // namespace tsunagi::console

namespace tsunagi::console {
namespace {

class ConsoleAdmin : public ::testing::Test {
 protected:
  TestConsole console{SessionPolicy{}, LockoutPolicy{2, std::chrono::minutes(60)}};
  std::string adminSecret = console.addUser("suzuki", Role::Admin, kPassword);
  std::string satoSecret = console.addUser("sato", Role::Coordinator, kPassword);
  ConsoleClient admin = console.client();

  void SetUp() override {
    ASSERT_EQ(admin.login("suzuki", kPassword, console.code(adminSecret)).status, 303);
  }
  std::string csrf() { return ConsoleClient::csrfIn(admin.get("/admin/users").body); }
};

TEST_F(ConsoleAdmin, RevokesAConsentWithAReasonAndOnlyAsAdmin) {
  {
    auto conn = console.pool().lease();
    store::inTransaction(*conn, [&] {
      store::recordConsent(*conn, store::Consent{"KASHIWA-2026-0042",
                                                 "122200",
                                                 "0000123456",
                                                 {"122203"},
                                                 "2026-04-01",
                                                 "地域包括支援センター",
                                                 std::nullopt});
    });
  }
  const auto page = admin.get("/consents");
  EXPECT_THAT(page.body, HasSubstr("/consents/KASHIWA-2026-0042/revoke"));
  EXPECT_EQ(admin.postForm("/consents/KASHIWA-2026-0042/revoke", {{"csrf", csrf()}}).status, 422);
  const auto revoke = admin.postForm("/consents/KASHIWA-2026-0042/revoke",
                                     {{"csrf", csrf()}, {"reason", "本人から撤回の申し出"}});
  EXPECT_EQ(revoke.status, 303);
  EXPECT_EQ(console.count("SELECT count(*) FROM consents WHERE revoked_at IS NOT NULL"), 1);
  EXPECT_EQ(console.events("consent-revoked"), 1);
  EXPECT_EQ(console.events("console-consent-revoked",
                           "\"by\":\"suzuki\",\"reason\":\"本人から撤回の申し出\""),
            1);
  EXPECT_THAT(admin.get("/api/v1/consents").body, HasSubstr("\"state\":\"revoked\""));
  EXPECT_EQ(
      admin.postForm("/consents/KASHIWA-2026-0042/revoke", {{"csrf", csrf()}, {"reason", "again"}})
          .status,
      404);
  // A coordinator may not.
  ConsoleClient coordinator = console.client();
  ASSERT_EQ(coordinator.login("sato", kPassword, console.code(satoSecret)).status, 303);
  const std::string token = ConsoleClient::csrfIn(coordinator.get("/dead-letters").body);
  EXPECT_EQ(
      coordinator.postForm("/consents/KASHIWA-2026-0042/revoke", {{"csrf", token}, {"reason", "x"}})
          .status,
      403);
}

TEST_F(ConsoleAdmin, UnlocksALockedAccount) {
  ConsoleClient sato = console.client();
  for (int i = 0; i < 2; ++i)
    EXPECT_EQ(sato.login("sato", "wrong password!!", "000000").status, 401);
  EXPECT_THAT(admin.get("/admin/users").body, HasSubstr("/admin/users/sato/unlock"));
  EXPECT_EQ(sato.login("sato", kPassword, console.code(satoSecret)).status, 401) << "locked";
  EXPECT_EQ(admin.postForm("/admin/users/sato/unlock", {{"csrf", csrf()}}).status, 303);
  EXPECT_EQ(console.events("console-user-unlocked", "\"user\":\"sato\",\"by\":\"suzuki\""), 1);
  console.advance(std::chrono::seconds(30));
  EXPECT_EQ(sato.login("sato", kPassword, console.code(satoSecret)).status, 303);
  EXPECT_EQ(admin.postForm("/admin/users/nobody/unlock", {{"csrf", csrf()}}).status, 404);
}

}  // namespace
}  // namespace tsunagi::console
