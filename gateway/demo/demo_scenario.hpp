#pragma once
// The demo's story, played through the nodes' real entry points — files dropped in the tools'
// folders, an HTTP POST, an HL7 message over MLLP, the local API — and checked on what the nodes
// did (their databases and output folders), step by step:
//   0. consents and two liaison cases (Kashiwa hospital ⇄ Nagareyama care manager, Matsudo care
//      manager ⇄ Kashiwa hospital);
//   1. a Nagareyama resident leaves the Kashiwa hospital: ADT^A03 over MLLP + a FHIR JP discharge
//      bundle over HTTP → Nagareyama's kintone folder, with the loss report;
//   2. the Nagareyama care manager posts a case update in kintone → Kashiwa's room CSV;
//   3. a Matsudo care plan (UPHOSOKU + UP1KYO) → the Kashiwa hospital as an admission sheet (FHIR);
//   4. a sheet for a patient without consent is refused, with its reason in error/;
//   5. Nagareyama stops, a message queues at Kashiwa, Nagareyama restarts and the backlog drains.
// The input files are in the data directory's demo/ folder (config/demo/ in the source tree).

#include <ostream>

#include "gateway/demo/demo_federation.hpp"

namespace tsunagi::demo {

/// Where the scenario's input files are: <data>/demo installed, config/demo in the source tree.
std::filesystem::path scenarioInputs();

/// Plays the steps, printing each in plain words, then the summary table. True when every step
/// had its expected outcome.
bool playScenario(DemoFederation& federation, std::ostream& out);

}  // namespace tsunagi::demo
