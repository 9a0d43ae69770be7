#pragma once
// Text helpers of the fhir_jp adapter: FHIR narrative (Narrative.div, XHTML) to plain text and
// back, and fitting text into the liaison sheet's length limits with a recorded loss.
//
// The XHTML of a hospital's Bundle is untrusted. It is never given to an XML parser (no DTD, no
// entity expansion, no network): a small linear scanner drops the markup, turns block elements
// (p, div, br, li, tr, h1–h6 …) into line breaks, skips comments and script/style content, and
// decodes the five XML entities, &nbsp; and numeric character references. Anything it does not
// recognise stays as literal text.

#include <cstddef>
#include <string>
#include <string_view>

#include "adapters/loss_report.hpp"

namespace tsunagi::adapters::fhir_jp {

/// Plain text of a Narrative.div: lines separated by LF, each trimmed, empty lines removed.
/// Precondition: valid UTF-8 (JSON strings are checked when parsed).
std::string xhtmlToText(std::string_view div);

/// A Narrative.div carrying `text`: escaped, LF as <br/>, in the XHTML namespace.
std::string textToXhtml(std::string_view text);

/// Number of characters (code points) of valid UTF-8 text.
std::size_t characterCount(std::string_view utf8);

/// `'value'`, cut to `maxCharacters` with "…", for quoting untrusted values in error messages.
std::string quoteForMessage(std::string_view value, std::size_t maxCharacters = 40);

/// Leading and trailing ASCII whitespace and U+3000 removed.
std::string trimmed(std::string_view text);

/// `text` cut to at most `limit` characters (the last one "…" when cut). A cut is recorded as a
/// Truncated loss at `target` (a /LiaisonSheet path) naming the FHIR `source` path.
std::string fitText(std::string_view text, std::size_t limit, const std::string& target,
                    const std::string& source, LossReport& losses);

/// fitText for one-line fields: CR, LF and TAB become spaces first.
std::string fitLine(std::string_view text, std::size_t limit, const std::string& target,
                    const std::string& source, LossReport& losses);

}  // namespace tsunagi::adapters::fhir_jp
