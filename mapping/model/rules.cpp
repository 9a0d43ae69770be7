#include "mapping/model/rules.hpp"

#include <algorithm>
#include <set>

#include "mapping/codes.hpp"
#include "mapping/digest.hpp"
#include "mapping/identifiers.hpp"
#include "mapping/model/binding.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::mapping {

namespace {

class Checker {
 public:
  explicit Checker(std::string root) : root_(std::move(root)) {}

  void fail(const std::string& path, std::string message) {
    issues_.push_back(
        Issue{.line = 0, .path = root_ + path, .message = std::move(message), .code = "rule"});
  }

  /// `later` must not be before `earlier`.
  void ordered(const std::optional<Date>& earlier, const char* earlierName,
               const std::optional<Date>& later, const std::string& laterPath,
               const char* laterName) {
    if (earlier && later && *later < *earlier) {
      fail(laterPath, std::string(laterName) + " " + later->iso() + " is before " + earlierName +
                          " " + earlier->iso());
    }
  }

  void identifier(const std::string& path, const std::optional<std::string>& value,
                  std::optional<std::string> (*check)(std::string_view)) {
    if (!value) return;
    if (auto problem = check(*value)) fail(path, "'" + *value + "' " + *problem);
  }

  template <class Document>
  void codes(Document& document) {
    const CodeTables& tables = CodeTables::shipped();
    auto onCode = [&](const std::string& path, const std::string& value, const char* table) {
      if (auto problem = tables.check(table, value)) fail(path, *problem);
    };
    binding::CodeWalker<decltype(onCode)> walker("", onCode);
    describe(walker, document);
  }

  std::vector<Issue> take() { return std::move(issues_); }

 private:
  std::string root_;
  std::vector<Issue> issues_;
};

// Full-width katakana, the prolonged sound mark, the middle dot and spaces: how カナ names are
// written in the canonical sheet (adapters fold half-width カナ before they get here).
void checkKana(Checker& c, const std::string& path, const std::string& value) {
  std::u32string cps;
  try {
    cps = text::decodeUtf8(value);
  } catch (const text::TextError& e) {
    c.fail(path, e.what());
    return;
  }
  for (std::size_t i = 0; i < cps.size(); ++i) {
    const char32_t cp = cps[i];
    const bool ok = (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC || cp == 0x30FB ||
                    cp == 0x3000 || cp == 0x20;
    if (!ok) {
      c.fail(path, "must be written in full-width katakana; character " + std::to_string(i + 1) +
                       " is " + text::codePointLabel(cp) + " '" + text::encodeUtf8(cp) + "'");
      return;
    }
  }
}

bool contentMatchesMediaType(const std::string& data, const std::string& mediaType) {
  auto startsWith = [&](std::string_view magic) {
    return data.size() >= magic.size() && std::string_view(data).substr(0, magic.size()) == magic;
  };
  if (mediaType == "application/pdf") return startsWith("%PDF-");
  if (mediaType == "image/jpeg") return startsWith("\xFF\xD8\xFF");
  if (mediaType == "image/png") return startsWith("\x89PNG\r\n\x1A\n");
  return false;
}

void checkAttachments(Checker& c, const std::vector<Attachment>& attachments) {
  for (std::size_t i = 0; i < attachments.size(); ++i) {
    const Attachment& a = attachments[i];
    const std::string path =
        "/attachment" + (attachments.size() > 1 ? "[" + std::to_string(i + 1) + "]" : "");
    if (!a.content) continue;  // referenced only: the digest and size are what we can record
    auto data = base64Decode(*a.content);
    if (!data) {
      c.fail(path + "/content", "is not valid base64");
      continue;
    }
    if (data->size() != static_cast<std::size_t>(a.size)) {
      c.fail(path + "/size", "says " + std::to_string(a.size) + " bytes but the content has " +
                                 std::to_string(data->size()));
    }
    if (sha256Hex(*data) != a.sha256) {
      c.fail(path + "/sha256", "does not match the SHA-256 of the content");
    }
    if (!contentMatchesMediaType(*data, a.mediaType)) {
      c.fail(path + "/mediaType", "the content is not a " + a.mediaType + " file");
    }
  }
}

}  // namespace

std::vector<Issue> checkRules(const LiaisonSheet& sheet) {
  Checker c("/LiaisonSheet");
  auto& s = const_cast<LiaisonSheet&>(sheet);  // the code walker shares the mutable descriptions
  c.codes(s);

  const auto& d = sheet.dates;
  const std::optional<Date> birth = sheet.patient.birthDate;
  c.ordered(birth, "the birth date", d.recordedOn, "/dates/recordedOn", "記入日 recordedOn");
  c.ordered(birth, "the birth date", d.admittedOn, "/dates/admittedOn", "入院日 admittedOn");
  c.ordered(d.admittedOn, "入院日 admittedOn", d.plannedDischargeOn, "/dates/plannedDischargeOn",
            "退院予定日 plannedDischargeOn");
  c.ordered(d.recordedOn, "記入日 recordedOn", d.providedOn, "/dates/providedOn",
            "情報提供日 providedOn");
  if (sheet.insurance && sheet.insurance->certificationPeriod) {
    const auto& p = *sheet.insurance->certificationPeriod;
    c.ordered(p.from, "its start", p.to, "/insurance/certificationPeriod/to",
              "the end of the certification period");
  }
  for (std::size_t i = 0; i < sheet.diagnoses.size(); ++i) {
    const std::string path =
        "/diagnosis" + (sheet.diagnoses.size() > 1 ? "[" + std::to_string(i + 1) + "]" : "") +
        "/onsetDate";
    c.ordered(birth, "the birth date", sheet.diagnoses[i].onsetDate, path, "the onset date");
    c.ordered(sheet.diagnoses[i].onsetDate, "the onset date", d.recordedOn, path,
              "記入日 recordedOn");
  }

  checkKana(c, "/patient/nameKana", sheet.patient.nameKana);
  c.identifier("/patient/municipalityCode", sheet.patient.municipalityCode, checkMunicipalityCode);

  if (sheet.insurance) {
    const Insurance& ins = *sheet.insurance;
    // 認定済 means a decided 要介護状態区分 and its period; 申請中 may not have them yet.
    if (ins.certificationStatus == "2") {
      if (!ins.careLevel) {
        c.fail("/insurance/careLevel", "is required when 認定状況 is 2 (認定済)");
      }
      if (!ins.certificationPeriod) {
        c.fail("/insurance/certificationPeriod", "is required when 認定状況 is 2 (認定済)");
      }
    }
  }

  if (sheet.kind == SheetKind::Admission && sheet.discharge) {
    c.fail("/discharge", "an admission sheet (kind=\"admission\") cannot carry discharge details");
  }
  if (sheet.kind == SheetKind::Discharge && sheet.admission) {
    c.fail("/admission", "a discharge sheet (kind=\"discharge\") cannot carry admission details");
  }
  if (sheet.kind == SheetKind::Discharge && !d.admittedOn) {
    c.fail("/dates/admittedOn", "is required on a discharge sheet");
  }
  if (sheet.discharge && sheet.discharge->interview) {
    c.ordered(d.admittedOn, "入院日 admittedOn", sheet.discharge->interview->on,
              "/discharge/interview/on", "the interview date");
  }

  std::set<std::string> procedures;
  for (std::size_t i = 0; i < sheet.medicalProcedures.size(); ++i) {
    if (!procedures.insert(sheet.medicalProcedures[i].code).second) {
      c.fail("/medicalProcedure[" + std::to_string(i + 1) + "]/code",
             "医療処置 '" + sheet.medicalProcedures[i].code + "' is listed twice");
    }
  }
  if (sheet.admission) {
    std::set<std::string> tables;
    const auto& enclosed = sheet.admission->enclosedCarePlanTables;
    for (std::size_t i = 0; i < enclosed.size(); ++i) {
      if (!tables.insert(enclosed[i]).second) {
        c.fail("/admission/enclosedCarePlanTable[" + std::to_string(i + 1) + "]",
               "居宅サービス計画 第" + enclosed[i] + "表 is listed twice");
      }
    }
  }
  checkAttachments(c, sheet.attachments);
  return c.take();
}

std::vector<Issue> checkRules(const CaseUpdate& update) {
  Checker c("/CaseUpdate");
  c.codes(const_cast<CaseUpdate&>(update));
  if (!update.text && !update.vitals && !update.medicationStatus && !update.adlChange &&
      update.attachments.empty()) {
    c.fail("", "an update must carry text, vitals, a medication status, an ADL change or an "
               "attachment");
  }
  if (update.vitals) {
    const Vitals& v = *update.vitals;
    if (!v.systolic && !v.diastolic && !v.pulse && !v.spo2 && !v.temperature && !v.weight &&
        !v.foodIntakePercent && !v.fluidIntakeMl) {
      c.fail("/vitals", "carries no measurement");
    }
    if (v.systolic.has_value() != v.diastolic.has_value()) {
      c.fail("/vitals", "blood pressure needs both systolic and diastolic values");
    } else if (v.systolic && *v.diastolic >= *v.systolic) {
      c.fail("/vitals/diastolic", "diastolic " + std::to_string(*v.diastolic) +
                                      " must be lower than systolic " + std::to_string(*v.systolic));
    }
  }
  checkAttachments(c, update.attachments);
  return c.take();
}

std::vector<Issue> checkRules(const CaseMembership& membership) {
  Checker c("/CaseMembership");
  c.codes(const_cast<CaseMembership&>(membership));
  c.identifier("/caseId", membership.caseId, checkCaseId);
  c.identifier("/by/node", membership.by.node, checkMunicipalityCode);
  for (std::size_t i = 0; i < membership.participants.size(); ++i) {
    c.identifier("/participant" + (membership.participants.size() > 1
                                       ? "[" + std::to_string(i + 1) + "]"
                                       : std::string()) +
                     "/node",
                 membership.participants[i].node, checkMunicipalityCode);
  }
  switch (membership.action) {
    case MembershipAction::Open:
      if (!membership.patient) c.fail("/patient", "is required to open a case");
      if (membership.participants.empty()) {
        c.fail("/participant", "opening a case needs at least one participant");
      }
      break;
    case MembershipAction::AddParticipant:
    case MembershipAction::RemoveParticipant:
      if (membership.participants.empty()) {
        c.fail("/participant", "name at least one participant to add or remove");
      }
      break;
    case MembershipAction::Close:
      if (!membership.participants.empty()) {
        c.fail("/participant", "closing a case removes everyone; list no participants");
      }
      break;
  }
  if (membership.patient) checkKana(c, "/patient/nameKana", membership.patient->nameKana);
  return c.take();
}

}  // namespace tsunagi::mapping
