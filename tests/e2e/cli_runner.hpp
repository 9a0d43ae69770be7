#pragma once
// Running the built `tsunagi` executable as an operator does: arguments, a clean environment,
// stdout and stderr kept apart (commands print results on one and diagnostics on the other).

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gateway/common/subprocess.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::testing {

struct CommandRun {
  int status = -1;
  std::string out;  ///< standard output
  std::string err;  ///< standard error
  std::string output() const { return out + err; }
};

inline CommandRun runTsunagi(const std::vector<std::string>& args,
                             const std::string& stdinFile = "/dev/null") {
  TempDir dir("cli");
  const std::filesystem::path outFile = std::filesystem::path(dir.path()) / "out";
  const std::filesystem::path errFile = std::filesystem::path(dir.path()) / "err";
  SpawnOptions s;
  s.argv = {"/bin/sh", "-c", "exec \"$0\" \"$@\" <\"$STDIN_FILE\" 2>\"$ERR_FILE\"",
            TSUNAGI_EXECUTABLE};
  s.argv.insert(s.argv.end(), args.begin(), args.end());
  s.logFile = outFile;
  s.env = {"PATH=/usr/bin:/bin", "STDIN_FILE=" + stdinFile, "ERR_FILE=" + errFile.string()};
  CommandRun run;
  run.status = runProcess(s);
  auto slurp = [](const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  run.out = slurp(outFile);
  run.err = slurp(errFile);
  return run;
}

}  // namespace tsunagi::testing
