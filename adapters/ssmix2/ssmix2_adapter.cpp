#include "adapters/ssmix2/ssmix2_adapter.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "adapters/ssmix2/hl7_message.hpp"
#include "adapters/ssmix2/patient_fields.hpp"
#include "mapping/codes.hpp"
#include "mapping/digest.hpp"

namespace tsunagi::adapters {

namespace {

using mapping::Date;
using mapping::LiaisonSheet;
using mapping::SheetKind;
using ssmix2::Hl7Message;
using ssmix2::Segment;

/// What an ADT trigger event yields.
enum class Yields { Admission, Discharge, ByMetadata, Nothing };

struct Event {
  std::string_view code;
  std::string_view ja;
  std::string_view en;
  Yields yields;
};

// SS-MIX2 ADT events (DOMAIN.md §7; HL7 v2.5 chapter 3).
constexpr std::array kEvents{
    Event{"A01", "入院", "admission", Yields::Admission},
    Event{"A02", "転科・転棟", "transfer", Yields::Nothing},
    Event{"A03", "退院", "discharge", Yields::Discharge},
    Event{"A08", "患者情報更新", "patient information update", Yields::ByMetadata},
    Event{"A11", "入院取消", "cancel admission", Yields::Nothing},
    Event{"A12", "転科・転棟取消", "cancel transfer", Yields::Nothing},
    Event{"A13", "退院取消", "cancel discharge", Yields::Nothing},
    Event{"A14", "入院予定", "pending admission", Yields::Nothing},
    Event{"A15", "転科・転棟予定", "pending transfer", Yields::Nothing},
    Event{"A16", "退院予定", "pending discharge", Yields::Nothing},
    Event{"A21", "外出・外泊", "leave of absence", Yields::Nothing},
    Event{"A22", "外出・外泊からの帰院", "return from leave of absence", Yields::Nothing},
    Event{"A25", "退院予定取消", "cancel pending discharge", Yields::Nothing},
    Event{"A26", "転科・転棟予定取消", "cancel pending transfer", Yields::Nothing},
    Event{"A27", "入院予定取消", "cancel pending admission", Yields::Nothing},
    Event{"A52", "外出・外泊取消", "cancel leave of absence", Yields::Nothing},
    Event{"A53", "帰院取消", "cancel return from leave of absence", Yields::Nothing},
    Event{"A54", "担当医変更", "change attending doctor", Yields::Nothing},
    Event{"A55", "担当医変更取消", "cancel change of attending doctor", Yields::Nothing},
    Event{"A60", "アレルギー情報更新", "update allergy information", Yields::Nothing},
};

[[noreturn]] void fail(const Segment& segment, std::size_t n, std::string message) {
  throw AdapterError(segment.line, segment.name(n), std::move(message));
}

std::string eventLabel(const Event& event) {
  return "ADT^" + std::string(event.code) + " (" + std::string(event.ja) + ", " +
         std::string(event.en) + ")";
}

const Event& eventOf(const Hl7Message& message) {
  const Segment& msh = message.msh();
  const std::string type = message.value(msh, 9, 1);
  const std::string trigger = message.value(msh, 9, 2);
  if (type.empty()) fail(msh, 9, "the message type is empty (expected e.g. ADT^A01)");
  if (type != "ADT") {
    fail(msh, 9,
         "message type " + ssmix2::quoted(type + "^" + trigger) +
             " is not an ADT message: the ssmix2 adapter reads admission and discharge "
             "events (ADT^A01, ADT^A03 …) only");
  }
  for (const Event& event : kEvents) {
    if (event.code == trigger) return event;
  }
  std::string known;
  for (const Event& event : kEvents) known += (known.empty() ? "" : ", ") + std::string(event.code);
  fail(msh, 9,
       "ADT event " + ssmix2::quoted(trigger) +
           " is not an SS-MIX2 admission or discharge event (known: " + known + ")");
}

SheetKind kindOf(const Event& event, const LocalInput& input) {
  if (event.yields == Yields::Admission) return SheetKind::Admission;
  if (event.yields == Yields::Discharge) return SheetKind::Discharge;
  auto it = input.metadata.find("sheetKind");
  if (it == input.metadata.end() || it->second == "discharge") return SheetKind::Discharge;
  if (it->second == "admission") return SheetKind::Admission;
  throw AdapterError(
      0, "metadata sheetKind",
      ssmix2::quoted(it->second) + " is not a sheet kind: use admission or discharge");
}

/// The one segment `id`; `required` makes its absence an error.
const Segment* single(const Hl7Message& message, const char* id, const char* what,
                      const Event& event, bool required) {
  const std::vector<const Segment*> found = message.all(id);
  if (found.empty()) {
    if (!required) return nullptr;
    throw AdapterError(0, id,
                       "the " + std::string(id) + " segment (" + what +
                           ") is missing: " + eventLabel(event) + " needs it");
  }
  if (found.size() > 1 && std::string_view(id) != "PV2") {
    throw AdapterError(found[1]->line, id,
                       "a second " + std::string(id) +
                           " segment: an ADT event is about one patient and one visit");
  }
  return found.front();
}

/// A UUID (version 8, RFC 9562) from SHA-256 of the sender, the event and the control id.
std::string sheetIdFor(const Hl7Message& message, const Event& event) {
  const Segment& msh = message.msh();
  std::string digest = mapping::sha256(std::string(msh.raw(4)) + '\x1f' + std::string(event.code) +
                                       '\x1f' + std::string(msh.raw(10)));
  digest[6] = static_cast<char>((static_cast<unsigned char>(digest[6]) & 0x0F) | 0x80);
  digest[8] = static_cast<char>((static_cast<unsigned char>(digest[8]) & 0x3F) | 0x80);
  std::string hex = mapping::toHex(digest.substr(0, 16));
  for (std::size_t at : {20, 16, 12, 8}) hex.insert(at, "-");
  return hex;
}

/// "message control id 'X' of 2024-03-01": how a loss names the message (never the patient).
std::string messageReference(const std::string& controlId, const Date& sent) {
  return "message control id " + ssmix2::quoted(controlId) + " of " + sent.iso();
}

std::optional<Date> optionalDate(const Hl7Message& message, const Segment* segment, std::size_t n) {
  if (segment == nullptr) return std::nullopt;
  const std::string value = message.value(*segment, n, 1);
  if (value.empty()) return std::nullopt;
  return ssmix2::parseHl7Date(value, segment->line, segment->name(n));
}

void readDates(const Hl7Message& message, const Segment& pid, const Segment& pv1,
               const Segment* pv2, LiaisonSheet& sheet) {
  mapping::SheetDates& dates = sheet.dates;
  dates.admittedOn = optionalDate(message, &pv1, 44);
  const std::optional<Date> discharged = optionalDate(message, &pv1, 45);
  const std::optional<Date> expected = optionalDate(message, pv2, 9);
  const Date& birth = sheet.patient.birthDate;
  if (dates.admittedOn && *dates.admittedOn < birth) {
    fail(pid, 7,
         "the birth date " + birth.iso() + " is after the admission date " +
             dates.admittedOn->iso() + " in PV1-44");
  }
  if (dates.recordedOn < birth) {
    fail(pid, 7,
         "the birth date " + birth.iso() + " is after the message date " + dates.recordedOn.iso() +
             " in MSH-7");
  }
  if (dates.admittedOn && discharged && *discharged < *dates.admittedOn) {
    fail(pv1, 45,
         "the discharge date " + discharged->iso() + " is before the admission date " +
             dates.admittedOn->iso() + " in PV1-44");
  }
  if (dates.admittedOn && expected && *expected < *dates.admittedOn) {
    fail(*pv2, 9,
         "the expected discharge date " + expected->iso() + " is before the admission date " +
             dates.admittedOn->iso() + " in PV1-44");
  }
  dates.plannedDischargeOn = expected;
  if (sheet.kind == SheetKind::Discharge && discharged) dates.plannedDischargeOn = discharged;
}

void readDisposition(const Hl7Message& message, const Segment& pv1, LiaisonSheet& sheet,
                     LossReport& losses) {
  std::string code = message.value(pv1, 36);
  if (code.empty()) return;
  if (sheet.kind == SheetKind::Admission) {
    losses.add(Loss::Kind::Dropped, "/PV1/36",
               "a discharge disposition on an admission event: an admission sheet has no place "
               "for it");
    return;
  }
  if (code.size() == 2 && code[0] == '0') code.erase(0, 1);  // HL7 IS codes are often zero-padded
  if (mapping::CodeTables::shipped().check("discharge-disposition", code)) {
    losses.add(Loss::Kind::Dropped, "/PV1/36",
               ssmix2::quoted(message.value(pv1, 36)) +
                   " is not a DPC 退院時転帰 code (table discharge-disposition: 1, 3, 4, 5, 6, 7, "
                   "9): not carried");
    return;
  }
  sheet.discharge = mapping::DischargeDetails{};
  sheet.discharge->disposition = code;
}

/// Segments the adapter does not read, one loss per segment id.
void reportUnreadSegments(const Hl7Message& message, LossReport& losses) {
  std::vector<std::pair<std::string, int>> unread;
  for (const Segment& segment : message.segments()) {
    if (segment.id == "MSH" || segment.id == "EVN" || segment.id == "PID" || segment.id == "PV1" ||
        segment.id == "PV2") {
      continue;
    }
    auto it = std::find_if(unread.begin(), unread.end(),
                           [&](const auto& entry) { return entry.first == segment.id; });
    if (it == unread.end()) {
      unread.emplace_back(segment.id, 1);
    } else {
      ++it->second;
    }
  }
  for (const auto& [id, count] : unread) {
    losses.add(Loss::Kind::Dropped, "/" + id,
               std::to_string(count) + " " + id + (count == 1 ? " segment" : " segments") +
                   " not read: an ADT event gives the sheet only the patient, the hospital, the "
                   "attending doctor and the dates");
  }
}

}  // namespace

Decoded Ssmix2Adapter::decode(const LocalInput& input) const {
  const Hl7Message message = Hl7Message::parse(input.bytes);
  const Segment& msh = message.msh();
  const Event& event = eventOf(message);
  const std::string controlId = message.value(msh, 10);
  if (controlId.empty()) {
    fail(msh, 10,
         "the message control id is empty: it identifies the message and the sheet "
         "made from it");
  }
  const std::string sentAt = message.value(msh, 7, 1);
  if (sentAt.empty()) {
    fail(msh, 7, "the message date/time is empty: it gives the sheet's 記入日 recordedOn");
  }
  const Date sent = ssmix2::parseHl7Date(sentAt, msh.line, msh.name(7));

  Decoded decoded;
  if (event.yields == Yields::Nothing) {
    decoded.losses.add(Loss::Kind::Partial, "/MSH/9",
                       eventLabel(event) +
                           " carries no liaison-sheet content: no document was made; record the "
                           "event against the case (" +
                           messageReference(controlId, sent) + ")");
    return decoded;
  }

  LiaisonSheet sheet;
  sheet.kind = kindOf(event, input);
  sheet.sheetId = sheetIdFor(message, event);
  sheet.dates.recordedOn = sent;
  const Segment& pid = *single(message, "PID", "patient", event, true);
  const Segment& pv1 = *single(message, "PV1", "patient visit", event, true);
  const Segment* pv2 = single(message, "PV2", "patient visit, additional", event, false);

  LossReport losses;
  const char* kindName = sheet.kind == SheetKind::Admission ? "admission" : "discharge";
  losses.add(Loss::Kind::Partial, "/LiaisonSheet",
             eventLabel(event) + ": a partial " + kindName +
                 " sheet with only the patient, the hospital, the attending doctor and the "
                 "dates; the other sections (insurance, ADL, nutrition, medication …) are absent");
  ssmix2::readPatient(message, pid, sheet.patient, losses);
  readDates(message, pid, pv1, pv2, sheet);
  sheet.contacts = ssmix2::readContacts(message, pv1, input, losses);
  readDisposition(message, pv1, sheet, losses);
  reportUnreadSegments(message, losses);

  if (sheet.kind == SheetKind::Discharge && !sheet.dates.admittedOn) {
    decoded.losses.add(Loss::Kind::Partial, "/PV1/44",
                       eventLabel(event) +
                           " without an admission date in PV1-44: a discharge sheet needs 入院日 "
                           "admittedOn, so no document was made; record the event against the "
                           "case (" +
                           messageReference(controlId, sent) + ")");
    return decoded;
  }
  if (std::vector<mapping::Issue> issues = mapping::validate(sheet); !issues.empty()) {
    throw AdapterError(std::move(issues));
  }
  decoded.documents.emplace_back(std::move(sheet));
  decoded.losses = std::move(losses);
  return decoded;
}

void registerSsmix2(AdapterRegistry& registry) {
  registry.add("ssmix2", [] { return std::make_unique<Ssmix2Adapter>(); });
}

}  // namespace tsunagi::adapters
