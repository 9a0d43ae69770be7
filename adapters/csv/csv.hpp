#pragma once
// CSV (RFC 4180) shared by the CSV adapters (careplan_csv, room_csv, …): reading with strict
// limits and line numbers, writing with quoting and CSV-injection neutralisation, and decoding
// the bytes of a CSV file to UTF-8 through mapping/text/encoding.
//
// The reader works on UTF-8 text (decode the file with decodeText first). Every refusal is an
// AdapterError naming the physical line and "column N" (1-based), so an operator can open the
// file at the place.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/text/encoding.hpp"

namespace tsunagi::adapters::csv {

/// One record. `line` is the 1-based physical line where the record starts (a quoted cell may
/// span several lines).
struct Row {
  int line = 0;
  std::vector<std::string> cells;
};

/// Limits that keep a hostile or broken file from exhausting memory. Exceeding one is an error,
/// never a silent cut.
struct ReadOptions {
  char separator = ',';
  std::size_t maxCellBytes = 64 * 1024;  ///< bytes of one cell after unquoting
  std::size_t maxCells = 1024;           ///< cells of one record
  std::size_t maxRows = 1'000'000;       ///< records of the file
};

/// RFC 4180 records of `utf8`: cells separated by `separator`; quoted cells ("…") may contain the
/// separator, line breaks (kept as they are) and "" for one quote; records end with CR, LF or
/// CRLF; the last record's terminator is optional and one trailing empty line is ignored. An
/// empty line elsewhere is a record with one empty cell (the caller's field count rejects it).
/// Throws AdapterError(line, "column N", reason) for: an unterminated quoted cell, a quote inside
/// an unquoted cell, text after a closing quote, a NUL byte, and a cell, record or file over the
/// limits of `options`.
std::vector<Row> parse(std::string_view utf8, const ReadOptions& options = {});

/// True when a spreadsheet would read `cell` as a formula: it begins with '=', '+', '-', '@',
/// TAB or CR (OWASP "CSV injection"). A plain negative decimal number ("-5", "-0.25": '-', digits,
/// at most one '.' followed by digits) is exempt: a spreadsheet reads it as a number, which no
/// formula can hide in, and prefixing it would turn an amount into text for every reader.
bool needsNeutralising(std::string_view cell);

/// `cell` with a single quote (') prepended when needsNeutralising(cell), otherwise unchanged.
/// Spreadsheets show the rest as text; machine readers see the quote, which is why the careplan
/// adapter documents which fields it can affect (docs/adapter-guide.md).
std::string neutralise(std::string_view cell);

/// One record: cells joined by ',', a cell quoted (with "" for ") when it contains ',', '"', CR
/// or LF; terminated by CRLF. With `neutraliseCells`, each cell
/// is passed through neutralise() first.
std::string formatRow(const std::vector<std::string>& cells, bool neutraliseCells = true);

/// What a byte order mark at the start of the bytes means.
enum class BomPolicy {
  Utf8BomMeansUtf8,  ///< EF BB BF: the file is UTF-8 ("CSV UTF-8" from Excel), whatever `charset`
  Reject,            ///< the format is `charset` only: any BOM is an error
};

/// The bytes of a CSV file as UTF-8. Without a BOM they are read as `charset` strictly
/// (mapping::text::decode); a UTF-8 BOM is handled per `bomPolicy`; a UTF-16 BOM is always
/// refused. Errors are AdapterError(line, "byte offset N", reason) with the 1-based line of the
/// bad byte (counted in the bytes as received) and its offset.
std::string decodeText(std::string_view bytes, mapping::text::Charset charset,
                       BomPolicy bomPolicy = BomPolicy::Utf8BomMeansUtf8);

}  // namespace tsunagi::adapters::csv
