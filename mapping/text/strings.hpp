#pragma once
// Small helpers for plain text that every layer uses: trimming, cutting to a number of characters,
// quoting a value in a message, escaping for HTML, numbers with thousands separators. Counting
// characters and cutting at a character boundary are in utf8.hpp. All take UTF-8.

#include <cstddef>
#include <string>
#include <string_view>

namespace tsunagi::mapping::text {

/// `text` without the leading and trailing bytes that are in `characters` (ASCII only; by default
/// SP, TAB, CR and LF, the XML whitespace). A view into `text`.
std::string_view trimAscii(std::string_view text, std::string_view characters = " \t\r\n");

/// Text people typed without its leading and trailing SP, TAB, CR, LF and ideographic spaces
/// (U+3000, 全角スペース).
std::string trimmed(std::string_view text);

/// `text` cut to at most `limit` characters, the last of them "…" when it was cut.
std::string cutToCharacters(std::string_view text, std::size_t limit);

/// `'value'`, cut to `maxCharacters` with "…": an untrusted value quoted in an error message.
std::string quoteForMessage(std::string_view value, std::size_t maxCharacters = 40);

/// & < > " ' escaped (&amp; &lt; &gt; &quot; &#39;) for HTML and XHTML text and attribute values.
std::string escapeHtml(std::string_view text);

/// A byte count for messages, with thousands separators: "16,777,216".
std::string withThousands(std::size_t n);

}  // namespace tsunagi::mapping::text
