#pragma once
// Admission LiaisonSheet → FHIR JP document Bundle (see fhir_jp_adapter.hpp). Internal to the
// adapter: encoder.cpp builds the resources, encoder_narrative.cpp the section texts for the
// items FHIR has no structured place for.

#include <string>
#include <string_view>

#include "adapters/adapter.hpp"

namespace tsunagi::adapters::fhir_jp {

/// Throws AdapterError for a discharge sheet (hospitals send those, they do not receive them)
/// or a sheet that does not pass mapping::validate.
Encoded encodeSheet(const mapping::LiaisonSheet& sheet);

namespace detail {

/// Section texts of the sheet's items without a structured FHIR element. Empty = no section.
struct Narratives {
  std::string physical;  ///< 610 心身の状況: 自立度, ADL, 食事, 排泄, 麻痺, 褥瘡, 医療処置
  std::string social;  ///< 640 生活歴・住環境・家族・入院前のサービス
  std::string remarks;  ///< 220 介護保険, 意向, 同行希望, 同封書類, 退院予定日, 備考
  std::string advanceCarePlanning;  ///< 410 事前指示
};

/// Renders the narratives and records an Approximated loss per item group rendered as text.
Narratives renderNarratives(const mapping::LiaisonSheet& sheet, LossReport& losses);

/// The Japanese label of `code` in code table `table` (e.g. adl-level 2 → 見守り), or the code.
std::string codeLabel(std::string_view table, const std::string& code);

}  // namespace detail

}  // namespace tsunagi::adapters::fhir_jp
