#pragma once
// kintone REST records (DOMAIN.md §8) ↔ LiaisonSheet and CaseUpdate, field codes from a mapping
// profile (`kintone:PROFILE`, e.g. kintone:nagareyama-kintone). Reference: docs/adapter-guide.md.
//
// decode: `/k/v1/record.json` ({"record":{CODE:{"type","value"}}}) → one document;
// `/k/v1/records.json` ({"records":[…]}) → one document per record, in order; the write shapes
// ({"app":N,"record":{CODE:{"value"}}}, no type; the update shape's top-level "id" is the record's
// $id) are read too. A record whose profile <originId> field is filled has that document id (see
// profile_mapper.hpp). Which mapping of the profile a record uses: LocalInput::metadata["app"],
// else the body's "app", else the only mapping, else the mapping
// whose required fields the record has (most mapped fields wins). Value shapes: text types, NUMBER
// ("" = blank), DATE, DATETIME (UTC "Z"), DROP_DOWN / RADIO_BUTTON (null = blank) as strings;
// CHECK_BOX / MULTI_SELECT string arrays; USER_SELECT / ORGANIZATION / GROUP_SELECT [{code,name}]
// (the names); SUBTABLE [{id,value:{CODE:{type,value}}}] for <table> mappings. A field's `type`
// must match the profile's declared type, and its value the type's shape. Fields the profile does
// not name are ignored (apps hold more than the liaison items, and every record has $id,
// $revision, 作成者 …). All or nothing: one bad record refuses the whole input.
// encode: one document, fields in profile order, blank fields left out (a kintone update leaves
// absent fields unchanged), and no __ID__ / RECORD_NUMBER field (kintone numbers its records).
// A document that came from this app (its id is the $id field's prefix + a record id) is written
// in the update shape {"app":N,"id":"1207","record":{…}} (PUT /k/v1/record.json); any other in
// the add shape {"app":N,"record":{…}} (POST), with its id in the profile's <originId> field, or,
// without one, a Dropped loss for the id.
// appendLossNote writes the Japanese loss note into the profile's <lossNote> field. Untrusted
// input: at most 16 MiB, nesting at most 16 levels, 1,000 records (GET returns ≤ 500).

#include <memory>
#include <string_view>

#include "adapters/adapter.hpp"
#include "adapters/profile/profile_adapter.hpp"
#include "adapters/registry.hpp"

namespace tsunagi::adapters {

class KintoneAdapter : public profile::ProfileAdapter {
 public:
  static constexpr std::size_t kMaxBytes = 16u * 1024u * 1024u;
  static constexpr std::size_t kMaxDepth = 16;
  static constexpr std::size_t kMaxRecords = 1000;

  /// Throws mapping::profile::ProfileError when a default of the profile does not translate.
  explicit KintoneAdapter(std::shared_ptr<const mapping::profile::Profile> profile)
      : ProfileAdapter(std::move(profile)) {}

  std::string name() const override { return "kintone"; }
  Decoded decode(const LocalInput& input) const override;

 protected:
  /// suggestedName: "kintone-app<N>-<document id>.json".
  Encoded encodeDocument(const mapping::CanonicalDocument& document,
                         const EncodeOptions& options) const override;
};

namespace kintone {
/// True for a kintone record id ($id): 1 to 19 ASCII digits (an update's id, the $id field's
/// value; the kintone connector pages and writes by it).
bool isRecordId(std::string_view text);
}  // namespace kintone

/// Registers "kintone" (it needs `:PROFILE`).
void registerKintone(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
