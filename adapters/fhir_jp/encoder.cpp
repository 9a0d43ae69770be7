#include "adapters/fhir_jp/encoder.hpp"

#include "adapters/fhir_jp/narrative.hpp"
#include "adapters/fhir_jp/vocabulary.hpp"
#include "mapping/digest.hpp"
#include "mapping/json/writer.hpp"
#include "mapping/text/strings.hpp"

namespace tsunagi::adapters::fhir_jp {

using mapping::json::JsonValue;
using mapping::text::trimmed;

namespace {

using mapping::LiaisonSheet;

// A stable UUID per sheet and role (name-based, SHA-256 truncated, RFC 4122 version/variant
// bits set), so the same sheet always produces the same fullUrls.
std::string uuidFor(const std::string& sheetId, const std::string& role) {
  std::string h = mapping::sha256Hex(sheetId + "\n" + role).substr(0, 32);
  h[12] = '5';
  h[16] = "89ab"[std::stoi(h.substr(16, 1), nullptr, 16) & 3];
  return "urn:uuid:" + h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
         h.substr(16, 4) + "-" + h.substr(20);
}

JsonValue reference(const std::string& url, const char* type) {
  return JsonValue::object().set("reference", url).set("type", type);
}

JsonValue coding(std::string_view system, std::string_view code, std::string_view display) {
  return JsonValue::object().set("system", system).set("code", code).set("display", display);
}

JsonValue codeable(JsonValue c) {
  return JsonValue::object().set("coding", JsonValue::array().push(std::move(c)));
}

JsonValue textConcept(const std::string& text) { return JsonValue::object().set("text", text); }

JsonValue phoneTelecom(const std::optional<std::string>& phone) {
  JsonValue telecom = JsonValue::array();
  if (phone) telecom.push(JsonValue::object().set("system", "phone").set("value", *phone));
  return telecom;
}

// A HumanName with its representation (IDE 漢字 / SYL カナ); family and given split at the
// first space when there is one.
JsonValue humanName(const std::string& text, const char* representation) {
  JsonValue name = JsonValue::object().set(
      "extension",
      JsonValue::array().push(
          JsonValue::object().set("url", kNameRepresentationUrl).set("valueCode", representation)));
  name.set("use", "official").set("text", text);
  std::size_t cut = text.find(' ');
  std::size_t width = 1;
  if (const std::size_t wide = text.find("\u3000"); wide < cut) {
    cut = wide;
    width = 3;
  }
  if (cut != std::string::npos && cut > 0 && cut + width < text.size()) {
    name.set("family", text.substr(0, cut))
        .set("given", JsonValue::array().push(trimmed(text.substr(cut + width))));
  }
  return name;
}

JsonValue entry(const std::string& fullUrl, JsonValue resource) {
  return JsonValue::object().set("fullUrl", fullUrl).set("resource", std::move(resource));
}

JsonValue narrativeSection(std::string_view code, const std::string& title,
                           std::string_view display, const std::string& text) {
  return JsonValue::object()
      .set("title", title)
      .set("code", codeable(coding(kSectionSystems[0], code, display)))
      .set("text", JsonValue::object().set("status", "additional").set("div", textToXhtml(text)));
}

JsonValue organization(const std::string& name, const std::optional<std::string>& code,
                       bool medical, const std::optional<std::string>& phone) {
  JsonValue org = JsonValue::object().set("resourceType", "Organization");
  if (code) {
    JsonValue id = JsonValue::object();
    if (medical)
      id.set("system", kMedicalInstitutionSystem);
    else
      id.set("type", textConcept("介護保険事業所番号"));
    org.set("identifier", JsonValue::array().push(id.set("value", *code)));
  }
  org.set("name", name);
  if (phone) org.set("telecom", phoneTelecom(phone));
  return org;
}

JsonValue practitioner(const std::string& name, const char* qualification) {
  JsonValue p = JsonValue::object().set("resourceType", "Practitioner");
  p.set("name", JsonValue::array().push(humanName(name, "IDE")));
  if (qualification) {
    p.set("qualification",
          JsonValue::array().push(JsonValue::object().set("code", textConcept(qualification))));
  }
  return p;
}

}  // namespace

Encoded encodeSheet(const LiaisonSheet& s) {
  if (s.kind != mapping::SheetKind::Admission) {
    throw AdapterError(0, "/LiaisonSheet/@kind",
                       "fhir_jp encodes admission sheets (care manager → hospital); a discharge "
                       "sheet comes from the hospital and is not sent back to it");
  }
  if (auto issues = mapping::validate(mapping::CanonicalDocument{s}); !issues.empty()) {
    throw AdapterError(std::move(issues));
  }
  Encoded out;
  LossReport& losses = out.losses;
  const detail::Narratives narratives = detail::renderNarratives(s, losses);
  const std::string& id = s.sheetId;
  const std::string patientUrl = uuidFor(id, "Patient");
  const mapping::Date provided = s.dates.providedOn.value_or(s.dates.recordedOn);

  JsonValue entries = JsonValue::array();
  JsonValue sections = JsonValue::array();
  JsonValue structured = JsonValue::array();
  JsonValue author = JsonValue::array();
  std::optional<std::string> custodian, hospitalUrl;
  std::vector<JsonValue> resources;  // after the Composition, in this order
  auto add = [&](const std::string& url, JsonValue resource) {
    resources.push_back(entry(url, std::move(resource)));
  };

  // Patient
  JsonValue patient = JsonValue::object().set("resourceType", "Patient");
  patient.set("name", JsonValue::array()
                          .push(humanName(s.patient.nameKanji, "IDE"))
                          .push(humanName(s.patient.nameKana, "SYL")));
  if (s.patient.phone) patient.set("telecom", phoneTelecom(s.patient.phone));
  patient.set("gender", s.patient.sex == "1" ? "male" : "female");
  patient.set("birthDate", s.patient.birthDate.iso());
  if (s.patient.address || s.patient.postalCode) {
    JsonValue address = JsonValue::object();
    if (s.patient.address) address.set("text", *s.patient.address);
    if (s.patient.postalCode) address.set("postalCode", *s.patient.postalCode);
    patient.set("address", JsonValue::array().push(address.set("country", "JP")));
  }
  if (s.patient.municipalityCode) {
    losses.add(
        Loss::Kind::Dropped, "/LiaisonSheet/patient/municipalityCode",
        "全国地方公共団体コード routes the sheet between nodes; FHIR JP has no element for it");
  }
  if (s.family && s.family->keyPerson) {
    const auto& k = *s.family->keyPerson;
    JsonValue contact =
        JsonValue::object()
            .set("relationship", JsonValue::array().push(textConcept(k.relationship)))
            .set("name", JsonValue::object().set("text", k.name));
    if (k.phone) contact.set("telecom", phoneTelecom(k.phone));
    patient.set("contact", JsonValue::array().push(std::move(contact)));
  }

  const auto& contacts = s.contacts;
  if (contacts && contacts->attendingDoctor) {
    const auto& d = *contacts->attendingDoctor;
    const std::string roleUrl = uuidFor(id, "GeneralPractitionerRole");
    const std::string doctorUrl = uuidFor(id, "GeneralPractitioner");
    const std::string clinicUrl = uuidFor(id, "GeneralPractitionerOrganization");
    patient.set("generalPractitioner",
                JsonValue::array().push(reference(roleUrl, "PractitionerRole")));
    add(roleUrl, JsonValue::object()
                     .set("resourceType", "PractitionerRole")
                     .set("practitioner", reference(doctorUrl, "Practitioner"))
                     .set("organization", reference(clinicUrl, "Organization"))
                     .set("code", JsonValue::array().push(textConcept("かかりつけ医"))));
    add(doctorUrl, practitioner(d.name, nullptr));
    add(clinicUrl, organization(d.institution, d.institutionCode, true, d.phone));
  }
  resources.insert(resources.begin(), entry(patientUrl, std::move(patient)));

  // 紹介元: the care manager and the office (author and custodian).
  if (contacts && contacts->careManager) {
    const auto& cm = *contacts->careManager;
    const std::string cmUrl = uuidFor(id, "CareManager");
    const std::string officeUrl = uuidFor(id, "CareManagerOffice");
    add(cmUrl, practitioner(cm.name, "介護支援専門員"));
    add(officeUrl, organization(cm.office, cm.officeNumber, false, cm.phone));
    author.push(reference(cmUrl, "Practitioner")).push(reference(officeUrl, "Organization"));
    custodian = officeUrl;
    sections.push(narrativeSection(section::kReferralFrom, "紹介元情報", "紹介元情報セクション",
                                   cm.office + "\n介護支援専門員：" + cm.name +
                                       (cm.phone ? "\n電話：" + *cm.phone : ""))
                      .set("entry", JsonValue::array()
                                        .push(reference(officeUrl, "Organization"))
                                        .push(reference(cmUrl, "Practitioner"))));
  }
  // 紹介先 and the encounter: the hospital the person was admitted to.
  if (contacts && contacts->hospital) {
    const auto& h = *contacts->hospital;
    hospitalUrl = uuidFor(id, "Hospital");
    add(*hospitalUrl, organization(h.institution, h.institutionCode, true, h.phone));
    sections.push(
        narrativeSection(section::kReferralTo, "紹介先情報", "紹介先情報セクション",
                         h.institution + (h.ward ? "\n病棟：" + *h.ward : ""))
            .set("entry", JsonValue::array().push(reference(*hospitalUrl, "Organization"))));
  }
  std::optional<std::string> encounterUrl;
  if (s.dates.admittedOn || hospitalUrl) {
    encounterUrl = uuidFor(id, "Encounter");
    JsonValue enc =
        JsonValue::object()
            .set("resourceType", "Encounter")
            .set("status", "in-progress")
            .set("class", coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "IMP", "入院"))
            .set("subject", reference(patientUrl, "Patient"));
    if (s.dates.admittedOn) {
      enc.set("period", JsonValue::object().set("start", s.dates.admittedOn->iso()));
    }
    if (contacts && contacts->hospital && contacts->hospital->ward) {
      enc.set("location",
              JsonValue::array().push(JsonValue::object().set(
                  "location", JsonValue::object().set("display", *contacts->hospital->ward))));
    }
    if (hospitalUrl) enc.set("serviceProvider", reference(*hospitalUrl, "Organization"));
    add(*encounterUrl, std::move(enc));
  }

  structured.push(narrativeSection(section::kReferralPurpose, "紹介目的", "紹介目的セクション",
                                   "入院時の情報提供（入院時情報提供書・地域生活連携シート）"));
  if (!s.diagnoses.empty()) {
    JsonValue refs = JsonValue::array();
    std::string text;
    for (std::size_t i = 0; i < s.diagnoses.size(); ++i) {
      const auto& d = s.diagnoses[i];
      const std::string url = uuidFor(id, "Condition/" + std::to_string(i));
      JsonValue code = JsonValue::object();
      if (d.icd10)
        code.set("coding", JsonValue::array().push(coding(kIcd10Systems[0], *d.icd10, d.name)));
      JsonValue condition = JsonValue::object()
                                .set("resourceType", "Condition")
                                .set("code", code.set("text", d.name))
                                .set("subject", reference(patientUrl, "Patient"));
      if (d.onsetDate) condition.set("onsetDateTime", d.onsetDate->iso());
      add(url, std::move(condition));
      refs.push(reference(url, "Condition"));
      text += (text.empty() ? "" : "\n") + d.name +
              (d.onsetDate ? "（発症 " + d.onsetDate->iso() + "）" : "");
    }
    structured.push(
        narrativeSection(section::kProblems, "傷病名・主訴", "傷病名・主訴セクション", text)
            .set("entry", std::move(refs)));
  }
  if (s.medication && !s.medication->drugs.empty()) {
    JsonValue refs = JsonValue::array();
    std::string text;
    for (std::size_t i = 0; i < s.medication->drugs.size(); ++i) {
      const auto& d = s.medication->drugs[i];
      const std::string url = uuidFor(id, "MedicationStatement/" + std::to_string(i));
      JsonValue statement = JsonValue::object()
                                .set("resourceType", "MedicationStatement")
                                .set("status", "active")
                                .set("medicationCodeableConcept", textConcept(d.name))
                                .set("subject", reference(patientUrl, "Patient"));
      if (d.dosage)
        statement.set("dosage",
                      JsonValue::array().push(JsonValue::object().set("text", *d.dosage)));
      add(url, std::move(statement));
      refs.push(reference(url, "MedicationStatement"));
      text += (text.empty() ? "" : "\n") + d.name + (d.dosage ? "　" + *d.dosage : "");
    }
    structured.push(
        narrativeSection(section::kMedication, "服薬中の薬剤", "投薬指示セクション", text)
            .set("entry", std::move(refs)));
  }
  if (!narratives.physical.empty()) {
    structured.push(narrativeSection(section::kPhysicalStatus, "心身の状況（ADL・食事・排泄等）",
                                     "身体所見セクション", narratives.physical));
  }
  if (!narratives.social.empty()) {
    structured.push(narrativeSection(section::kSocialHistory, "生活歴・住環境・家族",
                                     "社会歴・生活習慣セクション", narratives.social));
  }
  if (!narratives.advanceCarePlanning.empty()) {
    structured.push(narrativeSection(section::kAdvanceDirective, "ACP（人生会議）で確認した内容",
                                     "事前指示セクション", narratives.advanceCarePlanning));
  }
  sections.push(JsonValue::object()
                    .set("title", "構造情報")
                    .set("code", codeable(coding(kSectionSystems[0], section::kStructured,
                                                 "構造情報セクション")))
                    .set("section", std::move(structured)));
  if (!narratives.remarks.empty()) {
    sections.push(narrativeSection(section::kRemarks, "介護保険・意向・連絡事項",
                                   "備考・連絡情報セクション", narratives.remarks));
  }
  for (std::size_t i = 0; i < s.attachments.size(); ++i) {
    losses.add(Loss::Kind::Dropped, "/LiaisonSheet/attachment[" + std::to_string(i + 1) + "]",
               "attachments are not sent in the FHIR Bundle; send them separately");
  }

  JsonValue composition = JsonValue::object().set("resourceType", "Composition");
  composition
      .set("meta", JsonValue::object().set("profile", JsonValue::array().push(kCompositionProfile)))
      .set("identifier",
           JsonValue::object().set("system", kResourceInstanceSystem).set("value", id))
      .set("status", "final")
      .set("type", codeable(coding(kDocTypeSystem, kReferralCode, "診療情報提供書")))
      .set("category",
           JsonValue::array().push(codeable(coding(kDocSubTypeSystem, "ADMISSION", "入院時文書"))))
      .set("subject", reference(patientUrl, "Patient"));
  if (encounterUrl) composition.set("encounter", reference(*encounterUrl, "Encounter"));
  composition.set("date", s.dates.recordedOn.iso());
  if (!author.empty()) composition.set("author", std::move(author));
  composition.set("title", "入院時情報提供書（地域生活連携シート）");
  if (custodian) composition.set("custodian", reference(*custodian, "Organization"));
  composition
      .set("event", JsonValue::array().push(
                        JsonValue::object()
                            .set("code", JsonValue::array().push(textConcept("入院時情報提供")))
                            .set("period", JsonValue::object().set("start", provided.iso()))))
      .set("section", std::move(sections));

  entries.push(entry(uuidFor(id, "Composition"), std::move(composition)));
  for (auto& r : resources) entries.push(std::move(r));
  const std::string office =
      contacts && contacts->careManager && contacts->careManager->officeNumber
          ? *contacts->careManager->officeNumber
          : "0000000000";
  JsonValue bundle = JsonValue::object();
  bundle.set("resourceType", "Bundle")
      .set("meta", JsonValue::object().set("profile", JsonValue::array().push(kBundleProfile)))
      .set("identifier",
           JsonValue::object()
               .set("system", kBundleIdentifierSystems[0])
               .set("value", office + "^" + std::to_string(s.dates.recordedOn.year) + "^" + id))
      .set("type", "document")
      .set("timestamp", provided.iso() + "T00:00:00+09:00")
      .set("entry", std::move(entries));
  out.bytes = bundle.dump();
  out.suggestedName = "fhir-jp-" + id + ".json";
  return out;
}

}  // namespace tsunagi::adapters::fhir_jp
