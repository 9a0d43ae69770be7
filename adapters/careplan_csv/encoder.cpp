// careplan_csv encode: a liaison sheet → UPHOSOKU + UP1KYO (version 202407, CP932, CRLF).
#include <algorithm>
#include <chrono>
#include <ctime>

#include "adapters/careplan_csv/careplan_csv_adapter.hpp"
#include "adapters/careplan_csv/layout.hpp"
#include "adapters/csv/csv.hpp"
#include "mapping/model/canonical.hpp"
#include "mapping/text/utf8.hpp"
#include "mapping/time.hpp"

namespace tsunagi::adapters {

namespace {

using careplan_csv::FileName;
using careplan_csv::FileType;
using careplan_csv::layoutOf;
using careplan_csv::prefixOf;
using mapping::Date;
using mapping::LiaisonSheet;
using mapping::text::characterCount;
namespace hosoku = careplan_csv::hosoku;
namespace plan1 = careplan_csv::plan1;
namespace text = mapping::text;

constexpr const char* kVersion = "202407";

std::string yyyymmdd(const Date& d) {
  std::string iso = d.iso();
  iso.erase(std::remove(iso.begin(), iso.end(), '-'), iso.end());
  return iso;
}

std::string nowInJapan() {
  return mapping::compactTimestamp(
      mapping::civilTime(mapping::nowUnixSeconds(), mapping::Zone::Japan));
}

/// One record being written: each cell with the sheet path it came from.
class RecordOut {
 public:
  RecordOut(FileType type, LossReport& losses)
      : type_(type), cells_(layoutOf(type).size()), paths_(cells_.size()), losses_(losses) {}

  /// Field `no` = value; a value longer than the layout's 項目長 is cut (Truncated loss).
  void set(int no, std::string value, const std::string& sheetPath) {
    const auto& f = layoutOf(type_)[static_cast<std::size_t>(no - 1)];
    const std::size_t n = characterCount(value);
    if (f.length > 0 && n > f.length) {
      std::u32string cps = text::decodeUtf8(value);
      value = text::encodeUtf8(cps.substr(0, f.length));
      losses_.add(Loss::Kind::Truncated, "/LiaisonSheet" + sheetPath,
                  "cut from " + std::to_string(n) + " to " + std::to_string(f.length) +
                      " characters for " + std::string(prefixOf(type_)) + " field " +
                      std::to_string(no) + " " + f.ja);
    }
    cells_[static_cast<std::size_t>(no - 1)] = std::move(value);
    paths_[static_cast<std::size_t>(no - 1)] = sheetPath;
  }
  void append(int no, const std::string& more) { cells_[static_cast<std::size_t>(no - 1)] += more; }
  const std::string& get(int no) const { return cells_[static_cast<std::size_t>(no - 1)]; }

  FileType type() const { return type_; }
  const std::vector<std::string>& cells() const { return cells_; }
  const std::vector<std::string>& paths() const { return paths_; }

 private:
  FileType type_;
  std::vector<std::string> cells_;
  std::vector<std::string> paths_;
  LossReport& losses_;
};

/// The record as CP932 bytes; each substituted character a Substituted loss at its sheet path.
std::string encodeRecord(const RecordOut& r, LossReport& losses) {
  struct Span {
    std::size_t end;
    std::size_t cell;
  };
  std::string utf8;
  std::vector<Span> spans;
  for (std::size_t i = 0; i < r.cells().size(); ++i) {
    if (i > 0) utf8 += ',';
    std::string one = csv::formatRow({r.cells()[i]});
    one.resize(one.size() - 2);  // CRLF
    utf8 += one;
    spans.push_back({utf8.size(), i});
  }
  utf8 += "\r\n";
  text::EncodeResult result =
      text::encode(utf8, text::Charset::Cp932, text::OnUnmappable::Substitute);
  auto where = [&](std::size_t offset) {
    const auto it = std::upper_bound(spans.begin(), spans.end(), offset,
                                     [](std::size_t o, const Span& s) { return o < s.end; });
    const std::size_t cell = it == spans.end() ? spans.size() - 1 : it->cell;
    const auto& f = layoutOf(r.type())[cell];
    const std::string& path = r.paths()[cell];
    return std::pair<std::string, std::string>{
        path.empty() ? "/" + std::string(prefixOf(r.type())) + "/" + std::to_string(f.no)
                     : "/LiaisonSheet" + path,
        std::string(prefixOf(r.type())) + " field " + std::to_string(f.no) + " " + f.ja};
  };
  for (const auto& s : result.substitutions) {
    auto [path, field] = where(s.byteOffset);
    losses.add(Loss::Kind::Substituted, path,
               s.from + " → " + s.to + ": not in CP932 (MS932) (" + field + ")");
  }
  for (const auto& u : result.unmappable) {
    auto [path, field] = where(u.byteOffset);
    losses.add(Loss::Kind::Substituted, path,
               u.character + " (" + text::codePointLabel(u.codePoint) +
                   ") → 〓: not in CP932 (MS932) (" + field + ")");
  }
  return std::move(result.bytes);
}

/// `text` as it reads back after a CP932 round trip (what a note can be without new losses).
std::string cp932Safe(const std::string& t) {
  const auto r = text::encode(t, text::Charset::Cp932, text::OnUnmappable::Substitute);
  return text::decode(r.bytes, text::Charset::Cp932);
}

/// The notes blocks written by decode (【課題分析の結果】…) back to their UP1KYO fields; text
/// outside any block is returned.
std::string splitNotes(const std::string& notes, RecordOut& p, LossReport& losses) {
  static constexpr std::pair<const char*, int> kBlocks[] = {
      {"【課題分析の結果】", plan1::kAssessment},
      {"【介護認定審査会の意見及びサービスの種類の指定】", plan1::kBoardOpinion},
      {"【総合的な援助の方針】", plan1::kPolicy},
      {"【生活援助中心型の算定理由】", plan1::kLivingSupportReason},
  };
  // Find every heading that starts a line.
  struct Hit {
    std::size_t at, bodyAt;
    int field;
  };
  std::vector<Hit> hits;
  for (const auto& [heading, field] : kBlocks) {
    const std::string h(heading);
    for (std::size_t at = notes.find(h); at != std::string::npos; at = notes.find(h, at + 1)) {
      if (at == 0 || notes[at - 1] == '\n') hits.push_back({at, at + h.size(), field});
    }
  }
  std::sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.at < b.at; });
  std::string rest = notes.substr(0, hits.empty() ? notes.size() : hits.front().at);
  for (std::size_t i = 0; i < hits.size(); ++i) {
    const std::size_t end = i + 1 < hits.size() ? hits[i + 1].at : notes.size();
    std::string body = notes.substr(hits[i].bodyAt, end - hits[i].bodyAt);
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    if (!body.empty() && body.front() == '\n') body.erase(0, 1);
    if (hits[i].field == plan1::kLivingSupportReason) {
      // "1 一人暮らし" or "3 その他：理由"
      const std::string code = body.substr(0, 1);
      if (code == "1" || code == "2" || code == "3") {
        p.set(plan1::kLivingSupportReason, code, "/notes");
        const std::string sep = "：";
        if (const auto at = body.find(sep); at != std::string::npos) {
          p.set(plan1::kOtherReason, body.substr(at + sep.size()), "/notes");
        }
        continue;
      }
      losses.add(Loss::Kind::Dropped, "/LiaisonSheet/notes",
                 "【生活援助中心型の算定理由】 without a code 1–3: not written");
      continue;
    }
    p.set(hits[i].field, body, "/notes");
  }
  while (!rest.empty() && (rest.back() == '\n' || rest.back() == '\r')) rest.pop_back();
  return rest;
}

void dropSections(const LiaisonSheet& s, LossReport& losses) {
  auto drop = [&](bool present, const char* path, const char* what) {
    if (present) {
      losses.add(Loss::Kind::Dropped, std::string("/LiaisonSheet/") + path,
                 std::string(what) + ": no place in UPHOSOKU or UP1KYO");
    }
  };
  drop(s.dates.admittedOn.has_value(), "dates/admittedOn", "入院日");
  drop(s.dates.plannedDischargeOn.has_value(), "dates/plannedDischargeOn", "退院予定日");
  drop(s.patient.municipalityCode.has_value(), "patient/municipalityCode", "住所地の団体コード");
  drop(s.insurance && s.insurance->burdenRatio, "insurance/burdenRatio", "負担割合");
  drop(s.independence.has_value(), "independence", "日常生活自立度");
  drop(s.adl.has_value(), "adl", "ADL");
  drop(s.nutrition.has_value(), "nutrition", "食事・嚥下・口腔");
  drop(s.elimination.has_value(), "elimination", "排泄");
  drop(s.paralysis.has_value(), "paralysis", "麻痺");
  drop(s.pressureUlcer.has_value(), "pressureUlcer", "褥瘡");
  drop(!s.medicalProcedures.empty(), "medicalProcedure", "医療処置");
  drop(!s.diagnoses.empty(), "diagnosis", "診断名");
  drop(s.medication.has_value(), "medication", "服薬");
  drop(s.wishes && s.wishes->advanceCarePlanning, "wishes/advanceCarePlanning", "ACP");
  drop(s.family && (s.family->structure || s.family->keyPerson), "family",
       "家族構成・キーパーソン");
  drop(!s.servicesBeforeAdmission.empty(), "serviceBeforeAdmission",
       "入院前の利用サービス (第2表 is not written)");
  drop(s.contacts && s.contacts->careManager && s.contacts->careManager->phone,
       "contacts/careManager/phone", "ケアマネジャーの電話番号");
  drop(s.contacts && s.contacts->attendingDoctor, "contacts/attendingDoctor", "かかりつけ医");
  drop(s.contacts && s.contacts->hospital, "contacts/hospital", "医療機関");
  drop(s.admission.has_value(), "admission", "入院時の項目");
  drop(s.discharge.has_value(), "discharge", "退院時の項目");
  for (std::size_t i = 0; i < s.attachments.size(); ++i) {
    losses.add(Loss::Kind::Dropped,
               "/LiaisonSheet/attachment" +
                   (s.attachments.size() > 1 ? "[" + std::to_string(i + 1) + "]" : std::string()),
               "添付 " + s.attachments[i].mediaType + ": the care plan files carry no attachment");
  }
}

}  // namespace

Encoded CareplanCsvAdapter::encodeDocument(const mapping::CanonicalDocument& document,
                                           const EncodeOptions& options) const {
  const auto* sheetPtr = std::get_if<LiaisonSheet>(&document);
  if (sheetPtr == nullptr) {
    throw AdapterError(0, "/" + mapping::documentTypeName(document),
                       "careplan_csv encodes liaison sheets only");
  }
  if (std::vector<mapping::Issue> issues = mapping::validate(document); !issues.empty()) {
    throw AdapterError(std::move(issues));
  }
  const LiaisonSheet& s = *sheetPtr;
  if (!s.insurance) {
    throw AdapterError(
        0, "/LiaisonSheet/insurance",
        "is required to encode a care plan: 保険者番号 and 被保険者番号 are the keys "
        "of UPHOSOKU and UP1KYO");
  }
  const mapping::CareManager* cm =
      s.contacts && s.contacts->careManager ? &*s.contacts->careManager : nullptr;
  if (cm == nullptr || !cm->officeNumber) {
    throw AdapterError(0, "/LiaisonSheet/contacts/careManager/officeNumber",
                       "is required to encode a care plan: it is UP1KYO field 13 "
                       "介護支援事業者コード and the sender in the file names");
  }
  const mapping::Insurance& ins = *s.insurance;
  LossReport losses;
  RecordOut h(FileType::Hosoku, losses);
  RecordOut p(FileType::Plan1, losses);
  const std::string planDate = yyyymmdd(s.dates.recordedOn);

  for (RecordOut* r : {&h, &p}) {
    r->set(1, kVersion, "");
    r->set(2, ins.insurerNumber, "/insurance/insurerNumber");
    r->set(3, ins.insuredNumber, "/insurance/insuredNumber");
  }
  h.set(hosoku::kPlanDate, planDate, "/dates/recordedOn");
  h.set(hosoku::kKana, s.patient.nameKana, "/patient/nameKana");
  h.set(hosoku::kName, s.patient.nameKanji, "/patient/nameKanji");
  h.set(hosoku::kSex, s.patient.sex, "/patient/sex");
  h.set(hosoku::kBirth, yyyymmdd(s.patient.birthDate), "/patient/birthDate");
  if (s.patient.postalCode) {
    h.set(hosoku::kPostal, *s.patient.postalCode, "/patient/postalCode");
    p.set(plan1::kPostal, *s.patient.postalCode, "/patient/postalCode");
  }
  if (s.patient.address) {
    h.set(hosoku::kAddress1, *s.patient.address, "/patient/address");
    p.set(plan1::kAddress1, *s.patient.address, "/patient/address");
  }
  if (s.patient.phone) h.set(hosoku::kPhone, *s.patient.phone, "/patient/phone");

  if (ins.certificationStatus) {
    std::string status = *ins.certificationStatus;
    if (status == "3") {
      status = "1";
      losses.add(Loss::Kind::Approximated, "/LiaisonSheet/insurance/certificationStatus",
                 "区分変更申請中 (3) written as 申請中 (1): the layout's 認定状況区分 has 1 and 2");
    }
    h.set(hosoku::kStatus, status, "/insurance/certificationStatus");
    p.set(plan1::kStatus, status, "/insurance/certificationStatus");
  }
  if (ins.careLevel) {
    static const std::vector<std::string> kLayoutLevels{"06", "12", "13", "21",
                                                        "22", "23", "24", "25"};
    if (std::find(kLayoutLevels.begin(), kLayoutLevels.end(), *ins.careLevel) !=
        kLayoutLevels.end()) {
      h.set(hosoku::kCareLevel, *ins.careLevel, "/insurance/careLevel");
      p.set(plan1::kCareLevel, *ins.careLevel, "/insurance/careLevel");
    } else {
      losses.add(Loss::Kind::Dropped, "/LiaisonSheet/insurance/careLevel",
                 "要介護状態区分 '" + *ins.careLevel +
                     "' is not in the layout's list (06, 12, 13, 21–25)");
    }
  }
  if (ins.certificationPeriod) {
    p.set(plan1::kPeriodFrom, yyyymmdd(ins.certificationPeriod->from),
          "/insurance/certificationPeriod/from");
    p.set(plan1::kPeriodTo, yyyymmdd(ins.certificationPeriod->to),
          "/insurance/certificationPeriod/to");
  }
  h.set(hosoku::kIdentifier, "1", "");
  h.set(hosoku::kTargetMonth, "000000", "");

  p.set(plan1::kCreatedOn, yyyymmdd(s.dates.providedOn.value_or(s.dates.recordedOn)),
        s.dates.providedOn ? "/dates/providedOn" : "/dates/recordedOn");
  p.set(plan1::kAuthor, cm->name, "/contacts/careManager/name");
  p.set(plan1::kOffice, cm->office, "/contacts/careManager/office");
  p.set(plan1::kOfficeCode, *cm->officeNumber, "/contacts/careManager/officeNumber");
  p.set(plan1::kPlanDate, planDate, "/dates/recordedOn");
  p.set(plan1::kFirstPlanDate, planDate, "/dates/recordedOn");
  losses.add(Loss::Kind::Approximated, "/UP1KYO/15",
             "初回居宅サービス計画作成日: the sheet has none; written as the plan date (記入日)");
  p.set(plan1::kIdentifier, "1", "");

  std::string rest = s.notes ? splitNotes(*s.notes, p, losses) : std::string();
  if (s.family && s.family->livesAlone == true && p.get(plan1::kLivingSupportReason).empty()) {
    p.set(plan1::kLivingSupportReason, "1", "/family/livesAlone");
  } else if (s.family && s.family->livesAlone.has_value() &&
             p.get(plan1::kLivingSupportReason).empty()) {
    losses.add(Loss::Kind::Dropped, "/LiaisonSheet/family/livesAlone",
               "独居でない: 生活援助中心型の算定理由 has no such value");
  }
  if (p.get(plan1::kAssessment).empty() && s.wishes && (s.wishes->patient || s.wishes->family)) {
    std::string w;
    if (s.wishes->patient) w += "本人：" + *s.wishes->patient;
    if (s.wishes->family) w += std::string(w.empty() ? "" : "\n") + "家族：" + *s.wishes->family;
    p.set(plan1::kAssessment, w, "/wishes");
    losses.add(Loss::Kind::Approximated, "/LiaisonSheet/wishes",
               "本人・家族の意向 written into UP1KYO field 22 課題分析の結果");
  } else if (s.wishes && (s.wishes->patient || s.wishes->family)) {
    losses.add(Loss::Kind::Dropped, "/LiaisonSheet/wishes",
               "本人・家族の意向: UP1KYO field 22 already holds the 課題分析の結果");
  }
  if (!rest.empty()) {
    const std::string policy = p.get(plan1::kPolicy);
    p.set(plan1::kPolicy, policy + (policy.empty() ? "" : "\n") + "【備考】" + rest, "/notes");
    losses.add(Loss::Kind::Approximated, "/LiaisonSheet/notes",
               "備考 written at the end of UP1KYO field 24 総合的な援助の方針");
  }
  dropSections(s, losses);

  // Encoding substitutions are losses too; a loss note sees them all.
  LossReport substitutions;
  std::string hosokuBytes = encodeRecord(h, substitutions);
  std::string plan1Bytes = encodeRecord(p, substitutions);
  losses.append(substitutions);
  if (options.appendLossNote) {
    LossReport all = options.upstream;
    all.append(losses);
    const std::string note = all.japaneseNote();
    if (!note.empty()) {
      const std::string policy = p.get(plan1::kPolicy);
      p.append(plan1::kPolicy, (policy.empty() ? "" : "\n") + cp932Safe(note));
      LossReport again;  // the same substitutions as before: the note adds none
      plan1Bytes = encodeRecord(p, again);
    }
  }

  FileName name;
  name.senderOffice = *cm->officeNumber;
  name.senderService = options_.senderService;
  name.receiverOffice = options_.receiverOffice;
  name.receiverService = options_.receiverService;
  name.timestamp = options_.timestamp ? options_.timestamp() : nowInJapan();
  name.type = FileType::Hosoku;
  name.providedMonth = "000000";
  Encoded out;
  out.bytes = std::move(hosokuBytes);
  out.suggestedName = careplan_csv::formatFileName(name);
  name.type = FileType::Plan1;
  name.providedMonth.clear();
  out.extraFiles.push_back(LocalFile{careplan_csv::formatFileName(name), std::move(plan1Bytes)});
  out.losses = std::move(losses);
  return out;
}

void registerCareplanCsv(AdapterRegistry& registry) {
  registry.add("careplan_csv", [] { return std::make_unique<CareplanCsvAdapter>(); });
}

}  // namespace tsunagi::adapters
