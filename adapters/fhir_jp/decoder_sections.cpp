// BundleDecoder: Composition sections by document-section code, the Conditions and medications
// they reference, and the assembly of the sheet's free-text items.

#include <algorithm>

#include "adapters/fhir_jp/decoder.hpp"
#include "adapters/fhir_jp/fhir_read.hpp"
#include "adapters/fhir_jp/narrative.hpp"
#include "adapters/fhir_jp/vocabulary.hpp"

namespace tsunagi::adapters::fhir_jp::detail {

namespace {

constexpr std::size_t kMaxDiagnoses = 10;
constexpr std::size_t kMaxDrugs = 50;

bool is(std::string_view code, std::string_view expected) { return code == expected; }

// ICD-10 in the sheet's form: "I500" → "I50.0"; nullopt when it is not an ICD-10 code.
std::optional<std::string> icd10(std::string code) {
  if (code.size() > 3 && code[3] != '.') code.insert(3, ".");
  const bool head = code.size() >= 3 && code[0] >= 'A' && code[0] <= 'Z' &&
                    std::isdigit(static_cast<unsigned char>(code[1])) &&
                    std::isdigit(static_cast<unsigned char>(code[2]));
  if (!head || code.size() == 4 || code.size() > 8) return std::nullopt;
  for (std::size_t i = 4; i < code.size(); ++i) {
    const char c = code[i];
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return std::nullopt;
  }
  return code;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string line = trimmed(std::string_view(text).substr(start, end - start));
    if (!line.empty()) out.push_back(std::move(line));
    start = end + 1;
  }
  return out;
}

std::string joined(const std::vector<TextPart>& parts, const std::string& separator) {
  std::string out;
  for (const TextPart& p : parts) out += (out.empty() ? "" : separator) + p.text;
  return out;
}

std::string sourceOf(const std::vector<TextPart>& parts) {
  return parts.size() == 1
             ? parts.front().source
             : parts.front().source + " and " + std::to_string(parts.size() - 1) + " more";
}

}  // namespace

void BundleDecoder::walkSections(const std::vector<JsonView>& sections) {
  for (const JsonView& section : sections) readSection(section);
}

void BundleDecoder::readSection(const JsonView& section) {
  if (!section.isObject()) {
    throw AdapterError(0, section.path(), "expected a section object, found " + section.kind());
  }
  const std::string title = trimmed(section.string("title").value_or(""));
  std::string code;
  if (auto codeable = section.object("code")) {
    auto coding = findCoding(
        *codeable, {kSectionSystems[0], kSectionSystems[1], kSectionSystems[2], kSectionSystems[3]},
        false);
    if (coding) code = coding->code;
  }
  std::vector<std::size_t> refs;
  for (const JsonView& entry : section.array("entry")) {
    refs.push_back(resolve(entry, ""));
    entries_[refs.back()].inSection = true;
  }
  std::string text;
  if (auto narrative = section.object("text")) {
    if (auto div = narrative->string("div")) text = xhtmlToText(*div);
  }
  const std::string source = section.memberPath("text.div");
  const std::vector<JsonView> subsections = section.array("section");
  if (!subsections.empty()) {
    walkSections(subsections);
    const bool container = is(code, section::kStructured) || is(code, section::kAdmissionDetails) ||
                           is(code, section::kDischargeDetails);
    if (container || (text.empty() && refs.empty())) return;
  }
  auto typed = [&](std::string_view type) {
    std::vector<std::size_t> out;
    for (auto r : refs) {
      if (entries_[r].resourceType == type) out.push_back(r);
    }
    return out;
  };
  auto useAll = [&] {
    for (auto r : refs) entries_[r].used = true;
  };

  if (is(code, section::kReferralFrom)) {
    // 紹介元: the author's organisation and doctor (contacts), usually the same resources.
    for (auto r : refs) {
      const std::string& type = entries_[r].resourceType;
      if (type == "Organization" && !referralFromOrg_) referralFromOrg_ = r;
      if (type == "Practitioner" && !referralFromPractitioner_) referralFromPractitioner_ = r;
    }
  } else if (is(code, section::kReferralTo)) {
    std::string to = text;
    if (to.empty()) {
      for (auto r : refs) {
        std::optional<std::string> name;
        if (entries_[r].resourceType == "Organization") {
          name = resource(r).string("name");
        } else if (entries_[r].resourceType == "Practitioner") {
          const auto person = preferredName(resource(r));
          if (person) name = person->first;
        }
        if (name) to += (to.empty() ? "" : " ") + trimmed(*name);
      }
    }
    useAll();
    if (!to.empty()) {
      notes_.push_back({"【紹介先】" + to, source});
      losses_.add(Loss::Kind::Approximated, "/LiaisonSheet/notes",
                  "紹介先 (" + section.path() + ") rendered as narrative in 備考");
    }
  } else if (is(code, section::kReferralPurpose)) {
    std::string purpose = text;
    for (auto r : typed("Encounter")) {
      for (const JsonView& reason : resource(r).array("reasonCode")) {
        if (purpose.empty()) purpose = conceptText(reason).value_or("");
      }
    }
    useAll();
    if (!purpose.empty()) notes_.push_back({"【紹介目的】" + purpose, source});
  } else if (is(code, section::kRemarks)) {
    useAll();
    if (!text.empty()) notes_.push_back({"【備考・連絡】" + text, source});
  } else if (is(code, section::kProblems) || is(code, section::kAdmissionDiagnoses) ||
             is(code, section::kDischargeDiagnoses)) {
    // 退院時診断 first, then 入院時診断, then 傷病名・主訴: the sheet keeps the first ten.
    const int priority = is(code, section::kDischargeDiagnoses)   ? 0
                         : is(code, section::kAdmissionDiagnoses) ? 1
                                                                  : 2;
    for (auto r : typed("Condition")) diagnosisConditions_.emplace_back(priority, r);
    if (!text.empty()) diagnosisNarratives_.push_back({text, source});
  } else if (is(code, section::kAdmissionReason)) {
    std::string cause = text;
    for (auto r : typed("Condition")) {
      entries_[r].used = true;
      if (auto c = resource(r).object("code"); c && text.empty()) {
        cause += (cause.empty() ? "" : "、") + conceptText(*c).value_or("");
      }
    }
    if (!cause.empty()) cause_.push_back({cause, source});
  } else if (is(code, section::kHospitalCourse) || is(code, section::kClinicalCourse)) {
    if (!text.empty()) course_.push_back({text, source});
  } else if (is(code, section::kDischargeInstruction) || is(code, section::kClinicalInstruction)) {
    if (!text.empty()) instructions_.push_back({text, source});
  } else if (is(code, section::kDischargeMedication) || is(code, section::kMedication)) {
    for (auto r : refs) {
      const std::string& type = entries_[r].resourceType;
      if (type == "MedicationRequest" || type == "MedicationStatement") {
        medicationResources_.push_back(r);
      }
    }
    if (!text.empty()) medicationNarratives_.push_back({text, source});
  } else if (is(code, section::kAllergies)) {
    std::string allergies = text;
    for (auto r : typed("AllergyIntolerance")) {
      entries_[r].used = true;
      if (auto c = resource(r).object("code"); c && text.empty()) {
        if (auto name = conceptText(*c)) allergies += (allergies.empty() ? "" : "、") + *name;
      }
    }
    if (!allergies.empty()) allergies_.push_back({allergies, source});
  } else if (is(code, section::kAdvanceDirective)) {
    if (!text.empty()) advanceCare_.push_back({text, source});
  } else {
    dropSection(section, code, title, refs);
  }
}

void BundleDecoder::dropSection(const JsonView& section, const std::string& code,
                                const std::string& title, const std::vector<std::size_t>& refs) {
  for (auto r : refs) {
    if (!entries_[r].used) entries_[r].covered = true;
  }
  std::string what = quoteForMessage(title.empty() ? "(no title)" : title) +
                     (code.empty() ? " (no document-section code)" : " (code " + code + ")");
  if (!refs.empty()) what += " with its " + std::to_string(refs.size()) + " entries";
  losses_.add(Loss::Kind::Dropped, section.path(), what + ": no place in the liaison sheet");
}

void BundleDecoder::readDiagnoses() {
  // Conditions referenced from no section at all are the document's diagnoses as well.
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].resourceType == "Condition" && !entries_[i].inSection) {
      diagnosisConditions_.emplace_back(3, i);
    }
  }
  std::stable_sort(diagnosisConditions_.begin(), diagnosisConditions_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::size_t> seen;
  for (const auto& [priority, index] : diagnosisConditions_) {
    if (std::find(seen.begin(), seen.end(), index) != seen.end()) continue;
    seen.push_back(index);
    readDiagnosis(index);
  }
  if (!sheet_.diagnoses.empty() || diagnosisNarratives_.empty()) return;
  for (const TextPart& part : diagnosisNarratives_) {
    for (const std::string& line : lines(part.text)) {
      if (sheet_.diagnoses.size() == kMaxDiagnoses) {
        losses_.add(Loss::Kind::Dropped, part.source, "the sheet holds at most 10 診断名");
        break;
      }
      const std::string target =
          "/LiaisonSheet/diagnosis[" + std::to_string(sheet_.diagnoses.size() + 1) + "]/name";
      sheet_.diagnoses.push_back({fitLine(line, 200, target, part.source, losses_), {}, {}});
    }
    losses_.add(Loss::Kind::Approximated, "/LiaisonSheet/diagnosis",
                "from the narrative " + part.source +
                    ": each line taken as one 診断名, without onset date or code");
  }
}

void BundleDecoder::readDiagnosis(std::size_t index) {
  const JsonView condition = resource(index);
  entries_[index].used = true;
  if (auto verification = condition.object("verificationStatus")) {
    auto coding = findCoding(*verification,
                             {"http://terminology.hl7.org/CodeSystem/condition-ver-status"}, true);
    if (coding && (coding->code == "refuted" || coding->code == "entered-in-error")) {
      losses_.add(Loss::Kind::Dropped, condition.path(),
                  "Condition with verificationStatus " + coding->code);
      return;
    }
  }
  const auto codeable = condition.object("code");
  const auto name = codeable ? conceptText(*codeable) : std::nullopt;
  if (!name) {
    losses_.add(Loss::Kind::Dropped, condition.path(),
                "Condition without code.text or a coding display: no 診断名 to show");
    return;
  }
  if (sheet_.diagnoses.size() == kMaxDiagnoses) {
    losses_.add(Loss::Kind::Dropped, condition.path(), "the sheet holds at most 10 診断名");
    return;
  }
  const std::string target =
      "/LiaisonSheet/diagnosis[" + std::to_string(sheet_.diagnoses.size() + 1) + "]";
  mapping::Diagnosis d;
  d.name = fitLine(*name, 200, target + "/name", codeable->path(), losses_);
  if (auto coding = findCoding(*codeable, {kIcd10Systems[0], kIcd10Systems[1]}, false)) {
    d.icd10 = icd10(coding->code);
    if (!d.icd10) {
      losses_.add(Loss::Kind::Dropped, coding->path,
                  "ICD-10 code " + quoteForMessage(coding->code) +
                      " does not have the ICD-10 form (e.g. I50.0)");
    }
  }
  const std::string onsetPath = condition.memberPath("onsetDateTime");
  if (auto onset = readFhirDate(condition, "onsetDateTime")) {
    if (onset->precision != FhirDate::Precision::Day) {
      losses_.add(Loss::Kind::Dropped, onsetPath,
                  "onset without a day; 発症年月日 needs a full date");
    } else if (onset->date < sheet_.patient.birthDate || sheet_.dates.recordedOn < onset->date) {
      losses_.add(Loss::Kind::Dropped, onsetPath,
                  "onset " + onset->date.iso() + " is outside the birth date " +
                      sheet_.patient.birthDate.iso() + " … document date " +
                      sheet_.dates.recordedOn.iso());
    } else {
      d.onsetDate = onset->date;
    }
  }
  sheet_.diagnoses.push_back(std::move(d));
}

void BundleDecoder::readMedication() {
  std::vector<mapping::Drug> drugs;
  for (auto index : medicationResources_) {
    const JsonView med = resource(index);
    entries_[index].used = true;
    std::optional<std::string> name;
    std::string namePath = med.memberPath("medicationCodeableConcept");
    if (auto codeable = med.object("medicationCodeableConcept")) name = conceptText(*codeable);
    if (auto ref = med.object("medicationReference"); !name && ref) {
      namePath = ref->path();
      if (auto target = resolveIfPresent(ref, "Medication")) {
        entries_[*target].used = true;
        if (auto codeable = resource(*target).object("code")) name = conceptText(*codeable);
      }
      if (!name) name = ref->string("display");
    }
    if (!name || trimmed(*name).empty()) {
      losses_.add(Loss::Kind::Dropped, med.path(), "medication without a name");
      continue;
    }
    if (drugs.size() == kMaxDrugs) {
      losses_.add(Loss::Kind::Dropped, med.path(), "the sheet holds at most 50 薬剤");
      continue;
    }
    std::string dosage;
    const bool request = entries_[index].resourceType == "MedicationRequest";
    for (const JsonView& d : med.array(request ? "dosageInstruction" : "dosage")) {
      if (!d.isObject())
        throw AdapterError(0, d.path(), "expected a Dosage object, found " + d.kind());
      if (auto t = d.string("text"); t && !trimmed(*t).empty()) {
        dosage += (dosage.empty() ? "" : " / ") + trimmed(*t);
      }
    }
    const std::string target =
        "/LiaisonSheet/medication/drug[" + std::to_string(drugs.size() + 1) + "]";
    mapping::Drug drug{fitLine(trimmed(*name), 200, target + "/name", namePath, losses_), {}};
    if (!dosage.empty()) {
      drug.dosage = fitLine(dosage, 200, target + "/dosage", med.path(), losses_);
    }
    drugs.push_back(std::move(drug));
  }
  if (drugs.empty()) {
    for (const TextPart& part : medicationNarratives_) {
      for (const std::string& line : lines(part.text)) {
        if (drugs.size() == kMaxDrugs) break;
        const std::string target =
            "/LiaisonSheet/medication/drug[" + std::to_string(drugs.size() + 1) + "]/name";
        drugs.push_back({fitLine(line, 200, target, part.source, losses_), {}});
      }
      losses_.add(Loss::Kind::Approximated, "/LiaisonSheet/medication",
                  "from the narrative " + part.source +
                      ": each line taken as one 薬剤 (name and dosage not separated)");
    }
  }
  if (!drugs.empty()) {
    sheet_.medication = mapping::Medication{};
    sheet_.medication->drugs = std::move(drugs);
  }
}

void BundleDecoder::assembleTexts() {
  auto discharge = [&]() -> mapping::DischargeDetails& {
    if (!sheet_.discharge) sheet_.discharge = mapping::DischargeDetails{};
    return *sheet_.discharge;
  };
  if (!cause_.empty()) {
    discharge().causeDisease =
        fitLine(joined(cause_, "、"), 200, "/LiaisonSheet/discharge/causeDisease", sourceOf(cause_),
                losses_);
  }
  if (!course_.empty()) {
    discharge().courseAndTreatment =
        fitText(joined(course_, "\n"), 2000, "/LiaisonSheet/discharge/courseAndTreatment",
                sourceOf(course_), losses_);
  }
  if (!allergies_.empty()) {
    discharge().contraindications =
        fitText(joined(allergies_, "\n"), 400, "/LiaisonSheet/discharge/contraindications",
                sourceOf(allergies_), losses_);
  }
  if (!instructions_.empty()) {
    discharge().homeReturnRequirements =
        fitText(joined(instructions_, "\n"), 400, "/LiaisonSheet/discharge/homeReturnRequirements",
                sourceOf(instructions_), losses_);
  }
  if (!advanceCare_.empty()) {
    sheet_.wishes = mapping::Wishes{};
    sheet_.wishes->advanceCarePlanning =
        fitText(joined(advanceCare_, "\n"), 2000, "/LiaisonSheet/wishes/advanceCarePlanning",
                sourceOf(advanceCare_), losses_);
  }
  if (!notes_.empty()) {
    sheet_.notes =
        fitText(joined(notes_, "\n"), 2000, "/LiaisonSheet/notes", sourceOf(notes_), losses_);
  }
}

void BundleDecoder::reportUnusedEntries() {
  for (std::size_t i = 1; i < entries_.size(); ++i) {
    if (entries_[i].used || entries_[i].covered) continue;
    losses_.add(Loss::Kind::Dropped, "Bundle.entry[" + std::to_string(i) + "].resource",
                entries_[i].resourceType + ": no place in the liaison sheet");
  }
}

}  // namespace tsunagi::adapters::fhir_jp::detail
