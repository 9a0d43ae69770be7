#pragma once
// What one ctest run shares between its test processes (CTest runs each test case in a process of
// its own, tests/CMakeLists.txt): the PostgreSQL cluster and the test PKI's certificates, which
// would otherwise be made again for every case.
//
// CTest gives every test TSUNAGI_TEST_RUN_DIR=<build dir>/test-run. The fixture test
// `test_run_start` runs `test_run start`: it empties that folder and leaves a daemon that holds a
// private cluster (startTestCluster) and writes the cluster's directory to <run dir>/cluster. The
// daemon stops the cluster — after keeping the audit chain of every test database still there and
// the server log for privacy_scan — when `test_run stop` (the fixture cleanup `test_run_stop`)
// asks, or by itself within a second of the ctest process that started it going away (a run
// killed with Ctrl-C or SIGKILL). With TSUNAGI_TEST_PG set no cluster is started (the tests use
// that server). A program run by hand, without TSUNAGI_TEST_RUN_DIR, starts its own cluster and
// makes its own PKI.

#include <filesystem>
#include <optional>

namespace tsunagi::testing {

/// TSUNAGI_TEST_RUN_DIR, when set (and created if missing).
std::optional<std::filesystem::path> sharedRunDirectory();

/// The directory of the run's shared cluster while its server is running; nullopt otherwise (a
/// note on stderr says why when TSUNAGI_TEST_RUN_DIR is set: the process then uses its own).
std::optional<std::filesystem::path> sharedClusterRoot();

/// `test_run start|stop` (tests/support/test_run_main.cpp). Returns the exit status.
int testRunCommand(int argc, char** argv);

}  // namespace tsunagi::testing
