#pragma once
// What the test programs wrote that must never name a patient, kept for privacy_scan
// (tests/privacy/): <build dir>/test-logs/ holds
//   <program>-<pid>.log           every test process's own application log (spdlog, debug and
//                                 up; CTest runs each test case in a process of its own);
//   children/<program>-…-<label>.log  the application log of a child process a test ran (the
//                                 `tsunagi` executable's stderr, the demo's demo.log) and the
//                                 PostgreSQL server logs, copied before their folder is removed;
//   audit/<label>.txt             the audit chain (exchange_events) of every test database, written
//                                 just before the harness drops it, and of the demo's nodes.
// The folder is emptied at the start of a ctest run (test_logs_clear); docs/development.md.

#include <filesystem>
#include <string>

namespace tsunagi::store {
class PgConnection;
}

namespace tsunagi::testing {

/// <build dir>/test-logs (TSUNAGI_TEST_LOG_DIR overrides it), created on first use.
std::filesystem::path testLogDirectory();

/// Called once by the test programs' main(): spdlog's default logger also writes, from debug up,
/// to test-logs/<program>-<pid>.log; its other sinks keep their level.
void writeApplicationLogToTestLogs(const std::string& program);

/// Keeps a copy of `file`, an application log a child process wrote, as
/// test-logs/children/<program>-<pid>-<n>-<label>.log. A missing file is skipped.
void keepChildLog(const std::filesystem::path& file, const std::string& label);
/// The same for a log already read into memory (a child's captured stderr).
void keepChildLogText(const std::string& text, const std::string& label);
/// keepChildLog for every `*.log` file below `dir` (recursively, links not followed): a node's
/// or the demo's log, the PostgreSQL server logs of its embedded clusters.
void keepChildLogsBelow(const std::filesystem::path& dir, const std::string& label);

/// Calls keepChildLogsBelow when it goes out of scope, whatever the test's outcome; declare it
/// after the TempDir it reads, so it runs before the folder is removed.
class KeepLogsBelow {
 public:
  KeepLogsBelow(std::filesystem::path dir, std::string label)
      : dir_(std::move(dir)), label_(std::move(label)) {}
  ~KeepLogsBelow() { keepChildLogsBelow(dir_, label_); }
  KeepLogsBelow(const KeepLogsBelow&) = delete;
  KeepLogsBelow& operator=(const KeepLogsBelow&) = delete;

 private:
  std::filesystem::path dir_;
  std::string label_;
};

/// Writes the audit chain of the database `conn` is connected to — every exchange_events row in
/// chain order, one a line — to test-logs/audit/<label>.txt. Nothing when the database has no
/// exchange_events table. When reading fails the file says `DUMP FAILED: …`, which privacy_scan
/// reports: a chain that could not be read was not checked.
void keepAuditChain(store::PgConnection& conn, const std::string& label);
/// The same, connecting with `conninfo`; never throws (the harness calls it from destructors).
void keepAuditChain(const std::string& conninfo, const std::string& label) noexcept;

}  // namespace tsunagi::testing
