// main() of every test program: the PostgreSQL harness is torn down after the last test, whatever
// the outcome, so no cluster or server process outlives a run.
#include <gtest/gtest.h>

#include "gateway/log/logging.hpp"
#include "tests/support/test_postgres.hpp"

namespace {
class PostgresEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { tsunagi::testing::TestPostgres::instance().shutdown(); }
};
}  // namespace

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  tsunagi::log::init(tsunagi::log::Format::Human, "warn");
  ::testing::AddGlobalTestEnvironment(new PostgresEnvironment);
  return RUN_ALL_TESTS();
}
