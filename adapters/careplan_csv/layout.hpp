#pragma once
// The field layouts of the ケアプランデータ連携 CSV files this adapter reads (別紙「CSVファイル
// レイアウト定義書」, v4.1): number, Japanese name and 項目長 (0 = free text, no fixed length).
// Internal to adapters/careplan_csv.

#include <cstddef>
#include <span>

#include "adapters/careplan_csv/careplan_csv_adapter.hpp"

namespace tsunagi::adapters::careplan_csv {

struct Field {
  int no;
  const char* ja;
  std::size_t length;  ///< characters; 0 = free text
};

/// The layout of `type`, field 1 first.
std::span<const Field> layoutOf(FileType type);

// Field numbers used by name (1-based, as in the layout).
namespace hosoku {
inline constexpr int kVersion = 1, kInsurer = 2, kInsured = 3, kPlanDate = 4, kKana = 5, kName = 6,
                     kSex = 7, kBirth = 8, kPostal = 9, kAddress1 = 10, kAddress2 = 11, kPhone = 12,
                     kCertifiedOn = 13, kStatus = 16, kCareLevel = 18, kUpdaterCode = 61,
                     kIdentifier = 62, kTargetMonth = 63, kCount = 63;
}
namespace plan1 {
inline constexpr int kVersion = 1, kInsurer = 2, kInsured = 3, kCreatedOn = 4, kPostal = 5,
                     kAddress1 = 6, kAddress2 = 7, kAuthor = 8, kOffice = 9, kOfficePostal = 10,
                     kOfficeAddress1 = 11, kOfficeAddress2 = 12, kOfficeCode = 13, kPlanDate = 14,
                     kFirstPlanDate = 15, kPlanType = 16, kStatus = 17, kCertifiedOn = 18,
                     kPeriodFrom = 19, kPeriodTo = 20, kCareLevel = 21, kAssessment = 22,
                     kBoardOpinion = 23, kPolicy = 24, kLivingSupportReason = 25, kOtherReason = 26,
                     kUpdaterCode = 27, kIdentifier = 28, kCount = 28;
}
namespace plan2 {
inline constexpr int kPlanDate = 5, kServiceKind = 16, kProviderName = 18, kFrequency = 19,
                     kUpdaterCode = 21, kIdentifier = 22, kCount = 22;
}
namespace plan3 {
inline constexpr int kPlanDate = 5, kCount = 13;
}

}  // namespace tsunagi::adapters::careplan_csv
