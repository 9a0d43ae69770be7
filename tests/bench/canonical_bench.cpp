// Canonical model throughput (target: ≥ 5,000 discharge sheets/s per core for parse + validate +
// serialize) and how long hostile input takes to be refused. Figures and the command that produced
// them: docs/performance.md.
#include <benchmark/benchmark.h>
#include <malloc.h>
#include <sys/resource.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include "mapping/model/canonical.hpp"

namespace tsunagi::mapping {
namespace {

const std::string& dischargeSheet() {
  static const std::string bytes = [] {
    const auto file =
        std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical/discharge-sheet.xml";
    std::ifstream in(file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + file.string());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }();
  return bytes;
}

long peakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

/// Returns freed heap to the system and resets the kernel's peak-RSS mark, so that ru_maxrss
/// measures from now on (memory glibc kept from earlier work would otherwise hide new growth).
void resetPeakRss() {
  malloc_trim(0);
  std::ofstream("/proc/self/clear_refs") << "5";
}

/// Refuses `bytes` once per iteration; a document that is accepted is an error of the benchmark.
/// The first, untimed call also measures how far the peak resident set grows while refusing.
void measureRejection(benchmark::State& state, const std::string& bytes) {
  resetPeakRss();
  const long before = peakRssKiB();
  try {
    parseCanonical(bytes);
    state.SkipWithError("hostile document was accepted");
    return;
  } catch (const DocumentError&) {
  }
  const long peak = peakRssKiB();
  for (auto _ : state) {
    try {
      parseCanonical(bytes);
    } catch (const DocumentError& e) {
      benchmark::DoNotOptimize(e.what());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
  state.counters["peak_rss_growth_MiB"] = static_cast<double>(peak - before) / 1024.0;
  state.counters["peak_rss_MiB"] = static_cast<double>(peak) / 1024.0;
}

// Benchmarks keep Google Benchmark's BM_ naming (docs/performance.md refers to them by name).
// NOLINTBEGIN(readability-identifier-naming)

// --- The discharge sheet (tests/fixtures/canonical/discharge-sheet.xml, every item filled).
// --------

// What a receiving node does with a sheet: parseCanonical (hardened parse, XSD validation,
// binding, code tables, business rules), then the deterministic serializer.
void BM_DischargeSheetParseValidateSerialize(benchmark::State& state) {
  const std::string& bytes = dischargeSheet();
  for (auto _ : state) {
    CanonicalDocument document = parseCanonical(bytes);
    std::string out = serialize(document);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());  // sheets
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_DischargeSheetParseValidateSerialize);

// validate() on a model built in memory (what an adapter's output goes through): serialize, then
// the whole parseCanonical pipeline on those bytes.
void BM_DischargeSheetValidateInMemory(benchmark::State& state) {
  const std::string& bytes = dischargeSheet();
  const CanonicalDocument document = parseCanonical(bytes);
  for (auto _ : state) {
    benchmark::DoNotOptimize(validate(document));
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_DischargeSheetValidateInMemory);

// parseCanonical alone: hardened parse, XSD validation, binding, code tables, business rules.
void BM_DischargeSheetParse(benchmark::State& state) {
  const std::string& bytes = dischargeSheet();
  for (auto _ : state) {
    CanonicalDocument document = parseCanonical(bytes);
    benchmark::DoNotOptimize(&document);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
}
BENCHMARK(BM_DischargeSheetParse);

void BM_DischargeSheetSerialize(benchmark::State& state) {
  const CanonicalDocument document = parseCanonical(dischargeSheet());
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string out = serialize(document);
    bytes = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_DischargeSheetSerialize);

// --- Hostile input: time to refuse. -------------------------------------------------------------

constexpr std::string_view kDecl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr std::string_view kSheetOpen =
    "<LiaisonSheet xmlns=\"urn:tsunagi:canonical:1\" kind=\"discharge\"";

void BM_RejectBillionLaughs(benchmark::State& state) {
  std::string bytes = std::string(kDecl) + "<!DOCTYPE lolz [\n  <!ENTITY lol \"lol\">\n";
  for (int level = 1; level <= 9; ++level) {
    const std::string previous = level == 1 ? "lol" : "lol" + std::to_string(level - 1);
    bytes += "  <!ENTITY lol" + std::to_string(level) + " \"";
    for (int i = 0; i < 10; ++i) bytes += "&" + previous + ";";
    bytes += "\">\n";
  }
  bytes += "]>\n<lolz>&lol9;</lolz>\n";
  measureRejection(state, bytes);
}
BENCHMARK(BM_RejectBillionLaughs);

void BM_RejectDoctypeXxe(benchmark::State& state) {
  const std::string bytes =
      std::string(kDecl) +
      "<!DOCTYPE LiaisonSheet [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n" +
      std::string(kSheetOpen) + "><sheetId>&xxe;</sheetId></LiaisonSheet>\n";
  measureRejection(state, bytes);
}
BENCHMARK(BM_RejectDoctypeXxe);

void BM_RejectDeepNesting10000(benchmark::State& state) {
  std::string bytes = std::string(kDecl);
  for (int i = 0; i < 10'000; ++i) bytes += "<a>";
  for (int i = 0; i < 10'000; ++i) bytes += "</a>";
  measureRejection(state, bytes);
}
BENCHMARK(BM_RejectDeepNesting10000);

void BM_RejectHundredMegabyteBody(benchmark::State& state) {
  std::string bytes = std::string(kDecl) + std::string(kSheetOpen) + ">";
  bytes.resize(std::size_t{100} * 1024 * 1024, ' ');
  measureRejection(state, bytes);
}
BENCHMARK(BM_RejectHundredMegabyteBody);

// One start tag with N distinct attributes. libxml2 2.9 checks for duplicate attributes pairwise,
// so the parse is quadratic in N, and the attribute cap (16) is only applied to the finished tree.
void BM_RejectAttributeFlood(benchmark::State& state) {
  static constexpr char kLetters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  std::string bytes = std::string(kDecl) + std::string(kSheetOpen);
  for (std::int64_t i = 0; i < state.range(0); ++i) {
    bytes += ' ';
    for (std::int64_t v = i;; v /= 52) {
      bytes += kLetters[v % 52];
      if (v < 52) break;
    }
    bytes += "=\"\"";
  }
  bytes += "/>\n";
  measureRejection(state, bytes);
  state.counters["document_KiB"] = static_cast<double>(bytes.size()) / 1024.0;
  state.SetComplexityN(state.range(0));
}
BENCHMARK(BM_RejectAttributeFlood)
    ->Arg(5'000)
    ->Arg(10'000)
    ->Arg(20'000)
    ->Arg(40'000)
    ->Arg(80'000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oNSquared);

// A document just under the default size limit made of empty sibling elements: accepted by the
// parser, refused by the schema, but only after libxml2 built a node for each of them.
void BM_RejectSiblingFloodAtTheSizeLimit(benchmark::State& state) {
  const std::size_t limit = xml::ParseLimits{}.maxBytes;
  const std::string close = "</LiaisonSheet>\n";
  std::string bytes = std::string(kDecl) + std::string(kSheetOpen) + ">";
  while (bytes.size() + 4 + close.size() <= limit) bytes += "<a/>";
  bytes += close;
  measureRejection(state, bytes);
}
BENCHMARK(BM_RejectSiblingFloodAtTheSizeLimit)->Unit(benchmark::kMillisecond);

// NOLINTEND(readability-identifier-naming)

}  // namespace
}  // namespace tsunagi::mapping
