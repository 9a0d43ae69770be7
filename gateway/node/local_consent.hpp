#pragma once
// The body of POST /local/v1/consents (docs/operations.md "Local consents"), read with the
// project's strict JSON reader and checked field by field like the envelope checks it later.

#include <string>
#include <string_view>
#include <variant>

#include "gateway/store/exchange_store.hpp"

namespace tsunagi::node {

/// A consent field the local tool got wrong: its path ("reference", "scope[1]", or "body" for the
/// request as a whole) and why. The reason may quote the input: it goes to the reply only, never
/// to the log or the audit chain (they carry the field).
struct ConsentFieldError {
  std::string field;
  std::string reason;
};

/// The consent, or the first field in error (in the documented order: the members' presence and
/// types, then each value's rules).
std::variant<store::Consent, ConsentFieldError> readLocalConsent(std::string_view body);

}  // namespace tsunagi::node
