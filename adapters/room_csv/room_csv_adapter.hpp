#pragma once
// CSV exports of care-room tools without an API (Kanamic-style, MCS-style: DOMAIN.md §1) ↔
// LiaisonSheet and CaseUpdate, columns from a mapping profile (`room_csv:PROFILE`, e.g.
// room_csv:kashiwa-room). Reference: docs/adapter-guide.md → "room_csv".
//
// decode: the bytes are CP932 unless the profile says UTF-8; a UTF-8 byte order mark always means
// UTF-8 (Excel's "CSV UTF-8"). The first row is the header and names the columns; the profile
// mapping whose columns the header has decides the document type (every column must be known to
// it and every required column present, else an error naming each column). Each further row is
// one document; a row with a different number of cells is an error naming its line. A leading
// "'" that an earlier encode put before =, +, -, @ is removed again. All or nothing.
// encode: a header row and one data row in profile order (plus the loss-note column if the
// profile names one no field maps), CRLF by default; each cell is made writable in the profile's
// charset first (髙 → 高, 〜 → ～, anything else → 〓), every substitution a Substituted loss at
// the field's path; cells a spreadsheet would run as a formula are neutralised with a leading "'"
// (adapters/csv), also recorded.
// Untrusted input: at most 16 MiB, 64 KiB per cell, 100,000 rows (adapters/csv limits).

#include <memory>

#include "adapters/adapter.hpp"
#include "adapters/profile/profile_adapter.hpp"
#include "adapters/registry.hpp"

namespace tsunagi::adapters {

class RoomCsvAdapter : public profile::ProfileAdapter {
 public:
  static constexpr std::size_t kMaxBytes = 16u * 1024u * 1024u;
  static constexpr std::size_t kMaxRows = 100000;

  /// Throws mapping::profile::ProfileError when a default of the profile does not translate.
  explicit RoomCsvAdapter(std::shared_ptr<const mapping::profile::Profile> profile)
      : ProfileAdapter(std::move(profile)) {}

  std::string name() const override { return "room_csv"; }
  Decoded decode(const LocalInput& input) const override;

 protected:
  /// suggestedName: the mapping's fileName with {id} replaced, else "<profile>-<document id>.csv".
  Encoded encodeDocument(const mapping::CanonicalDocument& document,
                         const EncodeOptions& options) const override;
};

/// Registers "room_csv" (it needs `:PROFILE`).
void registerRoomCsv(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
