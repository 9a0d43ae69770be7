// The conformance kit catches the mistakes vendors make: silent character loss, formulas left in
// CSV cells, garbage accepted, exceptions of the wrong kind.
#include "adapters/conformance.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "adapters/liaison_xml/liaison_xml_adapter.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::adapters {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using Status = CheckResult::Status;

const fs::path kCanonical = fs::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical";

/// A one-line CSV tool: decodes canonical XML (so the samples are easy), encodes "name,notes,…".
class ToyCsvAdapter : public LiaisonXmlAdapter {
 public:
  enum class Flaw { None, DropsCharacters, LeavesFormulas, AcceptsAnything, ThrowsLogicError };
  explicit ToyCsvAdapter(Flaw flaw) : flaw_(flaw) {}
  std::string name() const override { return "toy_csv"; }

  Decoded decode(const LocalInput& input) const override {
    if (flaw_ == Flaw::ThrowsLogicError && input.bytes.empty()) throw std::logic_error("oops");
    if (flaw_ == Flaw::AcceptsAnything) {
      return LiaisonXmlAdapter::decode(LocalInput{readFixture(), input.name, {}});
    }
    return LiaisonXmlAdapter::decode(input);
  }

 protected:
  Encoded encodeDocument(const mapping::CanonicalDocument& doc,
                         const EncodeOptions&) const override {
    const auto* sheet = std::get_if<mapping::LiaisonSheet>(&doc);
    if (!sheet) throw AdapterError(0, "/", "sheets only");
    Encoded e;
    e.suggestedName = "sheet.csv";
    std::string name = sheet->patient.nameKanji;
    if (flaw_ != Flaw::DropsCharacters) {
      // a faithful tool refuses what it cannot hold
      if (name.find("\xF0\xA0\xAE\xB7") != std::string::npos) {
        throw AdapterError(0, "/LiaisonSheet/patient/nameKanji", "U+20BB7 is not in CP932");
      }
    } else if (auto at = name.find("\xF0\xA0\xAE\xB7"); at != std::string::npos) {
      name.erase(at, 4);
    }
    auto cell = [&](const std::optional<std::string>& v) {
      std::string text = v.value_or("");
      if (flaw_ != Flaw::LeavesFormulas && !text.empty() &&
          std::string("=+-@").find(text[0]) != std::string::npos) {
        text.insert(0, "'");
      }
      return text;
    };
    e.bytes = "name,notes,address\r\n" + name + "," + cell(sheet->notes) + "," +
              cell(sheet->patient.address) + "\r\n";
    return e;
  }

 private:
  static std::string readFixture() {
    std::ifstream in(kCanonical / "discharge-sheet.xml");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  Flaw flaw_;
};

class ConformanceKit : public ::testing::Test {
 protected:
  ConformanceKit() : dir_("kit") {
    samples_ = fs::path(dir_.path()) / "samples";
    fs::create_directories(samples_);
    fs::copy_file(kCanonical / "discharge-sheet.xml", samples_ / "discharge-sheet.xml");
  }
  ConformanceReport run(ToyCsvAdapter::Flaw flaw) {
    return checkAdapter(ToyCsvAdapter(flaw), "toy_csv", samples_);
  }
  static const CheckResult* find(const ConformanceReport& r, const std::string& check,
                                 Status status) {
    for (const CheckResult& c : r.results) {
      if (c.check == check && c.status == status) return &c;
    }
    return nullptr;
  }
  testing::TempDir dir_;
  fs::path samples_;
};

TEST_F(ConformanceKit, AFaithfulCsvToolPassesStrictEncodingAndNeutralisation) {
  const ConformanceReport r = run(ToyCsvAdapter::Flaw::None);
  EXPECT_NE(find(r, "strict-encoding", Status::Pass), nullptr) << r.table();
  EXPECT_NE(find(r, "csv-neutralise", Status::Pass), nullptr) << r.table();
  EXPECT_EQ(find(r, "refuse", Status::Fail), nullptr) << r.table();
}

TEST_F(ConformanceKit, SilentCharacterLossFails) {
  const ConformanceReport r = run(ToyCsvAdapter::Flaw::DropsCharacters);
  const CheckResult* c = find(r, "strict-encoding", Status::Fail);
  ASSERT_NE(c, nullptr) << r.table();
  EXPECT_THAT(c->detail, HasSubstr("/LiaisonSheet/patient/nameKanji vanished"));
  EXPECT_FALSE(r.passed());
}

TEST_F(ConformanceKit, FormulaLeftAtTheStartOfACellFails) {
  const ConformanceReport r = run(ToyCsvAdapter::Flaw::LeavesFormulas);
  const CheckResult* c = find(r, "csv-neutralise", Status::Fail);
  ASSERT_NE(c, nullptr) << r.table();
  EXPECT_THAT(c->detail, HasSubstr("spreadsheet formula"));
  EXPECT_THAT(r.table(), HasSubstr("toy_csv: FAILED"));
}

TEST_F(ConformanceKit, AcceptingGarbageFailsEveryBuiltInMalformedInput) {
  const ConformanceReport r = run(ToyCsvAdapter::Flaw::AcceptsAnything);
  std::size_t accepted = 0;
  for (const CheckResult& c : r.results) {
    if (c.check == "refuse" && c.status == Status::Fail) {
      ++accepted;
      EXPECT_THAT(c.detail, HasSubstr("accepted"));
    }
  }
  EXPECT_EQ(accepted, builtinMalformedInputs("x").size());
}

TEST_F(ConformanceKit, AnExceptionThatIsNotAnAdapterErrorFails) {
  const ConformanceReport r = run(ToyCsvAdapter::Flaw::ThrowsLogicError);
  const CheckResult* c = find(r, "refuse", Status::Fail);
  ASSERT_NE(c, nullptr) << r.table();
  EXPECT_THAT(c->detail, HasSubstr("non-AdapterError exception: oops"));
}

TEST_F(ConformanceKit, AnEmptyDirectoryIsAnError) {
  testing::TempDir empty("kit-empty");
  EXPECT_THROW(checkAdapter(ToyCsvAdapter(ToyCsvAdapter::Flaw::None), "toy_csv", empty.path()),
               std::runtime_error);
}

TEST(ConformanceInputs, BuiltInMalformedInputsDifferFromTheSampleAndCoverTheUsualFaults) {
  const std::string valid(1000, 'x');
  const auto inputs = builtinMalformedInputs(valid);
  ASSERT_GE(inputs.size(), 7u);
  for (const auto& [name, bytes] : inputs) EXPECT_NE(bytes, valid) << name;
  EXPECT_TRUE(inputs.front().second.empty());
  EXPECT_GT(inputs.back().second.size(), 16u * 1024 * 1024);  // over every adapter's size limit
}

}  // namespace
}  // namespace tsunagi::adapters
