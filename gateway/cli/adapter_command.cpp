#include "gateway/cli/adapter_command.hpp"

#include <filesystem>
#include <optional>
#include <ostream>

#include "adapters/conformance.hpp"
#include "adapters/registry.hpp"
#include "gateway/cli/cli.hpp"
#include "gateway/cli/input.hpp"
#include "gateway/common/atomic_file.hpp"

namespace tsunagi::cli {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxInputBytes = 64u * 1024 * 1024;

const adapters::AdapterRegistry& registry() {
  static const adapters::AdapterRegistry shipped = [] {
    adapters::AdapterRegistry r;
    adapters::registerBuiltinAdapters(r);
    return r;
  }();
  return shipped;
}

void printIssues(std::ostream& err, const std::string& file, const adapters::AdapterError& e) {
  for (const mapping::Issue& issue : e.issues()) {
    err << file << ':';
    if (issue.line > 0) err << issue.line << ':';
    err << ' ';
    if (!issue.path.empty()) err << issue.path << ": ";
    err << issue.message << '\n';
  }
}

void printLosses(std::ostream& err, const std::string& step, const adapters::LossReport& losses) {
  err << "losses (" << step << "): " << losses.entries().size() << '\n';
  const std::string text = losses.text();
  if (!text.empty()) err << text << (text.back() == '\n' ? "" : "\n");
}

/// Writes DIR/NAME atomically (a reader never sees half); refuses a name that would leave DIR.
void writeInto(const fs::path& dir, const std::string& name, const std::string& bytes) {
  if (name.empty() || name.find('/') != std::string::npos || name.front() == '.') {
    throw std::runtime_error("the adapter suggested an unusable file name '" + name + "'");
  }
  writeFileAtomically(dir / name, bytes);
}

}  // namespace

int translateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  std::string from, to;
  std::vector<std::string> files;
  std::optional<fs::path> outDir;
  bool lossNote = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](std::string& into) {
      if (i + 1 >= args.size()) return false;
      into = args[++i];
      return true;
    };
    std::string dir;
    if (a == "--from") {
      if (!value(from))
        return err << "tsunagi translate: --from needs ADAPTER[:PROFILE]\n", kExitUsage;
    } else if (a == "--to") {
      if (!value(to)) return err << "tsunagi translate: --to needs ADAPTER[:PROFILE]\n", kExitUsage;
    } else if (a == "--out") {
      if (!value(dir)) return err << "tsunagi translate: --out needs a directory\n", kExitUsage;
      outDir = dir;
    } else if (a == "--loss-note") {
      lossNote = true;
    } else if (!a.empty() && a.front() == '-' && a != "-") {
      err << "tsunagi translate: unknown option '" << a << "'\n\n" << usage();
      return kExitUsage;
    } else {
      files.push_back(a);
    }
  }
  if (from.empty() || to.empty() || files.empty()) {
    err << "tsunagi translate: needs --from ADAPTER[:PROFILE] --to ADAPTER[:PROFILE] FILE\n\n"
        << usage();
    return kExitUsage;
  }
  std::unique_ptr<adapters::Adapter> source, target;
  try {
    source = registry().create(from);
    target = registry().create(to);
  } catch (const adapters::AdapterConfigError& e) {
    err << "tsunagi translate: " << e.what() << '\n';
    return kExitUsage;
  }
  if (!source->canDecode()) {
    err << "tsunagi translate: adapter " << from << " does not decode\n";
    return kExitUsage;
  }
  if (!target->canEncode()) {
    err << "tsunagi translate: adapter " << to << " does not encode\n";
    return kExitUsage;
  }
  if (outDir && !fs::is_directory(*outDir)) {
    err << "tsunagi translate: " << outDir->string() << " is not a directory\n";
    return kExitUsage;
  }
  // Several FILEs are one set delivered together (careplan_csv: UPHOSOKU + UP1KYO …).
  adapters::LocalInput input;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const std::optional<std::string> bytes = readInput(files[i], kMaxInputBytes);
    if (!bytes) {
      err << files[i] << ": cannot read the file\n";
      return kExitUsage;
    }
    if (bytes->size() > kMaxInputBytes) {
      err << files[i] << ": larger than " << kMaxInputBytes / (1024 * 1024) << " MiB\n";
      return kExitUsage;
    }
    const std::string name = files[i] == "-" ? "stdin" : fs::path(files[i]).filename().string();
    if (i == 0) {
      input.bytes = *bytes;
      input.name = name;
    } else {
      input.extraFiles.push_back(adapters::LocalFile{name, *bytes});
    }
  }
  if (!input.extraFiles.empty() && !source->readsFileSets()) {
    err << "tsunagi translate: " << from << " reads one file per input; give one FILE\n";
    return kExitUsage;
  }
  const std::string file = files.front();

  adapters::Decoded decoded;
  try {
    decoded = source->decode(input);
  } catch (const adapters::AdapterError& e) {
    printIssues(err, file, e);
    return kExitFailed;
  }
  printLosses(err, "decode " + from, decoded.losses);

  std::vector<adapters::Encoded> results;
  for (const mapping::CanonicalDocument& document : decoded.documents) {
    try {
      results.push_back(
          target->encode(document, adapters::EncodeOptions{decoded.losses, lossNote}));
    } catch (const adapters::AdapterError& e) {
      printIssues(err, file + " (" + mapping::documentTypeName(document) + " → " + to + ")", e);
      return kExitFailed;
    }
    printLosses(err, "encode " + to, results.back().losses);
  }
  // Nothing is printed or written before every document translated: all or nothing.
  for (const adapters::Encoded& r : results) {
    if (!outDir && !r.extraFiles.empty()) {
      err << "tsunagi translate: " << to << " writes " << 1 + r.extraFiles.size()
          << " files per document: name a directory with --out DIR\n";
      return kExitUsage;
    }
  }
  for (const adapters::Encoded& r : results) {
    if (outDir) {
      writeInto(*outDir, r.suggestedName, r.bytes);
      out << (*outDir / r.suggestedName).string() << '\n';
      for (const adapters::LocalFile& f : r.extraFiles) {
        writeInto(*outDir, f.name, f.bytes);
        out << (*outDir / f.name).string() << '\n';
      }
    } else {
      out << r.bytes;
    }
  }
  return kExitOk;
}

int adapterCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.size() == 1 && args[0] == "list") {
    for (const std::string& name : registry().names()) out << name << '\n';
    return kExitOk;
  }
  if (args.size() != 3 || args[0] != "check") {
    err << "tsunagi adapter: use 'adapter check ADAPTER[:PROFILE] SAMPLES_DIR' or 'adapter "
           "list'\n\n"
        << usage();
    return kExitUsage;
  }
  std::unique_ptr<adapters::Adapter> adapter;
  try {
    adapter = registry().create(args[1]);
  } catch (const adapters::AdapterConfigError& e) {
    err << "tsunagi adapter check: " << e.what() << '\n';
    return kExitUsage;
  }
  adapters::ConformanceReport report;
  try {
    report = adapters::checkAdapter(*adapter, args[1], args[2]);
  } catch (const std::runtime_error& e) {
    err << "tsunagi adapter check: " << e.what() << '\n';
    return kExitUsage;
  }
  out << report.table();
  return report.passed() ? kExitOk : kExitFailed;
}

}  // namespace tsunagi::cli
