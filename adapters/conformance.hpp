#pragma once
// The conformance kit behind `tsunagi adapter check`: what every adapter (shipped or a vendor's)
// must do with real samples and with hostile input. One run gives a table of checks, each passed,
// failed or not applicable (with the reason), so a vendor sees exactly what to fix.
//
// A samples directory holds:
//   *                 the tool's own files: each must decode into valid canonical documents;
//   SET/*             a subdirectory: its files are one set delivered together (careplan_csv's
//                     UPHOSOKU + UP1KYO with one timestamp);
//   canonical/*.xml   canonical documents to encode (optional: without it, the decoded samples are
//                     encoded);
//   malformed/*       inputs the adapter must refuse with a clear error.
// Hidden files and README* are ignored.

#include <filesystem>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"

namespace tsunagi::adapters {

struct CheckResult {
  enum class Status { Pass, Fail, NotApplicable };
  Status status;
  std::string
      check;  ///< decode, schema, round-trip, encode, strict-encoding, csv-neutralise, refuse
  std::string sample;  ///< the sample's file name, or "built-in: …"
  std::string detail;  ///< what was seen; for a failure, what went wrong and where
};

const char* toString(CheckResult::Status status);

struct ConformanceReport {
  std::string adapter;
  std::vector<CheckResult> results;

  bool passed() const;
  std::size_t count(CheckResult::Status status) const;
  /// The pass/fail table, one row per check, then a one-line summary.
  std::string table() const;
};

/// Runs every check of the kit on `adapter` with the samples in `samplesDir`. Throws
/// std::runtime_error when the directory cannot be read or holds no sample at all.
ConformanceReport checkAdapter(const Adapter& adapter, const std::string& spec,
                               const std::filesystem::path& samplesDir);

/// The built-in malformed inputs derived from a valid sample: name and bytes.
std::vector<std::pair<std::string, std::string>> builtinMalformedInputs(const std::string& valid);

}  // namespace tsunagi::adapters
