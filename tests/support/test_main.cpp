// main() of every test program: the PostgreSQL harness is torn down after the last test, whatever
// the outcome, so no cluster or server process outlives a run. The application log is also written
// to <build dir>/test-logs/<program>-<pid>.log for privacy_scan (tests/support/test_logs.hpp).
#include <gtest/gtest.h>

#include <filesystem>

#include "gateway/log/logging.hpp"
#include "tests/support/test_logs.hpp"
#include "tests/support/test_postgres.hpp"

namespace {
class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { tsunagi::testing::TestPostgres::instance().shutdown(); }
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // CTest lists the cases (gtest_discover_tests) before it runs them: that writes nothing.
  if (GTEST_FLAG_GET(list_tests)) return RUN_ALL_TESTS();
  tsunagi::log::init(tsunagi::log::Format::Human, "warn");
  tsunagi::testing::writeApplicationLogToTestLogs(
      std::filesystem::path(argv[0]).filename().string());
  ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);
  return RUN_ALL_TESTS();
}
