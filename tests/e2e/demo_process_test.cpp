// The `tsunagi` executable as an operator runs it: the demo's three nodes start on the embedded
// default, and SIGTERM / SIGINT stop them together with their PostgreSQL clusters, leaving no
// process behind; SIGKILL takes the clusters down too.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <thread>

#include "gateway/common/subprocess.hpp"
#include "tests/support/test_logs.hpp"
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

std::vector<long> postmasterPids(const fs::path& demoDir) {
  std::vector<long> pids;
  for (const char* city : {"kashiwa", "nagareyama", "matsudo"}) {
    pids.push_back(postmasterPid(demoDir / city / "data" / "postgres" / "data"));
  }
  return pids;
}

bool alive(long pid) { return kill(static_cast<pid_t>(pid), 0) == 0; }

class DemoProcess : public ::testing::TestWithParam<int> {};

TEST_P(DemoProcess, StopsItsDatabaseOnSignal) {
  testing::TempDir dir("demo");
  const fs::path log = fs::path(dir.path()) / "demo.log";  // the story (stdout) and stderr
  const fs::path demoDir = fs::path(dir.path()) / "demo";
  testing::KeepLogsBelow keep(demoDir, "demo");  // its application log, for privacy_scan
  pid_t pid = spawnProcess(tsunagiCommand({"demo", "--dir", demoDir.string()}, log));

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (readFile(log).find("Running.") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << readFile(log);
    ASSERT_FALSE(waitForExit(pid, std::chrono::milliseconds(0)).has_value()) << readFile(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::vector<long> pgPids = postmasterPids(demoDir);
  for (long pg : pgPids) {
    ASSERT_GT(pg, 0);
    EXPECT_TRUE(alive(pg));
  }
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("listening: http://127.0.0.1:"));
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("https://127.0.0.1:"));  // console URLs

  kill(pid, GetParam());
  auto status = waitForExit(pid, std::chrono::seconds(60));
  ASSERT_TRUE(status.has_value()) << "tsunagi did not stop";
  EXPECT_EQ(*status, 0) << readFile(log);
  for (long pg : pgPids) EXPECT_FALSE(alive(pg)) << "PostgreSQL outlived the demo";
  for (const char* city : {"kashiwa", "nagareyama", "matsudo"}) {
    EXPECT_FALSE(fs::exists(demoDir / city / "data" / "postgres" / "data" / "postmaster.pid"));
  }
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("Stopped."));
}

INSTANTIATE_TEST_SUITE_P(Signals, DemoProcess, ::testing::Values(SIGTERM, SIGINT),
                         [](const ::testing::TestParamInfo<int>& p) {
                           return p.param == SIGTERM ? "SIGTERM" : "SIGINT";
                         });

TEST(DemoProcess, KilledNodeTakesItsDatabaseDown) {
  // SIGKILL gives the node no chance to clean up: the parent-death signal must stop PostgreSQL.
  testing::TempDir dir("demo");
  const fs::path log = fs::path(dir.path()) / "demo.log";  // the story (stdout) and stderr
  const fs::path demoDir = fs::path(dir.path()) / "demo";
  testing::KeepLogsBelow keep(demoDir, "demo");  // its application log, for privacy_scan
  pid_t pid = spawnProcess(tsunagiCommand({"demo", "--dir", demoDir.string()}, log));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(240);
  while (readFile(log).find("Running.") == std::string::npos) {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << readFile(log);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const std::vector<long> pgPids = postmasterPids(demoDir);
  for (long pg : pgPids) ASSERT_GT(pg, 0);
  kill(pid, SIGKILL);
  waitForExit(pid, std::chrono::seconds(10));
  const auto gone = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  auto anyAlive = [&] { return std::any_of(pgPids.begin(), pgPids.end(), alive); };
  while (anyAlive() && std::chrono::steady_clock::now() < gone) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_FALSE(anyAlive()) << "PostgreSQL outlived a killed demo";
}

TEST(CommandLine, NonsenseExits2WithUsage) {
  testing::TempDir dir("cli");
  const fs::path log = fs::path(dir.path()) / "out.log";
  EXPECT_EQ(runProcess(tsunagiCommand({"nonsense"}, log)), 2);
  EXPECT_THAT(readFile(log), ::testing::HasSubstr("usage: tsunagi COMMAND"));
}

}  // namespace
}  // namespace tsunagi
