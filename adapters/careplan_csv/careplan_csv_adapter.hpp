#pragma once
// ケアプランデータ連携標準仕様 v4.1 (MHLW, CSV version 202407; 202208 accepted on input) ↔ the
// liaison sheet. Layout and decisions: docs/adapter-guide.md, "careplan_csv".
//
// Input trust: untrusted. Files are CP932 (MS932) only — a BOM or a byte sequence that is not
// CP932 is refused with its line and byte offset; CSV per adapters/csv with the spec's field count
// per file type. Every refusal names the file, the line and the field ("UP1KYO line 2 field 14
// 居宅サービス計画作成（変更）日"), and never quotes a person's name.
//
// Sets: files with one timestamp in their name (…_YYYYMMDDHHMMSS.CSV) form a set. A set arrives
// as one LocalInput (the first file in bytes/name, the others in extraFiles) or through
// decodeSet(), which groups any number of files by timestamp and processes the sets in timestamp
// order. A set needs UPHOSOKU (利用者補足情報, 提供年月 000000) and UP1KYO (第1表); UP2KYO and
// UP3KYO are optional. Records join on 保険者番号 + 被保険者番号 + 居宅サービス計画作成（変更）日:
// each UP1KYO record gives one admission sheet; a record of another file without its UP1KYO record
// is an error, and so are a second record with the same key and a set whose files disagree on
// sender or receiver.
//
// encode: a LiaisonSheet → UPHOSOKU (Encoded::bytes) + UP1KYO (Encoded::extraFiles[0]), version
// 202407, CP932 (characters outside it substituted and reported), CRLF, cells neutralised
// against CSV injection (adapters/csv).

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "adapters/adapter.hpp"
#include "adapters/registry.hpp"

namespace tsunagi::adapters {

namespace careplan_csv {

/// The file types this adapter reads (UPHOSOKU, UP1KYO) or carries as losses (UP2KYO, UP3KYO).
enum class FileType { Hosoku, Plan1, Plan2, Plan3 };

/// "UPHOSOKU", "UP1KYO", "UP2KYO", "UP3KYO".
std::string_view prefixOf(FileType type);

/// The parts of a file name:
/// PREFIX[_YYYYMM]_送信元事業所番号(10)_送信元サービス種類(2)_送信先事業所番号(10)_送信先サービス種類(2)_YYYYMMDDHHMMSS.CSV
/// (the _YYYYMM 提供年月 part only, and always, for UPHOSOKU).
struct FileName {
  FileType type = FileType::Hosoku;
  std::string providedMonth;  ///< UPHOSOKU: YYYYMM, "000000" for 第1・2表; empty otherwise
  std::string senderOffice;   ///< 10 digits
  std::string senderService;  ///< 2 characters, digits or capital letters (43, 2A, A1)
  std::string receiverOffice;
  std::string receiverService;
  std::string timestamp;  ///< YYYYMMDDHHMMSS, a real date and time

  bool operator==(const FileName&) const = default;
};

/// Strict parse of a file name (a directory part is ignored; ".CSV" or ".csv"). Throws
/// AdapterError(0, "file name <part>", why) naming the part that is wrong; a known prefix this
/// adapter does not read (UPPLAN, UPJSK, DLT1KYO …) is "not supported by this adapter".
FileName parseFileName(std::string_view name);

/// The file name for `name` (".CSV").
std::string formatFileName(const FileName& name);

}  // namespace careplan_csv

/// The "careplan_csv" adapter: decodes and encodes.
class CareplanCsvAdapter : public Adapter {
 public:
  struct Options {
    /// The receiver written into encoded file names (送信先事業所番号 and サービス種類).
    std::string receiverOffice = "0000000000";
    std::string receiverService = "00";
    /// 送信元サービス種類 of encoded files: 43 居宅介護支援.
    std::string senderService = "43";
    /// The YYYYMMDDHHMMSS of encoded file names; default: the current time in Japan (UTC+9).
    std::function<std::string()> timestamp;
  };

  CareplanCsvAdapter() = default;
  explicit CareplanCsvAdapter(Options options) : options_(std::move(options)) {}

  std::string name() const override { return "careplan_csv"; }
  /// LiaisonSheet.
  std::vector<std::string> documentTypes() const override { return {"LiaisonSheet"}; }
  bool canEncode() const override { return true; }
  bool readsFileSets() const override { return true; }

  /// One set: `input` and its extraFiles (all with the same timestamp) → one admission sheet per
  /// UP1KYO record. Throws AdapterError.
  Decoded decode(const LocalInput& input) const override;

  /// Any number of files (each LocalInput one file; extraFiles are added): grouped into sets by
  /// timestamp, sets processed in timestamp order, documents in that order. Throws AdapterError
  /// for the first set that cannot be translated (nothing is returned for any set then).
  Decoded decodeSet(const std::vector<LocalInput>& files) const;

 protected:
  /// A LiaisonSheet (validated first) → UPHOSOKU in bytes, UP1KYO in extraFiles[0].
  Encoded encodeDocument(const mapping::CanonicalDocument& document,
                         const EncodeOptions& options) const override;

 private:
  Options options_;
};

/// Registers "careplan_csv" with the default options.
void registerCareplanCsv(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
