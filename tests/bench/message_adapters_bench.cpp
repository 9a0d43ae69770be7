// The one-message adapters: fhir_jp (FHIR JP document Bundles), ssmix2 (HL7 v2.5 ADT in
// ISO-2022-JP) and liaison_xml (the canonical sheet itself): decode and encode per second per core.
// One input is one record here: a Bundle, an ADT message, a sheet. Inputs are the test fixtures
// and the shared public samples. Figures and the command: docs/performance.md.
#include <benchmark/benchmark.h>

#include <string>

#include "mapping/model/canonical.hpp"
#include "tests/bench/bench_support.hpp"

namespace tsunagi::adapters {
namespace {

using bench::adapter;
using bench::fixture;
using bench::sample;

void decodeBench(benchmark::State& state, const std::string& name, const std::string& bytes) {
  const Adapter& a = adapter(name);
  for (auto _ : state) {
    Decoded d = a.decode(LocalInput{bytes, "bench", {}});
    if (d.documents.empty()) state.SkipWithError("no document");
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}

void encodeBench(benchmark::State& state, const std::string& name,
                 const mapping::CanonicalDocument& document) {
  const Adapter& a = adapter(name);
  for (auto _ : state) {
    Encoded e = a.encode(document);
    benchmark::DoNotOptimize(e);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_FhirJpDecodeDischargeSummary(benchmark::State& s) {
  decodeBench(s, "fhir_jp", fixture("fhir_jp/discharge-summary-clins.json"));
}
void BM_FhirJpDecodeSharedSample(benchmark::State& s) {
  decodeBench(s, "fhir_jp", sample("fhir-jp/CLINS-Referral-Example-01.json"));
}
void BM_FhirJpEncodeAdmissionSheet(benchmark::State& s) {
  encodeBench(s, "fhir_jp", mapping::parseCanonical(fixture("canonical/admission-sheet.xml")));
}
void BM_SsMix2DecodeAdmissionEvent(benchmark::State& s) {
  decodeBench(s, "ssmix2", sample("ssmix2/ADT-22_A01_admission.hl7"));
}
// (The shared A03 sample has no admission date in PV1-44 and makes no document; the fixture,
// written from it with one, does.)
void BM_SsMix2DecodeDischargeEvent(benchmark::State& s) {
  decodeBench(s, "ssmix2", fixture("ssmix2/ADT-52_A03_discharge.hl7"));
}
void BM_LiaisonXmlDecode(benchmark::State& s) {
  decodeBench(s, "liaison_xml", fixture("canonical/discharge-sheet.xml"));
}
void BM_LiaisonXmlEncode(benchmark::State& s) {
  encodeBench(s, "liaison_xml", mapping::parseCanonical(fixture("canonical/discharge-sheet.xml")));
}

BENCHMARK(BM_FhirJpDecodeDischargeSummary)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FhirJpDecodeSharedSample)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_FhirJpEncodeAdmissionSheet)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SsMix2DecodeAdmissionEvent)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SsMix2DecodeDischargeEvent)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LiaisonXmlDecode)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_LiaisonXmlEncode)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tsunagi::adapters
