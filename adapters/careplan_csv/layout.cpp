#include "adapters/careplan_csv/layout.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "mapping/date.hpp"

namespace tsunagi::adapters::careplan_csv {

namespace {

constexpr std::array<Field, 63> kHosoku{{
    {1, "CSVバージョン", 6},
    {2, "保険者番号", 6},
    {3, "被保険者番号", 10},
    {4, "居宅サービス計画作成（変更）日", 8},
    {5, "利用者氏名フリガナ", 0},
    {6, "利用者氏名", 0},
    {7, "利用者性別", 1},
    {8, "利用者生年月日", 8},
    {9, "利用者郵便番号", 8},
    {10, "利用者住所１", 0},
    {11, "利用者住所２", 0},
    {12, "利用者電話番号", 15},
    {13, "認定日", 8},
    {14, "限度額適用開始年月日", 8},
    {15, "限度額適用終了年月日", 8},
    {16, "認定状況区分", 1},
    {17, "要介護状態変更日", 8},
    {18, "要介護状態区分", 2},
    {19, "区分支給限度基準額", 7},
    {20, "１サービス種類コード", 2},
    {21, "１支給限度基準額", 7},
    {22, "１合計単位数", 7},
    {23, "１限度超単位数", 7},
    {24, "２サービス種類コード", 2},
    {25, "２支給限度基準額", 7},
    {26, "２合計単位数", 7},
    {27, "２限度超単位数", 7},
    {28, "３サービス種類コード", 2},
    {29, "３支給限度基準額", 7},
    {30, "３合計単位数", 7},
    {31, "３限度超単位数", 7},
    {32, "４サービス種類コード", 2},
    {33, "４支給限度基準額", 7},
    {34, "４合計単位数", 7},
    {35, "４限度超単位数", 7},
    {36, "５サービス種類コード", 2},
    {37, "５支給限度基準額", 7},
    {38, "５合計単位数", 7},
    {39, "５限度超単位数", 7},
    {40, "６サービス種類コード", 2},
    {41, "６支給限度基準額", 7},
    {42, "６合計単位数", 7},
    {43, "６限度超単位数", 7},
    {44, "７サービス種類コード", 2},
    {45, "７支給限度基準額", 7},
    {46, "７合計単位数", 7},
    {47, "７限度超単位数", 7},
    {48, "８サービス種類コード", 2},
    {49, "８支給限度基準額", 7},
    {50, "８合計単位数", 7},
    {51, "８限度超単位数", 7},
    {52, "９サービス種類コード", 2},
    {53, "９支給限度基準額", 7},
    {54, "９合計単位数", 7},
    {55, "９限度超単位数", 7},
    {56, "合計限度超単位数", 7},
    {57, "入所前月迄利用日数", 5},
    {58, "入所累積利用日数", 5},
    {59, "前回要介護状態区分", 2},
    {60, "同意書受付業者", 10},
    {61, "更新業者コード", 10},
    {62, "識別子", 1},
    {63, "対象年月", 6},
}};

constexpr std::array<Field, 28> kPlan1{{
    {1, "CSVバージョン", 6},
    {2, "保険者番号", 6},
    {3, "被保険者番号", 10},
    {4, "作成年月日", 8},
    {5, "利用者郵便番号", 8},
    {6, "利用者住所１", 0},
    {7, "利用者住所２", 0},
    {8, "居宅サービス計画作成者", 0},
    {9, "介護支援事業者名", 0},
    {10, "介護支援事業者郵便番号", 8},
    {11, "介護支援事業者住所１", 0},
    {12, "介護支援事業者住所２", 0},
    {13, "介護支援事業者コード", 10},
    {14, "居宅サービス計画作成（変更）日", 8},
    {15, "初回居宅サービス計画作成日", 8},
    {16, "計画書区分", 2},
    {17, "認定状況区分", 1},
    {18, "認定日", 8},
    {19, "認定有効期間開始日", 8},
    {20, "認定有効期間終了日", 8},
    {21, "要介護状態区分", 2},
    {22, "利用者及び家族の生活に対する意向を踏まえた課題分析の結果", 0},
    {23, "介護認定審査会の意見及びサービスの種類の指定", 0},
    {24, "総合的な援助の方針", 0},
    {25, "生活援助中心型の算定理由", 1},
    {26, "その他理由", 0},
    {27, "更新業者コード", 10},
    {28, "識別子", 1},
}};

constexpr std::array<Field, 22> kPlan2{{
    {1, "CSVバージョン", 6},
    {2, "保険者番号", 6},
    {3, "被保険者番号", 10},
    {4, "居宅計画書作成年月日", 8},
    {5, "居宅サービス計画作成（変更）日", 8},
    {6, "課題ＮＯ", 2},
    {7, "課題", 0},
    {8, "援助目標ＮＯ", 2},
    {9, "長期目標", 0},
    {10, "短期目標", 0},
    {11, "長期期間", 0},
    {12, "短期期間", 0},
    {13, "援助内容ＮＯ", 2},
    {14, "サービス内容", 0},
    {15, "保険対象区分", 1},
    {16, "サービス種別", 0},
    {17, "サービス事業者コード", 10},
    {18, "サービス事業所名", 0},
    {19, "頻度", 0},
    {20, "実施期間", 0},
    {21, "更新業者コード", 10},
    {22, "識別子", 1},
}};

constexpr std::array<Field, 13> kPlan3{{
    {1, "CSVバージョン", 6},
    {2, "保険者番号", 6},
    {3, "被保険者番号", 10},
    {4, "週間サービス計画表作成年月日", 8},
    {5, "居宅サービス計画作成（変更）日", 8},
    {6, "介護サービス内容", 0},
    {7, "曜日", 1},
    {8, "開始時間", 4},
    {9, "終了時間", 4},
    {10, "主な日常生活上の活動", 0},
    {11, "開始時間", 4},
    {12, "終了時間", 4},
    {13, "週単位以外のサービス", 0},
}};

bool allDigits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

int number(std::string_view digits) {
  int n = 0;
  for (const char c : digits) n = n * 10 + (c - '0');
  return n;
}

}  // namespace

std::span<const Field> layoutOf(FileType type) {
  switch (type) {
    case FileType::Hosoku:
      return kHosoku;
    case FileType::Plan1:
      return kPlan1;
    case FileType::Plan2:
      return kPlan2;
    case FileType::Plan3:
      return kPlan3;
  }
  return {};
}

std::string_view prefixOf(FileType type) {
  switch (type) {
    case FileType::Hosoku:
      return "UPHOSOKU";
    case FileType::Plan1:
      return "UP1KYO";
    case FileType::Plan2:
      return "UP2KYO";
    case FileType::Plan3:
      return "UP3KYO";
  }
  return "";
}

FileName parseFileName(std::string_view full) {
  std::string_view name = full;
  if (const auto slash = name.find_last_of("/\\"); slash != std::string_view::npos) {
    name.remove_prefix(slash + 1);
  }
  const std::string quoted = "'" + std::string(name) + "'";
  auto fail = [&](const std::string& part, const std::string& why) -> void {
    throw AdapterError(0, "file name" + (part.empty() ? std::string() : " " + part),
                       quoted + ": " + why);
  };
  const std::string form =
      "PREFIX[_YYYYMM]_送信元事業所番号(10)_送信元サービス種類(2)_送信先事業所番号(10)_"
      "送信先サービス種類(2)_YYYYMMDDHHMMSS.CSV";
  if (name.size() < 4 ||
      (name.substr(name.size() - 4) != ".CSV" && name.substr(name.size() - 4) != ".csv")) {
    fail("extension", "a ケアプランデータ連携 file name ends in .CSV: " + form);
  }
  name.remove_suffix(4);
  std::vector<std::string_view> parts;
  for (std::size_t start = 0;;) {
    const std::size_t sep = name.find('_', start);
    parts.push_back(name.substr(start, sep == std::string_view::npos ? sep : sep - start));
    if (sep == std::string_view::npos) break;
    start = sep + 1;
  }
  FileName out;
  const std::string_view prefix = parts.front();
  if (prefix == "UPHOSOKU") {
    out.type = FileType::Hosoku;
  } else if (prefix == "UP1KYO") {
    out.type = FileType::Plan1;
  } else if (prefix == "UP2KYO") {
    out.type = FileType::Plan2;
  } else if (prefix == "UP3KYO") {
    out.type = FileType::Plan3;
  } else {
    static constexpr std::pair<std::string_view, std::string_view> kOthers[] = {
        {"UPPLAN", "第6表 サービス利用票（予定）"},
        {"UPJSK", "第6表 実績情報"},
        {"UPSIKYU", "第7表 サービス利用票別表"},
        {"DLT1KYO", "居宅サービス計画1表の削除"},
        {"DLTPLAN", "第6表 予定の削除"},
        {"DLTJSK", "実績情報の削除"},
        {"UPKIHON", "利用者基本情報（介護予防）"},
        {"UPYOBO", "介護予防サービス・支援計画書"},
    };
    for (const auto& [other, what] : kOthers) {
      if (prefix == other) {
        fail("prefix", std::string(other) + " (" + std::string(what) +
                           ") is not supported by this adapter: careplan_csv reads UPHOSOKU, "
                           "UP1KYO, UP2KYO and UP3KYO");
      }
    }
    fail("prefix", "unknown prefix: expected UPHOSOKU, UP1KYO, UP2KYO or UP3KYO (" + form + ")");
  }
  const bool hasMonth = out.type == FileType::Hosoku;
  const std::size_t expected = hasMonth ? 7 : 6;
  if (parts.size() != expected) {
    fail("", "has " + std::to_string(parts.size()) + " parts separated by '_', " +
                 std::string(prefixOf(out.type)) + " file names have " + std::to_string(expected) +
                 ": " + form);
  }
  std::size_t i = 1;
  if (hasMonth) {
    const std::string_view month = parts[i++];
    const bool ok =
        month.size() == 6 && allDigits(month) &&
        (month == "000000" || (number(month.substr(4)) >= 1 && number(month.substr(4)) <= 12 &&
                               number(month.substr(0, 4)) >= 2000));
    if (!ok) {
      fail("提供年月", "'" + std::string(month) + "' must be YYYYMM or 000000 (第1・2表)");
    }
    out.providedMonth = std::string(month);
  }
  auto office = [&](const char* part) {
    const std::string_view v = parts[i++];
    if (v.size() != 10 || !allDigits(v)) {
      fail(part, "'" + std::string(v) + "' must be a 10-digit 事業所番号");
    }
    return std::string(v);
  };
  auto service = [&](const char* part) {
    const std::string_view v = parts[i++];
    const bool ok = v.size() == 2 && std::all_of(v.begin(), v.end(), [](char c) {
                      return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z');
                    });
    if (!ok) {
      fail(part,
           "'" + std::string(v) + "' must be a 2-character サービス種類コード (43, 2A, A1 …)");
    }
    return std::string(v);
  };
  out.senderOffice = office("送信元事業所番号");
  out.senderService = service("送信元サービス種類");
  out.receiverOffice = office("送信先事業所番号");
  out.receiverService = service("送信先サービス種類");
  const std::string_view ts = parts[i];
  bool ok = ts.size() == 14 && allDigits(ts);
  if (ok) {
    const mapping::Date date{number(ts.substr(0, 4)), number(ts.substr(4, 2)),
                             number(ts.substr(6, 2))};
    ok = date.isValid() && number(ts.substr(8, 2)) < 24 && number(ts.substr(10, 2)) < 60 &&
         number(ts.substr(12, 2)) < 60;
  }
  if (!ok) {
    fail("timestamp", "'" + std::string(ts) + "' must be a real date and time YYYYMMDDHHMMSS");
  }
  out.timestamp = std::string(ts);
  return out;
}

std::string formatFileName(const FileName& n) {
  std::string out(prefixOf(n.type));
  if (n.type == FileType::Hosoku) out += "_" + n.providedMonth;
  out += "_" + n.senderOffice + "_" + n.senderService + "_" + n.receiverOffice + "_" +
         n.receiverService + "_" + n.timestamp + ".CSV";
  return out;
}

}  // namespace tsunagi::adapters::careplan_csv
