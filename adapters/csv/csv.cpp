#include "adapters/csv/csv.hpp"

#include <algorithm>
#include <stdexcept>

#include "adapters/adapter.hpp"

namespace tsunagi::adapters::csv {

namespace {

std::string column(std::size_t index) { return "column " + std::to_string(index); }

[[noreturn]] void fail(int line, std::size_t col, std::string message) {
  throw AdapterError(mapping::Issue{.line = line,
                                    .path = col == 0 ? std::string() : column(col),
                                    .message = std::move(message),
                                    .code = "csv"});
}

bool isSpecial(char c, char separator) {
  return c == separator || c == '"' || c == '\r' || c == '\n' || c == '\0';
}

/// True when the rest of the input is exactly one line terminator: the trailing empty line.
bool onlyTerminatorLeft(std::string_view in, std::size_t i) {
  const std::size_t rest = in.size() - i;
  if (rest == 1) return in[i] == '\r' || in[i] == '\n';
  return rest == 2 && in[i] == '\r' && in[i + 1] == '\n';
}

class Reader {
 public:
  Reader(std::string_view in, const ReadOptions& options) : in_(in), o_(options) {
    if (o_.separator == '"' || o_.separator == '\r' || o_.separator == '\n' ||
        o_.separator == '\0') {
      throw std::invalid_argument("csv::parse: the separator cannot be a quote, CR, LF or NUL");
    }
  }

  std::vector<Row> run() {
    std::vector<Row> rows;
    while (i_ < in_.size() && !onlyTerminatorLeft(in_, i_)) {
      if (rows.size() == o_.maxRows) {
        fail(line_, 0,
             "too many records: more than " + std::to_string(o_.maxRows) + " in one file");
      }
      rows.push_back(record());
    }
    return rows;
  }

 private:
  Row record() {
    Row row;
    row.line = line_;
    row.cells.reserve(cellsHint_ == 0 ? 8 : cellsHint_);
    while (true) {
      const std::size_t col = row.cells.size() + 1;
      if (col > o_.maxCells) {
        fail(line_, col,
             "too many cells: more than " + std::to_string(o_.maxCells) + " in one record");
      }
      if (i_ < in_.size() && in_[i_] == '"') {
        row.cells.push_back(quoted(col));
      } else {
        row.cells.push_back(unquoted(col));
      }
      if (row.cells.back().size() > o_.maxCellBytes) {
        fail(line_, col,
             "cell too long: " + std::to_string(row.cells.back().size()) + " bytes, at most " +
                 std::to_string(o_.maxCellBytes));
      }
      if (i_ >= in_.size()) break;
      const char c = in_[i_];
      if (c == o_.separator) {
        ++i_;
        continue;
      }
      // CR, LF or CRLF ends the record (other characters were refused by the cell readers).
      ++i_;
      if (c == '\r' && i_ < in_.size() && in_[i_] == '\n') ++i_;
      ++line_;
      break;
    }
    cellsHint_ = row.cells.size();
    return row;
  }

  std::string unquoted(std::size_t col) {
    const std::size_t start = i_;
    const char sep = o_.separator;
    while (i_ < in_.size() && !isSpecial(in_[i_], sep)) ++i_;
    if (i_ < in_.size()) {
      if (in_[i_] == '"') {
        fail(line_, col,
             "quote (\") inside an unquoted cell: enclose the whole cell in quotes and write a "
             "quote in it as \"\"");
      }
      if (in_[i_] == '\0') fail(line_, col, "NUL byte (0x00): CSV text never contains one");
    }
    return std::string(in_.substr(start, i_ - start));
  }

  std::string quoted(std::size_t col) {
    const int openedAt = line_;
    ++i_;  // the opening quote
    std::string cell;
    while (true) {
      const std::size_t start = i_;
      while (i_ < in_.size()) {
        const char c = in_[i_];
        if (c == '"' || c == '\r' || c == '\n' || c == '\0') break;
        ++i_;
      }
      cell.append(in_.data() + start, i_ - start);
      if (cell.size() > o_.maxCellBytes) {
        fail(openedAt, col,
             "cell too long: more than " + std::to_string(o_.maxCellBytes) + " bytes");
      }
      if (i_ >= in_.size()) {
        fail(openedAt, col,
             "quoted cell not closed: the file ends inside the cell opened at line " +
                 std::to_string(openedAt));
      }
      const char c = in_[i_];
      if (c == '"') {
        if (i_ + 1 < in_.size() && in_[i_ + 1] == '"') {
          cell.push_back('"');
          i_ += 2;
          continue;
        }
        ++i_;  // the closing quote
        break;
      }
      if (c == '\0') fail(line_, col, "NUL byte (0x00): CSV text never contains one");
      // A line break inside the cell is kept as it is.
      cell.push_back(c);
      ++i_;
      if (c == '\r' && i_ < in_.size() && in_[i_] == '\n') {
        cell.push_back('\n');
        ++i_;
      }
      ++line_;
    }
    if (i_ < in_.size()) {
      const char c = in_[i_];
      if (c != o_.separator && c != '\r' && c != '\n') {
        fail(line_, col,
             "text after the closing quote of the cell: a quote inside a quoted cell is written "
             "as \"\"");
      }
    }
    return cell;
  }

  std::string_view in_;
  const ReadOptions& o_;
  std::size_t i_ = 0;
  int line_ = 1;
  std::size_t cellsHint_ = 0;  ///< cells of the previous record
};

bool isNegativeDecimal(std::string_view cell) {
  if (cell.size() < 2 || cell[0] != '-') return false;
  bool digitsBefore = false;
  std::size_t i = 1;
  for (; i < cell.size() && cell[i] >= '0' && cell[i] <= '9'; ++i) digitsBefore = true;
  if (!digitsBefore) return false;
  if (i == cell.size()) return true;
  if (cell[i] != '.') return false;
  ++i;
  if (i == cell.size()) return false;
  for (; i < cell.size(); ++i) {
    if (cell[i] < '0' || cell[i] > '9') return false;
  }
  return true;
}

int lineAt(std::string_view bytes, std::size_t offset) {
  // 0x0A and 0x0D are never part of a CP932 or UTF-8 multibyte character, so counting them in
  // the raw bytes gives the physical line an editor shows.
  offset = std::min(offset, bytes.size());
  int line = 1;
  for (std::size_t i = 0; i < offset; ++i) {
    if (bytes[i] == '\n') {
      ++line;
    } else if (bytes[i] == '\r' && (i + 1 >= bytes.size() || bytes[i + 1] != '\n')) {
      ++line;
    }
  }
  return line;
}

// Bytes that are not text in the file's charset: the path is the offset.
AdapterError encodingError(int line, std::size_t offset, std::string message) {
  return AdapterError(mapping::Issue{.line = line,
                                     .path = "byte offset " + std::to_string(offset),
                                     .message = std::move(message),
                                     .code = "encoding"});
}

}  // namespace

std::vector<Row> parse(std::string_view utf8, const ReadOptions& options) {
  return Reader(utf8, options).run();
}

bool needsNeutralising(std::string_view cell) {
  if (cell.empty()) return false;
  switch (cell.front()) {
    case '=':
    case '+':
    case '@':
    case '\t':
    case '\r':
      return true;
    case '-':
      return !isNegativeDecimal(cell);
    default:
      return false;
  }
}

std::string neutralise(std::string_view cell) {
  if (!needsNeutralising(cell)) return std::string(cell);
  std::string out;
  out.reserve(cell.size() + 1);
  out.push_back('\'');
  out.append(cell);
  return out;
}

std::string formatRow(const std::vector<std::string>& cells, bool neutraliseCells) {
  std::string out;
  std::size_t total = 2;
  for (const auto& c : cells) total += c.size() + 4;
  out.reserve(total);
  bool first = true;
  for (const auto& raw : cells) {
    if (!first) out.push_back(',');
    first = false;
    const bool prefix = neutraliseCells && needsNeutralising(raw);
    const bool quote = raw.find_first_of(",\"\r\n") != std::string::npos;
    if (!quote) {
      if (prefix) out.push_back('\'');
      out += raw;
      continue;
    }
    out.push_back('"');
    if (prefix) out.push_back('\'');
    for (const char c : raw) {
      if (c == '"') out.push_back('"');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out += "\r\n";
  return out;
}

std::string decodeText(std::string_view bytes, mapping::text::Charset charset,
                       BomPolicy bomPolicy) {
  namespace text = mapping::text;
  const std::string name(text::charsetName(charset));
  switch (text::detectBom(bytes)) {
    case text::Bom::Utf16Le:
    case text::Bom::Utf16Be:
      throw encodingError(
          1, 0,
          "UTF-16 byte order mark: the file must be " + name +
              (bomPolicy == BomPolicy::Utf8BomMeansUtf8 ? " or UTF-8 with a BOM" : std::string()));
    case text::Bom::Utf8: {
      if (bomPolicy == BomPolicy::Reject) {
        throw encodingError(
            1, 0, "UTF-8 byte order mark: the file must be " + name + ", but was saved as UTF-8");
      }
      const std::string_view body = text::stripUtf8Bom(bytes);
      try {
        text::validateUtf8(body);
      } catch (const text::TextError& e) {
        const std::size_t at = e.byteOffset() + (bytes.size() - body.size());
        throw encodingError(lineAt(bytes, at), at,
                            std::string("invalid UTF-8 (the file begins with a UTF-8 byte order "
                                        "mark): ") +
                                e.what());
      }
      return std::string(body);
    }
    case text::Bom::None:
      break;
  }
  try {
    return text::decode(bytes, charset);
  } catch (const text::EncodingError& e) {
    std::string message = e.what();
    // The offset is already in the path; keep the reason.
    const std::string redundant = " at byte offset " + std::to_string(e.byteOffset());
    if (const auto at = message.find(redundant); at != std::string::npos) {
      message.erase(at, redundant.size());
    }
    bool nonAscii = false;
    for (const char c : bytes) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        nonAscii = true;
        break;
      }
    }
    if (nonAscii && text::isValidUtf8(bytes)) {
      message += " (the file looks like UTF-8 without a byte order mark; save it as " + name + ")";
    }
    throw encodingError(lineAt(bytes, e.byteOffset()), e.byteOffset(), message);
  }
}

}  // namespace tsunagi::adapters::csv
