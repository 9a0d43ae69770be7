#include "mapping/identifiers.hpp"

#include <algorithm>

namespace tsunagi::mapping {

namespace {
bool allDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}
}  // namespace

int municipalityCheckDigit(std::string_view body) {
  static constexpr int kWeights[5] = {6, 5, 4, 3, 2};
  int sum = 0;
  for (std::size_t i = 0; i < 5; ++i) sum += (body[i] - '0') * kWeights[i];
  return (11 - sum % 11) % 10;
}

std::optional<std::string> checkMunicipalityCode(std::string_view code) {
  if (code.size() != 6 || !allDigits(code)) return "must be 6 digits";
  const int expected = municipalityCheckDigit(code.substr(0, 5));
  if (code[5] - '0' != expected) {
    return "check digit is " + std::string(1, code[5]) + ", expected " + std::to_string(expected);
  }
  return std::nullopt;
}

std::optional<std::string> checkInsurerNumber(std::string_view number) {
  if (number.size() == 8 && number.substr(0, 2) == "00") number.remove_prefix(2);
  if (number.size() != 6 || !allDigits(number)) return "must be 6 digits";
  return std::nullopt;
}

std::optional<std::string> checkInsuredNumber(std::string_view number) {
  if (number.size() != 10) return "must be 10 characters";
  if (number[0] == 'H' ? allDigits(number.substr(1)) : allDigits(number)) return std::nullopt;
  return "must be 10 digits, or H and 9 digits";
}

std::optional<std::string> checkTenDigitCode(std::string_view code) {
  if (code.size() != 10 || !allDigits(code)) return "must be 10 digits";
  return std::nullopt;
}

std::optional<std::string> checkReference(std::string_view reference) {
  const auto plain = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  };
  if (reference.empty() || reference.size() > 64) return "must be 1 to 64 characters";
  if (!plain(reference[0])) return "must start with a letter or digit";
  for (char c : reference.substr(1)) {
    if (!plain(c) && c != '.' && c != '_' && c != ':' && c != '-') {
      return "may hold only letters, digits and . _ : -";
    }
  }
  return std::nullopt;
}

std::optional<std::string> caseIdOwner(std::string_view caseId) {
  constexpr std::string_view kPrefix = "case-";
  if (caseId.size() < kPrefix.size() + 8 || caseId.substr(0, kPrefix.size()) != kPrefix) {
    return std::nullopt;
  }
  const std::string_view code = caseId.substr(kPrefix.size(), 6);
  if (!allDigits(code) || caseId[kPrefix.size() + 6] != '-') return std::nullopt;
  return std::string(code);
}

std::optional<std::string> checkCaseId(std::string_view caseId) {
  const auto owner = caseIdOwner(caseId);
  if (!owner) {
    return "does not name the node that opened the case: case ids are case-NNNNNN-… with the "
           "opening node's 6-digit code";
  }
  if (auto problem = checkMunicipalityCode(*owner)) return "names node " + *owner + ": " + *problem;
  return std::nullopt;
}

}  // namespace tsunagi::mapping
