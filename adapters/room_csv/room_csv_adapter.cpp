#include "adapters/room_csv/room_csv_adapter.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "adapters/csv/csv.hpp"
#include "mapping/text/encoding.hpp"
#include "mapping/text/strings.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::adapters {

namespace {

using mapping::profile::CsvEncoding;
using mapping::profile::DocumentMapping;
using mapping::profile::FieldMapping;
using profile::Locator;
using profile::ToolRecord;

std::string utf8Text(std::string_view bytes, CsvEncoding encoding) {
  if (encoding == CsvEncoding::Cp932) {
    return csv::decodeText(bytes, mapping::text::Charset::Cp932);
  }
  const std::string_view body = mapping::text::stripUtf8Bom(bytes);
  try {
    mapping::text::validateUtf8(body);
  } catch (const mapping::text::TextError& e) {
    int line = 1;
    for (std::size_t i = 0; i < e.byteOffset() && i < body.size(); ++i) line += body[i] == '\n';
    throw AdapterError(
        line, "byte offset " + std::to_string(e.byteOffset()),
        std::string("the file is not valid UTF-8 (the profile says UTF-8): ") + e.what());
  }
  return std::string(body);
}

std::vector<std::string> sourcesOf(const DocumentMapping& m) {
  std::vector<std::string> out;
  for (const auto& f : m.fields) out.push_back(f.source);
  if (m.lossNote && !m.fieldFor(m.lossNote->source)) out.push_back(m.lossNote->source);
  return out;
}

std::string joined(const std::vector<std::string>& names, std::size_t max = 12) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i == max) return out + ", …";
    out += (out.empty() ? "" : ", ") + names[i];
  }
  return out;
}

// The mapping whose columns the header has, or every reason none fits.
const DocumentMapping& chooseMapping(const mapping::profile::Profile& profile,
                                     const std::vector<std::string>& header) {
  std::vector<mapping::Issue> best;
  bool first = true;
  for (const auto& m : profile.documents) {
    const auto sources = sourcesOf(m);
    std::vector<mapping::Issue> issues;
    for (std::size_t i = 0; i < header.size(); ++i) {
      if (std::find(sources.begin(), sources.end(), header[i]) == sources.end()) {
        // The path is the position: a header cell is the input's text (a file without a header
        // has a patient's name and birth date there), and paths reach the log.
        issues.push_back(mapping::Issue{.line = 1,
                                        .path = "column " + std::to_string(i + 1),
                                        .message = "column " + std::to_string(i + 1) + " '" +
                                                   header[i] + "' is not a column of " + m.label() +
                                                   " in profile " + profile.name +
                                                   " (its columns: " + joined(sources) + ")",
                                        .code = "unknown-column"});
      }
    }
    for (const auto& f : m.fields) {
      if (f.required && !f.defaultValue &&
          std::find(header.begin(), header.end(), f.source) == header.end()) {
        issues.push_back(mapping::Issue{.line = 1,
                                        .path = f.source,
                                        .message = "required column '" + f.source + "' (→ /" +
                                                   m.type + "/" + f.path +
                                                   ") is missing from the header",
                                        .code = "missing-column"});
      }
    }
    if (issues.empty()) return m;
    if (first || issues.size() < best.size()) best = std::move(issues);
    first = false;
  }
  throw AdapterError(std::move(best));
}

// A cell as the profile's charset can write it, each change a Substituted loss.
std::string writable(const std::string& cell, CsvEncoding encoding, const std::string& path,
                     const std::string& column, LossReport& losses) {
  if (encoding == CsvEncoding::Utf8) return cell;
  bool ascii = true;
  for (unsigned char c : cell) ascii = ascii && c < 0x80;
  if (ascii) return cell;
  auto result = mapping::text::encode(cell, mapping::text::Charset::Cp932,
                                      mapping::text::OnUnmappable::Substitute);
  if (result.exact()) return cell;
  for (const auto& s : result.substitutions) {
    losses.add(Loss::Kind::Substituted, path,
               s.from + " → " + s.to + " (CP932 has no " + s.from + "; column " + column + ")");
  }
  for (const auto& u : result.unmappable) {
    losses.add(Loss::Kind::Substituted, path,
               u.describe() + " → 〓 (not in CP932; column " + column + ")");
  }
  return mapping::text::decode(result.bytes, mapping::text::Charset::Cp932);
}

}  // namespace

Decoded RoomCsvAdapter::decode(const LocalInput& input) const {
  if (input.bytes.size() > kMaxBytes) {
    throw AdapterError(0, "",
                       "the file is " + mapping::text::withThousands(input.bytes.size()) + " bytes; at most " +
                           mapping::text::withThousands(kMaxBytes) + " bytes are accepted");
  }
  const auto& profile = mapper_.profile();
  const std::string text = utf8Text(input.bytes, profile.csv.encoding);
  csv::ReadOptions options;
  options.maxRows = kMaxRows + 1;
  std::vector<csv::Row> rows = csv::parse(text, options);
  if (rows.empty() || (rows.size() == 1 && rows[0].cells.size() == 1 && rows[0].cells[0].empty())) {
    throw AdapterError(1, "", "the file is empty; expected a header row naming the columns");
  }
  std::vector<std::string> header;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < rows[0].cells.size(); ++i) {
    std::string name = mapping::text::trimmed(rows[0].cells[i]);
    const int column = static_cast<int>(i + 1);
    if (name.empty()) {
      throw AdapterError(mapping::Issue{
          .line = rows[0].line,
          .path = "column " + std::to_string(column),
          .message = "the header's column " + std::to_string(column) + " has no name",
          .code = "unnamed-column"});
    }
    if (auto [it, fresh] = seen.emplace(name, i + 1); !fresh) {
      throw AdapterError(mapping::Issue{
          .line = rows[0].line,
          .path = "column " + std::to_string(column),
          .message = "column '" + name + "' appears twice in the header (columns " +
                     std::to_string(it->second) + " and " + std::to_string(column) + ")",
          .code = "duplicate-column"});
    }
    header.push_back(std::move(name));
  }
  const DocumentMapping& m = chooseMapping(profile, header);

  Decoded out;
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const csv::Row& row = rows[r];
    if (row.cells.size() == 1 && row.cells[0].empty()) continue;  // an empty line
    if (row.cells.size() != header.size()) {
      throw AdapterError(row.line, "",
                         "line " + std::to_string(row.line) + " has " +
                             std::to_string(row.cells.size()) + " cells; the header has " +
                             std::to_string(header.size()));
    }
    ToolRecord record;
    for (std::size_t i = 0; i < header.size(); ++i) {
      std::string cell = row.cells[i];
      // Undo the neutralisation of an earlier encode ('=…, '+…, '-…, '@…).
      if (cell.size() > 1 && cell[0] == '\'' &&
          csv::needsNeutralising(std::string_view(cell).substr(1))) {
        cell.erase(0, 1);
      }
      record.values[header[i]] = {std::move(cell)};
    }
    out.documents.push_back(mapper_.decode(m, record, Locator{row.line, "", "column"}));
  }
  if (out.documents.empty()) {
    throw AdapterError(rows[0].line, "", "the file has a header but no records");
  }
  return out;
}

Encoded RoomCsvAdapter::encodeDocument(const mapping::CanonicalDocument& document,
                                       const EncodeOptions& options) const {
  const auto& profile = mapper_.profile();
  const DocumentMapping& m = mapper_.mappingFor(document);
  Encoded out;
  ToolRecord tool = mapper_.encode(m, document, options, out.losses);

  std::vector<std::string> header = sourcesOf(m);
  std::vector<std::string> cells;
  std::string all;
  for (const auto& column : header) {
    std::string cell;
    for (const auto& item : tool.values[column]) cell += (cell.empty() ? "" : "\n") + item;
    all += cell + '\n';
    cells.push_back(std::move(cell));
  }
  // One conversion tells whether every cell is writable as it is (the usual case); only when not
  // is each cell converted on its own, so that each substitution is reported at its field.
  const bool exact = profile.csv.encoding == CsvEncoding::Utf8 ||
                     mapping::text::encode(all, mapping::text::Charset::Cp932,
                                           mapping::text::OnUnmappable::Substitute)
                         .exact();
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string& column = header[i];
    const FieldMapping* f = m.fieldFor(column);
    const std::string path = "/" + m.type + "/" + (f ? f->path : std::string("(loss note)"));
    std::string& cell = cells[i];
    if (!exact) cell = writable(cell, profile.csv.encoding, path, column, out.losses);
    if (csv::needsNeutralising(cell)) {
      out.losses.add(Loss::Kind::Substituted, path,
                     "a ' was put before the value of column " + column +
                         " so that spreadsheets do not run it as a formula");
    }
  }
  // formatRow ends each record with CRLF; line breaks inside quoted cells stay as they are.
  const auto record = [&](const std::vector<std::string>& row) {
    std::string line = csv::formatRow(row, true);
    if (profile.csv.lineEnd == "\n" && line.size() >= 2) line.replace(line.size() - 2, 2, "\n");
    return line;
  };
  const std::string text = record(header) + record(cells);
  if (profile.csv.encoding == CsvEncoding::Cp932) {
    out.bytes = mapping::text::encode(text, mapping::text::Charset::Cp932,
                                      mapping::text::OnUnmappable::Fail)
                    .bytes;
  } else {
    out.bytes = (profile.csv.writeBom ? "\xEF\xBB\xBF" : "") + text;
  }
  const std::string id = profile::documentId(document);
  if (!m.fileName.empty()) {
    out.suggestedName = m.fileName;
    if (auto at = out.suggestedName.find("{id}"); at != std::string::npos) {
      out.suggestedName.replace(at, 4, id);
    }
  } else {
    out.suggestedName = profile.name + "-" + id + ".csv";
  }
  return out;
}

void registerRoomCsv(AdapterRegistry& registry) {
  registry.addProfiled("room_csv", [](std::shared_ptr<const mapping::profile::Profile> profile) {
    return std::make_unique<RoomCsvAdapter>(std::move(profile));
  });
}

}  // namespace tsunagi::adapters
