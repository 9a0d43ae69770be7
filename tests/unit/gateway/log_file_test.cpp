// The application log written to a file (the demo's demo.log): the node's account only.
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "gateway/log/logging.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::log {
namespace {

namespace fs = std::filesystem;

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST(LogFile, IsReadableByTheNodesAccountOnlyWhateverTheUmask) {
  tsunagi::testing::TempDir dir("log-file");
  const fs::path fresh = fs::path(dir.path()) / "demo.log";
  const fs::path older = fs::path(dir.path()) / "older.log";  // a log left by an earlier run
  std::ofstream(older) << "earlier line\n";
  fs::permissions(older, fs::perms(0644));
  const auto previous = spdlog::default_logger();
  const mode_t before = ::umask(022);
  initToFile(fresh);
  spdlog::info("a line");
  initToFile(older);
  spdlog::info("another line");
  ::umask(before);
  spdlog::set_default_logger(previous);
  EXPECT_EQ(modeOf(fresh), 0600u);
  EXPECT_EQ(modeOf(older), 0600u);
  std::ifstream in(older);
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "earlier line") << "appended, not replaced";
}

}  // namespace
}  // namespace tsunagi::log
