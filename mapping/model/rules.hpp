#pragma once
// Business rules the XSD cannot express (dates in order, check digits, kind-specific sections,
// attachment digests, …) and the code-table checks. Each issue names the field path.

#include <vector>

#include "mapping/model/case_membership.hpp"
#include "mapping/model/case_update.hpp"
#include "mapping/model/liaison_sheet.hpp"
#include "mapping/xml/issue.hpp"

namespace tsunagi::mapping {

std::vector<Issue> checkRules(const LiaisonSheet& sheet);
std::vector<Issue> checkRules(const CaseUpdate& update);
std::vector<Issue> checkRules(const CaseMembership& membership);

}  // namespace tsunagi::mapping
