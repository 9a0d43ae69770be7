#pragma once
// SS-MIX2 HL7 v2.5 ADT events from a hospital → the partial liaison sheet each event carries.
//
// Input trust: untrusted. One message per input (MLLP frame optional), ISO-2022-JP only, at most
// 1 MiB; every refusal is an AdapterError naming the segment-field ("PID-7") and the line, or the
// byte offset for bad bytes (hl7_message.hpp).
//
// Events (MSH-9), decided for tsunagi:
//  - ADT^A01 入院 → a LiaisonSheet kind="admission": 入院日 admittedOn from PV1-44, 記入日
//    recordedOn from MSH-7, 退院予定日 plannedDischargeOn from PV2-9 when given.
//  - ADT^A03 退院 → kind="discharge": admittedOn from PV1-44, plannedDischargeOn from PV1-45 (the
//    actual discharge date), discharge/disposition from PV1-36.
//  - ADT^A08 患者情報更新 → the kind named by metadata "sheetKind" ("admission" or "discharge"),
//    "discharge" when absent, read like A01 / A03.
//  - Events that carry no sheet content — A11 入院取消, A13 退院取消, A12, A14, A15, A16, A02,
//    A21, A22, A25–A27, A52–A55, A60 — decode to NO document and one Loss::Partial at "/MSH/9"
//    naming the event and the message control id. Cancels are never silently ignored: the caller
//    records the loss against the case (an AdapterError would make the hospital resend forever).
//  - A discharge sheet needs 入院日 (business rule). An A03/A08 without PV1-44 — the published
//    SS-MIX2 sample ADT-52 is one — also decodes to no document and a Loss::Partial at "/PV1/44".
//  - Any other message type (ORU^R01 …) or ADT event is an AdapterError naming MSH-9.
//
// Every sheet produced is partial: it carries the patient (PID-5 漢字 I and カナ P, PID-7, PID-8,
// PID-11, PID-13), the hospital (MSH-4; a ten-digit 医療機関コード there becomes institutionCode;
// metadata "hospitalName" names it), the ward (PV1-3), the attending doctor (PV1-7) and the dates,
// and the loss report says so (Loss::Partial at "/LiaisonSheet"). It passes mapping::validate.
// Further decisions:
//  - sheetId: a UUID (version 8, RFC 9562) from SHA-256 of MSH-4, the trigger event and MSH-10,
//    so a resent message gives the same sheet (idempotent), while two events that reuse a
//    control id (as the two published samples do) do not collide.
//  - PID-3 (the hospital's patient id) is not exchanged: hospital-internal ids stay at the
//    hospital (Loss::Dropped at "/PID/3").
//  - A kana name (P) is required: without it the sheet cannot be valid (AdapterError on PID-5).
//    Hiragana and half-width kana are folded to full-width katakana.
//  - PID-8: M → 1, F → 2; anything else is an AdapterError (the sheet has no other sex code).
//  - PV1-36 is read as the DPC 退院時転帰 code (table discharge-disposition; "01" read as "1").
//    An unknown code is not carried (Loss::Dropped at "/PV1/36"): it is optional, and a discharge
//    notice must not be refused for it.
//  - An address over 200 characters, an unusable postal code or phone number, a ward or doctor
//    name too long for the sheet: not carried, each a Loss::Dropped naming the field.
//  - Segments other than MSH, EVN, PID, PV1 and PV2 (NK1, AL1, IN1, OBX …): Loss::Dropped, one
//    per segment id.
// Loss paths name the HL7 source as "/SEG/n"; error paths as "SEG-n". Names are never quoted in
// messages or losses.

#include "adapters/adapter.hpp"
#include "adapters/registry.hpp"

namespace tsunagi::adapters {

/// The "ssmix2" adapter: decode only.
class Ssmix2Adapter : public Adapter {
 public:
  std::string name() const override { return "ssmix2"; }
  /// LiaisonSheet.
  std::vector<std::string> documentTypes() const override { return {"LiaisonSheet"}; }
  /// One ADT message → zero or one partial LiaisonSheet (see the file comment for each event).
  /// Metadata read: "sheetKind" (A08), "hospitalName". Throws AdapterError.
  Decoded decode(const LocalInput& input) const override;
};

/// Registers "ssmix2".
void registerSsmix2(AdapterRegistry& registry);

}  // namespace tsunagi::adapters
