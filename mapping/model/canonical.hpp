#pragma once
// Canonical documents in and out: parse (hardened XML → XSD → model → code tables → business
// rules) and the deterministic serializer. Every refusal is a DocumentError whose issues carry the
// line and the field path.

#include <string>
#include <string_view>
#include <variant>

#include "mapping/model/case_membership.hpp"
#include "mapping/model/case_update.hpp"
#include "mapping/model/liaison_sheet.hpp"
#include "mapping/xml/document.hpp"

namespace tsunagi::mapping {

using CanonicalDocument = std::variant<LiaisonSheet, CaseUpdate, CaseMembership>;

/// "LiaisonSheet", "CaseUpdate" or "CaseMembership" (the root element name).
std::string documentTypeName(const CanonicalDocument& document);

/// Parses any canonical document; the root element decides the type.
CanonicalDocument parseCanonical(std::string_view bytes, const xml::ParseLimits& limits = {});
LiaisonSheet parseLiaisonSheet(std::string_view bytes, const xml::ParseLimits& limits = {});
CaseUpdate parseCaseUpdate(std::string_view bytes, const xml::ParseLimits& limits = {});
CaseMembership parseCaseMembership(std::string_view bytes, const xml::ParseLimits& limits = {});

/// Deterministic bytes: UTF-8, fixed element order, two-space indentation, LF line ends.
/// The model should have passed validate(); throws std::invalid_argument for characters XML
/// cannot carry.
std::string serialize(const LiaisonSheet& sheet);
std::string serialize(const CaseUpdate& update);
std::string serialize(const CaseMembership& membership);
std::string serialize(const CanonicalDocument& document);

/// Everything a document built in memory (by an adapter) must satisfy before it leaves: the
/// serialized form is checked against the schema, then code tables and business rules.
/// Returns all issues; empty when valid.
std::vector<Issue> validate(const CanonicalDocument& document);

/// What a receiver does with `bytes`: parseCanonical(), its issues returned instead of thrown.
/// validate() gives the same answer for serialize(document); tests hold the two together.
std::vector<Issue> validateByParsing(std::string_view bytes);

}  // namespace tsunagi::mapping
