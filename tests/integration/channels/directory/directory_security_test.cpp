// What an account that shares the inbox with the node can put there: a link to a file only the
// node's account may read, a link to a folder, a hard link, a named pipe, a hostile file name.
// None is read; each is moved aside with its reason code, and the content never reaches
// NAME.error.txt, the application log or the exchange log. Files at rest are the node's (0600).
// Real PostgreSQL, the real channel (ssmix2 adapter, Submitter, exchange log), spdlog captured.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include <fstream>

#include "adapters/registry.hpp"
#include "gateway/channels/directory/directory_watcher.hpp"
#include "gateway/channels/inbound.hpp"
#include "tests/support/log_capture.hpp"
#include "tests/support/test_federation.hpp"

namespace tsunagi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// The first line of a protected file; ssmix2 quotes the first 8 bytes of what it cannot read.
constexpr const char* kSecret = "SECRET42";

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

class DirectorySecurity : public ::testing::Test {
 protected:
  DirectorySecurity() {
    adapters::registerBuiltinAdapters(registry_);
    folder_.inbox = root() / "in";
    folder_.archive = root() / "archive";
    folder_.error = root() / "error";
    folder_.settle = std::chrono::milliseconds(0);  // two polls are still needed
    channels::ChannelOptions options{"hospital-folder",
                                     channels::Direction::Inbound,
                                     "ssmix2",
                                     {},
                                     false,
                                     {{"hospitalName", "柏の葉総合病院"}},
                                     folder_};
    channel_ = std::make_unique<channels::InboundChannel>(
        options, registry_.create("ssmix2"), node().exchange().submitter(), node().pool());
    watcher_ = std::make_unique<channels::DirectoryWatcher>(*channel_, folder_);
    // The protected file: the node's account may read it, the tool's may not.
    writeFile(secret(), std::string(kSecret) + ":$6$salt$hash:19000:0:99999:7:::\n");
    fs::permissions(secret(), fs::perms::owner_read | fs::perms::owner_write);
  }

  fs::path root() const { return fs::path(dir_.path()); }
  fs::path secret() const { return root() / "shadow"; }
  testing::TestNode& node() { return federation_.node("122173"); }
  void pollTwice() {
    watcher_->pollOnce();
    watcher_->pollOnce();
  }
  std::string exchangeLog() {
    auto conn = node().pool().lease();
    return conn
        ->exec(
            "SELECT coalesce(string_agg(event || ' ' || detail::text, E'\\n'), '') "
            "FROM exchange_events")
        .text(0, 0);
  }
  long long rejected(const std::string& code) {
    return node().count(
        "SELECT count(*) FROM exchange_events WHERE event = 'input-rejected' "
        "AND detail::text LIKE '%\"code\":\"" +
        code + "\"%' AND detail::text LIKE '%hospital-folder%'");
  }
  // Nothing of the protected file anywhere the node writes.
  void expectTheSecretNowhere(const std::string& log) {
    for (const auto& e : fs::recursive_directory_iterator(folder_.error)) {
      if (e.path().extension() == ".txt") {
        EXPECT_THAT(readFile(e.path()), Not(HasSubstr(kSecret))) << e.path();
      }
    }
    EXPECT_THAT(log, Not(HasSubstr(kSecret)));
    EXPECT_THAT(exchangeLog(), Not(HasSubstr(kSecret)));
    EXPECT_EQ(readFile(secret()), std::string(kSecret) + ":$6$salt$hash:19000:0:99999:7:::\n");
    EXPECT_EQ(modeOf(secret()), 0600u);
  }

  testing::TempDir dir_{"directory-security"};
  testing::TestFederation federation_{
      std::vector<testing::TestNodeSpec>{{"122173", "柏市", {"122173"}, {"122176"}}}};
  adapters::AdapterRegistry registry_;
  channels::DirectoryOptions folder_;
  std::unique_ptr<channels::InboundChannel> channel_;
  std::unique_ptr<channels::DirectoryWatcher> watcher_;
};

TEST_F(DirectorySecurity, ALinkToAProtectedFileIsMovedAsideUnread) {
  testing::LogCapture log(spdlog::level::trace);
  fs::create_symlink(secret(), folder_.inbox / "ADT_A01.hl7");
  pollTwice();
  EXPECT_FALSE(fs::exists(fs::symlink_status(folder_.inbox / "ADT_A01.hl7")));
  EXPECT_TRUE(fs::is_symlink(folder_.error / "ADT_A01.hl7")) << "the link itself is moved";
  const std::string why = readFile(folder_.error / "ADT_A01.hl7.error.txt");
  EXPECT_THAT(why, HasSubstr("not sent: symbolic-link"));
  EXPECT_THAT(why, HasSubstr("links are never followed"));
  EXPECT_EQ(rejected("symbolic-link"), 1);
  expectTheSecretNowhere(log.text());
}

TEST_F(DirectorySecurity, ALinkToAFolderAHardLinkAndANamedPipeAreRefusedUnread) {
  testing::LogCapture log(spdlog::level::trace);
  const fs::path outside = root() / "outside";
  fs::create_directories(outside);
  fs::create_symlink(secret(), outside / "MSH.hl7");
  fs::create_directory_symlink(outside, folder_.inbox / "set");
  fs::create_hard_link(secret(), folder_.inbox / "linked.hl7");
  ASSERT_EQ(::mkfifo((folder_.inbox / "pipe.hl7").c_str(), 0666), 0);
  pollTwice();  // a FIFO opened for reading would wait here for a writer
  EXPECT_EQ(rejected("symbolic-link"), 1);
  EXPECT_EQ(rejected("hard-linked-file"), 1);
  EXPECT_EQ(rejected("not-a-regular-file"), 1);
  EXPECT_TRUE(fs::is_symlink(folder_.error / "set"));
  EXPECT_TRUE(fs::is_symlink(outside / "MSH.hl7")) << "nothing moved out of the linked folder";
  EXPECT_TRUE(fs::is_fifo(folder_.error / "pipe.hl7"));
  EXPECT_THAT(readFile(folder_.error / "linked.hl7.error.txt"),
              HasSubstr("not sent: hard-linked-file"));
  EXPECT_THAT(readFile(folder_.error / "pipe.hl7.error.txt"),
              HasSubstr("not sent: not-a-regular-file"));
  EXPECT_TRUE(fs::is_empty(folder_.inbox));
  expectTheSecretNowhere(log.text());
}

TEST_F(DirectorySecurity, ARefusedFileIsTheNodesOnlyAndItsNameIsEscaped) {
  const mode_t before = ::umask(022);  // the tool's files 0644
  // An escape sequence that retitles a terminal, a line feed that forges a line, a byte that is
  // not UTF-8.
  const std::string name = "ADT\x1b]0;x\x07\n送信しました - sent: ok\xfe.hl7";
  writeFile(folder_.inbox / name, "not an HL7 message\r");
  pollTwice();
  ::umask(before);
  ASSERT_TRUE(fs::exists(folder_.error / name));
  EXPECT_EQ(modeOf(folder_.error / name), 0600u);
  EXPECT_EQ(modeOf(folder_.error / (name + ".error.txt")), 0600u);
  EXPECT_EQ(modeOf(folder_.error), 0700u);
  EXPECT_EQ(modeOf(folder_.archive), 0700u);
  const std::string why = readFile(folder_.error / (name + ".error.txt"));
  EXPECT_THAT(why, HasSubstr("file: ADT\\x1b]0;x\\x07\\x0a送信しました - sent: ok\\xfe.hl7\n"));
  EXPECT_THAT(why, HasSubstr("not sent: input-invalid"));
  EXPECT_EQ(why.find('\x1b'), std::string::npos);
  EXPECT_EQ(why.find('\xfe'), std::string::npos);
  EXPECT_EQ(rejected("input-invalid"), 1);
}

}  // namespace
}  // namespace tsunagi
