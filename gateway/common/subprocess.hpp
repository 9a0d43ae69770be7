#pragma once
// Starting helper programs (initdb, postgres) as child processes, optionally under another user.
// Used where a child must be stopped reliably with its parent: the child gets a parent-death signal.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace tsunagi {

/// An unprivileged account to run a child as (resolved once, before fork).
struct RunAs {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;

  /// Looks up `name` in the password database; throws std::runtime_error if it does not exist.
  static RunAs lookup(const std::string& name);
};

struct SpawnOptions {
  std::vector<std::string> argv;          ///< argv[0] is the absolute path of the program
  std::filesystem::path logFile;          ///< stdout and stderr of the child are appended here
  std::optional<RunAs> runAs;             ///< switch to this account before exec (needs root)
  std::vector<std::string> env;           ///< the child's whole environment ("KEY=value")
  std::optional<int> parentDeathSignal;   ///< sent to the child when the spawning thread exits
  std::filesystem::path mustReach;        ///< checked with access(X_OK) after the user switch
};

/// Forks and execs. Throws std::system_error if fork fails; exec failures show up as exit code 127
/// (and a line in the log file).
pid_t spawnProcess(const SpawnOptions& options);

/// Runs to completion; returns the exit status (128+signal if killed).
int runProcess(const SpawnOptions& options);

/// Waits up to `timeout` for `pid`; returns the exit status, or nullopt if it is still running.
std::optional<int> waitForExit(pid_t pid, std::chrono::milliseconds timeout);

/// The last `maxBytes` of a text file (for error messages quoting a child's log).
std::string tailOfFile(const std::filesystem::path& file, std::size_t maxBytes = 2000);

}  // namespace tsunagi
