#pragma once
// Japanese public identifiers (DOMAIN.md §4): format and check-digit rules.
// Each check returns nullopt when the value is good, or a short English reason when it is not.

#include <optional>
#include <string>
#include <string_view>

namespace tsunagi::mapping {

/// The check digit of a 5-digit 団体コード body: weights 6,5,4,3,2; (11 − S mod 11) mod 10.
/// Precondition: `body` is exactly five ASCII digits.
int municipalityCheckDigit(std::string_view body);

/// 全国地方公共団体コード: six digits, the last one the check digit of the first five.
std::optional<std::string> checkMunicipalityCode(std::string_view code);

/// 介護保険 保険者番号: six digits (eight in billing files: two leading zeros are accepted).
std::optional<std::string> checkInsurerNumber(std::string_view number);

/// 被保険者番号: ten characters, digits, or 'H' followed by nine digits (生活保護 only).
std::optional<std::string> checkInsuredNumber(std::string_view number);

/// 介護保険事業所番号 and 医療機関コード: ten digits.
std::optional<std::string> checkTenDigitCode(std::string_view code);

/// A reference (a consent's, the envelope's consentReference): the schema's Reference type,
/// [A-Za-z0-9][A-Za-z0-9._:-]{0,63} (mapping/schema/exchange-1.xsd, common-1.xsd).
std::optional<std::string> checkReference(std::string_view reference);

/// A case id names the node that opened it, which owns the case: "case-", that node's 6-digit
/// code, "-" and at least one more character (e.g. case-122173-2024-0101). The owner's code, or
/// nullopt when `caseId` does not have this form (the code's check digit is not looked at).
std::optional<std::string> caseIdOwner(std::string_view caseId);

/// A case id that names its node: the form above, with a check-digit-correct code.
std::optional<std::string> checkCaseId(std::string_view caseId);

}  // namespace tsunagi::mapping
