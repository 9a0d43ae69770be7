#include "adapters/conformance.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "mapping/files.hpp"

namespace tsunagi::adapters {

namespace fs = std::filesystem;
using Status = CheckResult::Status;

const char* toString(Status status) {
  switch (status) {
    case Status::Pass:
      return "PASS";
    case Status::Fail:
      return "FAIL";
    case Status::NotApplicable:
      return "n/a";
  }
  return "?";
}

bool ConformanceReport::passed() const {
  return count(Status::Fail) == 0 && count(Status::Pass) > 0;
}

std::size_t ConformanceReport::count(Status status) const {
  return static_cast<std::size_t>(std::count_if(
      results.begin(), results.end(), [&](const CheckResult& r) { return r.status == status; }));
}

std::string ConformanceReport::table() const {
  std::size_t checkWidth = 5, sampleWidth = 6;
  for (const CheckResult& r : results) {
    checkWidth = std::max(checkWidth, r.check.size());
    sampleWidth = std::max(sampleWidth, r.sample.size());
  }
  auto pad = [](std::string s, std::size_t width) {
    if (s.size() < width) s.append(width - s.size(), ' ');
    return s;
  };
  std::ostringstream out;
  out << pad("RESULT", 6) << "  " << pad("CHECK", checkWidth) << "  " << pad("SAMPLE", sampleWidth)
      << "  DETAIL\n";
  for (const CheckResult& r : results) {
    out << pad(toString(r.status), 6) << "  " << pad(r.check, checkWidth) << "  "
        << pad(r.sample, sampleWidth) << "  " << r.detail << '\n';
  }
  out << adapter << ": " << (passed() ? "PASSED" : "FAILED") << " (" << count(Status::Pass)
      << " passed, " << count(Status::Fail) << " failed, " << count(Status::NotApplicable)
      << " not applicable)\n";
  return out.str();
}

namespace {

constexpr std::size_t kMaxSampleBytes = 64u * 1024 * 1024;
/// A character outside CP932 and JIS X 0208 (U+20BB7, 𠮷 as in 吉野家): no legacy charset
/// holds it, so an adapter either carries it (UTF-8 targets) or declares a substitution.
constexpr std::string_view kOutsideLegacy = "\xF0\xA0\xAE\xB7";
/// Spreadsheet formula payloads (CSV injection) placed in free-text fields.
constexpr std::string_view kFormulaNotes = "=HYPERLINK(\"http://example.invalid\",\"x\")";
constexpr std::string_view kFormulaAddress = "+1+2";
constexpr std::string_view kFormulaWish = "@SUM(A1)";

bool ignored(const fs::path& p) {
  const std::string name = p.filename().string();
  return name.empty() || name.front() == '.' || name.rfind("README", 0) == 0;
}

std::vector<fs::path> filesIn(const fs::path& dir) {
  std::vector<fs::path> out;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file() && !ignored(e.path())) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string readFile(const fs::path& file) {
  try {
    return mapping::readWholeFile(file, kMaxSampleBytes);
  } catch (const mapping::FileReadError& e) {
    throw std::runtime_error(file.string() + (e.reason() == mapping::FileReadError::Reason::TooLarge
                                                  ? ": larger than 64 MiB"
                                                  : ": cannot read the file"));
  }
}

std::string firstIssue(const AdapterError& e) {
  return e.issues().empty() ? std::string(e.what()) : e.issues().front().describe();
}

/// A refusal must say what is wrong; where, when it is a place in the input (an empty or
/// oversized input is wrong as a whole, and then has no line or field).
bool explains(const AdapterError& e) {
  return std::any_of(e.issues().begin(), e.issues().end(),
                     [](const mapping::Issue& i) { return !i.message.empty(); });
}

std::string located(const AdapterError& e) {
  const bool somewhere =
      std::any_of(e.issues().begin(), e.issues().end(),
                  [](const mapping::Issue& i) { return i.line > 0 || !i.path.empty(); });
  return (somewhere ? "" : "(whole input) ") + firstIssue(e);
}

std::string summarise(const Decoded& d) {
  std::string types;
  for (const auto& doc : d.documents) {
    types += (types.empty() ? "" : ", ") + mapping::documentTypeName(doc);
  }
  return std::to_string(d.documents.size()) + " document(s) (" + types + "), " +
         std::to_string(d.losses.entries().size()) + " declared loss(es)";
}

/// The first line where two texts differ, for a round-trip failure.
std::string firstDifference(const std::string& a, const std::string& b) {
  std::istringstream x(a), y(b);
  std::string la, lb;
  for (int line = 1;; ++line) {
    const bool ga = static_cast<bool>(std::getline(x, la));
    const bool gb = static_cast<bool>(std::getline(y, lb));
    if (!ga && !gb) return "no difference";
    if (!ga || !gb || la != lb) {
      return "canonical line " + std::to_string(line) + ": '" + (ga ? la : "<end>") + "' became '" +
             (gb ? lb : "<end>") + "'";
    }
  }
}

/// What a tool would read back from an encoding: the first file and every further file.
LocalInput inputFrom(const Encoded& e) {
  LocalInput in{e.bytes, e.suggestedName, {}};
  in.extraFiles = e.extraFiles;
  return in;
}

/// Every byte the encoding wrote, all files together (for the byte-level checks).
std::string allBytes(const Encoded& e) {
  std::string out = e.bytes;
  for (const LocalFile& f : e.extraFiles) out += "\n" + f.bytes;
  return out;
}

bool hasLoss(const LossReport& r, Loss::Kind kind) {
  return std::any_of(r.entries().begin(), r.entries().end(),
                     [&](const Loss& l) { return l.kind == kind; });
}

bool looksLikeCsv(const Encoded& e) {
  std::string lower = e.suggestedName;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.size() > 4 && lower.compare(lower.size() - 4, 4, ".csv") == 0;
}

/// True when `payload` starts a CSV cell somewhere in `bytes` (line start, after a separator,
/// or right after a cell's opening quote). ASCII only, so CP932 trail bytes cannot fake it.
bool startsACell(const std::string& bytes, std::string_view payload) {
  for (std::size_t at = bytes.find(payload); at != std::string::npos;
       at = bytes.find(payload, at + 1)) {
    std::size_t before = at;
    if (before > 0 && bytes[before - 1] == '"') --before;
    if (before == 0) return true;
    const char c = bytes[before - 1];
    if (c == ',' || c == '\n' || c == '\r' || c == '\t') return true;
  }
  return false;
}

class Kit {
 public:
  Kit(const Adapter& adapter, ConformanceReport& report) : adapter_(adapter), report_(report) {}

  void add(Status s, std::string check, std::string sample, std::string detail) {
    report_.results.push_back({s, std::move(check), std::move(sample), std::move(detail)});
  }

  /// decode + schema (+ round trip). Returns the decoded documents (empty on failure).
  std::vector<mapping::CanonicalDocument> checkSample(const std::string& name,
                                                      const LocalInput& input) {
    Decoded decoded;
    try {
      decoded = adapter_.decode(input);
    } catch (const AdapterError& e) {
      add(Status::Fail, "decode", name, "refused: " + firstIssue(e));
      return {};
    } catch (const std::exception& e) {
      add(Status::Fail, "decode", name,
          std::string("threw a non-AdapterError exception: ") + e.what());
      return {};
    }
    if (decoded.documents.empty()) {
      // An event that carries no document (an SS-MIX2 cancel, say) is fine when the adapter says
      // why; nothing and no word is silent loss.
      if (decoded.losses.empty()) {
        add(Status::Fail, "decode", name, "no document, no error and no declared loss");
      } else {
        add(Status::Pass, "decode", name,
            "no document, with the reason declared: " + decoded.losses.entries().front().detail);
      }
      return {};
    }
    add(Status::Pass, "decode", name, summarise(decoded));

    bool valid = true;
    for (const auto& doc : decoded.documents) {
      try {
        mapping::parseCanonical(mapping::serialize(doc));
      } catch (const std::exception& e) {
        valid = false;
        add(Status::Fail, "schema", name, std::string("decoded document is invalid: ") + e.what());
      }
    }
    if (valid)
      add(Status::Pass, "schema", name, "canonical XML passes schema, code tables and rules");
    if (valid) roundTrip(name, decoded);
    return valid ? decoded.documents : std::vector<mapping::CanonicalDocument>{};
  }

  void roundTrip(const std::string& name, const Decoded& decoded) {
    if (!adapter_.canEncode()) {
      add(Status::NotApplicable, "round-trip", name, "the adapter does not encode");
      return;
    }
    for (const auto& doc : decoded.documents) {
      Encoded encoded;
      try {
        encoded = adapter_.encode(doc);
      } catch (const AdapterError& e) {
        add(Status::NotApplicable, "round-trip", name,
            "the adapter does not encode this document: " + firstIssue(e));
        continue;
      }
      Decoded again;
      try {
        again = adapter_.decode(inputFrom(encoded));
      } catch (const std::exception& e) {
        add(Status::Fail, "round-trip", name,
            std::string("the adapter cannot read its own output: ") + e.what());
        continue;
      }
      if (again.documents.size() != 1) {
        add(Status::Fail, "round-trip", name,
            "re-decoding its own output gave " + std::to_string(again.documents.size()) +
                " documents");
        continue;
      }
      const std::string before = mapping::serialize(doc);
      const std::string after = mapping::serialize(again.documents.front());
      const std::size_t declared = encoded.losses.entries().size() + again.losses.entries().size();
      if (before == after) {
        add(Status::Pass, "round-trip", name, "decode(encode(document)) is identical");
      } else if (declared > 0) {
        add(Status::Pass, "round-trip", name,
            "differs where " + std::to_string(declared) + " loss(es) are declared");
      } else {
        add(Status::Fail, "round-trip", name,
            "changed without a declared loss: " + firstDifference(before, after));
      }
    }
  }

  /// encode + strict encoding + CSV neutralisation on one canonical document.
  bool checkEncode(const std::string& name, const mapping::CanonicalDocument& doc) {
    Encoded plain;
    try {
      plain = adapter_.encode(doc);
    } catch (const AdapterError& e) {
      add(Status::NotApplicable, "encode", name, "refused with a reason: " + firstIssue(e));
      return false;
    } catch (const std::exception& e) {
      add(Status::Fail, "encode", name,
          std::string("threw a non-AdapterError exception: ") + e.what());
      return false;
    }
    if (plain.bytes.empty()) {
      add(Status::Fail, "encode", name, "empty output");
      return false;
    }
    add(Status::Pass, "encode", name,
        std::to_string(plain.bytes.size()) + " bytes as " + plain.suggestedName + ", " +
            std::to_string(plain.losses.entries().size()) + " declared loss(es)");

    const auto* sheet = std::get_if<mapping::LiaisonSheet>(&doc);
    if (!sheet) {
      add(Status::NotApplicable, "strict-encoding", name, "checked on liaison sheets");
      return true;
    }
    strictEncoding(name, *sheet);
    if (looksLikeCsv(plain)) {
      csvNeutralise(name, *sheet);
    } else {
      add(Status::NotApplicable, "csv-neutralise", name,
          "output is not CSV (" + plain.suggestedName + ")");
    }
    return true;
  }

  void strictEncoding(const std::string& name, mapping::LiaisonSheet sheet) {
    sheet.patient.nameKanji += std::string(kOutsideLegacy);
    Encoded out;
    try {
      out = adapter_.encode(sheet);
    } catch (const AdapterError& e) {
      add(explains(e) ? Status::Pass : Status::Fail, "strict-encoding", name,
          "a character outside CP932/JIS X 0208 was refused: " + located(e));
      return;
    }
    if (hasLoss(out.losses, Loss::Kind::Substituted)) {
      add(Status::Pass, "strict-encoding", name,
          "a character outside CP932/JIS X 0208 is declared as substituted");
      return;
    }
    try {
      const Decoded back = adapter_.decode(inputFrom(out));
      for (const auto& d : back.documents) {
        const auto* s = std::get_if<mapping::LiaisonSheet>(&d);
        if (s && s->patient.nameKanji.find(kOutsideLegacy) != std::string::npos) {
          add(Status::Pass, "strict-encoding", name, "the character is carried exactly (U+20BB7)");
          return;
        }
      }
    } catch (const std::exception&) {
      // fall through: judged on the bytes below
    }
    const std::string written = allBytes(out);
    if (written.find(kOutsideLegacy) != std::string::npos ||
        written.find("\\ud842\\udfb7") != std::string::npos ||
        written.find("\\uD842\\uDFB7") != std::string::npos) {
      add(Status::Pass, "strict-encoding", name, "the character is carried exactly (U+20BB7)");
      return;
    }
    add(Status::Fail, "strict-encoding", name,
        "U+20BB7 in /LiaisonSheet/patient/nameKanji vanished without a declared substitution");
  }

  void csvNeutralise(const std::string& name, mapping::LiaisonSheet sheet) {
    sheet.notes = std::string(kFormulaNotes);
    sheet.patient.address = std::string(kFormulaAddress);
    if (!sheet.wishes) sheet.wishes.emplace();
    sheet.wishes->patient = std::string(kFormulaWish);
    Encoded out;
    try {
      out = adapter_.encode(sheet);
    } catch (const AdapterError& e) {
      add(Status::Fail, "csv-neutralise", name, "formula-like text refused: " + firstIssue(e));
      return;
    }
    for (std::string_view payload : {kFormulaNotes, kFormulaAddress, kFormulaWish}) {
      if (startsACell(allBytes(out), payload.substr(0, 5))) {
        add(Status::Fail, "csv-neutralise", name,
            "a cell begins with '" + std::string(payload.substr(0, 1)) +
                "' (spreadsheet formula) unneutralised");
        return;
      }
    }
    add(Status::Pass, "csv-neutralise", name, "cells beginning with = + @ are neutralised");
  }

  /// `name` labels the row; a mutated sample keeps its valid file name (and the other files of
  /// its set), so the content is what gets refused.
  void checkRefused(const std::string& name, const LocalInput& input) {
    try {
      const Decoded d = adapter_.decode(input);
      add(Status::Fail, "refuse", name,
          "accepted (" + std::to_string(d.documents.size()) + " document(s)) instead of refused");
    } catch (const AdapterError& e) {
      if (explains(e)) {
        add(Status::Pass, "refuse", name, located(e));
      } else {
        add(Status::Fail, "refuse", name, "refused without saying why");
      }
    } catch (const std::exception& e) {
      add(Status::Fail, "refuse", name,
          std::string("threw a non-AdapterError exception: ") + e.what());
    }
  }

 private:
  const Adapter& adapter_;
  ConformanceReport& report_;
};

}  // namespace

std::vector<std::pair<std::string, std::string>> builtinMalformedInputs(const std::string& valid) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("built-in: empty", "");
  out.emplace_back("built-in: first 16 bytes",
                   valid.substr(0, std::min<std::size_t>(16, valid.size())));
  out.emplace_back("built-in: cut in the middle", valid.substr(0, valid.size() / 2));
  std::string garbage(64 * 1024, '\0');
  unsigned state = 0x2545F491u;  // xorshift32: the same bytes on every run
  for (char& c : garbage) {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    c = static_cast<char>(state & 0xFF);
  }
  out.emplace_back("built-in: binary noise", std::move(garbage));
  std::string invalidBytes = valid;
  invalidBytes.insert(valid.size() / 2, "\xFF\xFE\x80\x00", 4);
  out.emplace_back("built-in: invalid bytes", std::move(invalidBytes));
  out.emplace_back(
      "built-in: UTF-16 text", std::string("\xFF\xFE", 2) + [&] {
        std::string wide;
        for (char c : valid.substr(0, 4096)) {
          wide.push_back(c);
          wide.push_back('\0');
        }
        return wide;
      }());
  std::string huge = valid;
  huge.insert(valid.size() / 2, std::string(20u * 1024 * 1024, 'A'));
  out.emplace_back("built-in: 20 MiB inserted", std::move(huge));
  return out;
}

ConformanceReport checkAdapter(const Adapter& adapter, const std::string& spec,
                               const fs::path& samplesDir) {
  std::error_code ec;
  if (!fs::is_directory(samplesDir, ec)) {
    throw std::runtime_error(samplesDir.string() + ": not a readable directory");
  }
  ConformanceReport report;
  report.adapter = spec;
  Kit kit(adapter, report);

  // A sample is a file, or a subdirectory whose files form one set delivered together (the
  // first file in name order, the others as LocalInput::extraFiles).
  std::vector<std::pair<std::string, LocalInput>> samples;
  for (const fs::path& file : filesIn(samplesDir)) {
    samples.emplace_back(file.filename().string(),
                         LocalInput{readFile(file), file.filename().string(), {}});
  }
  for (const fs::directory_entry& e : fs::directory_iterator(samplesDir)) {
    const std::string sub = e.path().filename().string();
    if (!e.is_directory() || sub == "canonical" || sub == "malformed" || ignored(e.path()))
      continue;
    const std::vector<fs::path> files = filesIn(e.path());
    if (files.empty()) continue;
    LocalInput set{readFile(files.front()), files.front().filename().string(), {}};
    for (std::size_t i = 1; i < files.size(); ++i) {
      set.extraFiles.push_back(LocalFile{files[i].filename().string(), readFile(files[i])});
    }
    samples.emplace_back(sub + "/", std::move(set));
  }
  const std::vector<fs::path> canonical = filesIn(samplesDir / "canonical");
  const std::vector<fs::path> malformed = filesIn(samplesDir / "malformed");
  if (samples.empty() && canonical.empty()) {
    throw std::runtime_error(samplesDir.string() + ": no samples (put the tool's files there)");
  }
  if (!adapter.canDecode()) {
    throw std::runtime_error("adapter " + spec + " does not decode; the kit needs decoding");
  }

  std::vector<std::pair<std::string, mapping::CanonicalDocument>> toEncode;
  std::optional<LocalInput> firstValid;
  for (const auto& [name, input] : samples) {
    auto docs = kit.checkSample(name, input);
    if (!docs.empty() && !firstValid) firstValid = input;
    for (auto& d : docs) toEncode.emplace_back(name, std::move(d));
  }

  if (adapter.canEncode()) {
    if (!canonical.empty()) toEncode.clear();
    for (const fs::path& file : canonical) {
      const std::string name = "canonical/" + file.filename().string();
      try {
        toEncode.emplace_back(name, mapping::parseCanonical(readFile(file)));
      } catch (const mapping::DocumentError& e) {
        kit.add(Status::Fail, "encode", name,
                std::string("not a valid canonical document: ") + e.what());
      }
    }
    bool anyEncoded = false;
    for (const auto& [name, doc] : toEncode) anyEncoded = kit.checkEncode(name, doc) || anyEncoded;
    if (!anyEncoded) {
      kit.add(Status::Fail, "encode", samplesDir.filename().string(),
              "the adapter encodes, but no sample could be encoded: add documents it takes under "
              "canonical/");
    }
  } else {
    kit.add(Status::NotApplicable, "encode", "-", "the adapter does not encode");
  }

  for (const fs::path& file : malformed) {
    kit.checkRefused("malformed/" + file.filename().string(),
                     LocalInput{readFile(file), file.filename().string(), {}});
  }
  if (!firstValid) {
    kit.add(Status::Fail, "refuse", "built-in",
            "no valid sample to derive the malformed inputs from");
  } else {
    for (auto& [name, bytes] : builtinMalformedInputs(firstValid->bytes)) {
      LocalInput mutated = *firstValid;
      mutated.bytes = std::move(bytes);
      kit.checkRefused(name, mutated);
    }
  }
  return report;
}

}  // namespace tsunagi::adapters
