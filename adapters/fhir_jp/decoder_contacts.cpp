// BundleDecoder: the sheet's dates (Composition.date, Encounter.period, Bundle.timestamp) and
// contacts (hospital, attending doctor, care manager).

#include "adapters/fhir_jp/decoder.hpp"
#include "adapters/fhir_jp/fhir_read.hpp"
#include "adapters/fhir_jp/vocabulary.hpp"
#include "mapping/identifiers.hpp"

namespace tsunagi::adapters::fhir_jp::detail {

namespace {

constexpr std::size_t kNameLimit = 64;

// A date element that must name a day; `what` says which sheet item needs it.
std::optional<mapping::Date> dayOf(const std::optional<FhirDate>& value, const std::string& path,
                                   const std::string& what) {
  if (!value) return std::nullopt;
  if (value->precision != FhirDate::Precision::Day) {
    throw AdapterError(0, path, "has no day; " + what + " needs a full date YYYY-MM-DD");
  }
  return value->date;
}

bool mentionsCareManager(const std::string& text) {
  return text.find("介護支援専門員") != std::string::npos ||
         text.find("ケアマネ") != std::string::npos;
}

}  // namespace

void BundleDecoder::readDates() {
  const auto recorded = dayOf(readFhirDate(composition_, "date"), composition_.memberPath("date"),
                              "記入日 recordedOn");
  if (!recorded) {
    throw AdapterError(0, composition_.memberPath("date"),
                       "is required: it gives 記入日 recordedOn of the liaison sheet");
  }
  sheet_.dates.recordedOn = *recorded;
  const mapping::Date birth = sheet_.patient.birthDate;
  if (sheet_.dates.recordedOn < birth) {
    throw AdapterError(0, composition_.memberPath("date"),
                       "the document date " + sheet_.dates.recordedOn.iso() +
                           " is before the patient's birthDate " + birth.iso());
  }

  // 入院日 / 退院予定日: Encounter.period, else the earliest Encounter.classHistory period, else
  // Composition.event.period (the 入院期間 of a 退院時サマリー; the issue date of a
  // 診療情報提供書).
  std::optional<mapping::Date> start, end;
  std::string startPath, endPath, approximatedFrom;
  if (encounter_) {
    const JsonView enc = resource(*encounter_);
    if (auto period = enc.object("period")) {
      startPath = period->memberPath("start");
      endPath = period->memberPath("end");
      start = dayOf(readFhirDate(*period, "start"), startPath, "入院日 admittedOn");
      end = dayOf(readFhirDate(*period, "end"), endPath, "退院予定日 plannedDischargeOn");
    }
    for (const JsonView& history : enc.array("classHistory")) {
      if (start || !history.isObject()) continue;
      if (auto period = history.object("period")) {
        if (auto s = dayOf(readFhirDate(*period, "start"), period->memberPath("start"),
                           "入院日 admittedOn")) {
          start = s;
          startPath = period->memberPath("start");
          approximatedFrom = "the encounter's class history (the encounter has no period)";
        }
      }
    }
  }
  for (const JsonView& event : composition_.array("event")) {
    if (!event.isObject())
      throw AdapterError(0, event.path(), "expected an object, found " + event.kind());
    auto period = event.object("period");
    if (!period) continue;
    if (!start) {
      start =
          dayOf(readFhirDate(*period, "start"), period->memberPath("start"), "入院日 admittedOn");
      startPath = period->memberPath("start");
      if (start && documentType_ == kReferralCode) {
        approximatedFrom = "the 診療情報提供書's event period (no encounter period in the Bundle)";
      }
    }
    if (!end && documentType_ == kDischargeSummaryCode) {
      end = dayOf(readFhirDate(*period, "end"), period->memberPath("end"),
                  "退院予定日 plannedDischargeOn");
      endPath = period->memberPath("end");
    }
  }
  if (!start) {
    throw AdapterError(0, composition_.memberPath("encounter"),
                       "入院日 admittedOn is required on a discharge sheet; looked for it in "
                       "Encounter.period.start, Encounter.classHistory[].period.start and "
                       "Composition.event[].period.start");
  }
  if (*start < birth) {
    throw AdapterError(0, startPath,
                       start->iso() + " is before the patient's birthDate " + birth.iso());
  }
  if (end && *end < *start) {
    throw AdapterError(
        0, endPath,
        "the end " + end->iso() + " is before the start " + start->iso() + " (" + startPath + ")");
  }
  if (!approximatedFrom.empty()) {
    losses_.add(Loss::Kind::Approximated, "/LiaisonSheet/dates/admittedOn",
                "taken from " + startPath + ": " + approximatedFrom);
  }
  sheet_.dates.admittedOn = start;
  sheet_.dates.plannedDischargeOn = end;

  // 情報提供日: when the Bundle was assembled, if not before the document date.
  if (auto timestamp = readFhirDate(bundle_, "timestamp")) {
    if (timestamp->precision == FhirDate::Precision::Day &&
        !(timestamp->date < sheet_.dates.recordedOn)) {
      sheet_.dates.providedOn = timestamp->date;
    } else {
      losses_.add(Loss::Kind::Dropped, bundle_.memberPath("timestamp"),
                  "not a full date on or after the document date; 情報提供日 providedOn left out");
    }
  }
}

std::optional<BundleDecoder::OrganizationInfo> BundleDecoder::organization(std::size_t index) {
  if (auto known = organizations_.find(index); known != organizations_.end()) return known->second;
  const JsonView org = resource(index);
  entries_[index].used = true;
  std::optional<OrganizationInfo> info = OrganizationInfo{};
  info->name = trimmed(org.string("name").value_or(""));
  if (info->name.empty()) {
    losses_.add(Loss::Kind::Dropped, org.path(), "Organization without a name");
    info.reset();
  }
  // 医療機関コード from its own identifier system first; else any ten-digit identifier (a care
  // office's 介護保険事業所番号 has no agreed system).
  std::optional<std::string> anyCode;
  for (const JsonView& id : org.array("identifier")) {
    if (!id.isObject()) {
      throw AdapterError(0, id.path(), "expected an Identifier object, found " + id.kind());
    }
    const auto value = id.string("value");
    if (!value || !info) continue;
    const bool valid = !mapping::checkTenDigitCode(*value);
    if (id.string("system") == std::string(kMedicalInstitutionSystem)) {
      if (valid && !info->code) info->code = *value;
      if (!valid) {
        losses_.add(Loss::Kind::Dropped, id.memberPath("value"),
                    "医療機関コード " + quoteForMessage(*value) + " is not ten digits");
      }
    } else if (valid && !anyCode) {
      anyCode = *value;
    }
  }
  if (info) {
    if (!info->code) info->code = anyCode;
    info->phone = firstPhone(org);
  }
  organizations_.emplace(index, info);
  return info;
}

std::optional<std::string> BundleDecoder::practitionerName(std::size_t index) {
  entries_[index].used = true;
  const auto name = preferredName(resource(index));
  if (!name) {
    losses_.add(Loss::Kind::Dropped, resource(index).path(), "Practitioner without a name");
    return std::nullopt;
  }
  return fitLine(name->first, kNameLimit, "/LiaisonSheet/contacts", name->second, losses_);
}

bool BundleDecoder::isCareManager(std::size_t practitioner) {
  for (const JsonView& q : resource(practitioner).array("qualification")) {
    if (!q.isObject()) continue;
    if (auto code = q.object("code")) {
      if (mentionsCareManager(conceptText(*code).value_or(""))) return true;
    }
  }
  return false;
}

void BundleDecoder::readContacts() {
  for (const JsonView& author : composition_.array("author")) {
    auto index = resolveIfPresent(author, "");
    if (!index) continue;
    const std::string& type = entries_[*index].resourceType;
    if (type == "Practitioner" && !authorPractitioner_) {
      authorPractitioner_ = index;
    } else if (type == "Organization" && !authorOrg_) {
      authorOrg_ = index;
    } else if (type == "PractitionerRole") {
      entries_[*index].used = true;
      const JsonView role = resource(*index);
      auto p = resolveIfPresent(role.object("practitioner"), "Practitioner");
      auto o = resolveIfPresent(role.object("organization"), "Organization");
      if (!authorPractitioner_) authorPractitioner_ = p;
      if (!authorOrg_) authorOrg_ = o;
    }
  }
  const auto custodian = resolveIfPresent(composition_.object("custodian"), "Organization");
  mapping::Contacts contacts;

  // 入院先医療機関: the Encounter's serviceProvider, else the custodian, else the author.
  std::optional<std::size_t> hospital = hospitalOrg_;
  for (auto candidate : {custodian, authorOrg_, referralFromOrg_}) {
    if (!hospital) hospital = candidate;
  }
  std::optional<OrganizationInfo> hospitalInfo = hospital ? organization(*hospital) : std::nullopt;
  if (hospitalInfo) {
    mapping::Hospital h;
    h.institution = fitLine(hospitalInfo->name, 200, "/LiaisonSheet/contacts/hospital/institution",
                            resource(*hospital).path(), losses_);
    h.institutionCode = hospitalInfo->code;
    h.phone = hospitalInfo->phone;
    h.ward = ward_ ? std::optional(fitLine(*ward_, 200, "/LiaisonSheet/contacts/hospital/ward",
                                           wardSource_, losses_))
                   : std::nullopt;
    contacts.hospital = std::move(h);
  } else if (ward_) {
    losses_.add(Loss::Kind::Dropped, wardSource_, "病棟 without a named hospital");
  }

  // The author: a care manager (qualification 介護支援専門員) or the doctor in charge.
  const auto practitioner = authorPractitioner_ ? authorPractitioner_ : referralFromPractitioner_;
  const auto practitionerOrg =
      authorOrg_ ? authorOrg_ : (referralFromOrg_ ? referralFromOrg_ : hospital);
  if (practitioner) {
    const auto name = practitionerName(*practitioner);
    const auto org = practitionerOrg ? organization(*practitionerOrg) : std::nullopt;
    if (name && org && isCareManager(*practitioner)) {
      contacts.careManager =
          mapping::CareManager{*name,
                               fitLine(org->name, 200, "/LiaisonSheet/contacts/careManager/office",
                                       resource(*practitionerOrg).path(), losses_),
                               org->code, org->phone};
    } else if (name && org) {
      contacts.attendingDoctor = mapping::Doctor{
          *name,
          fitLine(org->name, 200, "/LiaisonSheet/contacts/attendingDoctor/institution",
                  resource(*practitionerOrg).path(), losses_),
          org->code, org->phone};
    } else if (name) {
      losses_.add(Loss::Kind::Dropped, resource(*practitioner).path(),
                  "author without an organisation (かかりつけ医・主治医 needs 医療機関名)");
    }
  }

  // かかりつけ医 from Patient.generalPractitioner when the author did not give a doctor.
  for (const JsonView& gp : resource(*patient_).array("generalPractitioner")) {
    if (contacts.attendingDoctor) break;
    auto index = resolveIfPresent(gp, "");
    if (!index || entries_[*index].resourceType != "PractitionerRole") continue;
    entries_[*index].used = true;
    const JsonView role = resource(*index);
    auto p = resolveIfPresent(role.object("practitioner"), "Practitioner");
    auto o = resolveIfPresent(role.object("organization"), "Organization");
    const auto name = p ? practitionerName(*p) : std::nullopt;
    const auto org = o ? organization(*o) : std::nullopt;
    if (name && org) {
      contacts.attendingDoctor = mapping::Doctor{
          *name,
          fitLine(org->name, 200, "/LiaisonSheet/contacts/attendingDoctor/institution",
                  resource(*o).path(), losses_),
          org->code, org->phone};
    }
  }
  if (contacts.hospital || contacts.attendingDoctor || contacts.careManager) {
    sheet_.contacts = std::move(contacts);
  }
}

}  // namespace tsunagi::adapters::fhir_jp::detail
