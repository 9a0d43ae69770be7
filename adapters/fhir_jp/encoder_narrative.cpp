// The liaison sheet's items without a structured FHIR element, rendered as section narrative
// with their Japanese item names and code labels (what a hospital's 地域連携室 reads).

#include "adapters/fhir_jp/encoder.hpp"
#include "mapping/codes.hpp"

namespace tsunagi::adapters::fhir_jp::detail {

namespace {

using mapping::LiaisonSheet;

class Lines {
 public:
  void add(const std::string& item, const std::optional<std::string>& value) {
    if (value && !value->empty()) text_ += (text_.empty() ? "" : "\n") + item + "：" + *value;
  }
  void addCode(const std::string& item, std::string_view table,
               const std::optional<std::string>& code) {
    if (code) add(item, codeLabel(table, *code));
  }
  void addFlag(const std::string& item, const std::optional<bool>& value, const char* yes,
               const char* no) {
    if (value) add(item, std::string(*value ? yes : no));
  }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

void rendered(LossReport& losses, const std::string& path, const std::string& section) {
  losses.add(Loss::Kind::Approximated, path, "rendered as narrative in section " + section);
}

std::string physical(const LiaisonSheet& s, LossReport& losses) {
  Lines l;
  const std::string where = "610 心身の状況";
  if (s.independence) {
    l.addCode("障害高齢者の日常生活自立度", "disability-independence", s.independence->disability);
    l.addCode("認知症高齢者の日常生活自立度", "dementia-independence", s.independence->dementia);
    rendered(losses, "/LiaisonSheet/independence", where);
  }
  if (s.adl) {
    const auto& a = *s.adl;
    const std::pair<const char*, const std::optional<std::string>*> items[] = {
        {"移動", &a.mobility},  {"移乗", &a.transfer},   {"更衣", &a.dressing},
        {"整容", &a.grooming},  {"入浴", &a.bathing},    {"食事", &a.eating},
        {"排尿", &a.urination}, {"排便", &a.defecation}, {"起居動作", &a.risingAndSitting}};
    std::string adl;
    for (const auto& [name, value] : items) {
      if (*value)
        adl +=
            (adl.empty() ? "" : "、") + std::string(name) + " " + codeLabel("adl-level", **value);
    }
    l.add("ADL", adl);
    l.addCode("移動手段", "mobility-aid", a.mobilityAid);
    rendered(losses, "/LiaisonSheet/adl", where);
  }
  if (s.nutrition) {
    const auto& n = *s.nutrition;
    l.add("食事回数", n.mealsPerDay ? std::optional(*n.mealsPerDay + "回/日") : std::nullopt);
    l.addCode("食事形態", "meal-form", n.mealForm);
    l.addCode("摂取方法", "intake-method", n.intakeMethod);
    l.addFlag("水分とろみ", n.thickenedFluids, "あり", "なし");
    l.addCode("食事制限", "restriction", n.dietRestriction);
    l.add("食事制限の内容", n.dietRestrictionNote);
    l.addCode("嚥下機能", "swallowing", n.swallowing);
    l.addCode("義歯", "denture", n.denture);
    l.addCode("口腔清潔", "oral-hygiene", n.oralHygiene);
    rendered(losses, "/LiaisonSheet/nutrition", where);
  }
  if (s.elimination) {
    l.addCode("ポータブルトイレ", "portable-toilet", s.elimination->portableToilet);
    l.add("排泄の備考", s.elimination->note);
    rendered(losses, "/LiaisonSheet/elimination", where);
  }
  if (s.paralysis) {
    l.addCode("麻痺", "paralysis", s.paralysis);
    rendered(losses, "/LiaisonSheet/paralysis", where);
  }
  if (s.pressureUlcer) {
    l.add("褥瘡", std::string(s.pressureUlcer->present ? "あり" : "なし") +
                      (s.pressureUlcer->note ? "（" + *s.pressureUlcer->note + "）" : ""));
    rendered(losses, "/LiaisonSheet/pressureUlcer", where);
  }
  if (!s.medicalProcedures.empty()) {
    std::string procedures;
    for (const auto& p : s.medicalProcedures) {
      procedures += (procedures.empty() ? "" : "、") + codeLabel("medical-procedure", p.code) +
                    (p.note ? "（" + *p.note + "）" : "");
    }
    l.add("医療処置", procedures);
    rendered(losses, "/LiaisonSheet/medicalProcedure", where);
  }
  return l.text();
}

std::string social(const LiaisonSheet& s, LossReport& losses) {
  Lines l;
  const std::string where = "640 生活歴・住環境・家族";
  if (s.admission) {
    const auto& a = *s.admission;
    l.add("本人の生活歴", a.lifeHistory);
    l.add("住環境", a.livingEnvironment);
    l.add("睡眠", a.sleep);
    l.add("コミュニケーション", a.communication);
    l.add("精神症状", a.mentalSymptoms);
  }
  if (s.family) {
    l.add("家族構成", s.family->structure);
    l.addFlag("独居", s.family->livesAlone, "はい", "いいえ");
    if (s.family->keyPerson) {
      const auto& k = *s.family->keyPerson;
      l.add("キーパーソン",
            k.name + "（" + k.relationship + "）" + (k.phone ? " 電話 " + *k.phone : ""));
    }
    rendered(losses, "/LiaisonSheet/family", where);
  }
  if (!s.servicesBeforeAdmission.empty()) {
    std::string services;
    for (const auto& u : s.servicesBeforeAdmission) {
      services += (services.empty() ? "" : "、") + u.name +
                  (u.provider ? "（" + *u.provider + "）" : "") +
                  (u.frequency ? " " + *u.frequency : "");
    }
    l.add("入院前に利用していたサービス", services);
    rendered(losses, "/LiaisonSheet/serviceBeforeAdmission", where);
  }
  return l.text();
}

std::string remarks(const LiaisonSheet& s, LossReport& losses) {
  Lines l;
  const std::string where = "220 備考・連絡情報";
  if (s.insurance) {
    const auto& i = *s.insurance;
    l.add("保険者番号", i.insurerNumber);
    l.add("被保険者番号", i.insuredNumber);
    l.addCode("要介護状態区分", "care-level", i.careLevel);
    l.addCode("認定状況", "certification-status", i.certificationStatus);
    if (i.certificationPeriod) {
      l.add("認定有効期間",
            i.certificationPeriod->from.iso() + "〜" + i.certificationPeriod->to.iso());
    }
    l.addCode("利用者負担割合", "burden-ratio", i.burdenRatio);
    rendered(losses, "/LiaisonSheet/insurance", where);
  }
  if (s.dates.plannedDischargeOn) {
    l.add("退院予定日", s.dates.plannedDischargeOn->iso());
    rendered(losses, "/LiaisonSheet/dates/plannedDischargeOn", where);
  }
  if (s.medication && (s.medication->manager || s.medication->status)) {
    l.addCode("服薬管理者", "medication-manager", s.medication->manager);
    l.addCode("服薬状況", "medication-status", s.medication->status);
    rendered(losses, "/LiaisonSheet/medication", where);
  }
  if (s.wishes && (s.wishes->patient || s.wishes->family)) {
    l.add("本人の意向", s.wishes->patient);
    l.add("家族の意向", s.wishes->family);
    rendered(losses, "/LiaisonSheet/wishes", where);
  }
  if (s.admission) {
    l.addFlag("退院前訪問指導への同行希望", s.admission->wishToAccompanyHomeVisit, "あり", "なし");
    std::string tables;
    for (const auto& t : s.admission->enclosedCarePlanTables)
      tables += (tables.empty() ? "第" : "・第") + t + "表";
    if (!tables.empty()) l.add("同封書類", "居宅サービス計画 " + tables);
    rendered(losses, "/LiaisonSheet/admission", where + " and 640");
  }
  if (s.contacts && s.contacts->hospital && s.contacts->hospital->contactPerson) {
    l.add("入院先の担当者", s.contacts->hospital->contactPerson);
    rendered(losses, "/LiaisonSheet/contacts/hospital/contactPerson", where);
  }
  if (s.notes) {
    l.add("備考", s.notes);
    rendered(losses, "/LiaisonSheet/notes", where);
  }
  return l.text();
}

}  // namespace

std::string codeLabel(std::string_view table, const std::string& code) {
  const mapping::CodeEntry* entry = mapping::CodeTables::shipped().table(table).find(code);
  return entry ? entry->ja : code;
}

Narratives renderNarratives(const LiaisonSheet& sheet, LossReport& losses) {
  Narratives n;
  n.physical = physical(sheet, losses);
  n.social = social(sheet, losses);
  n.remarks = remarks(sheet, losses);
  if (sheet.wishes && sheet.wishes->advanceCarePlanning) {
    n.advanceCarePlanning = *sheet.wishes->advanceCarePlanning;
  }
  return n;
}

}  // namespace tsunagi::adapters::fhir_jp::detail
