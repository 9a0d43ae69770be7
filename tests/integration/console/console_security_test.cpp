// The console's security over real HTTPS and real PostgreSQL: wrong password, wrong or replayed
// TOTP, lock-out, the login throttle per client address, one answer after the same work for every
// refused login, expired session, missing role, CSRF-less and CSRF-forged posts, SQL
// metacharacters in every search field — each refused or handled, and each attempt audited.
#include <Poco/Net/StreamSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "gateway/console/password.hpp"
#include "tests/support/test_console.hpp"

namespace tsunagi::console {
namespace {

using testing::ConsoleClient;
using testing::ConsoleReply;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::TestConsole;

const std::string kPassword = "correct horse battery staple";

class ConsoleSecurity : public ::testing::Test {
 protected:
  TestConsole console{SessionPolicy{std::chrono::minutes(30), std::chrono::hours(12)},
                      LockoutPolicy{3, std::chrono::minutes(15)}};
  std::string satoSecret = console.addUser("sato", Role::Coordinator, kPassword);
  std::string adminSecret = console.addUser("suzuki", Role::Admin, kPassword);

  ConsoleClient loggedIn(const std::string& user, const std::string& secret) {
    ConsoleClient client = console.client();
    const auto reply = client.login(user, kPassword, console.code(secret));
    EXPECT_EQ(reply.status, 303) << reply.body;
    EXPECT_EQ(reply.location, "/");
    // The next login of the same user needs a later TOTP step.
    console.advance(std::chrono::seconds(30));
    return client;
  }
};

TEST_F(ConsoleSecurity, LogsInWithPasswordAndTotpIntoAProtectedCookie) {
  ConsoleClient client = console.client();
  EXPECT_EQ(client.get("/").status, 303) << "no session: to the login page";
  const auto reply = client.login("sato", kPassword, console.code(satoSecret));
  ASSERT_EQ(reply.status, 303) << reply.body;
  std::string session;
  for (const auto& c : reply.setCookies) {
    if (c.rfind("tsunagi_session=", 0) == 0) session = c;
  }
  EXPECT_THAT(session, HasSubstr("; Secure"));
  EXPECT_THAT(session, HasSubstr("; HttpOnly"));
  EXPECT_THAT(session, HasSubstr("; SameSite=Strict"));
  const auto dashboard = client.get("/");
  EXPECT_EQ(dashboard.status, 200);
  EXPECT_THAT(dashboard.body, HasSubstr("ダッシュボード"));
  EXPECT_EQ(console.events("console-login", "\"user\":\"sato\""), 1);
  EXPECT_EQ(console.count("SELECT count(*) FROM console_sessions"), 1);
  EXPECT_EQ(console.count("SELECT count(*) FROM console_sessions WHERE token_hash = '" +
                          client.cookies()["tsunagi_session"] + "'"),
            0)
      << "only a digest of the cookie is stored";
}

TEST_F(ConsoleSecurity, WrongPasswordIsRefusedAndAudited) {
  ConsoleClient client = console.client();
  const auto reply = client.login("sato", "wrong horse battery staple", console.code(satoSecret));
  EXPECT_EQ(reply.status, 401);
  EXPECT_THAT(reply.body, HasSubstr("正しくない"));
  EXPECT_EQ(client.cookies().count("tsunagi_session"), 0u);
  EXPECT_EQ(client.get("/").status, 303);
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"wrong-password\""), 1);
  EXPECT_EQ(console.events("console-login"), 0);
}

TEST_F(ConsoleSecurity, WrongTotpIsRefusedAndAuditedWithTheSameMessage) {
  ConsoleClient client = console.client();
  const auto wrongCode = client.login("sato", kPassword, console.code(satoSecret, 5));
  const auto unknownUser = client.login("nobody", kPassword, console.code(satoSecret));
  EXPECT_EQ(wrongCode.status, 401);
  EXPECT_EQ(unknownUser.status, 401);
  EXPECT_EQ(client.cookies().count("tsunagi_session"), 0u);
  // One message for every refusal: the page does not tell which part was wrong.
  const auto message = [](const std::string& body) {
    return body.substr(body.find("role=\"alert\""));
  };
  EXPECT_EQ(message(wrongCode.body).substr(0, 80), message(unknownUser.body).substr(0, 80));
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"wrong-totp\""), 1);
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"unknown-user\""), 1);
}

TEST_F(ConsoleSecurity, ATotpCodeIsNeverAcceptedTwice) {
  ConsoleClient first = console.client(), second = console.client();
  const std::string code = console.code(satoSecret);
  EXPECT_EQ(first.login("sato", kPassword, code).status, 303);
  EXPECT_EQ(second.login("sato", kPassword, code).status, 401);
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"wrong-totp\""), 1);
}

TEST_F(ConsoleSecurity, RepeatedFailuresLockTheAccountForTheLockoutTime) {
  ConsoleClient client = console.client();
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(client.login("sato", "not the password!", "000000").status, 401);
  EXPECT_EQ(console.events("console-login-refused", "\"lockedNow\":\"true\""), 1);
  // Locked: even the right password and code are refused.
  EXPECT_EQ(client.login("sato", kPassword, console.code(satoSecret)).status, 401);
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"locked\""), 1);
  console.advance(std::chrono::minutes(16));
  EXPECT_EQ(client.login("sato", kPassword, console.code(satoSecret)).status, 303);
}

TEST_F(ConsoleSecurity, AnExpiredSessionIsRefusedAndAudited) {
  ConsoleClient client = loggedIn("sato", satoSecret);
  console.advance(std::chrono::minutes(20));
  EXPECT_EQ(client.get("/exchanges").status, 200) << "used within 30 minutes: still valid";
  console.advance(std::chrono::minutes(31));
  const auto page = client.get("/exchanges");
  EXPECT_EQ(page.status, 303);
  EXPECT_EQ(page.location, "/login?expired=1");
  EXPECT_EQ(console.events("console-refused", "\"reason\":\"session-expired\""), 1);
  EXPECT_EQ(console.count("SELECT count(*) FROM console_sessions"), 0)
      << "expired sessions are deleted";
  // The API answers 401 with the reason instead of a redirect.
  ConsoleClient api = loggedIn("suzuki", adminSecret);
  console.advance(std::chrono::hours(1));
  const auto json = api.get("/api/v1/session");
  EXPECT_EQ(json.status, 401);
  EXPECT_THAT(json.body, HasSubstr("session-expired"));
}

TEST_F(ConsoleSecurity, AMissingRoleIsRefusedAndAudited) {
  const std::string dead = console.seedOutbound("122203", true);
  ConsoleClient coordinator = loggedIn("sato", satoSecret);
  for (const char* adminPage : {"/admin/users", "/admin/config", "/consents", "/api/v1/users"}) {
    EXPECT_EQ(coordinator.get(adminPage).status, 403) << adminPage;
  }
  ConsoleClient admin = loggedIn("suzuki", adminSecret);
  EXPECT_EQ(admin.get("/admin/users").status, 200);
  const std::string csrf = ConsoleClient::csrfIn(admin.get("/dead-letters").body);
  const auto retry = admin.postForm("/dead-letters/" + dead + "/retry",
                                    {{"csrf", csrf}, {"reason", "peer fixed"}});
  EXPECT_EQ(retry.status, 403);
  EXPECT_EQ(console.count("SELECT count(*) FROM outbox WHERE state = 'dead'"), 1);
  EXPECT_EQ(console.events("console-refused", "\"reason\":\"role-missing\""), 5);
  EXPECT_EQ(console.events("console-refused", "\"user\":\"suzuki\""), 1);
}

TEST_F(ConsoleSecurity, APostWithoutOrWithAForgedCsrfTokenIsRefusedAndAudited) {
  const std::string dead = console.seedOutbound("122203", true);
  ConsoleClient client = loggedIn("sato", satoSecret);
  const auto missing =
      client.postForm("/dead-letters/" + dead + "/retry", {{"reason", "peer fixed"}});
  EXPECT_EQ(missing.status, 403);
  const auto forged =
      client.postForm("/dead-letters/" + dead + "/retry",
                      {{"csrf", "forged-token-from-another-site"}, {"reason", "x"}});
  EXPECT_EQ(forged.status, 403);
  const auto api = client.postJson("/api/v1/dead-letters/" + dead + "/retry", R"({"reason":"x"})");
  EXPECT_EQ(api.status, 403);
  EXPECT_EQ(console.count("SELECT count(*) FROM outbox WHERE state = 'dead'"), 1)
      << "nothing changed";
  EXPECT_EQ(console.events("replayed"), 0);
  EXPECT_EQ(console.events("console-refused", "\"reason\":\"csrf-missing\""), 2);
  EXPECT_EQ(console.events("console-refused", "\"reason\":\"csrf-mismatch\""), 1);
  // The login form has its own token: a cross-site login post is refused too.
  ConsoleClient stranger = console.client();
  EXPECT_EQ(
      stranger
          .postForm("/login",
                    {{"user", "sato"}, {"password", kPassword}, {"totp", console.code(satoSecret)}})
          .status,
      403);
  EXPECT_EQ(stranger.cookies().count("tsunagi_session"), 0u);
}

TEST_F(ConsoleSecurity, SqlMetacharactersInEverySearchFieldAreRefusedOrSearchedLiterally) {
  console.seedOutbound("122203", false, "CASE-1");
  console.seedInbound("122076", "CASE-2");
  ConsoleClient client = loggedIn("sato", satoSecret);
  const std::vector<std::string> payloads = {"' OR '1'='1",
                                             "1; DROP TABLE outbox; --",
                                             "%' UNION SELECT password_hash FROM console_users --",
                                             "\\'; SELECT pg_sleep(5); --",
                                             "$1",
                                             "\"); --"};
  const std::vector<std::string> validated = {"from",         "to",     "peer",      "direction",
                                              "documentType", "status", "messageId", "page"};
  long long refused = 0, searched = 0;
  for (const auto& payload : payloads) {
    for (const auto& field : validated) {
      const auto html = client.get("/exchanges?" + field + "=" + urlEncode(payload));
      EXPECT_EQ(html.status, 400) << field << " = " << payload;
      EXPECT_THAT(html.body, HasSubstr(field + ":"));
      EXPECT_THAT(html.body, Not(HasSubstr("scrypt$")));
      const auto api = client.get("/api/v1/exchanges?" + field + "=" + urlEncode(payload));
      EXPECT_EQ(api.status, 400);
      EXPECT_THAT(api.body, HasSubstr("\"field\":\"" + field + "\""));
      refused += 2;
    }
    // A case id is the peers' free text: searched for as it is, finding nothing.
    const auto html = client.get("/exchanges?caseId=" + urlEncode(payload));
    EXPECT_EQ(html.status, 200) << payload;
    EXPECT_THAT(html.body, HasSubstr("<strong id=\"total\">0</strong>"));
    const auto api = client.get("/api/v1/exchanges?caseId=" + urlEncode(payload));
    EXPECT_THAT(api.body, HasSubstr("\"total\":0"));
    const auto csv = client.get("/exchanges.csv?caseId=" + urlEncode(payload));
    EXPECT_EQ(csv.status, 200);
    searched += 2;
  }
  EXPECT_EQ(console.count("SELECT count(*) FROM outbox"), 1) << "the tables are intact";
  EXPECT_EQ(console.count("SELECT count(*) FROM console_users"), 2);
  EXPECT_EQ(console.events("console-refused", "\"reason\":\"invalid-filter\""), refused);
  EXPECT_EQ(console.events("console-searched"), searched);
  EXPECT_EQ(console.events("console-exported"), static_cast<long long>(payloads.size()));
  // And the real case id still finds its exchange.
  EXPECT_THAT(client.get("/api/v1/exchanges?caseId=CASE-2").body, HasSubstr("\"total\":1"));
}

TEST_F(ConsoleSecurity, PagesLoadNothingFromElsewhereAndAreNeitherFramedNorCached) {
  ConsoleClient client = console.client();
  auto login = client.get("/login");
  EXPECT_EQ(login.status, 200);
  EXPECT_THAT(login.headers["Content-Security-Policy"], HasSubstr("default-src 'self'"));
  EXPECT_THAT(login.headers["Content-Security-Policy"], HasSubstr("frame-ancestors 'none'"));
  EXPECT_EQ(login.headers["Cache-Control"], "no-store");
  EXPECT_EQ(login.headers["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(client.get("/static/console.css").status, 200);
  EXPECT_EQ(client.get("/static/console.js").status, 200);
  EXPECT_THAT(login.body, HasSubstr("name=\"csrf\""));
  EXPECT_THAT(login.body, Not(HasSubstr("http://")));
  EXPECT_THAT(login.body, Not(HasSubstr("cdn")));
}

TEST_F(ConsoleSecurity, TheApiNeedsTheSameLoginAndItsCsrfHeader) {
  const std::string dead = console.seedOutbound("122203", true);
  ConsoleClient client = console.client();
  EXPECT_EQ(client.get("/api/v1/exchanges").status, 401);
  // A form post to the API login is refused: JSON only (cross-site forms cannot send it).
  EXPECT_EQ(client.postForm("/api/v1/login", {{"user", "sato"}}).status, 415);
  const auto login =
      client.postJson("/api/v1/login", R"({"user":"sato","password":")" + kPassword +
                                           R"(","totp":")" + console.code(satoSecret) + R"("})");
  ASSERT_EQ(login.status, 200) << login.body;
  const auto csrfAt = login.body.find("\"csrfToken\":\"") + 13;
  const std::string csrf = login.body.substr(csrfAt, login.body.find('"', csrfAt) - csrfAt);
  const auto retry =
      client.postJson("/api/v1/dead-letters/" + dead + "/retry",
                      R"({"reason":"peer fixed its schema"})", {{"X-CSRF-Token", csrf}});
  EXPECT_EQ(retry.status, 200) << retry.body;
  EXPECT_EQ(console.count("SELECT count(*) FROM outbox WHERE state = 'pending'"), 1);
  EXPECT_EQ(console.events("replayed", "\"by\":\"sato\""), 1);
}

std::string header(const ConsoleReply& reply, const std::string& name) {
  const auto it = reply.headers.find(name);
  return it == reply.headers.end() ? "" : it->second;
}

// The throttle per client address (other loopback addresses are other clients), with waits of
// 2 s doubling up to 60 s after 5 free failures, and a lock after 3 failures on an account.
class ConsoleLoginThrottle : public ::testing::Test {
 protected:
  TestConsole console{SessionPolicy{}, LockoutPolicy{3, std::chrono::minutes(15)},
                      LoginThrottlePolicy{5, std::chrono::seconds(2), std::chrono::seconds(60),
                                          std::chrono::minutes(10)}};
  std::string satoSecret = console.addUser("sato", Role::Coordinator, kPassword);
  std::string tanakaSecret = console.addUser("tanaka", Role::Coordinator, kPassword);

  static ConsoleReply post(ConsoleClient& client, const std::string& csrf, const std::string& user,
                           const std::string& password, const std::string& code = "000000") {
    return client.postForm(
        "/login", {{"csrf", csrf}, {"user", user}, {"password", password}, {"totp", code}});
  }
};

TEST_F(ConsoleLoginThrottle, FortyNamesFromOneAddressAreThrottledWhileAnotherAddressGetsIn) {
  ConsoleClient attacker = console.client();  // 127.0.0.1
  const std::string csrf = ConsoleClient::csrfIn(attacker.get("/login").body);
  const auto workBefore = passwordVerifications();
  std::vector<int> statuses;
  ConsoleReply last;
  for (int i = 0; i < 40; ++i) {
    last =
        post(attacker, csrf, "guess" + std::to_string(i), "guessed password " + std::to_string(i));
    statuses.push_back(last.status);
  }
  std::vector<int> expected(40, 429);
  std::fill_n(expected.begin(), 5, 401);
  EXPECT_EQ(statuses, expected) << "five free failures, then the address waits";
  EXPECT_EQ(passwordVerifications() - workBefore, 5u) << "a waiting address costs no scrypt run";
  EXPECT_EQ(header(last, "Retry-After"), "2");
  EXPECT_THAT(last.body, HasSubstr("ログインを一時的に受け付けていません。2 秒後に"));
  EXPECT_THAT(last.body, HasSubstr("name=\"csrf\"")) << "the form stays on screen";
  // One event per wait with the address; nothing typed is recorded anywhere.
  EXPECT_EQ(console.events("console-login-throttled",
                           "\"reason\":\"address-throttled\",\"client\":\"127.0.0.1\""),
            1);
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"unknown-user\""), 5);
  EXPECT_EQ(console.count("SELECT count(*) FROM exchange_events WHERE strpos(detail, 'guess') > 0"),
            0);
  // The API login of the same address waits too, and so does the right password: the address is
  // refused before any account is looked at.
  const auto api =
      attacker.postJson("/api/v1/login", R"({"user":"sato","password":"x","totp":"000000"})");
  EXPECT_EQ(api.status, 429);
  EXPECT_EQ(api.body, R"({"error":"login-throttled","retryAfter":2})");
  EXPECT_EQ(header(api, "Retry-After"), "2");
  EXPECT_EQ(attacker.login("sato", kPassword, console.code(satoSecret)).status, 429);
  // Another address is not held up.
  ConsoleClient colleague = console.client("127.0.0.2");
  EXPECT_EQ(colleague.login("sato", kPassword, console.code(satoSecret)).status, 303);
  EXPECT_EQ(console.events("console-login", "\"client\":\"127.0.0.2\""), 1);
  // After the wait one more try; its failure doubles the wait.
  console.advance(std::chrono::seconds(2));
  EXPECT_EQ(post(attacker, csrf, "guess40", "guessed password 40").status, 401);
  const auto again = post(attacker, csrf, "guess41", "guessed password 41");
  EXPECT_EQ(again.status, 429);
  EXPECT_EQ(header(again, "Retry-After"), "4");
  EXPECT_EQ(console.events("console-login-throttled"), 2);
  EXPECT_EQ(console.events("console-login-throttled", "\"unrecordedRefusals\":\"36\""), 1)
      << "the 34 form posts, the API call and the right password after the first refusal";
}

TEST_F(ConsoleLoginThrottle, LockedUnknownAndWrongPasswordGetOneAnswerAfterTheSameWork) {
  ConsoleClient client = console.client();
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(client.login("tanaka", "not the password!", "000000").status, 401);
  ASSERT_EQ(console.events("console-login-refused", "\"lockedNow\":\"true\""), 1);
  const std::string csrf = ConsoleClient::csrfIn(client.get("/login").body);
  struct Attempt {
    ConsoleReply form, api;
    std::uint64_t work;  ///< scrypt runs for both
  };
  const auto attempt = [&](const std::string& user, const std::string& password,
                           const std::string& code) {
    Attempt a;
    const auto before = passwordVerifications();
    console.advance(std::chrono::seconds(60));  // past any wait of the address
    a.form = post(client, csrf, user, password, code);
    console.advance(std::chrono::seconds(60));
    a.api = client.postJson("/api/v1/login", R"({"user":")" + user + R"(","password":")" +
                                                 password + R"(","totp":")" + code + R"("})");
    a.work = passwordVerifications() - before;
    a.form.headers.erase("Date");
    a.api.headers.erase("Date");
    return a;
  };
  const Attempt wrongPassword = attempt("sato", "not the password!", console.code(satoSecret));
  const Attempt unknown = attempt("nobody", "not the password!", "000000");
  // The right password and code of a locked account.
  const Attempt locked = attempt("tanaka", kPassword, console.code(tanakaSecret));
  console.addUser("yamada", Role::Coordinator, kPassword);
  const Attempt wrongCode = attempt("yamada", kPassword, "000000");
  for (const Attempt* a : {&wrongPassword, &unknown, &locked, &wrongCode}) {
    EXPECT_EQ(a->form.status, 401);
    EXPECT_EQ(a->api.status, 401);
    EXPECT_EQ(a->work, 2u) << "one scrypt run per refusal, whatever the reason";
  }
  EXPECT_THAT(wrongPassword.form.body, HasSubstr("正しくないか"));
  for (const Attempt* a : {&unknown, &locked, &wrongCode}) {
    // Byte for byte: the login form's CSRF cookie is the same, so is the page.
    EXPECT_EQ(a->form.body, wrongPassword.form.body);
    EXPECT_EQ(a->form.headers, wrongPassword.form.headers);
    EXPECT_EQ(a->form.setCookies, wrongPassword.form.setCookies);
    EXPECT_EQ(a->api.body, wrongPassword.api.body);
    EXPECT_EQ(a->api.headers, wrongPassword.api.headers);
  }
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"locked\""), 2);
  EXPECT_EQ(console.events("console-login-refused", "\"user\":\"\",\"reason\":\"unknown-user\""), 2)
      << "an unknown user name is not recorded";
  EXPECT_EQ(
      console.count("SELECT count(*) FROM exchange_events WHERE strpos(detail, 'nobody') > 0"), 0);
}

TEST_F(ConsoleLoginThrottle, ALockSetFromOneAddressDoesNotShutTheOwnerOutElsewhere) {
  ConsoleClient attacker = console.client("127.0.0.3");
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(attacker.login("sato", "not the password!", "000000").status, 401);
  EXPECT_EQ(console.events("console-login-refused", "\"lockedNow\":\"true\""), 1);
  // The lock holds for the address that failed on the account, even with the right password.
  EXPECT_EQ(attacker.login("sato", kPassword, console.code(satoSecret)).status, 401);
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"locked\""), 1);
  // The owner, from an address that has not failed on it, logs in.
  ConsoleClient owner = console.client("127.0.0.2");
  EXPECT_EQ(owner.login("sato", kPassword, console.code(satoSecret)).status, 303);
  // And the lock stays for the guessing address (and on the admins' users page).
  console.advance(std::chrono::seconds(30));
  EXPECT_EQ(attacker.login("sato", kPassword, console.code(satoSecret)).status, 401);
  EXPECT_EQ(console.events("console-login-refused", "\"reason\":\"locked\""), 2);
  EXPECT_EQ(console.count("SELECT count(*) FROM console_users WHERE name = 'sato' AND "
                          "locked_until IS NOT NULL"),
            1);
}

/// Whether a TLS handshake with exactly `version` succeeds against the console.
bool handshake(unsigned short port, int version) {
  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()),
                                                        SSL_CTX_free);
  SSL_CTX_set_min_proto_version(ctx.get(), version);
  SSL_CTX_set_max_proto_version(ctx.get(), version);
  // Security level 0, so that the client itself is willing to speak TLS 1.0/1.1: only the
  // server can refuse.
  SSL_CTX_set_security_level(ctx.get(), 0);
  SSL_CTX_set_cipher_list(ctx.get(), "ALL:@SECLEVEL=0");
  Poco::Net::StreamSocket socket(Poco::Net::SocketAddress("127.0.0.1", port));
  socket.setReceiveTimeout(Poco::Timespan(10, 0));
  std::unique_ptr<SSL, decltype(&SSL_free)> ssl(SSL_new(ctx.get()), SSL_free);
  SSL_set_fd(ssl.get(), socket.impl()->sockfd());
  const bool ok = SSL_connect(ssl.get()) == 1;
  if (ok) SSL_shutdown(ssl.get());
  return ok;
}

TEST_F(ConsoleSecurity, SpeaksTls12AndLaterOnly) {
  EXPECT_TRUE(handshake(console.port(), TLS1_3_VERSION));
  EXPECT_TRUE(handshake(console.port(), TLS1_2_VERSION));
  EXPECT_FALSE(handshake(console.port(), TLS1_1_VERSION));
  EXPECT_FALSE(handshake(console.port(), TLS1_VERSION));
}

}  // namespace
}  // namespace tsunagi::console
