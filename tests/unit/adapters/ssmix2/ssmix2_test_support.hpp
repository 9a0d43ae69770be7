#pragma once
// Helpers shared by the ssmix2 adapter tests: files as bytes, messages written in UTF-8 and
// encoded to ISO-2022-JP with the project's own strict encoder, and decoding with the error
// printed the way an operator reads it.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <sstream>
#include <string>

#include "adapters/ssmix2/ssmix2_adapter.hpp"
#include "mapping/text/encoding.hpp"

namespace tsunagi::adapters::testing {

inline std::string readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

/// The published SS-MIX2 samples in tests/fixtures/samples/ssmix2 (sources in its README),
/// byte for byte.
inline std::string publicSample(const std::string& name) {
  return readBytes(std::filesystem::path(TSUNAGI_SAMPLES_DIR) / "ssmix2" / name);
}

/// tests/fixtures/ssmix2/<name>.
inline std::string fixture(const std::string& name) {
  return readBytes(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/ssmix2" / name);
}

/// UTF-8 text → ISO-2022-JP bytes (throws if a character has no JIS X 0208 form).
inline std::string jis(const std::string& utf8) {
  return mapping::text::encode(utf8, mapping::text::Charset::Iso2022Jp,
                               mapping::text::OnUnmappable::Fail)
      .bytes;
}

/// Segments joined by CR, ending with CR, encoded to ISO-2022-JP.
inline std::string hl7(std::initializer_list<std::string> segments) {
  std::string text;
  for (const std::string& segment : segments) text += segment + "\r";
  return jis(text);
}

inline const std::string kMsh =
    "MSH|^~\\&|HIS01|1212000001|TSUNAGI|122173|20240214103000||ADT^A01^ADT_A01|CTRL0001|P|2.5|"
    "|||||~ISO IR87||ISO 2022-1994";
/// A segment from its non-empty fields: segment("PV1", {{2, "I"}, {44, "20240214"}}).
inline std::string segment(const std::string& id,
                           const std::map<std::size_t, std::string>& fields) {
  std::string out = id;
  std::size_t last = fields.empty() ? 0 : fields.rbegin()->first;
  for (std::size_t n = 1; n <= last; ++n) {
    auto it = fields.find(n);
    out += "|" + (it == fields.end() ? std::string() : it->second);
  }
  return out;
}

inline const std::map<std::size_t, std::string> kPidFields{
    {1, "0001"},
    {3, "00123456"},
    {5, "柏木^花子^^^^^L^I~カシワギ^ハナコ^^^^^L^P"},
    {7, "19390621"},
    {8, "F"}};
inline const std::map<std::size_t, std::string> kPv1Fields{
    {1, "0001"}, {2, "I"}, {3, "4E^412^2"}, {7, "D0107^若葉^誠"}, {44, "20240214100000"}};

/// PID / PV1 of a valid admission, with fields replaced or added.
inline std::string pid(const std::map<std::size_t, std::string>& changes = {}) {
  auto fields = kPidFields;
  for (const auto& [n, v] : changes) fields[n] = v;
  return segment("PID", fields);
}
inline std::string pv1(const std::map<std::size_t, std::string>& changes = {}) {
  auto fields = kPv1Fields;
  for (const auto& [n, v] : changes) fields[n] = v;
  return segment("PV1", fields);
}

/// MSH with field n (n ≥ 3) replaced by `value`.
inline std::string mshWith(std::size_t n, const std::string& value) {
  std::string out;
  std::size_t field = 1;  // after "MSH" the first '|' starts MSH-2
  std::size_t i = 0;
  for (; i < kMsh.size(); ++i) {
    if (kMsh[i] == '|') {
      ++field;
      if (field == n) break;
    }
  }
  std::size_t end = kMsh.find('|', i + 1);
  return kMsh.substr(0, i + 1) + value + (end == std::string::npos ? "" : kMsh.substr(end));
}

/// Decodes with the ssmix2 adapter.
inline Decoded decodeHl7(const std::string& bytes,
                         std::map<std::string, std::string> metadata = {}) {
  return Ssmix2Adapter().decode(LocalInput{bytes, "test.hl7", std::move(metadata)});
}

/// The refusal as printed for an operator ("line 3: PID-7: …"), or "decoded" when none.
inline std::string refusal(const std::string& bytes) {
  try {
    decodeHl7(bytes);
  } catch (const AdapterError& e) {
    return e.what();
  }
  return "decoded";
}

}  // namespace tsunagi::adapters::testing
