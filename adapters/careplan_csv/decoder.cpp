// careplan_csv decode: a set of UPHOSOKU + UP1KYO (+ UP2KYO, UP3KYO) files → admission sheets.
#include <cctype>
#include <map>
#include <set>

#include "adapters/careplan_csv/careplan_csv_adapter.hpp"
#include "adapters/careplan_csv/layout.hpp"
#include "adapters/csv/csv.hpp"
#include "mapping/codes.hpp"
#include "mapping/digest.hpp"
#include "mapping/identifiers.hpp"
#include "mapping/model/canonical.hpp"
#include "mapping/text/kana.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/text/width.hpp"

namespace tsunagi::adapters {

namespace {

using careplan_csv::Field;
using careplan_csv::FileName;
using careplan_csv::FileType;
using careplan_csv::layoutOf;
using careplan_csv::prefixOf;
using mapping::Date;
using mapping::LiaisonSheet;
using mapping::text::characterCount;
using mapping::text::trimmed;
namespace hosoku = careplan_csv::hosoku;
namespace plan1 = careplan_csv::plan1;
namespace plan2 = careplan_csv::plan2;
namespace plan3 = careplan_csv::plan3;

constexpr std::size_t kMaxRecords = 100'000;

struct File {
  FileName name;
  std::string fileName;
  std::vector<csv::Row> rows;
};

/// "UP1KYO field 14 居宅サービス計画作成（変更）日".
std::string fieldPath(FileType type, int no) {
  return std::string(prefixOf(type)) + " field " + std::to_string(no) + " " +
         layoutOf(type)[static_cast<std::size_t>(no - 1)].ja;
}

/// Loss path of a source field: "/UP1KYO/14".
std::string lossPath(FileType type, int no) {
  return "/" + std::string(prefixOf(type)) + "/" + std::to_string(no);
}

/// A record of one file, with accessors that name the field in every error.
struct Record {
  FileType type;
  const csv::Row* row;

  int line() const { return row->line; }
  const std::string& raw(int no) const { return row->cells[static_cast<std::size_t>(no - 1)]; }
  std::string text(int no) const { return trimmed(raw(no)); }
  [[noreturn]] void fail(int no, const std::string& why) const {
    throw AdapterError(line(), fieldPath(type, no), why);
  }
  std::string required(int no, const char* why) const {
    std::string v = text(no);
    if (v.empty()) fail(no, std::string("is empty: ") + why);
    return v;
  }
  std::optional<Date> date(int no) const {
    const std::string v = text(no);
    if (v.empty() || v == "00000000") return std::nullopt;
    if (v.size() != 8 || v.find_first_not_of("0123456789") != std::string::npos) {
      fail(no, "'" + v + "' is not a date: the layout writes YYYYMMDD (西暦)");
    }
    const Date d{std::stoi(v.substr(0, 4)), std::stoi(v.substr(4, 2)), std::stoi(v.substr(6, 2))};
    if (auto problem = d.problem()) fail(no, "'" + v + "' is not a real date: " + *problem);
    return d;
  }
  Date requiredDate(int no, const char* why) const {
    if (auto d = date(no)) return *d;
    fail(no, std::string("is empty: ") + why);
  }
  std::optional<std::string> code(int no, const char* table) const {
    const std::string v = text(no);
    if (v.empty()) return std::nullopt;
    if (auto problem = mapping::CodeTables::shipped().check(table, v)) fail(no, *problem);
    return v;
  }
};

struct Key {
  std::string insurer, insured, planDate;
  auto operator<=>(const Key&) const = default;
  std::string describe() const {
    return "保険者番号 " + insurer + " / 被保険者番号 " + insured + " / 計画作成（変更）日 " +
           planDate;
  }
};

Key keyOf(const Record& r, int planDateField) {
  Key k{r.text(2), r.text(3), r.text(planDateField)};
  if (auto p = mapping::checkInsurerNumber(k.insurer); p || k.insurer.size() != 6) {
    r.fail(2, "'" + k.insurer + "' " + (p ? *p : std::string("must be 6 digits")));
  }
  if (auto p = mapping::checkInsuredNumber(k.insured)) r.fail(3, "'" + k.insured + "' " + *p);
  r.requiredDate(planDateField, "it joins the files of the set");
  return k;
}

/// Adds a file's name to the path of every issue from csv:: (which knows lines, not files).
[[noreturn]] void rethrowIn(const AdapterError& e, const std::string& fileName) {
  std::vector<mapping::Issue> issues = e.issues();
  for (auto& issue : issues) {
    issue.path = fileName + (issue.path.empty() ? "" : " " + issue.path);
  }
  throw AdapterError(std::move(issues));
}

File readFile(const LocalFile& input, const FileName& name) {
  std::string_view base = input.name;
  if (const auto slash = base.find_last_of("/\\"); slash != std::string_view::npos) {
    base.remove_prefix(slash + 1);
  }
  File file{name, std::string(base), {}};
  if (name.type == FileType::Hosoku && name.providedMonth != "000000") {
    throw AdapterError(0, "file name 提供年月",
                       "'" + file.fileName + "': UPHOSOKU with 提供年月 " + name.providedMonth +
                           " belongs to 第6・7表 (サービス利用票), which this adapter does not "
                           "read; a 第1・2表 set uses 000000");
  }
  if (input.bytes.empty()) {
    throw AdapterError(0, file.fileName, "the file is empty: it must hold at least one record");
  }
  const std::span<const Field> layout = layoutOf(name.type);
  try {
    const std::string text =
        csv::decodeText(input.bytes, mapping::text::Charset::Cp932, csv::BomPolicy::Reject);
    file.rows = csv::parse(text, csv::ReadOptions{.maxCellBytes = 64 * 1024,
                                                  .maxCells = layout.size() + 1,
                                                  .maxRows = kMaxRecords});
  } catch (const AdapterError& e) {
    rethrowIn(e, file.fileName);
  }
  if (file.rows.empty()) {
    throw AdapterError(0, file.fileName, "the file holds no record");
  }
  const std::string prefix(prefixOf(name.type));
  std::string version;
  for (const csv::Row& row : file.rows) {
    if (row.cells.size() != layout.size()) {
      throw AdapterError(row.line, prefix,
                         "the record has " + std::to_string(row.cells.size()) + " field" +
                             (row.cells.size() == 1 ? "" : "s") + ", the layout of " + prefix +
                             " has " + std::to_string(layout.size()));
    }
    const Record r{name.type, &row};
    const std::string v = r.text(1);
    if (v != "202407" && v != "202208") {
      r.fail(1, "version '" + v + "' is not supported: expected 202407 (v4.1) or 202208");
    }
    if (version.empty()) version = v;
    if (v != version) {
      r.fail(1, "version " + v + " after " + version +
                    " in the same file: one file holds records of one CSV version");
    }
    for (const Field& f : layout) {
      const std::string& cell = row.cells[static_cast<std::size_t>(f.no - 1)];
      if (f.length > 0 && characterCount(cell) > f.length) {
        r.fail(f.no, std::to_string(characterCount(cell)) + " characters, the layout allows " +
                         std::to_string(f.length));
      }
    }
  }
  return file;
}

std::string postalCode(const Record& r, int no) {
  const std::string v = mapping::text::toHalfwidthAscii(r.text(no));
  if (v.empty()) return v;
  auto digits = [](std::string_view s) {
    return s.find_first_not_of("0123456789") == std::string_view::npos;
  };
  if (v.size() == 8 && v[3] == '-' && digits(v.substr(0, 3)) && digits(v.substr(4))) return v;
  if (v.size() == 7 && digits(v)) return v.substr(0, 3) + "-" + v.substr(3);
  r.fail(no, "'" + v + "' is not a postal code: the layout writes XXX-XXXX");
}

std::optional<std::string> phone(const Record& r, int no, LossReport& losses) {
  std::string v = mapping::text::toHalfwidthAscii(r.text(no));
  if (v.empty()) return std::nullopt;
  bool ok = v.size() >= 6 && v.size() <= 20 &&
            (std::isdigit(static_cast<unsigned char>(v[0])) || v[0] == '+');
  for (std::size_t i = 1; ok && i < v.size(); ++i) {
    ok = std::isdigit(static_cast<unsigned char>(v[i])) || v[i] == '-';
  }
  if (!ok) {
    losses.add(Loss::Kind::Dropped, lossPath(r.type, no),
               std::string(layoutOf(r.type)[static_cast<std::size_t>(no - 1)].ja) + " (line " +
                   std::to_string(r.line()) +
                   "): not a phone number the sheet can hold (digits and '-', 6–20 characters)");
    return std::nullopt;
  }
  return v;
}

void dropIfPresent(const Record& r, int no, LossReport& losses, const char* why) {
  if (r.text(no).empty()) return;
  losses.add(Loss::Kind::Dropped, lossPath(r.type, no),
             std::string(layoutOf(r.type)[static_cast<std::size_t>(no - 1)].ja) + " (line " +
                 std::to_string(r.line()) + "): " + why);
}

/// The free-text blocks of UP1KYO kept in notes, in this order. encode reads them back.
struct NoteBlock {
  int field;
  const char* heading;
};
constexpr NoteBlock kNoteBlocks[] = {
    {plan1::kAssessment, "【課題分析の結果】"},
    {plan1::kBoardOpinion, "【介護認定審査会の意見及びサービスの種類の指定】"},
    {plan1::kPolicy, "【総合的な援助の方針】"},
};
constexpr const char* kLivingSupportHeading = "【生活援助中心型の算定理由】";

class SheetBuilder {
 public:
  SheetBuilder(const FileName& set, const Record& h, const Record& p, LossReport& losses)
      : set_(set), h_(h), p_(p), losses_(losses) {}

  LiaisonSheet build(const std::vector<Record>& plan2Rows, const std::vector<Record>& plan3Rows) {
    LiaisonSheet s;
    s.kind = mapping::SheetKind::Admission;
    const Key key = keyOf(p_, plan1::kPlanDate);
    s.sheetId = "careplan-" + mapping::sha256Hex(set_.senderOffice + '\x1f' + key.insurer + '\x1f' +
                                                 key.insured + '\x1f' + key.planDate)
                                  .substr(0, 40);
    s.dates.recordedOn = p_.requiredDate(plan1::kPlanDate, "it is the sheet's 記入日");
    source("/dates/recordedOn", p_, plan1::kPlanDate);
    const Date created = p_.requiredDate(plan1::kCreatedOn, "the layout requires it");
    if (created > s.dates.recordedOn) {
      s.dates.providedOn = created;
      source("/dates/providedOn", p_, plan1::kCreatedOn);
    } else if (created < s.dates.recordedOn) {
      dropIfPresent(p_, plan1::kCreatedOn, losses_,
                    "before the plan date; the sheet's 情報提供日 cannot precede its 記入日");
    }
    patient(s.patient);
    insurance(s, key);
    careManager(s);
    notes(s);
    services(s, plan2Rows);
    for (const Record& r : plan3Rows) {
      losses_.add(
          Loss::Kind::Dropped, "/UP3KYO",
          "line " + std::to_string(r.line()) +
              ": 週間サービス計画表 (第3表) entry: the liaison sheet has no weekly schedule");
    }
    // Items without a place in the sheet: one loss each.
    for (int no : {13, 14, 15, 17}) dropIfPresent(h_, no, losses_, "no place in the liaison sheet");
    for (int no = 19; no <= 60; ++no) {
      dropIfPresent(h_, no, losses_, "no place in the liaison sheet (限度額管理)");
    }
    for (int no : {plan1::kOfficePostal, plan1::kOfficeAddress1, plan1::kOfficeAddress2}) {
      dropIfPresent(p_, no, losses_, "the sheet keeps the office's name and number only");
    }
    for (int no : {plan1::kFirstPlanDate, plan1::kCertifiedOn}) {
      dropIfPresent(p_, no, losses_, "no place in the liaison sheet");
    }
    if (const std::string t = p_.text(plan1::kPlanType); !t.empty()) {
      static const std::set<std::string> kTypes{"11", "12", "21", "51", "52", "53", "54"};
      if (!kTypes.count(t)) {
        p_.fail(plan1::kPlanType, "'" + t + "' is not a 計画書区分: expected 11, 12, 21 or 51–54");
      }
      dropIfPresent(p_, plan1::kPlanType, losses_, "no place in the liaison sheet");
    }
    (void)p_.date(plan1::kFirstPlanDate);  // checked: a bad date is an error even when dropped
    (void)h_.date(hosoku::kCertifiedOn);
    (void)p_.date(plan1::kCertifiedOn);
    return s;
  }

  /// The CSV field a sheet path came from, for validation issues.
  const std::map<std::string, std::pair<int, std::string>>& sources() const { return sources_; }

 private:
  void source(const std::string& sheetPath, const Record& r, int no) {
    sources_["/LiaisonSheet" + sheetPath] = {r.line(), fieldPath(r.type, no)};
  }

  void patient(mapping::Patient& pt) {
    pt.nameKanji =
        fitLine(h_.required(hosoku::kName, "a liaison sheet needs the 氏名"), 64,
                "/LiaisonSheet/patient/nameKanji", lossPath(h_.type, hosoku::kName), losses_);
    source("/patient/nameKanji", h_, hosoku::kName);
    pt.nameKana = mapping::text::toFullwidthKatakana(mapping::text::hiraganaToKatakana(
        h_.required(hosoku::kKana, "a liaison sheet needs the カナ name")));
    if (characterCount(pt.nameKana) > 64) {
      h_.fail(hosoku::kKana, std::to_string(characterCount(pt.nameKana)) +
                                 " characters: the sheet's カナ name holds at most 64");
    }
    source("/patient/nameKana", h_, hosoku::kKana);
    const std::string sex = h_.required(hosoku::kSex, "a liaison sheet needs the 性別");
    if (sex != "1" && sex != "2") {
      h_.fail(hosoku::kSex, "'" + sex + "' is not a 性別 code: expected 1 (男性) or 2 (女性)");
    }
    pt.sex = sex;
    pt.birthDate = h_.requiredDate(hosoku::kBirth, "a liaison sheet needs the 生年月日");
    source("/patient/birthDate", h_, hosoku::kBirth);
    source("/dates/recordedOn", p_, plan1::kPlanDate);

    std::string postal = postalCode(h_, hosoku::kPostal);
    const std::string postal1 = postalCode(p_, plan1::kPostal);
    if (postal.empty()) {
      postal = postal1;
    } else if (!postal1.empty() && postal1 != postal) {
      dropIfPresent(p_, plan1::kPostal, losses_, "differs from UPHOSOKU's, which is kept");
    }
    if (!postal.empty()) pt.postalCode = postal;

    auto joined = [](const Record& r, int a, int b) {
      std::string one = r.text(a), two = r.text(b);
      if (one.empty()) return two;
      return two.empty() ? one : one + " " + two;
    };
    std::string address = joined(h_, hosoku::kAddress1, hosoku::kAddress2);
    std::string source1 = lossPath(h_.type, hosoku::kAddress1);
    const std::string address1 = joined(p_, plan1::kAddress1, plan1::kAddress2);
    if (address.empty()) {
      address = address1;
      source1 = lossPath(p_.type, plan1::kAddress1);
    } else if (!address1.empty() && address1 != address) {
      dropIfPresent(p_, plan1::kAddress1, losses_, "differs from UPHOSOKU's, which is kept");
    }
    if (!address.empty()) {
      pt.address = fitLine(address, 200, "/LiaisonSheet/patient/address", source1, losses_);
    }
    pt.phone = phone(h_, hosoku::kPhone, losses_);
  }

  void insurance(LiaisonSheet& s, const Key& key) {
    mapping::Insurance ins;
    ins.insurerNumber = key.insurer;
    ins.insuredNumber = key.insured;
    auto pick = [&](int hField, int pField, const char* table) -> std::optional<std::string> {
      std::optional<std::string> a = h_.code(hField, table);
      std::optional<std::string> b = p_.code(pField, table);
      if (a && b && *a != *b) {
        dropIfPresent(p_, pField, losses_,
                      ("'" + *b + "' differs from UPHOSOKU's '" + *a + "', which is kept").c_str());
      }
      return a ? a : b;
    };
    ins.careLevel = pick(hosoku::kCareLevel, plan1::kCareLevel, "care-level");
    source("/insurance/careLevel", h_, hosoku::kCareLevel);
    ins.certificationStatus = pick(hosoku::kStatus, plan1::kStatus, "certification-status");
    const auto from = p_.date(plan1::kPeriodFrom);
    const auto to = p_.date(plan1::kPeriodTo);
    if (from && to) {
      if (*to < *from) p_.fail(plan1::kPeriodTo, "the end of the 認定有効期間 is before its start");
      ins.certificationPeriod = mapping::DateRange{*from, *to};
    } else if (from || to) {
      p_.fail(from ? plan1::kPeriodTo : plan1::kPeriodFrom,
              "is empty while the other end of the 認定有効期間 is given");
    }
    source("/insurance/certificationPeriod", p_, plan1::kPeriodFrom);
    s.insurance = std::move(ins);
  }

  void careManager(LiaisonSheet& s) {
    const std::string author = p_.text(plan1::kAuthor);
    const std::string office = p_.text(plan1::kOffice);
    const std::string code = p_.text(plan1::kOfficeCode);
    if (!code.empty()) {
      if (auto problem = mapping::checkTenDigitCode(code)) {
        p_.fail(plan1::kOfficeCode, "'" + code + "' " + *problem);
      }
    }
    if (author.empty() || office.empty()) {
      const char* why = "the sheet's care manager needs both 計画作成者 and 事業者名";
      dropIfPresent(p_, plan1::kAuthor, losses_, why);
      dropIfPresent(p_, plan1::kOffice, losses_, why);
      dropIfPresent(p_, plan1::kOfficeCode, losses_, why);
      return;
    }
    mapping::CareManager cm;
    cm.name = fitLine(author, 64, "/LiaisonSheet/contacts/careManager/name",
                      lossPath(p_.type, plan1::kAuthor), losses_);
    cm.office = fitLine(office, 200, "/LiaisonSheet/contacts/careManager/office",
                        lossPath(p_.type, plan1::kOffice), losses_);
    if (!code.empty()) cm.officeNumber = code;
    s.contacts.emplace().careManager = std::move(cm);
  }

  void notes(LiaisonSheet& s) {
    std::string text;
    for (const NoteBlock& b : kNoteBlocks) {
      const std::string v = p_.text(b.field);
      if (v.empty()) continue;
      if (!text.empty()) text += "\n";
      text += std::string(b.heading) + "\n" + v;
    }
    const std::string reason = p_.text(plan1::kLivingSupportReason);
    const std::string other = p_.text(plan1::kOtherReason);
    if (!reason.empty()) {
      static const std::map<std::string, std::string> kReasons{
          {"1", "一人暮らし"}, {"2", "家族等が障害、疾病等"}, {"3", "その他"}};
      const auto it = kReasons.find(reason);
      if (it == kReasons.end()) {
        p_.fail(plan1::kLivingSupportReason,
                "'" + reason + "' is not a 生活援助中心型の算定理由: expected 1, 2 or 3");
      }
      if (!text.empty()) text += "\n";
      text += std::string(kLivingSupportHeading) + it->first + " " + it->second;
      if (!other.empty()) text += "：" + other;
      if (reason == "1") s.family.emplace().livesAlone = true;
    } else if (!other.empty()) {
      dropIfPresent(p_, plan1::kOtherReason, losses_, "given without 生活援助中心型の算定理由");
    }
    if (!text.empty()) {
      s.notes = fitText(text, 2000, "/LiaisonSheet/notes", "/UP1KYO/22-26", losses_);
    }
  }

  void services(LiaisonSheet& s, const std::vector<Record>& rows) {
    std::set<std::tuple<std::string, std::string, std::string>> seen;
    for (const Record& r : rows) {
      const std::string kind = r.text(plan2::kServiceKind);
      std::vector<std::string> dropped;
      for (int no : {7, 9, 10, 11, 12, 14, 20}) {
        if (!r.text(no).empty()) dropped.push_back(layoutOf(r.type)[no - 1].ja);
      }
      if (!dropped.empty()) {
        std::string list;
        for (const auto& d : dropped) list += (list.empty() ? "" : "・") + d;
        losses_.add(Loss::Kind::Dropped, "/UP2KYO",
                    "line " + std::to_string(r.line()) + ": " + list +
                        " (居宅サービス計画 第2表): the liaison sheet keeps only the services");
      }
      if (kind.empty()) continue;
      const std::string provider = r.text(plan2::kProviderName);
      const std::string frequency = r.text(plan2::kFrequency);
      if (!seen.insert({kind, provider, frequency}).second) continue;
      if (s.servicesBeforeAdmission.size() == 20) {
        losses_.add(
            Loss::Kind::Dropped, "/UP2KYO/16",
            "line " + std::to_string(r.line()) + ": more than 20 services; the sheet holds 20");
        continue;
      }
      const std::string at = "/LiaisonSheet/serviceBeforeAdmission";
      mapping::ServiceUse use;
      use.name = fitLine(kind, 200, at + "/name", lossPath(r.type, plan2::kServiceKind), losses_);
      if (!provider.empty()) {
        use.provider = fitLine(provider, 200, at + "/provider",
                               lossPath(r.type, plan2::kProviderName), losses_);
      }
      if (!frequency.empty()) {
        use.frequency = fitLine(frequency, 200, at + "/frequency",
                                lossPath(r.type, plan2::kFrequency), losses_);
      }
      s.servicesBeforeAdmission.push_back(std::move(use));
    }
  }

  const FileName& set_;
  Record h_;
  Record p_;
  LossReport& losses_;
  std::map<std::string, std::pair<int, std::string>> sources_;
};

Decoded decodeOneSet(const std::vector<std::pair<const LocalFile*, FileName>>& files) {
  std::map<FileType, std::pair<const LocalFile*, FileName>> byType;
  for (const auto& f : files) {
    if (!byType.emplace(f.second.type, f).second) {
      throw AdapterError(0, "file name",
                         "two " + std::string(prefixOf(f.second.type)) + " files in the set " +
                             f.second.timestamp + ": a set holds one file of each type");
    }
  }
  const FileName& first = files.front().second;
  for (const auto& [type, f] : byType) {
    const FileName& n = f.second;
    if (n.senderOffice != first.senderOffice || n.senderService != first.senderService ||
        n.receiverOffice != first.receiverOffice || n.receiverService != first.receiverService) {
      throw AdapterError(0, "file name",
                         "'" + f.first->name + "' names another sender or receiver than '" +
                             files.front().first->name +
                             "': the files of one set come from one sender to one receiver");
    }
  }
  for (FileType needed : {FileType::Hosoku, FileType::Plan1}) {
    if (!byType.count(needed)) {
      throw AdapterError(0, "file name",
                         "the set " + first.timestamp + " has no " + std::string(prefixOf(needed)) +
                             " file: a liaison sheet needs UPHOSOKU (利用者補足情報) and UP1KYO "
                             "(居宅サービス計画 第1表) with the same timestamp");
    }
  }
  std::map<FileType, File> parsed;
  for (const auto& [type, f] : byType) parsed.emplace(type, readFile(*f.first, f.second));

  auto index = [&](FileType type, int planDateField, bool unique) {
    std::map<Key, std::vector<Record>> out;
    auto it = parsed.find(type);
    if (it == parsed.end()) return out;
    for (const csv::Row& row : it->second.rows) {
      const Record r{type, &row};
      auto& list = out[keyOf(r, planDateField)];
      if (unique && !list.empty()) {
        throw AdapterError(r.line(), std::string(prefixOf(type)),
                           "a second record for " + keyOf(r, planDateField).describe() +
                               " (the first is at line " + std::to_string(list.front().line()) +
                               ")");
      }
      list.push_back(r);
    }
    return out;
  };
  const auto hosokuRecords = index(FileType::Hosoku, hosoku::kPlanDate, true);
  const auto plan1Records = index(FileType::Plan1, plan1::kPlanDate, true);
  const auto plan2Records = index(FileType::Plan2, plan2::kPlanDate, false);
  const auto plan3Records = index(FileType::Plan3, plan3::kPlanDate, false);
  auto orphans = [&](const std::map<Key, std::vector<Record>>& records, FileType type) {
    for (const auto& [key, list] : records) {
      if (!plan1Records.count(key)) {
        throw AdapterError(list.front().line(),
                           std::string(prefixOf(type)) + " fields 2, 3 and " +
                               std::to_string(type == FileType::Hosoku ? 4 : 5),
                           "no UP1KYO record in the set has the same " + key.describe() +
                               ": the keys of the set's files must agree");
      }
    }
  };
  orphans(hosokuRecords, FileType::Hosoku);
  orphans(plan2Records, FileType::Plan2);
  orphans(plan3Records, FileType::Plan3);

  Decoded decoded;
  // Documents in UP1KYO record order.
  for (const csv::Row& row : parsed.at(FileType::Plan1).rows) {
    const Record p{FileType::Plan1, &row};
    const Key key = keyOf(p, plan1::kPlanDate);
    const auto h = hosokuRecords.find(key);
    if (h == hosokuRecords.end()) {
      throw AdapterError(p.line(), "UP1KYO fields 2, 3 and 14",
                         "no UPHOSOKU record in the set has the same " + key.describe() +
                             ": the keys of the set's files must agree");
    }
    static const std::vector<Record> kNone;
    const auto p2 = plan2Records.find(key);
    const auto p3 = plan3Records.find(key);
    LossReport losses;
    SheetBuilder builder(first, h->second.front(), p, losses);
    LiaisonSheet sheet = builder.build(p2 == plan2Records.end() ? kNone : p2->second,
                                       p3 == plan3Records.end() ? kNone : p3->second);
    if (std::vector<mapping::Issue> issues = mapping::validate(sheet); !issues.empty()) {
      for (auto& issue : issues) {
        if (auto it = builder.sources().find(issue.path); it != builder.sources().end()) {
          issue.message += " (" + issue.path + ")";
          issue.line = it->second.first;
          issue.path = it->second.second;
        }
      }
      throw AdapterError(std::move(issues));
    }
    decoded.documents.emplace_back(std::move(sheet));
    decoded.losses.append(losses);
  }
  return decoded;
}

}  // namespace

Decoded CareplanCsvAdapter::decodeSet(const std::vector<LocalInput>& inputs) const {
  std::vector<LocalFile> files;
  for (const LocalInput& in : inputs) {
    files.push_back(LocalFile{in.name, in.bytes});
    files.insert(files.end(), in.extraFiles.begin(), in.extraFiles.end());
  }
  if (files.empty()) throw AdapterError(0, "", "no file given");
  std::map<std::string, std::vector<std::pair<const LocalFile*, FileName>>> sets;
  for (const LocalFile& f : files) {
    FileName n = careplan_csv::parseFileName(f.name);
    sets[n.timestamp].emplace_back(&f, std::move(n));
  }
  Decoded all;
  for (const auto& [timestamp, set] : sets) {  // std::map: timestamp order
    Decoded one = decodeOneSet(set);
    for (auto& d : one.documents) all.documents.push_back(std::move(d));
    all.losses.append(one.losses);
  }
  return all;
}

Decoded CareplanCsvAdapter::decode(const LocalInput& input) const {
  std::set<std::string> timestamps;
  timestamps.insert(careplan_csv::parseFileName(input.name).timestamp);
  for (const LocalFile& f : input.extraFiles) {
    timestamps.insert(careplan_csv::parseFileName(f.name).timestamp);
  }
  if (timestamps.size() > 1) {
    throw AdapterError(0, "file name",
                       "the files carry " + std::to_string(timestamps.size()) +
                           " timestamps: decode() takes one set (files with one timestamp); "
                           "use decodeSet() for several");
  }
  return decodeSet({input});
}

}  // namespace tsunagi::adapters
