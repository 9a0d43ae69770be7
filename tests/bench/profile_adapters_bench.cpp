// The profile-driven adapters: kintone (REST record JSON) and room_csv (CP932 CSV) decode and
// encode throughput, in records per second per core (target: ≥ 20,000 records/s decoding).
// Inputs are the test fixtures, repeated: a records.json of 100 admission-sheet records and a
// room export of 100 sheet rows. Figures and the command: docs/performance.md.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>

#include "mapping/json/reader.hpp"
#include "adapters/registry.hpp"
#include "mapping/text/encoding.hpp"
#include "tests/bench/bench_support.hpp"

namespace tsunagi::adapters {
namespace {

using bench::adapter;
using bench::fixture;

constexpr int kRecords = 100;

// records.json with kRecords copies of the sheet record, each with its own $id.
const std::string& kintoneRecords() {
  static const std::string bytes = [] {
    std::string one = fixture("kintone/nagareyama-sheet-record.json");
    one = one.substr(one.find("\"record\": ") + 10);
    one = one.substr(0, one.rfind('}'));
    std::string out = "{\"records\": [";
    for (int i = 0; i < kRecords; ++i) {
      std::string r = one;
      r.replace(r.find("\"1207\""), 6, "\"" + std::to_string(2000 + i) + "\"");
      out += (i ? "," : "") + r;
    }
    return out + "], \"totalCount\": \"" + std::to_string(kRecords) + "\"}";
  }();
  return bytes;
}

// A CP932 room export with the header and kRecords copies of the first sheet row.
const std::string& roomRows() {
  static const std::string bytes = [] {
    const std::string text = mapping::text::decode(fixture("room_csv/kashiwa-sheets.csv"),
                                                   mapping::text::Charset::Cp932);
    const std::size_t headerEnd = text.find("\r\n") + 2;
    const std::size_t rowEnd = text.find("\r\n20240312");
    const std::string row = text.substr(headerEnd, rowEnd + 2 - headerEnd);
    std::string out = text.substr(0, headerEnd);
    for (int i = 0; i < kRecords; ++i) {
      std::string r = row;
      r.replace(0, 13, "20240311-" + std::to_string(1000 + i));
      out += r;
    }
    return mapping::text::encode(out, mapping::text::Charset::Cp932,
                                 mapping::text::OnUnmappable::Fail)
        .bytes;
  }();
  return bytes;
}

// A CP932 timeline export with kRecords posts (CaseUpdate: a smaller document than a sheet).
const std::string& roomPosts() {
  static const std::string bytes = [] {
    const std::string text = mapping::text::decode(fixture("room_csv/kashiwa-timeline.csv"),
                                                   mapping::text::Charset::Cp932);
    const std::size_t headerEnd = text.find("\r\n") + 2;
    const std::size_t rowEnd = text.find("\r\n88121");
    const std::string row = text.substr(headerEnd, rowEnd + 2 - headerEnd);
    std::string out = text.substr(0, headerEnd);
    for (int i = 0; i < kRecords; ++i) {
      std::string r = row;
      r.replace(0, 5, std::to_string(10000 + i));
      out += r;
    }
    return mapping::text::encode(out, mapping::text::Charset::Cp932,
                                 mapping::text::OnUnmappable::Fail)
        .bytes;
  }();
  return bytes;
}

void decodeBench(benchmark::State& state, const std::string& spec, const std::string& bytes) {
  const Adapter& a = adapter(spec);
  for (auto _ : state) {
    Decoded d = a.decode(LocalInput{bytes, "bench", {}});
    if (d.documents.size() != static_cast<std::size_t>(kRecords))
      state.SkipWithError("wrong count");
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}

void encodeBench(benchmark::State& state, const std::string& spec, const std::string& bytes) {
  const Adapter& a = adapter(spec);
  const auto document = a.decode(LocalInput{bytes, "bench", {}}).documents.at(0);
  for (auto _ : state) {
    Encoded e = a.encode(document);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_KintoneDecode(benchmark::State& s) {
  decodeBench(s, "kintone:nagareyama-kintone", kintoneRecords());
}
void BM_KintoneEncode(benchmark::State& s) {
  encodeBench(s, "kintone:nagareyama-kintone", kintoneRecords());
}
void BM_RoomCsvDecode(benchmark::State& s) { decodeBench(s, "room_csv:kashiwa-room", roomRows()); }
void BM_RoomCsvEncode(benchmark::State& s) { encodeBench(s, "room_csv:kashiwa-room", roomRows()); }

void BM_RoomCsvDecodePosts(benchmark::State& s) {
  decodeBench(s, "room_csv:kashiwa-room", roomPosts());
}

// The floor under every decode: mapping::validate (serialize + hardened parse + XSD + code tables
// + rules) of one decoded document, which the adapters call for each record.
void BM_ValidateOneDecodedSheet(benchmark::State& state) {
  const auto document =
      adapter("room_csv:kashiwa-room").decode(LocalInput{roomRows(), "bench", {}}).documents.at(0);
  for (auto _ : state) benchmark::DoNotOptimize(mapping::validate(document));
  state.SetItemsProcessed(state.iterations());
}
void BM_ValidateOneDecodedPost(benchmark::State& state) {
  const auto document =
      adapter("room_csv:kashiwa-room").decode(LocalInput{roomPosts(), "bench", {}}).documents.at(0);
  for (auto _ : state) benchmark::DoNotOptimize(mapping::validate(document));
  state.SetItemsProcessed(state.iterations());
}

// The share of the kintone decode that is JSON parsing (mapping/json/reader) alone.
void BM_KintoneParseJsonOnly(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(mapping::json::parseJson(kintoneRecords()));
  state.SetItemsProcessed(state.iterations() * kRecords);
}

BENCHMARK(BM_KintoneDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KintoneEncode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoomCsvDecode)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RoomCsvEncode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RoomCsvDecodePosts)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_KintoneParseJsonOnly)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ValidateOneDecodedSheet)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ValidateOneDecodedPost)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tsunagi::adapters
