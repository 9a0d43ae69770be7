// careplan_csv throughput: decoding a set of UPHOSOKU + UP1KYO files (records/s = people/s) and
// encoding a sheet back to both files; and the shared CSV reader alone (records/s). Target for CSV
// decoding: ≥ 20,000 records/s per core. Command and figures: docs/performance.md.
#include <benchmark/benchmark.h>

#include <string>

#include "../unit/adapters/careplan_csv/careplan_test_support.hpp"
#include "tests/bench/bench_support.hpp"

namespace tsunagi::adapters {
namespace {

/// A set with `people` persons (distinct 被保険者番号).
LocalInput setOf(int people) {
  std::vector<std::vector<std::string>> hosoku, plan1;
  for (int i = 0; i < people; ++i) {
    char insured[11];
    std::snprintf(insured, sizeof insured, "%010d", 1000000 + i);
    hosoku.push_back(testing::hosokuRecord({{3, insured}}));
    plan1.push_back(testing::plan1Record({{3, insured}}));
  }
  LocalInput in;
  in.name = testing::kHosokuName;
  in.bytes = testing::cp932File(hosoku);
  in.extraFiles.push_back(LocalFile{testing::kPlan1Name, testing::cp932File(plan1)});
  return in;
}

void BM_CareplanDecode(benchmark::State& state) {
  const LocalInput in = setOf(static_cast<int>(state.range(0)));
  const CareplanCsvAdapter adapter;
  for (auto _ : state) {
    Decoded d = adapter.decode(in);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["records/s"] = benchmark::Counter(
      static_cast<double>(state.iterations() * state.range(0) * 2), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CareplanDecode)->Arg(1)->Arg(100)->Arg(1000)->Unit(benchmark::kMillisecond);

void BM_CareplanEncode(benchmark::State& state) {
  const CareplanCsvAdapter::Options options{"0300000005", "11", "43",
                                            [] { return std::string("20240705093000"); }};
  const CareplanCsvAdapter adapter(options);
  const auto sheet = CareplanCsvAdapter().decode(setOf(1)).documents.at(0);
  for (auto _ : state) {
    Encoded e = adapter.encode(sheet);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["records/s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * 2), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_CareplanEncode)->Unit(benchmark::kMicrosecond);

void BM_CsvDecodeAndParse(benchmark::State& state) {
  const std::string bytes = setOf(1000).bytes;  // 1,000 UPHOSOKU records of 63 fields
  for (auto _ : state) {
    const std::string text = csv::decodeText(bytes, mapping::text::Charset::Cp932);
    auto rows = csv::parse(text);
    benchmark::DoNotOptimize(rows);
  }
  state.counters["records/s"] = benchmark::Counter(static_cast<double>(state.iterations() * 1000),
                                                   benchmark::Counter::kIsRate);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(bytes.size()));
}
BENCHMARK(BM_CsvDecodeAndParse)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tsunagi::adapters
