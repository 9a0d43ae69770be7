// The Debian package as a city's ICT staff installs it: `cpack -G DEB` from this build, then
// dpkg -i; the unit file must pass `systemd-analyze verify`, and the installed binary must find its
// own schemas and code tables. Building and reading the package needs no root; installing does:
// run as another user, that test is skipped and says why (./setup.sh test and CI run as root).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tests/e2e/cli_runner.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

struct Shell {
  int status;
  std::string output;
};

Shell shell(const std::string& command) {
  testing::TempDir dir("pkg-log");
  SpawnOptions s;
  s.argv = {"/bin/sh", "-c", command};
  s.logFile = fs::path(dir.path()) / "log";
  s.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8"};
  Shell r{runProcess(s), ""};
  std::ifstream in(s.logFile);
  r.output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

class Packaging : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir("pkg");
    const Shell built = shell("cpack -G DEB --config '" + std::string(TSUNAGI_BINARY_DIR) +
                              "/CPackConfig.cmake' -B '" + dir_->path() + "'");
    ASSERT_EQ(built.status, 0) << built.output;
    for (const auto& e : fs::directory_iterator(dir_->path())) {
      if (e.path().extension() == ".deb") deb_ = e.path();
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static testing::TempDir* dir_;
  static fs::path deb_;
};
testing::TempDir* Packaging::dir_ = nullptr;
fs::path Packaging::deb_;

TEST_F(Packaging, DebCarriesTheBinaryDataScriptsUnitAndDependencies) {
  ASSERT_FALSE(deb_.empty()) << "cpack wrote no .deb";
  const Shell info = shell("dpkg-deb --info '" + deb_.string() + "'");
  ASSERT_EQ(info.status, 0) << info.output;
  EXPECT_THAT(info.output, HasSubstr("Package: tsunagi"));
  EXPECT_THAT(info.output, HasSubstr("postgresql-15"));
  EXPECT_THAT(info.output, HasSubstr("libpq5"));
  EXPECT_THAT(info.output, HasSubstr("postinst"));
  const Shell files = shell("dpkg-deb --contents '" + deb_.string() + "'");
  ASSERT_EQ(files.status, 0) << files.output;
  for (const char* path :
       {"./usr/bin/tsunagi", "./usr/share/tsunagi/schema/liaison-sheet-1.xsd",
        "./usr/share/tsunagi/schema/node-config-1.xsd", "./usr/share/tsunagi/codes/care-level.xml",
        "./usr/share/tsunagi/certs/make-ca.sh", "./usr/lib/systemd/system/tsunagi@.service",
        "./usr/share/doc/tsunagi/examples/kashiwa.xml"}) {
    EXPECT_THAT(files.output, HasSubstr(path));
  }
  EXPECT_THAT(files.output, ::testing::Not(HasSubstr(".key")));  // never a key in the package
}

TEST_F(Packaging, InstallsAndTheUnitPassesSystemdAnalyzeVerify) {
  ASSERT_FALSE(deb_.empty()) << "cpack wrote no .deb";
  if (geteuid() != 0) {
    GTEST_SKIP() << "dpkg -i and -r, the installed binary and systemd-analyze verify of the "
                    "installed unit need root; this process runs as uid "
                 << geteuid() << " (./setup.sh test runs as root, so CI runs this test)";
  }
  const Shell install = shell("dpkg -i '" + deb_.string() + "'");
  ASSERT_EQ(install.status, 0) << install.output;

  const Shell version = shell("/usr/bin/tsunagi version");
  EXPECT_EQ(version.status, 0) << version.output;
  EXPECT_THAT(version.output, HasSubstr("data        /usr/share/tsunagi"));
  const Shell validate = shell("/usr/bin/tsunagi validate '" + std::string(TSUNAGI_SOURCE_DIR) +
                               "/tests/fixtures/canonical/discharge-sheet.xml'");
  EXPECT_EQ(validate.status, 0) << validate.output;
  const Shell verify = shell("systemd-analyze verify tsunagi@kashiwa.service");
  EXPECT_EQ(verify.status, 0) << verify.output;
  EXPECT_TRUE(verify.output.empty()) << "systemd-analyze warned: " << verify.output;
  EXPECT_EQ(shell("getent passwd tsunagi").status, 0) << "postinst did not create the account";

  const Shell remove = shell("dpkg -r tsunagi");
  EXPECT_EQ(remove.status, 0) << remove.output;
  EXPECT_FALSE(fs::exists("/usr/bin/tsunagi"));
}

}  // namespace
}  // namespace tsunagi
