#pragma once
// HTML helpers of the console: escaping, the Japanese-first text switch, the page frame.

#include <string>
#include <string_view>

namespace tsunagi::console {

enum class Lang { Ja, En };

/// Escapes & < > " ' for text and attribute values (mapping::text::escapeHtml).
std::string html(std::string_view text);

/// Picks the text of the page's language: tr("交換検索", "Exchange search").
struct Tr {
  Lang lang = Lang::Ja;
  std::string operator()(const char* ja, const char* en) const {
    return lang == Lang::En ? en : ja;
  }
};

/// What the frame around a page needs.
struct Frame {
  Tr tr;
  std::string title;
  std::string nodeName;  ///< e.g. 柏市 (122173)
  std::string user;      ///< empty on the login page
  std::string role;      ///< coordinator | admin
  std::string csrf;      ///< for the logout form
  std::string path;      ///< current path + query, for the language switch
};

/// The whole HTML document around `body`.
std::string page(const Frame& frame, const std::string& body);

/// The embedded stylesheet and script (no CDN, no framework).
const std::string& stylesheet();
const std::string& script();

}  // namespace tsunagi::console
