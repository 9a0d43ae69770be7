#include "gateway/cli/cli.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>


namespace tsunagi::cli {
namespace {

using ::testing::HasSubstr;

struct Outcome {
  int code;
  std::string out;
  std::string err;
};

Outcome runCli(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = run(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(Cli, UnknownCommandPrintsUsageAndExits2) {
  auto r = runCli({"nonsense"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unknown command 'nonsense'"));
  EXPECT_THAT(r.err, HasSubstr("usage: tsunagi COMMAND"));
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, NoCommandIsBadUsage) {
  auto r = runCli({});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("usage:"));
}

TEST(Cli, HelpPrintsUsageToStdoutAndExits0) {
  for (const char* flag : {"--help", "-h", "help"}) {
    auto r = runCli({flag});
    EXPECT_EQ(r.code, kExitOk) << flag;
    EXPECT_THAT(r.out, HasSubstr("exit codes: 0 ok, 1 a check failed")) << flag;
  }
}

TEST(Cli, VersionNamesEveryLibrary) {
  auto r = runCli({"version"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_THAT(r.out, ::testing::StartsWith("tsunagi 0."));
  EXPECT_THAT(r.out, HasSubstr("(git "));
  for (const char* lib : {"Poco        1.11", "OpenSSL     OpenSSL 3", "libxml2     2.9",
                          "libpq       15", "spdlog      1.10"}) {
    EXPECT_THAT(r.out, HasSubstr(lib));
  }
}

TEST(Cli, VersionRefusesArguments) {
  EXPECT_EQ(runCli({"version", "--long"}).code, kExitUsage);
}

TEST(Cli, DemoRefusesUnknownOptionsBeforeStartingAnything) {
  auto r = runCli({"demo", "--frobnicate"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_THAT(r.err, HasSubstr("unexpected argument '--frobnicate'"));
}


}  // namespace
}  // namespace tsunagi::cli
