#pragma once
// Running the built `tsunagi` executable as an operator does: arguments, a clean environment,
// stdout and stderr kept apart (commands print results on one and diagnostics on the other); the
// stderr is also kept in test-logs/ for privacy_scan.

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gateway/common/subprocess.hpp"
#include "tests/support/test_logs.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::testing {

struct CommandRun {
  int status = -1;
  std::string out;  ///< standard output
  std::string err;  ///< standard error
  std::string output() const { return out + err; }
};

/// What privacy_scan gets of a command's stderr (docs/development.md). stdout is the command's
/// result (a translated document names its patient) and is never kept. The file tools
/// (`translate`, `validate`, `adapter`) also print their report on stderr — the loss report and
/// the refusals, quoting the user's own input to the user (docs/operations.md, "What the log and
/// the audit chain never contain") — so of theirs only the application log's lines are kept (JSON
/// lines: stderr is not a terminal here). Every other command's stderr is kept whole.
inline std::string applicationLogIn(const std::vector<std::string>& args, const std::string& err) {
  const bool fileTool =
      !args.empty() && (args[0] == "translate" || args[0] == "validate" || args[0] == "adapter");
  if (!fileTool) return err;
  std::string kept;
  std::size_t start = 0;
  while (start < err.size()) {
    const std::size_t end = std::min(err.find('\n', start), err.size());
    if (err.compare(start, 9, "{\"time\":\"") == 0) kept += err.substr(start, end - start) + "\n";
    start = end + 1;
  }
  return kept;
}

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
  keepChildLogText(applicationLogIn(args, run.err),
                   "stderr-" + (args.empty() ? std::string("none") : args.front()));
  return run;
}

}  // namespace tsunagi::testing
