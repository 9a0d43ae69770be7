// The folder a care office's tool drops files into: a file is read once it is complete, then
// archived when committed, or moved to error/ with the reason beside it; files still being
// written, temporary and hidden files are never read.
#include "gateway/channels/directory/directory_watcher.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

#include "tests/support/test_postgres.hpp"
#include "tests/unit/gateway/channels/fake_handler.hpp"

namespace tsunagi::channels {
namespace {

namespace fs = std::filesystem;
using testing::FakeHandler;
using ::testing::HasSubstr;

std::string readFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void writeFile(const fs::path& p, const std::string& text) {
  std::ofstream(p, std::ios::binary) << text;
}

struct Folder {
  tsunagi::testing::TempDir dir{"channel"};
  DirectoryOptions options;
  FakeHandler handler;
  std::unique_ptr<DirectoryWatcher> watcher;

  Folder() {
    options.inbox = fs::path(dir.path()) / "in";
    options.archive = fs::path(dir.path()) / "archive";
    options.error = fs::path(dir.path()) / "error";
    options.settle = std::chrono::milliseconds(0);  // two polls are still needed
    watcher = std::make_unique<DirectoryWatcher>(handler, options);
  }
  fs::path inbox(const std::string& name) const { return options.inbox / name; }
};

TEST(DirectoryConnector, ReadsAFileOnlyOnceTwoPollsSawItUnchangedThenArchivesIt) {
  Folder f;
  writeFile(f.inbox("sheet.xml"), "<sheet/>");
  EXPECT_EQ(f.watcher->pollOnce(), 0);  // first sight: it may still be growing
  EXPECT_TRUE(f.handler.inputs.empty());
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  ASSERT_EQ(f.handler.inputs.size(), 1u);
  EXPECT_EQ(f.handler.inputs[0].bytes, "<sheet/>");
  EXPECT_EQ(f.handler.inputs[0].name, "sheet.xml");
  EXPECT_FALSE(fs::exists(f.inbox("sheet.xml")));
  EXPECT_EQ(readFile(f.options.archive / "sheet.xml"), "<sheet/>");
  EXPECT_EQ(f.watcher->pollOnce(), 0);  // gone: never read twice
}

TEST(DirectoryConnector, AFileStillGrowingIsNotRead) {
  Folder f;
  writeFile(f.inbox("big.csv"), "a,b\n");
  f.watcher->pollOnce();
  std::ofstream(f.inbox("big.csv"), std::ios::app) << "1,2\n";
  EXPECT_EQ(f.watcher->pollOnce(), 0);  // changed since the last poll
  EXPECT_TRUE(f.handler.inputs.empty());
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  EXPECT_EQ(f.handler.inputs.at(0).bytes, "a,b\n1,2\n");
}

TEST(DirectoryConnector, AFileAnotherProcessHoldsLockedIsNotRead) {
  Folder f;
  writeFile(f.inbox("locked.csv"), "x");
  const int fd = ::open(f.inbox("locked.csv").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  f.watcher->pollOnce();
  // flock locks belong to the open file description: a second open in this process conflicts
  // as another process's would.
  EXPECT_EQ(f.watcher->pollOnce(), 0);
  EXPECT_TRUE(f.handler.inputs.empty());
  ::flock(fd, LOCK_UN);
  ::close(fd);
  EXPECT_EQ(f.watcher->pollOnce(), 1);
}

TEST(DirectoryConnector, HiddenTemporaryAndPartialFilesAreNeverRead) {
  for (const char* name : {".sheet.xml.part", "~$book.xlsx", "upload.tmp", "a.part", "b.partial",
                           "c.crdownload", ".hidden", "x.error.txt"}) {
    EXPECT_TRUE(ignoredFileName(name)) << name;
  }
  for (const char* name : {"sheet.xml", "柏木.csv", "adt.hl7"})
    EXPECT_FALSE(ignoredFileName(name)) << name;
  Folder f;
  writeFile(f.inbox(".sheet.xml.part"), "half");
  writeFile(f.inbox("upload.tmp"), "half");
  fs::create_directories(f.inbox("sub"));
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 0);
  EXPECT_TRUE(f.handler.inputs.empty());
  EXPECT_TRUE(fs::exists(f.inbox(".sheet.xml.part")));
}

TEST(DirectoryConnector, AFolderIsOneSetReadWholeOnceSettledThenArchivedWhole) {
  // A care-plan set: the files belong together, so they reach the adapter as one input.
  Folder f;
  fs::create_directories(f.inbox("set-0001"));
  writeFile(f.inbox("set-0001") / "UP1KYO_1.CSV", "plan");
  writeFile(f.inbox("set-0001") / "UPHOSOKU_1.CSV", "person");
  EXPECT_EQ(f.watcher->pollOnce(), 0);
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  ASSERT_EQ(f.handler.inputs.size(), 1u);
  const adapters::LocalInput& input = f.handler.inputs[0];
  EXPECT_EQ(input.name, "UP1KYO_1.CSV");  // the first by name
  EXPECT_EQ(input.bytes, "plan");
  ASSERT_EQ(input.extraFiles.size(), 1u);
  EXPECT_EQ(input.extraFiles[0].name, "UPHOSOKU_1.CSV");
  EXPECT_EQ(input.extraFiles[0].bytes, "person");
  EXPECT_EQ(input.metadata.at("folder"), "set-0001");
  EXPECT_FALSE(fs::exists(f.inbox("set-0001")));
  EXPECT_EQ(readFile(f.options.archive / "set-0001" / "UPHOSOKU_1.CSV"), "person");
  EXPECT_EQ(f.watcher->pollOnce(), 0);
}

TEST(DirectoryConnector, AFolderStillReceivingFilesIsNotRead) {
  Folder f;
  fs::create_directories(f.inbox("set"));
  writeFile(f.inbox("set") / "a.csv", "a");
  f.watcher->pollOnce();
  writeFile(f.inbox("set") / "b.csv", "b");  // the copy goes on
  EXPECT_EQ(f.watcher->pollOnce(), 0);
  writeFile(f.inbox("set") / "c.csv.part", "half");  // a download in progress inside
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 0);
  EXPECT_TRUE(f.handler.inputs.empty());
  fs::rename(f.inbox("set") / "c.csv.part", f.inbox("set") / "c.csv");
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  ASSERT_EQ(f.handler.inputs.size(), 1u);
  EXPECT_EQ(f.handler.inputs[0].extraFiles.size(), 2u) << "all three files, once complete";
}

TEST(DirectoryConnector, ARefusedSetGoesToErrorWholeWithTheReasonBesideIt) {
  Folder f;
  f.handler.answer = testing::rejected("input-invalid", "UP1KYO without UPHOSOKU");
  fs::create_directories(f.inbox("set"));
  writeFile(f.inbox("set") / "UP1KYO_1.CSV", "plan");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  EXPECT_FALSE(fs::exists(f.inbox("set")));
  EXPECT_EQ(readFile(f.options.error / "set" / "UP1KYO_1.CSV"), "plan");
  const std::string why = readFile(f.options.error / "set.error.txt");
  EXPECT_THAT(why, HasSubstr("folder: set"));
  EXPECT_THAT(why, HasSubstr("UP1KYO without UPHOSOKU"));
}

TEST(DirectoryConnector, TheArchiveAndErrorFoldersInsideTheInboxAreNotInputs) {
  Folder f;
  f.options.archive = f.options.inbox / "archive";
  f.options.error = f.options.inbox / "error";
  f.watcher = std::make_unique<DirectoryWatcher>(f.handler, f.options);
  writeFile(f.inbox("one.xml"), "<a/>");
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 0) << "archive/ holds one.xml now and is not read as a set";
  EXPECT_EQ(f.handler.inputs.size(), 1u);
}

TEST(DirectoryConnector, ARefusedFileGoesToErrorWithTheReasonBesideIt) {
  Folder f;
  f.handler.answer = testing::rejected(
      "input-invalid", "line 3 /LiaisonSheet/patient/sex: value 9 is not in table sex");
  writeFile(f.inbox("bad.xml"), "<bad/>");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  EXPECT_FALSE(fs::exists(f.inbox("bad.xml")));
  EXPECT_EQ(readFile(f.options.error / "bad.xml"), "<bad/>");
  const std::string why = readFile(f.options.error / "bad.xml.error.txt");
  EXPECT_THAT(why, HasSubstr("bad.xml"));
  EXPECT_THAT(why, HasSubstr("test-channel"));
  EXPECT_THAT(why, HasSubstr("input-invalid"));
  EXPECT_THAT(why, HasSubstr("line 3 /LiaisonSheet/patient/sex: value 9 is not in table sex"));
  EXPECT_FALSE(fs::exists(f.options.archive / "bad.xml"));
}

TEST(DirectoryConnector, StorageTroubleLeavesTheFileToBeTriedAgain) {
  Folder f;
  f.handler.answer.status = InboundResult::Status::Unavailable;
  writeFile(f.inbox("sheet.xml"), "<sheet/>");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  EXPECT_TRUE(fs::exists(f.inbox("sheet.xml")));
  f.handler.answer = {};
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  EXPECT_EQ(f.handler.inputs.size(), 2u);
  EXPECT_TRUE(fs::exists(f.options.archive / "sheet.xml"));
}

TEST(DirectoryConnector, TheSameFileNameAgainDoesNotOverwriteTheArchive) {
  Folder f;
  for (const char* text : {"first", "second"}) {
    writeFile(f.inbox("daily.csv"), text);
    f.watcher->pollOnce();
    f.watcher->pollOnce();
  }
  EXPECT_EQ(readFile(f.options.archive / "daily.csv"), "first");
  EXPECT_EQ(readFile(f.options.archive / "daily.csv.1"), "second");
}

TEST(DirectoryConnector, AFileOverTheLimitIsRefusedUnread) {
  Folder f;
  f.options.maxBytes = 4;
  f.watcher = std::make_unique<DirectoryWatcher>(f.handler, f.options);
  writeFile(f.inbox("huge.csv"), "12345");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  EXPECT_TRUE(f.handler.inputs.empty());
  EXPECT_EQ(f.handler.refusals, std::vector<std::string>{"input-too-large"});
  EXPECT_THAT(readFile(f.options.error / "huge.csv.error.txt"), HasSubstr("at most 4"));
}

unsigned modeOf(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

// A file outside the inbox that the tool must never get at through the node: "protected".
fs::path secretFile(const Folder& f) {
  const fs::path secret = fs::path(f.dir.path()) / "secret";
  writeFile(secret, "root:SECRET-FIRST-LINE:0:0\n");
  fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
  return secret;
}

TEST(DirectoryConnector, ASymbolicLinkIsMovedAsideUnread) {
  Folder f;
  const fs::path secret = secretFile(f);
  fs::create_symlink(secret, f.inbox("passwd.xml"));
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  EXPECT_TRUE(f.handler.inputs.empty()) << "the link was followed and read";
  EXPECT_EQ(f.handler.refusals, std::vector<std::string>{"symbolic-link"});
  EXPECT_TRUE(fs::is_symlink(f.options.error / "passwd.xml")) << "the link itself is moved";
  EXPECT_EQ(readFile(secret), "root:SECRET-FIRST-LINE:0:0\n");
  EXPECT_EQ(modeOf(secret), 0600u) << "the target's mode is not touched";
  const std::string why = readFile(f.options.error / "passwd.xml.error.txt");
  EXPECT_THAT(why, HasSubstr("symbolic-link"));
  EXPECT_THAT(why, ::testing::Not(HasSubstr("SECRET")));
}

TEST(DirectoryConnector, ALinkToAFolderIsNotTakenAsASet) {
  Folder f;
  const fs::path outside = fs::path(f.dir.path()) / "outside";
  fs::create_directories(outside);
  writeFile(outside / "token", "SECRET-TOKEN\n");
  fs::create_directory_symlink(outside, f.inbox("set"));
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  EXPECT_TRUE(f.handler.inputs.empty());
  EXPECT_EQ(f.handler.refusals, std::vector<std::string>{"symbolic-link"});
  EXPECT_TRUE(fs::is_symlink(f.options.error / "set"));
  EXPECT_EQ(readFile(outside / "token"), "SECRET-TOKEN\n");
}

TEST(DirectoryConnector, ASetHoldingALinkIsRefusedWholeUnread) {
  Folder f;
  const fs::path secret = secretFile(f);
  fs::create_directories(f.inbox("set"));
  writeFile(f.inbox("set") / "UP1KYO_1.CSV", "plan");
  fs::create_symlink(secret, f.inbox("set") / "UPHOSOKU_1.CSV");
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  EXPECT_TRUE(f.handler.inputs.empty());
  EXPECT_EQ(f.handler.refusals, std::vector<std::string>{"symbolic-link"});
  EXPECT_TRUE(fs::is_symlink(f.options.error / "set" / "UPHOSOKU_1.CSV"));
  const std::string why = readFile(f.options.error / "set.error.txt");
  EXPECT_THAT(why, HasSubstr("UPHOSOKU_1.CSV: "));
  EXPECT_THAT(why, ::testing::Not(HasSubstr("SECRET")));
  EXPECT_EQ(modeOf(f.options.error / "set" / "UP1KYO_1.CSV"), 0600u);
  EXPECT_EQ(modeOf(f.options.error / "set"), 0700u);
}

TEST(DirectoryConnector, ANamedPipeIsMovedAsideWithoutOpeningIt) {
  // Opening a FIFO for reading waits for a writer: the watcher would hang for good.
  Folder f;
  ASSERT_EQ(::mkfifo(f.inbox("pipe.hl7").c_str(), 0644), 0);
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  EXPECT_EQ(f.handler.refusals, std::vector<std::string>{"not-a-regular-file"});
  struct stat st {};
  ASSERT_EQ(::lstat((f.options.error / "pipe.hl7").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  EXPECT_THAT(readFile(f.options.error / "pipe.hl7.error.txt"), HasSubstr("named pipe"));
}

TEST(DirectoryConnector, AFileWithASecondHardLinkIsRefusedAndItsModeLeftAlone) {
  // A hard link made to a file the tool's account could not read gives no access to it here.
  Folder f;
  f.options.fileMode = 0640;
  f.watcher = std::make_unique<DirectoryWatcher>(f.handler, f.options);
  const fs::path secret = secretFile(f);
  fs::create_hard_link(secret, f.inbox("linked.xml"));
  f.watcher->pollOnce();
  EXPECT_EQ(f.watcher->pollOnce(), 1);
  EXPECT_TRUE(f.handler.inputs.empty());
  EXPECT_EQ(f.handler.refusals, std::vector<std::string>{"hard-linked-file"});
  EXPECT_EQ(modeOf(secret), 0600u);
  EXPECT_THAT(readFile(f.options.error / "linked.xml.error.txt"),
              ::testing::Not(HasSubstr("SECRET")));
}

TEST(DirectoryConnector, FilesAtRestAreTheNodesOnly) {
  const mode_t before = ::umask(022);  // the tool's 0644 files in 0755 folders
  Folder f;
  writeFile(f.inbox("sheet.xml"), "<sheet/>");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  f.handler.answer = testing::rejected("input-invalid", "no");
  writeFile(f.inbox("bad.xml"), "<bad/>");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  ::umask(before);
  EXPECT_EQ(modeOf(f.options.archive), 0700u);
  EXPECT_EQ(modeOf(f.options.error), 0700u);
  EXPECT_EQ(modeOf(f.options.archive / "sheet.xml"), 0600u);
  EXPECT_EQ(modeOf(f.options.error / "bad.xml"), 0600u);
  EXPECT_EQ(modeOf(f.options.error / "bad.xml.error.txt"), 0600u);
}

TEST(DirectoryConnector, AGroupFileModeIsGivenExactlyWhateverTheUmask) {
  const mode_t before = ::umask(077);  // as under the systemd unit
  Folder f;
  f.options.fileMode = 0640;
  f.options.archive = fs::path(f.dir.path()) / "group/archive";
  f.options.error = fs::path(f.dir.path()) / "group/error";
  f.watcher = std::make_unique<DirectoryWatcher>(f.handler, f.options);
  f.handler.answer = testing::rejected("input-invalid", "no");
  writeFile(f.inbox("bad.xml"), "<bad/>");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  ::umask(before);
  EXPECT_EQ(modeOf(f.options.error), 0750u);
  EXPECT_EQ(modeOf(f.options.error / "bad.xml"), 0640u);
  EXPECT_EQ(modeOf(f.options.error / "bad.xml.error.txt"), 0640u);
}

TEST(DirectoryConnector, AFileNameIsEscapedInTheErrorText) {
  Folder f;
  f.handler.answer = testing::rejected("input-invalid", "no");
  // A line feed that would forge a line, an escape sequence, a byte that is not UTF-8.
  const std::string name = "a\n送信しました - sent: ok\x1b[2J\xff.xml";  // no "/"
  writeFile(f.inbox(name), "<bad/>");
  f.watcher->pollOnce();
  f.watcher->pollOnce();
  ASSERT_TRUE(fs::exists(f.options.error / (name + ".error.txt")));
  const std::string why = readFile(f.options.error / (name + ".error.txt"));
  EXPECT_THAT(why, HasSubstr("a\\x0a送信しました - sent: ok\\x1b[2J\\xff.xml\n"));
  EXPECT_EQ(why.find('\x1b'), std::string::npos);
  EXPECT_EQ(why.find('\xff'), std::string::npos);
  EXPECT_EQ(why.find("\nsent"), std::string::npos);

  EXPECT_EQ(printableFileName("柏木 様.csv"), "柏木 様.csv");
  EXPECT_EQ(printableFileName("a\\b"), "a\\\\b");
  EXPECT_EQ(printableFileName("x\xc2\x85y"), "x\\xc2\\x85y");  // C1 NEL
  EXPECT_EQ(printableFileName("gpj.\xe2\x80\xae"
                              "exe"),
            "gpj.\\xe2\\x80\\xaeexe");                     // RLO
  EXPECT_EQ(printableFileName("\xe6\x9f"), "\\xe6\\x9f");  // cut short
  EXPECT_EQ(printableFileName("\xc0\xaf"), "\\xc0\\xaf");  // overlong
}

TEST(DirectoryConnector, AVeryLongNameStillGetsItsReasonAndASecondOneItsOwnPlace) {
  // 255 bytes: NAME.error.txt (and its temporary .NAME.error.txt.part) and NAME.1 would pass
  // NAME_MAX; the file would stay in the inbox, refused again at every poll.
  Folder f;
  f.handler.answer = testing::rejected("input-invalid", "no");
  const std::string name = std::string(251, 'n') + ".xml";
  for (int round = 0; round < 2; ++round) {
    writeFile(f.inbox(name), "<bad/>");
    f.watcher->pollOnce();
    f.watcher->pollOnce();
    EXPECT_FALSE(fs::exists(f.inbox(name))) << "round " << round;
  }
  std::vector<std::string> reasons, moved;
  for (const auto& e : fs::directory_iterator(f.options.error)) {
    const std::string n = e.path().filename().string();
    EXPECT_LE(n.size(), 255u);
    (n.ends_with(".error.txt") ? reasons : moved).push_back(n);
  }
  EXPECT_EQ(moved.size(), 2u);
  ASSERT_EQ(reasons.size(), 2u);
  for (const auto& r : reasons) {
    EXPECT_THAT(readFile(f.options.error / r), HasSubstr("file: " + std::string(251, 'n')));
  }
}

}  // namespace
}  // namespace tsunagi::channels
