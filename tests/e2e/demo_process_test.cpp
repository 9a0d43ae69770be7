// The `tsunagi` executable as an operator runs it: the demo node starts on the embedded default,
// and SIGTERM / SIGINT stop it together with its PostgreSQL, leaving no process behind.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "gateway/common/subprocess.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;

std::string readFile(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

SpawnOptions tsunagiCommand(std::vector<std::string> args, const fs::path& log) {
  SpawnOptions s;
  s.argv = {TSUNAGI_EXECUTABLE};
  s.argv.insert(s.argv.end(), args.begin(), args.end());
  s.logFile = log;
  s.env = {"PATH=/usr/bin:/bin", "TMPDIR=/tmp"};
  return s;
}

long postmasterPid(const fs::path& dataDir) {
  std::ifstream in(dataDir / "postmaster.pid");
  long pid = 0;
  in >> pid;
  return pid;
}

class DemoProcess : public ::testing::TestWithParam<int> {};

TEST_P(DemoProcess, StopsItsDatabaseOnSignal) {
  testing::TempDir dir("demo");
  const fs::path log = fs::path(dir.path()) / "demo.log";
  const fs::path demoDir = fs::path(dir.path()) / "demo";
  pid_t pid = spawnProcess(tsunagiCommand({"demo", "--dir", demoDir.string()}, log));

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (readFile(log).find("Running.") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << readFile(log);
    ASSERT_FALSE(waitForExit(pid, std::chrono::milliseconds(0)).has_value()) << readFile(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const fs::path dataDir = demoDir / "kashiwa" / "postgres" / "data";
  const long pgPid = postmasterPid(dataDir);
  ASSERT_GT(pgPid, 0);
  EXPECT_EQ(kill(static_cast<pid_t>(pgPid), 0), 0);
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("listening: http://127.0.0.1:"));

  kill(pid, GetParam());
  auto status = waitForExit(pid, std::chrono::seconds(60));
  ASSERT_TRUE(status.has_value()) << "tsunagi did not stop";
  EXPECT_EQ(*status, 0) << readFile(log);
  EXPECT_NE(kill(static_cast<pid_t>(pgPid), 0), 0) << "PostgreSQL outlived the node";
  EXPECT_FALSE(fs::exists(dataDir / "postmaster.pid"));
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("Stopped."));
}

INSTANTIATE_TEST_SUITE_P(Signals, DemoProcess, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& p) { return p.param == SIGTERM ? "SIGTERM" : "SIGINT"; });

TEST(DemoProcess, KilledNodeTakesItsDatabaseDown) {
  // SIGKILL gives the node no chance to clean up: the parent-death signal must stop PostgreSQL.
  testing::TempDir dir("demo");
  const fs::path log = fs::path(dir.path()) / "demo.log";
  const fs::path demoDir = fs::path(dir.path()) / "demo";
  pid_t pid = spawnProcess(tsunagiCommand({"demo", "--dir", demoDir.string()}, log));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (readFile(log).find("Running.") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << readFile(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const long pgPid = postmasterPid(demoDir / "kashiwa" / "postgres" / "data");
  ASSERT_GT(pgPid, 0);
  kill(pid, SIGKILL);
  waitForExit(pid, std::chrono::seconds(10));
  const auto gone = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (kill(static_cast<pid_t>(pgPid), 0) == 0 && std::chrono::steady_clock::now() < gone) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(kill(static_cast<pid_t>(pgPid), 0), 0) << "PostgreSQL outlived a killed node";
}

TEST(DemoProcess, ScenarioOnlyExitsZeroWhenTheNodeIsHealthy) {
  testing::TempDir dir("demo");
  const fs::path log = fs::path(dir.path()) / "demo.log";
  int status = runProcess(
      tsunagiCommand({"demo", "--scenario-only", "--dir", (fs::path(dir.path()) / "d").string()}, log));
  EXPECT_EQ(status, 0) << readFile(log);
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("node came up healthy and stopped cleanly"));
}

TEST(CommandLine, NonsenseExits2WithUsage) {
  testing::TempDir dir("cli");
  const fs::path log = fs::path(dir.path()) / "out.log";
  EXPECT_EQ(runProcess(tsunagiCommand({"nonsense"}, log)), 2);
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("usage: tsunagi COMMAND"));
}

}  // namespace
}  // namespace tsunagi
