// The console as an operator sets it up: `tsunagi user add|passwd|totp` on the command line
// (password on standard input, never argv), `tsunagi run` with a <console> element, and a login
// over HTTPS with the printed TOTP secret; configuration mistakes named with their line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "gateway/common/subprocess.hpp"
#include "gateway/console/totp.hpp"
#include "tests/support/test_console.hpp"
#include "tests/support/test_logs.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class ConsoleCommand : public ::testing::Test {
 protected:
  ~ConsoleCommand() override { testing::keepChildLogsBelow(dir_.path(), "console"); }
  testing::TempDir dir_{"console-cli"};
  testing::TestDatabase db_;
  testing::TestPki& pki_ = testing::TestConsole::pki();

  fs::path config(const std::string& consoleElement = "") {
    const auto& tls = pki_.node("122173");
    const std::string element = consoleElement.empty()
                                    ? R"(<console host="127.0.0.1" port="0" certificate=")" +
                                          tls.cert.string() + R"(" key=")" + tls.key.string() +
                                          R"(" lockoutAttempts="3"/>)"
                                    : consoleElement;
    const fs::path file = fs::path(dir_.path()) / "node.xml";
    std::ofstream(file) << R"(<?xml version="1.0" encoding="UTF-8"?>
<NodeConfig xmlns="urn:tsunagi:config:1">
  <node code="122173" name="柏市"/>
  <dataDirectory>data</dataDirectory>
  <database conninfo=")" + db_.conninfo() +
                               R"("/>
  <localListener host="127.0.0.1" port="0"/>
  )" + element + R"(
  <log format="json" level="info"/>
</NodeConfig>
)";
    return file;
  }

  struct Outcome {
    int status;
    std::string output;
  };

  /// Runs `tsunagi ARGS…` with `input` on standard input.
  Outcome tsunagi(const std::vector<std::string>& args, const std::string& input = "") {
    const fs::path in = fs::path(dir_.path()) / "stdin.txt";
    std::ofstream(in) << input;
    SpawnOptions s;
    s.argv = {"/bin/sh", "-c", "exec \"$@\" < \"$0\"", in.string(), TSUNAGI_EXECUTABLE};
    for (const auto& a : args) s.argv.push_back(a);
    s.logFile = fs::path(dir_.path()) / "cli.log";
    fs::remove(s.logFile);
    s.env = {"PATH=/usr/bin:/bin"};
    const int status = runProcess(s);
    testing::keepChildLog(s.logFile, "console-cli");
    return {status, readFile(s.logFile)};
  }
};

TEST_F(ConsoleCommand, AddTotpAndRunThenLogInOverHttps) {
  const fs::path file = config();
  const std::string password = "柏市在宅医療連携コーディネーター";
  auto added = tsunagi({"user", "add", "--config", file.string(), "sato", "--role", "coordinator"},
                       password + "\n");
  ASSERT_EQ(added.status, 0) << added.output;
  EXPECT_THAT(added.output, HasSubstr("user sato added (coordinator)"));
  auto totp = tsunagi({"user", "totp", "--config", file.string(), "sato"});
  ASSERT_EQ(totp.status, 0) << totp.output;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(totp.output, m, std::regex("\\n([A-Z2-7]{32})\\n"))) << totp.output;
  const std::string secret = m[1].str();
  EXPECT_THAT(totp.output, HasSubstr("otpauth://totp/"));

  SpawnOptions s;
  s.argv = {TSUNAGI_EXECUTABLE, "run", "--config", file.string()};
  s.logFile = fs::path(dir_.path()) / "node.log";
  s.env = {"PATH=/usr/bin:/bin"};
  const pid_t pid = spawnProcess(s);
  unsigned short port = 0;
  for (int i = 0; i < 600 && port == 0; ++i) {
    const std::string log = readFile(s.logFile);
    if (auto at = log.find(", console https://127.0.0.1:"); at != std::string::npos) {
      port = static_cast<unsigned short>(std::stoi(log.substr(at + 28)));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_NE(port, 0) << readFile(s.logFile);
  testing::ConsoleClient client(port, pki_.ca().certificate());
  EXPECT_EQ(client.login("sato", password + "x", "000000").status, 401);
  const auto login = client.login("sato", password, [&] {
    const auto key = console::base32Decode(secret);
    return console::hotp(*key, static_cast<std::uint64_t>(console::totpStep(std::time(nullptr))));
  }());
  EXPECT_EQ(login.status, 303) << login.body;
  EXPECT_EQ(client.get("/exchanges").status, 200);
  kill(pid, SIGTERM);
  EXPECT_EQ(waitForExit(pid, std::chrono::seconds(30)), 0);
}

TEST_F(ConsoleCommand, PasswordsNeverComeFromTheCommandLineAndWeakOnesAreRefused) {
  const fs::path file = config();
  auto onArgv = tsunagi(
      {"user", "add", "--config", file.string(), "sato", "hunter2hunter2", "--role", "admin"});
  EXPECT_EQ(onArgv.status, 2);
  EXPECT_THAT(onArgv.output,
              HasSubstr("passwords are read from standard input, never from the command line"));
  auto weak =
      tsunagi({"user", "add", "--config", file.string(), "sato", "--role", "admin"}, "short\n");
  EXPECT_EQ(weak.status, 1);
  EXPECT_THAT(weak.output, HasSubstr("password refused: shorter than 12 characters"));
  auto badRole = tsunagi({"user", "add", "--config", file.string(), "sato", "--role", "root"},
                         "long enough password\n");
  EXPECT_EQ(badRole.status, 2);
  EXPECT_THAT(badRole.output, HasSubstr("--role must be coordinator or admin"));
  auto noUser =
      tsunagi({"user", "passwd", "--config", file.string(), "tanaka"}, "long enough password\n");
  EXPECT_EQ(noUser.status, 1);
  EXPECT_THAT(noUser.output, HasSubstr("no user 'tanaka'"));
  EXPECT_EQ(tsunagi({"user", "add", "--config", file.string(), "sato", "--role", "admin"},
                    "long enough password\n")
                .status,
            0);
  auto twice = tsunagi({"user", "add", "--config", file.string(), "sato", "--role", "admin"},
                       "long enough password\n");
  EXPECT_EQ(twice.status, 1);
  EXPECT_THAT(twice.output, HasSubstr("user 'sato' exists"));
  EXPECT_EQ(
      tsunagi({"user", "passwd", "--config", file.string(), "sato"}, "another long password\n")
          .status,
      0);
}

TEST_F(ConsoleCommand, AConsoleKeyOfAnotherCertificateIsNamedWithItsLine) {
  const auto& mine = pki_.node("122173");
  const auto& other = pki_.node("122203");
  const fs::path file = config(R"(<console port="0" certificate=")" + mine.cert.string() +
                               R"(" key=")" + other.key.string() + R"("/>)");
  SpawnOptions s;
  s.argv = {TSUNAGI_EXECUTABLE, "run", "--config", file.string()};
  s.logFile = fs::path(dir_.path()) / "run.log";
  s.env = {"PATH=/usr/bin:/bin"};
  EXPECT_EQ(runProcess(s), 2);
  EXPECT_THAT(readFile(s.logFile), HasSubstr("node.xml:7: /NodeConfig/console/@key: the key does "
                                             "not belong to the console certificate"));
  config(R"(<console port="0" certificate=")" + mine.cert.string() + R"(" key=")" +
         mine.key.string() + R"(" sessionMinutes="720" sessionMaxHours="2"/>)");
  EXPECT_EQ(runProcess(s), 2);
  EXPECT_THAT(readFile(s.logFile),
              HasSubstr("/NodeConfig/console/@sessionMinutes: longer than sessionMaxHours"));
}

}  // namespace
}  // namespace tsunagi
