#pragma once
// Hand-written ケアプランデータ連携 files for the careplan_csv tests: records are written in UTF-8
// here, field by field as in the layout, and encoded to CP932 (strictly) like a care manager's
// software would.
#include <map>
#include <string>
#include <vector>

#include "adapters/careplan_csv/careplan_csv_adapter.hpp"
#include "adapters/csv/csv.hpp"
#include "mapping/text/encoding.hpp"

namespace tsunagi::adapters::testing {

using Fields = std::map<int, std::string>;

inline const char* kSetTime = "20240701120000";
inline const char* kHosokuName = "UPHOSOKU_000000_1234567890_43_0300000005_11_20240701120000.CSV";
inline const char* kPlan1Name = "UP1KYO_1234567890_43_0300000005_11_20240701120000.CSV";
inline const char* kPlan2Name = "UP2KYO_1234567890_43_0300000005_11_20240701120000.CSV";
inline const char* kPlan3Name = "UP3KYO_1234567890_43_0300000005_11_20240701120000.CSV";

/// A UPHOSOKU record (63 fields) for 柏木 髙子, with `changes` applied (field number → value).
inline std::vector<std::string> hosokuRecord(const Fields& changes = {}) {
  std::vector<std::string> f(63);
  f[0] = "202407";
  f[1] = "122077";
  f[2] = "0001234567";
  f[3] = "20240701";
  f[4] = "ｶｼﾜｷﾞ ﾀｶｺ";  // half-width, as many care systems still write it
  f[5] = "柏木　髙子";
  f[6] = "2";
  f[7] = "19390621";
  f[8] = "277-0005";
  f[9] = "千葉県柏市柏１－２－３";
  f[10] = "メゾン柏～①号室";
  f[11] = "04-7150-0000";
  f[12] = "20240415";
  f[15] = "2";
  f[17] = "22";
  f[18] = "19705";
  f[19] = "11";
  f[61] = "1";
  f[62] = "000000";
  for (const auto& [no, value] : changes) f[static_cast<std::size_t>(no - 1)] = value;
  return f;
}

/// A UP1KYO record (28 fields) keyed like hosokuRecord().
inline std::vector<std::string> plan1Record(const Fields& changes = {}) {
  std::vector<std::string> f(28);
  f[0] = "202407";
  f[1] = "122077";
  f[2] = "0001234567";
  f[3] = "20240702";
  f[7] = "佐藤　花子";
  f[8] = "㈱つなぎ 居宅介護支援事業所";
  f[9] = "277-0011";
  f[10] = "千葉県柏市東上町１－１";
  f[12] = "1234567890";
  f[13] = "20240701";
  f[14] = "20230401";
  f[15] = "21";
  f[16] = "2";
  f[17] = "20240415";
  f[18] = "20240501";
  f[19] = "20260430";
  f[20] = "22";
  f[21] = "本人：自宅で「できることは自分で」続けたい。\r\n家族：転倒が心配。";
  f[22] = "特になし";
  f[23] = "転倒を防ぎ、住み慣れた自宅での生活を続けられるよう支援します。";
  f[24] = "1";
  f[27] = "1";
  for (const auto& [no, value] : changes) f[static_cast<std::size_t>(no - 1)] = value;
  return f;
}

/// A UP2KYO record (22 fields).
inline std::vector<std::string> plan2Record(const Fields& changes = {}) {
  std::vector<std::string> f(22);
  f[0] = "202407";
  f[1] = "122077";
  f[2] = "0001234567";
  f[3] = "20240701";
  f[4] = "20240701";
  f[5] = "1";
  f[6] = "歩行が不安定";
  f[7] = "1";
  f[8] = "屋内を安全に歩ける";
  f[9] = "トイレまで見守りで歩ける";
  f[12] = "1";
  f[13] = "入浴介助";
  f[14] = "Y";
  f[15] = "訪問介護";
  f[16] = "0300000005";
  f[17] = "柏ヘルパーステーション";
  f[18] = "週2回";
  f[21] = "1";
  for (const auto& [no, value] : changes) f[static_cast<std::size_t>(no - 1)] = value;
  return f;
}

/// A UP3KYO record (13 fields).
inline std::vector<std::string> plan3Record(const Fields& changes = {}) {
  std::vector<std::string> f(13);
  f[0] = "202407";
  f[1] = "122077";
  f[2] = "0001234567";
  f[3] = "20240701";
  f[4] = "20240701";
  f[5] = "訪問介護";
  f[6] = "1";
  f[7] = "1000";
  f[8] = "1100";
  for (const auto& [no, value] : changes) f[static_cast<std::size_t>(no - 1)] = value;
  return f;
}

/// Records as a UTF-8 CSV file (no neutralising: this is what the sender wrote).
inline std::string utf8File(const std::vector<std::vector<std::string>>& records) {
  std::string out;
  for (const auto& r : records) out += csv::formatRow(r, false);
  return out;
}

/// Records as the CP932 bytes of a file.
inline std::string cp932File(const std::vector<std::vector<std::string>>& records) {
  return mapping::text::encode(utf8File(records), mapping::text::Charset::Cp932,
                               mapping::text::OnUnmappable::Fail)
      .bytes;
}

/// The standard set: UPHOSOKU + UP1KYO as one LocalInput.
inline LocalInput standardSet(const Fields& hosoku = {}, const Fields& plan1 = {}) {
  LocalInput in;
  in.name = kHosokuName;
  in.bytes = cp932File({hosokuRecord(hosoku)});
  in.extraFiles.push_back(LocalFile{kPlan1Name, cp932File({plan1Record(plan1)})});
  return in;
}

/// The first refusal of decoding `input`, as an operator reads it, or "decoded".
inline std::string refusal(const LocalInput& input) {
  try {
    CareplanCsvAdapter().decode(input);
  } catch (const AdapterError& e) {
    return e.what();
  }
  return "decoded";
}

}  // namespace tsunagi::adapters::testing
