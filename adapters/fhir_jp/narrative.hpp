#pragma once
// FHIR narrative (Narrative.div, XHTML) to plain text and back. The plain-text helpers the
// adapters share (trimmed, characterCount, quoteForMessage, escapeHtml) are in mapping/text/;
// fitText and fitLine, which record a cut as a loss, in adapters/loss_report.hpp.
//
// The XHTML of a hospital's Bundle is untrusted. It is never given to an XML parser (no DTD, no
// entity expansion, no network): a small linear scanner drops the markup, turns block elements
// (p, div, br, li, tr, h1–h6 …) into line breaks, skips comments and script/style content, and
// decodes the five XML entities, &nbsp; and numeric character references. Anything it does not
// recognise stays as literal text.

#include <string>
#include <string_view>

namespace tsunagi::adapters::fhir_jp {

/// Plain text of a Narrative.div: lines separated by LF, each trimmed, empty lines removed.
/// Precondition: valid UTF-8 (JSON strings are checked when parsed).
std::string xhtmlToText(std::string_view div);

/// A Narrative.div carrying `text`: escaped (mapping::text::escapeHtml), LF as <br/>, CR dropped,
/// in the XHTML namespace.
std::string textToXhtml(std::string_view text);

}  // namespace tsunagi::adapters::fhir_jp
