#pragma once
// The PID and PV1 fields of an SS-MIX2 ADT message that fill a liaison sheet's patient and
// contacts sections. Decisions are documented in ssmix2_adapter.hpp; these functions only read.

#include "adapters/adapter.hpp"
#include "adapters/ssmix2/hl7_message.hpp"

namespace tsunagi::adapters::ssmix2 {

/// PID-5 (漢字 I and カナ P), PID-7, PID-8, PID-11 and PID-13 into `patient`; PID-3 is recorded
/// as dropped. Throws AdapterError naming the PID field for what the sheet cannot do without;
/// what it can do without (an unusable phone number …) becomes a loss.
void readPatient(const Hl7Message& message, const Segment& pid, mapping::Patient& patient,
                 LossReport& losses);

/// The hospital (MSH-4, or metadata "hospitalName"), its ward (PV1-3) and the attending doctor
/// (PV1-7). Throws AdapterError when the hospital cannot be named.
mapping::Contacts readContacts(const Hl7Message& message, const Segment& pv1,
                               const LocalInput& input, LossReport& losses);

}  // namespace tsunagi::adapters::ssmix2
