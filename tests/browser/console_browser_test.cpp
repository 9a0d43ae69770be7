// The coordinators' console in a real browser: a node (configured database, console on its own
// HTTPS listener) with seeded exchanges, driven by tests/browser/console/console.mjs in Debian's
// headless Chromium through playwright-core from npm. Screenshots of each page are written to
// <build dir>/screenshots/console/. Needs node, npm and chromium; without them this fails.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "gateway/common/subprocess.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/exchange_store.hpp"
#include "tests/support/npm_folder.hpp"
#include "tests/support/test_console.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

const testing::NpmFolder& playwright() {
  static const testing::NpmFolder folder = testing::NpmFolder::prepare(
      fs::path(TSUNAGI_SOURCE_DIR) / "tests/browser/console",
      {"package.json", "package-lock.json", "console.mjs"}, "console-browser");
  return folder;
}

/// Debian's Chromium binary (the /usr/bin/chromium wrapper execs it).
fs::path chromium() {
  if (fs::exists("/usr/lib/chromium/chromium")) return "/usr/lib/chromium/chromium";
  return testing::onPath("chromium");
}

bool isPng(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  char magic[8] = {};
  in.read(magic, 8);
  return in.gcount() == 8 && std::string(magic + 1, 3) == "PNG" && fs::file_size(file) > 1000;
}

TEST(ConsoleBrowser, CoordinatorLogsInSearchesOpensAnExchangeAndRetriesADeadLetter) {
  const auto& npm = playwright();
  ASSERT_TRUE(npm.problem.empty()) << npm.problem;
  const fs::path browser = chromium();
  ASSERT_FALSE(browser.empty()) << "Chromium is missing: apt-get install chromium";

  testing::TestDatabase db;
  testing::TempDir dir("console-browser-node");
  const auto& tls = testing::TestConsole::pki().node("122173");
  NodeOptions options;
  options.code = "122173";
  options.name = "柏市";
  options.dataDir = dir.path();
  options.conninfo = db.conninfo();
  NodeConsoleOptions console;
  console.certificateFile = tls.cert;
  console.keyFile = tls.key;
  options.console = console;
  Node node(options);
  node.start();
  ASSERT_GT(node.consolePort(), 0);

  store::ConnectionPool& pool = *node.pool();
  const std::string password = "correct horse battery staple";
  const std::string secret =
      testing::addConsoleUser(pool, "sato", console::Role::Coordinator, password);
  const std::string adminSecret =
      testing::addConsoleUser(pool, "suzuki", console::Role::Admin, password);
  {
    auto conn = pool.lease();
    store::inTransaction(*conn, [&] {
      store::recordConsent(*conn, store::Consent{"KASHIWA-2026-0042",
                                                 "122200",
                                                 "0000123456",
                                                 {"122203", "122076"},
                                                 "2026-04-01",
                                                 "地域包括支援センター",
                                                 std::string("2027-03-31")});
    });
  }
  testing::seedDelivered(pool, "122203", "CASE-7");
  testing::seedDelivered(pool, "122203", "CASE-8");
  testing::seedOutbound(pool, "122203", false, "CASE-9");
  const std::string dead = testing::seedOutbound(pool, "122203", true, "CASE-7");
  const std::string otherDead = testing::seedOutbound(pool, "122076", true, "CASE-3");
  const std::string received = testing::seedInbound(pool, "122076", "CASE-3");
  testing::seedIdentityReview(pool, "122076", received);

  const fs::path screenshots = fs::path(TSUNAGI_SCREENSHOT_DIR) / "console";
  fs::remove_all(screenshots);
  SpawnOptions run;
  run.argv = {npm.node.string(), (npm.folder / "console.mjs").string()};
  run.env = testing::inheritedEnvironment();
  for (const std::string& e :
       {"CONSOLE_URL=https://127.0.0.1:" + std::to_string(node.consolePort()),
        std::string("CONSOLE_USER=sato"), "CONSOLE_PASSWORD=" + password,
        "CONSOLE_TOTP_SECRET=" + secret, std::string("ADMIN_USER=suzuki"),
        "ADMIN_TOTP_SECRET=" + adminSecret, "DEAD_LETTER=" + dead,
        "SECOND_DEAD_LETTER=" + otherDead, "SCREENSHOTS=" + screenshots.string(),
        "CHROMIUM=" + browser.string()}) {
    run.env.push_back(e);
  }
  run.logFile = fs::path(dir.path()) / "browser.log";
  const int status = runProcess(run);
  std::ifstream logIn(run.logFile);
  const std::string log{std::istreambuf_iterator<char>(logIn), std::istreambuf_iterator<char>()};
  EXPECT_EQ(status, 0) << log;
  EXPECT_THAT(log, HasSubstr("ok: a post without its CSRF token is refused with 403"));

  // What the browser did is in the database and the audit chain.
  {
    auto conn = pool.lease();
    if (status != 0) {
      auto events = conn->exec(
          "SELECT event || ' ' || detail FROM exchange_events WHERE event LIKE 'console%' ORDER BY "
          "id");
      for (int i = 0; i < events.rows(); ++i) ADD_FAILURE() << "audit: " << events.text(i, 0);
    }
    auto count = [&](const std::string& sql, const std::vector<store::PgParam>& params) {
      return conn->execParams(sql, params).integer(0, 0);
    };
    EXPECT_EQ(
        count("SELECT count(*) FROM outbox WHERE message_id = $1 AND state = 'pending'", {dead}),
        1);
    EXPECT_EQ(
        count("SELECT count(*) FROM outbox WHERE message_id = $1 AND state = 'dead'", {otherDead}),
        1);
    EXPECT_EQ(
        count("SELECT count(*) FROM exchange_events WHERE event = 'replayed' AND message_id = $1 "
              "AND strpos(detail, '\"by\":\"sato\"') > 0",
              {dead}),
        1);
    EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = $1", {"console-login"}), 2);
    EXPECT_GE(count("SELECT count(*) FROM exchange_events WHERE event = $1", {"console-viewed"}),
              1);
    EXPECT_GE(count("SELECT count(*) FROM exchange_events WHERE event = $1", {"console-searched"}),
              1);
    EXPECT_EQ(count("SELECT count(*) FROM exchange_events WHERE event = 'console-refused' AND "
                    "strpos(detail, 'csrf-missing') > 0",
                    {}),
              1);
  }
  for (const char* name : {"01-login", "02-dashboard", "03-search", "04-exchange",
                           "05-dead-letters", "06-dead-letter-retried", "07-csrf-refused",
                           "08-identity-reviews", "09-audit-chain", "10-dashboard-en"}) {
    EXPECT_TRUE(isPng(screenshots / (std::string(name) + ".png"))) << name;
  }
  node.stop();
}

}  // namespace
}  // namespace tsunagi
