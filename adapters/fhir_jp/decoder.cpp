#include "adapters/fhir_jp/decoder.hpp"

#include "adapters/fhir_jp/fhir_read.hpp"
#include "adapters/fhir_jp/vocabulary.hpp"
#include "mapping/digest.hpp"
#include "mapping/text/kana.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/text/width.hpp"

namespace tsunagi::adapters::fhir_jp {

namespace detail {

namespace {

constexpr std::size_t kNameLimit = 64;

std::string indexed(std::string_view path, std::size_t i) {
  return std::string(path) + "[" + std::to_string(i) + "]";
}

bool isOneOf(std::string_view value, std::initializer_list<std::string_view> options) {
  for (auto o : options) {
    if (value == o) return true;
  }
  return false;
}

// Hiragana and half-width kana folded to full-width katakana (the sheet's カナ rule L7).
std::string foldKana(std::string_view text) {
  return mapping::text::hiraganaToKatakana(mapping::text::normalizeWidth(text));
}

// The first character of a カナ name the sheet cannot carry, as "U+XXXX at character N" (the
// name itself is never quoted: error texts end up in logs).
std::optional<std::string> kanaProblem(std::string_view folded) {
  const std::u32string chars = mapping::text::decodeUtf8(folded);
  for (std::size_t i = 0; i < chars.size(); ++i) {
    const char32_t c = chars[i];
    if ((c >= U'\u30A1' && c <= U'\u30FA') || c == U'\u30FC' || c == U'\u30FB' || c == U' ' ||
        c == U'\u3000') {
      continue;
    }
    return mapping::text::codePointLabel(c) + " at character " + std::to_string(i + 1);
  }
  return std::nullopt;
}

}  // namespace

Decoded BundleDecoder::run() {
  const std::string type =
      bundle_.requiredString("resourceType", "every FHIR resource names its type");
  if (type != "Bundle") {
    throw AdapterError(0, bundle_.memberPath("resourceType"),
                       "is " + quoteForMessage(type) + "; expected 'Bundle' (a FHIR JP document)");
  }
  const std::string bundleType =
      bundle_.requiredString("type", "a FHIR JP document is a Bundle of type 'document'");
  if (bundleType != "document") {
    throw AdapterError(
        0, bundle_.memberPath("type"),
        "is " + quoteForMessage(bundleType) +
            "; expected 'document' (退院時サマリー and 診療情報提供書 are document Bundles)");
  }
  indexEntries();
  readComposition();
  readSheetId();
  readPatient();
  readEncounter();
  readDates();
  walkSections(composition_.array("section"));
  readContacts();
  readDiagnoses();
  readMedication();
  assembleTexts();
  reportUnusedEntries();

  std::vector<mapping::Issue> issues = mapping::validate(mapping::CanonicalDocument{sheet_});
  if (!issues.empty()) {
    for (auto& issue : issues) {
      issue.message = "the sheet decoded from this Bundle is not valid: " + issue.message;
    }
    throw AdapterError(std::move(issues));
  }
  Decoded out;
  out.documents.emplace_back(std::move(sheet_));
  out.losses = std::move(losses_);
  return out;
}

void BundleDecoder::indexEntries() {
  const std::vector<JsonView> entries = bundle_.array("entry");
  if (entries.empty()) {
    throw AdapterError(0, bundle_.memberPath("entry"),
                       "is required: a document Bundle holds at least its Composition and Patient");
  }
  for (std::size_t i = 0; i < entries.size(); ++i) {
    const JsonView& entry = entries[i];
    if (!entry.isObject()) {
      throw AdapterError(0, entry.path(), "expected a Bundle entry object, found " + entry.kind());
    }
    auto resource = entry.object("resource");
    if (!resource) {
      throw AdapterError(0, entry.memberPath("resource"),
                         "is required: every entry of a document Bundle carries a resource");
    }
    Entry e{*resource,
            resource->requiredString("resourceType", "every FHIR resource names its type"),
            entry.string("fullUrl").value_or(""), false, false};
    if (!e.fullUrl.empty()) {
      if (auto [it, fresh] = byUrl_.emplace(e.fullUrl, i); !fresh) {
        throw AdapterError(0, entry.memberPath("fullUrl"),
                           quoteForMessage(e.fullUrl, 80) + " is also the fullUrl of " +
                               indexed("Bundle.entry", it->second) +
                               "; references could not tell them apart");
      }
    }
    if (auto id = resource->string("id")) byUrl_.emplace(e.resourceType + "/" + *id, i);
    if (i == 0 && e.resourceType != "Composition") {
      throw AdapterError(0, resource->memberPath("resourceType"),
                         "is " + quoteForMessage(e.resourceType) +
                             "; the first entry of a document Bundle must be its Composition");
    }
    if (i > 0 && e.resourceType == "Composition") {
      throw AdapterError(0, resource->path(),
                         "is a second Composition; a document Bundle has exactly one, in its first "
                         "entry");
    }
    entries_.push_back(std::move(e));
  }
  composition_ = entries_[0].resource;
  entries_[0].used = true;
}

void BundleDecoder::readComposition() {
  if (composition_.string("status") == std::string("entered-in-error")) {
    throw AdapterError(0, composition_.memberPath("status"),
                       "is 'entered-in-error': the hospital withdrew this document");
  }
  auto type = composition_.object("type");
  if (!type) {
    throw AdapterError(0, composition_.memberPath("type"),
                       "is required: the document type (18842-5 退院時サマリー or 57133-1 "
                       "診療情報提供書) decides how the document is read");
  }
  auto coding = findCoding(*type, {kDocTypeSystem, kLoincSystem}, true);
  if (coding && isOneOf(coding->code, {kDischargeSummaryCode, kReferralCode})) {
    documentType_ = coding->code;
  } else {
    const std::string found =
        coding ? quoteForMessage(coding->code) : "no code of " + std::string(kDocTypeSystem);
    throw AdapterError(0, type->path(),
                       "has " + found +
                           "; expected 18842-5 (退院時サマリー) or 57133-1 (診療情報提供書)"
                           " of " +
                           std::string(kDocTypeSystem));
  }
  if (documentType_ == kReferralCode) {
    losses_.add(
        Loss::Kind::Approximated, "/LiaisonSheet",
        "a 診療情報提供書 (57133-1) is read as a discharge sheet: 入院日 is the start of the "
        "encounter it describes");
  }
}

void BundleDecoder::readSheetId() {
  // The same document always gets the same sheet id, so a later Bundle with the same identifier
  // replaces the earlier sheet. The value (医療機関コード^年^番号) may contain characters the
  // Identifier pattern forbids, so it is hashed.
  std::optional<std::string> value;
  std::string source = bundle_.memberPath("identifier");
  if (auto id = bundle_.object("identifier")) value = id->string("value");
  if (!value || trimmed(*value).empty()) {
    if (auto cid = composition_.object("identifier")) {
      value = cid->string("value");
      source = cid->path();
    }
  }
  if (!value || trimmed(*value).empty()) {
    throw AdapterError(0, bundle_.memberPath("identifier.value"),
                       "is required (also looked in Composition.identifier.value): the sheet id is "
                       "derived from it so that a corrected document replaces the earlier one");
  }
  sheet_.kind = mapping::SheetKind::Discharge;
  sheet_.sheetId = "fhirjp-" + mapping::sha256Hex(trimmed(*value)).substr(0, 56);
}

void BundleDecoder::readPatient() {
  auto subject = composition_.object("subject");
  if (!subject) {
    throw AdapterError(0, composition_.memberPath("subject"),
                       "is required: the Patient of the document is found through it");
  }
  patient_ = resolve(*subject, "Patient");
  entries_[*patient_].used = true;
  const JsonView patient = resource(*patient_);
  readNames(patient);

  const auto gender = patient.string("gender");
  if (!gender) {
    throw AdapterError(0, patient.memberPath("gender"),
                       "is required: 性別 sex is required by the liaison sheet");
  }
  if (*gender == "male")
    sheet_.patient.sex = "1";
  else if (*gender == "female")
    sheet_.patient.sex = "2";
  else {
    throw AdapterError(
        0, patient.memberPath("gender"),
        "is " + quoteForMessage(*gender) +
            "; 性別 sex of the liaison sheet has only 1 男 (male) and 2 女 (female)");
  }
  const auto birth = readFhirDate(patient, "birthDate");
  if (!birth) {
    throw AdapterError(0, patient.memberPath("birthDate"),
                       "is required: 生年月日 birthDate is required by the liaison sheet");
  }
  if (birth->precision != FhirDate::Precision::Day || birth->hadTime) {
    throw AdapterError(
        0, patient.memberPath("birthDate"),
        "must be a full date YYYY-MM-DD: 生年月日 birthDate needs year, month and day");
  }
  sheet_.patient.birthDate = birth->date;
  readPatientContactDetails(patient);
}

void BundleDecoder::readNames(const JsonView& patient) {
  const std::vector<JsonView> names = patient.array("name");
  if (names.empty()) {
    throw AdapterError(0, patient.memberPath("name"),
                       "is required: the liaison sheet needs 氏名 (漢字) and 氏名 (カナ)");
  }
  std::optional<std::string> kanji, kana;
  for (const JsonView& name : names) {
    std::string text = humanNameText(name);
    for (char& c : text) {
      if (c == '\t' || c == '\n' || c == '\r') c = ' ';  // 氏名 is one line
    }
    if (text.empty()) continue;
    auto rep = nameRepresentation(name);
    if (!rep) rep = isKatakanaName(foldKana(text)) ? "SYL" : "IDE";
    std::optional<std::string>* slot = *rep == "IDE" ? &kanji : *rep == "SYL" ? &kana : nullptr;
    if (!slot || *slot) {
      losses_.add(Loss::Kind::Dropped, name.path(),
                  slot ? "a further " + *rep + " name; the sheet keeps one"
                       : "name with representation " + quoteForMessage(*rep) +
                             " (the sheet has 漢字 and カナ only)");
      continue;
    }
    if (characterCount(text) > kNameLimit) {
      throw AdapterError(0, name.path(),
                         "the name has " + std::to_string(characterCount(text)) +
                             " characters; the liaison sheet holds at most 64");
    }
    if (*rep == "SYL") {
      const std::string folded = foldKana(text);
      if (auto why = kanaProblem(folded)) {
        throw AdapterError(0, name.path(), "the カナ (SYL) name must be katakana; it has " + *why);
      }
      kana = folded;
    } else {
      kanji = text;
    }
  }
  if (!kana) {
    throw AdapterError(
        0, patient.memberPath("name"),
        "has no カナ name (a HumanName with the iso21090-EN-representation extension "
        "'SYL'): 氏名（カナ） nameKana is required, receivers match people on it");
  }
  if (!kanji) {
    kanji = kana;
    losses_.add(Loss::Kind::Approximated, "/LiaisonSheet/patient/nameKanji",
                "no 漢字 (IDE) name in " + patient.memberPath("name") + "; the カナ name is used");
  }
  sheet_.patient.nameKanji = *kanji;
  sheet_.patient.nameKana = *kana;
}

void BundleDecoder::readPatientContactDetails(const JsonView& patient) {
  const std::vector<JsonView> addresses = patient.array("address");
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    const JsonView& a = addresses[i];
    if (!a.isObject())
      throw AdapterError(0, a.path(), "expected an Address object, found " + a.kind());
    if (i > 0) {
      losses_.add(Loss::Kind::Dropped, a.path(), "a further address; the sheet keeps one");
      continue;
    }
    std::string text = trimmed(a.string("text").value_or(""));
    if (text.empty()) {
      text = a.string("state").value_or("") + a.string("city").value_or("");
      for (const JsonView& line : a.array("line")) text += line.asString();
      text = trimmed(text);
    }
    if (!text.empty()) {
      sheet_.patient.address =
          fitLine(text, 200, "/LiaisonSheet/patient/address", a.path(), losses_);
    }
    if (auto postal = a.string("postalCode")) {
      std::string digits;
      for (char c : mapping::text::toHalfwidthAscii(*postal)) {
        if (c >= '0' && c <= '9') digits += c;
      }
      if (digits.size() == 7) {
        sheet_.patient.postalCode = digits.substr(0, 3) + "-" + digits.substr(3);
      } else {
        losses_.add(Loss::Kind::Dropped, a.memberPath("postalCode"), "not a 7-digit 郵便番号");
      }
    }
  }
  sheet_.patient.phone = firstPhone(patient);
  const std::vector<JsonView> identifiers = patient.array("identifier");
  for (const JsonView& id : identifiers) {
    if (!id.isObject())
      throw AdapterError(0, id.path(), "expected an Identifier object, found " + id.kind());
    const std::string system = id.string("system").value_or("");
    losses_.add(Loss::Kind::Dropped, id.path(),
                system.starts_with(kHospitalPatientIdPrefix)
                    ? "the hospital's own patient number is not exchanged between organisations"
                    : "identifier " + quoteForMessage(system, 80) + " has no place in the sheet");
  }
  // Patient.contact (家族・緊急連絡先) → キーパーソン when it names the person and the
  // relationship.
  const std::vector<JsonView> contacts = patient.array("contact");
  for (std::size_t i = 0; i < contacts.size(); ++i) {
    const JsonView& c = contacts[i];
    if (!c.isObject())
      throw AdapterError(0, c.path(), "expected a contact object, found " + c.kind());
    std::string who = c.object("name") ? humanNameText(*c.object("name")) : "";
    std::string relationship;
    for (const JsonView& r : c.array("relationship")) {
      if (!relationship.empty()) break;
      relationship = conceptText(r).value_or("");
    }
    if (sheet_.family || who.empty() || relationship.empty()) {
      losses_.add(
          Loss::Kind::Dropped, c.path(),
          "contact person without both a name and a relationship (キーパーソン needs both)");
      continue;
    }
    mapping::KeyPerson key{
        fitLine(who, kNameLimit, "/LiaisonSheet/family/keyPerson/name", c.path(), losses_),
        fitLine(relationship, kNameLimit, "/LiaisonSheet/family/keyPerson/relationship", c.path(),
                losses_),
        firstPhone(c)};
    sheet_.family = mapping::Family{};
    sheet_.family->keyPerson = std::move(key);
  }
}

void BundleDecoder::readEncounter() {
  encounter_ = resolveIfPresent(composition_.object("encounter"), "Encounter");
  if (!encounter_) return;
  entries_[*encounter_].used = true;
  const JsonView enc = resource(*encounter_);
  if (auto h = enc.object("hospitalization")) {
    if (auto disposition = h->object("dischargeDisposition")) {
      auto dpc = findCoding(
          *disposition, {kDischargeDispositionSystems[0], kDischargeDispositionSystems[1]}, true);
      if (dpc) {
        if (!isOneOf(dpc->code, {"1", "3", "4", "5", "6", "7", "9"})) {
          throw AdapterError(0, dpc->path + ".code",
                             "退院時転帰 " + quoteForMessage(dpc->code) +
                                 " is not a DPC code (1, 3, 4, 5, 6, 7 or 9)");
        }
        sheet_.discharge = sheet_.discharge.value_or(mapping::DischargeDetails{});
        sheet_.discharge->disposition = dpc->code;
      } else {
        losses_.add(Loss::Kind::Dropped, disposition->path(),
                    "退院時転帰 not coded in the DPC code system " +
                        std::string(kDischargeDispositionSystems[0]));
      }
    }
    if (auto source = h->object("admitSource")) {
      losses_.add(Loss::Kind::Dropped, source->path(),
                  "入院経路 " + quoteForMessage(conceptText(*source).value_or("(no text)")) +
                      ": the liaison sheet has no such item");
    }
  }
  for (const JsonView& location : enc.array("location")) {
    if (!location.isObject() || ward_) continue;
    if (auto ref = location.object("location")) {
      if (auto ward = ref->string("display"); ward && !trimmed(*ward).empty()) {
        ward_ = trimmed(*ward);
        wardSource_ = ref->memberPath("display");
      }
    }
  }
  hospitalOrg_ = resolveIfPresent(enc.object("serviceProvider"), "Organization");
}

std::size_t BundleDecoder::resolve(const JsonView& reference, std::string_view expectedType) {
  if (!reference.isObject()) {
    throw AdapterError(0, reference.path(),
                       "expected a Reference object, found " + reference.kind());
  }
  const std::string target = reference.requiredString(
      "reference", "the referenced resource is looked up by the fullUrl of a Bundle entry");
  auto it = byUrl_.find(target);
  std::optional<std::size_t> found;
  if (it != byUrl_.end()) found = it->second;
  for (std::size_t i = 0; !found && i < entries_.size(); ++i) {
    if (!target.empty() && entries_[i].fullUrl.ends_with("/" + target)) found = i;
  }
  if (!found) {
    throw AdapterError(
        0, reference.memberPath("reference"),
        quoteForMessage(target, 80) +
            " matches no Bundle.entry.fullUrl (nor a resourceType/id) of this Bundle");
  }
  if (!expectedType.empty() && entries_[*found].resourceType != expectedType) {
    throw AdapterError(0, reference.memberPath("reference"),
                       "refers to " + indexed("Bundle.entry", *found) + ", a " +
                           entries_[*found].resourceType + "; expected a " +
                           std::string(expectedType));
  }
  return *found;
}

std::optional<std::size_t> BundleDecoder::resolveIfPresent(const std::optional<JsonView>& reference,
                                                           std::string_view expectedType) {
  if (!reference || !reference->member("reference")) return std::nullopt;
  return resolve(*reference, expectedType);
}

}  // namespace detail

// The JSON reader's refusals reach callers as AdapterError, like every other refusal.
Decoded decodeBundle(std::string_view bytes, const JsonLimits& limits) try {
  detail::BundleDecoder decoder(JsonView(parseJson(bytes, limits), "Bundle"));
  return decoder.run();
} catch (const mapping::json::JsonError& e) {
  throw AdapterError(e.issues());
}

}  // namespace tsunagi::adapters::fhir_jp
