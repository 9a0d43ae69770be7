// mapping/files: reading a whole file, bounded or not, and the refusals callers word their way.

#include "mapping/files.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace tsunagi::mapping {
namespace {

namespace fs = std::filesystem;

class Files : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tsunagi-files-" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path write(const std::string& name, const std::string& bytes) {
    std::ofstream(dir_ / name, std::ios::binary) << bytes;
    return dir_ / name;
  }
  fs::path dir_;
};

FileReadError::Reason refusal(const fs::path& file, std::size_t limit = kNoFileLimit) {
  try {
    readWholeFile(file, limit);
  } catch (const FileReadError& e) {
    return e.reason();
  }
  ADD_FAILURE() << "read " << file;
  return FileReadError::Reason::Unreadable;
}

TEST_F(Files, ReadsTheWholeFileUpToItsLimit) {
  const std::string big(200000, 'x');
  EXPECT_EQ(readWholeFile(write("big", big)), big);
  EXPECT_EQ(readWholeFile(write("big", big), big.size()), big);
  EXPECT_EQ(readWholeFile(write("empty", "")), "");
  EXPECT_EQ(readWholeFile(write("zero", ""), 0), "");
}

TEST_F(Files, RefusesALargerFileAMissingOneAndAFolder) {
  EXPECT_EQ(refusal(write("big", std::string(1001, 'x')), 1000), FileReadError::Reason::TooLarge);
  EXPECT_EQ(refusal(write("one", "x"), 0), FileReadError::Reason::TooLarge);
  EXPECT_EQ(refusal(dir_ / "absent"), FileReadError::Reason::Missing);
  EXPECT_EQ(refusal(dir_), FileReadError::Reason::Unreadable);
  try {
    readWholeFile(dir_ / "absent");
  } catch (const FileReadError& e) {
    EXPECT_EQ(std::string(e.what()), (dir_ / "absent").string() + ": no such file");
    EXPECT_NE(e.systemError(), 0);
  }
}

}  // namespace
}  // namespace tsunagi::mapping
