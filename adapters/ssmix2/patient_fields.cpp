#include "adapters/ssmix2/patient_fields.hpp"

#include <optional>

#include "mapping/identifiers.hpp"
#include "mapping/text/kana.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/text/width.hpp"

namespace tsunagi::adapters::ssmix2 {

namespace {

constexpr std::size_t kNameLimit = 64;   // Name in common-1.xsd
constexpr std::size_t kLineLimit = 200;  // ShortText in common-1.xsd

[[noreturn]] void fail(const Segment& segment, std::size_t n, std::string message) {
  throw AdapterError(segment.line, segment.name(n), std::move(message));
}

std::string joinName(const std::string& family, const std::string& given) {
  if (family.empty()) return given;
  if (given.empty()) return family;
  return family + " " + given;
}

bool isKanaNameCharacter(char32_t c) {
  return (c >= 0x30A1 && c <= 0x30FA) || c == 0x30FC || c == 0x30FB || c == 0x3000 || c == 0x20;
}

/// Family and given name (XPN-1, XPN-2) of one PID-5 repetition.
std::string nameOf(const Hl7Message& m, const Segment& pid, std::string_view repetition) {
  return joinName(m.text(pid, 5, m.component(repetition, 1)),
                  m.text(pid, 5, m.component(repetition, 2)));
}

void readName(const Hl7Message& m, const Segment& pid, mapping::Patient& patient) {
  if (pid.raw(5).empty()) {
    fail(pid, 5,
         "the patient name is missing: the sheet needs 氏名 in kanji (representation I) "
         "and in kana (representation P)");
  }
  std::optional<std::string_view> kanji, kana, unmarked;
  for (std::string_view repetition : m.repetitions(pid, 5)) {
    const std::string code = m.text(pid, 5, m.component(repetition, 8));
    if (code == "I" && !kanji) kanji = repetition;
    if (code == "P" && !kana) kana = repetition;
    if (code.empty() && !unmarked) unmarked = repetition;
  }
  if (!kanji) kanji = unmarked;  // one name without a representation code: the name as written
  if (kanji) patient.nameKanji = nameOf(m, pid, *kanji);
  if (patient.nameKanji.empty()) {
    fail(pid, 5,
         "no name written in kanji (representation code I in the 8th component, e.g. "
         "姓^名^^^^^L^I)");
  }
  if (!kana) {
    fail(pid, 5,
         "no name written in kana (representation code P in the 8th component, e.g. "
         "セイ^メイ^^^^^L^P): the sheet needs 氏名（カナ）");
  }
  namespace text = mapping::text;
  patient.nameKana = text::hiraganaToKatakana(text::toFullwidthKatakana(nameOf(m, pid, *kana)));
  if (patient.nameKana.empty()) fail(pid, 5, "the kana name (representation P) is empty");
  const std::u32string kanaCharacters = text::decodeUtf8(patient.nameKana);
  for (std::size_t i = 0; i < kanaCharacters.size(); ++i) {
    if (!isKanaNameCharacter(kanaCharacters[i])) {
      fail(pid, 5,
           "character " + std::to_string(i + 1) +
               " of the kana name (representation P) "
               "is " +
               text::codePointLabel(kanaCharacters[i]) +
               ", not katakana: 氏名（カナ） is written in katakana");
    }
  }
  for (const auto& [name, label] :
       {std::pair{&patient.nameKanji, "kanji"}, std::pair{&patient.nameKana, "kana"}}) {
    if (mapping::text::characterCount(*name) > kNameLimit) {
      fail(pid, 5,
           std::string("the ") + label + " name is " +
               std::to_string(mapping::text::characterCount(*name)) +
               " characters; the sheet allows at most 64");
    }
  }
}

void readAddress(const Hl7Message& m, const Segment& pid, mapping::Patient& patient,
                 LossReport& losses) {
  const std::vector<std::string_view> repetitions = m.repetitions(pid, 11);
  std::string_view chosen = repetitions.front();
  for (std::string_view repetition : repetitions) {
    if (m.text(pid, 11, m.component(repetition, 7)) == "H") {  // home address
      chosen = repetition;
      break;
    }
  }
  auto part = [&](std::size_t c) { return m.text(pid, 11, m.component(chosen, c)); };
  // Japanese order: 都道府県 (XAD-4), 市区町村 (XAD-3), 町域・番地 (XAD-1), 建物 (XAD-2).
  std::string address = part(4) + part(3) + part(1);
  if (!part(2).empty()) address += (address.empty() ? "" : " ") + part(2);
  if (mapping::text::characterCount(address) > kLineLimit) {
    losses.add(Loss::Kind::Dropped, "/PID/11",
               "the address is " + std::to_string(mapping::text::characterCount(address)) +
                   " characters; 住所 allows at most 200: not carried");
  } else if (!address.empty()) {
    patient.address = address;
  }
  const std::string zip = mapping::text::toHalfwidthAscii(part(5));
  if (zip.empty()) return;
  auto digits = [](std::string_view s) { return s.find_first_not_of("0123456789") == s.npos; };
  if (zip.size() == 7 && digits(zip)) {
    patient.postalCode = zip.substr(0, 3) + "-" + zip.substr(3);
  } else if (zip.size() == 8 && zip[3] == '-' && digits(zip.substr(0, 3)) &&
             digits(zip.substr(4))) {
    patient.postalCode = zip;
  } else {
    losses.add(Loss::Kind::Dropped, "/PID/11",
               "the postal code (XAD-5) is not a seven-digit 郵便番号: not carried");
  }
}

/// A telephone number in the sheet's form ([0-9+][0-9-]{5,19}), or nullopt.
std::optional<std::string> phoneOf(const std::string& candidate) {
  std::string phone;
  for (char c : mapping::text::toHalfwidthAscii(candidate)) {
    if (c == ' ' || c == '(') continue;
    phone += c == ')' ? '-' : c;
  }
  if (phone.size() < 6 || phone.size() > 20) return std::nullopt;
  if (!((phone[0] >= '0' && phone[0] <= '9') || phone[0] == '+')) return std::nullopt;
  if (phone.find_first_not_of("0123456789-", 1) != std::string::npos) return std::nullopt;
  return phone;
}

void readPhone(const Hl7Message& m, const Segment& pid, mapping::Patient& patient,
               LossReport& losses) {
  if (pid.raw(13).empty()) return;
  for (std::string_view repetition : m.repetitions(pid, 13)) {
    auto part = [&](std::size_t c) { return m.text(pid, 13, m.component(repetition, c)); };
    // XTN-1 (formatted), XTN-12 (unformatted), XTN-6 area code + XTN-7 local number.
    const std::string areaAndLocal = part(6).empty() ? part(7) : part(6) + "-" + part(7);
    for (const std::string& candidate : {part(1), part(12), areaAndLocal}) {
      if (auto phone = phoneOf(candidate)) {
        patient.phone = *phone;
        return;
      }
    }
  }
  losses.add(Loss::Kind::Dropped, "/PID/13",
             "no telephone number in the form the sheet accepts (digits, '+' and '-', 6 to 20 "
             "characters): not carried");
}

}  // namespace

void readPatient(const Hl7Message& message, const Segment& pid, mapping::Patient& patient,
                 LossReport& losses) {
  if (!pid.raw(3).empty()) {
    losses.add(Loss::Kind::Dropped, "/PID/3",
               "the hospital's patient id is not exchanged: hospital-internal identifiers stay "
               "at the hospital");
  }
  readName(message, pid, patient);
  const std::string birth = message.value(pid, 7, 1);
  if (birth.empty()) fail(pid, 7, "the birth date is missing: the sheet needs 生年月日");
  patient.birthDate = parseHl7Date(birth, pid.line, pid.name(7));
  const std::string sex = message.value(pid, 8);
  if (sex == "M") {
    patient.sex = "1";
  } else if (sex == "F") {
    patient.sex = "2";
  } else if (sex.empty()) {
    fail(pid, 8, "the sex is missing: the sheet needs 性別 (M or F)");
  } else {
    fail(pid, 8,
         "sex " + quoted(sex) +
             " cannot be written on the sheet, which knows only 1 男 (M) and 2 女 (F)");
  }
  readAddress(message, pid, patient, losses);
  readPhone(message, pid, patient, losses);
}

mapping::Contacts readContacts(const Hl7Message& message, const Segment& pv1,
                               const LocalInput& input, LossReport& losses) {
  const Segment& msh = message.msh();
  mapping::Hospital hospital;
  const std::string namespaceId = message.value(msh, 4, 1);
  const std::string universalId = message.value(msh, 4, 2);
  for (const std::string& id : {namespaceId, universalId}) {
    if (!mapping::checkTenDigitCode(id)) {
      hospital.institutionCode = id;  // 医療機関コード
      break;
    }
  }
  std::string source = msh.name(4);
  if (auto named = input.metadata.find("hospitalName");
      named != input.metadata.end() && !named->second.empty()) {
    hospital.institution = named->second;
    source = "metadata hospitalName";
  } else if (!namespaceId.empty() && namespaceId != hospital.institutionCode) {
    hospital.institution = namespaceId;
  } else if (hospital.institutionCode) {
    hospital.institution = "医療機関コード " + *hospital.institutionCode;
  } else {
    fail(msh, 4,
         "the sending facility is empty: the sheet names the hospital; send its "
         "医療機関コード in MSH-4 or set the connector's hospitalName");
  }
  if (mapping::text::characterCount(hospital.institution) > kLineLimit) {
    throw AdapterError(source == "metadata hospitalName" ? 0 : msh.line, source,
                       "the hospital name is " +
                           std::to_string(mapping::text::characterCount(hospital.institution)) +
                           " characters; the sheet allows at most 200");
  }

  const std::string_view location = message.repetitions(pv1, 3).front();
  auto place = [&](std::size_t c) { return message.text(pv1, 3, message.component(location, c)); };
  std::string ward = !place(9).empty() ? place(9) : place(1).empty() ? "" : "病棟 " + place(1);
  for (const auto& [c, label] : {std::pair{2, "病室 "}, std::pair{3, "ベッド "}}) {
    if (!place(c).empty()) ward += (ward.empty() ? "" : "、") + std::string(label) + place(c);
  }
  if (mapping::text::characterCount(ward) > kLineLimit) {
    losses.add(Loss::Kind::Dropped, "/PV1/3",
               "the ward is " + std::to_string(mapping::text::characterCount(ward)) +
                   " characters; 病棟 allows at most 200: not carried");
  } else if (!ward.empty()) {
    hospital.ward = ward;
  }

  mapping::Contacts contacts;
  const std::string_view doctor = message.repetitions(pv1, 7).front();
  const std::string doctorName = joinName(message.text(pv1, 7, message.component(doctor, 2)),
                                          message.text(pv1, 7, message.component(doctor, 3)));
  if (mapping::text::characterCount(doctorName) > kNameLimit) {
    losses.add(Loss::Kind::Dropped, "/PV1/7",
               "the attending doctor's name is " +
                   std::to_string(mapping::text::characterCount(doctorName)) +
                   " characters; 氏名 allows at most 64: not carried");
  } else if (!doctorName.empty()) {
    mapping::Doctor attending;
    attending.name = doctorName;
    attending.institution = hospital.institution;
    attending.institutionCode = hospital.institutionCode;
    contacts.attendingDoctor = attending;
  }
  contacts.hospital = hospital;
  return contacts;
}

}  // namespace tsunagi::adapters::ssmix2
