#pragma once
// A translation's losses: every field dropped, truncated, approximated or character substituted,
// with its field path. It travels with the exchange and is shown to coordinators.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tsunagi::adapters {

struct Loss {
  enum class Kind {
    Dropped,       ///< the source had it; the target has no place for it
    Truncated,     ///< shortened to fit a length limit
    Approximated,  ///< mapped onto a coarser scale (e.g. 見守り → 一部介助)
    Substituted,   ///< a character replaced (髙 → 高 for CP932)
    Partial,       ///< the source carries only part of a document (an ADT event → a partial sheet)
  };
  Kind kind;
  std::string path;    ///< field path in the source or target, e.g. /LiaisonSheet/adl/bathing
  std::string detail;  ///< what happened, e.g. "見守り (2) mapped to 一部介助 (3)"

  bool operator==(const Loss&) const = default;
};

const char* toString(Loss::Kind kind);
/// The kind named by toString(), or nullopt for any other text.
std::optional<Loss::Kind> lossKindFromString(std::string_view text);

class LossReport {
 public:
  void add(Loss::Kind kind, std::string path, std::string detail);
  void append(const LossReport& other);
  const std::vector<Loss>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  /// One line per loss: "approximated /LiaisonSheet/adl/bathing: 見守り (2) mapped to …".
  std::string text() const;
  /// A short Japanese note for a free-text field of the target tool, e.g.
  /// "【連携時の注意】変換で欠落2件・近似1件があります: …", cut to `maxCharacters`.
  std::string japaneseNote(std::size_t maxCharacters = 200) const;
  /// JSON array of {"kind","path","detail"} objects (what travels with the exchange).
  std::string json() const;
  /// The distinct kinds, in enum order, comma-separated ("dropped,partial"): what the exchange
  /// log records (paths and details may quote names, kinds never do).
  std::string kinds() const;

 private:
  std::vector<Loss> entries_;
};

/// `text` cut to at most `limit` characters (the last one "…" when cut, mapping::text::
/// cutToCharacters). A cut is recorded as a Truncated loss at `target` (a /LiaisonSheet path)
/// naming the `source` field it came from.
std::string fitText(std::string_view text, std::size_t limit, const std::string& target,
                    const std::string& source, LossReport& losses);

/// fitText for one-line fields: CR, LF and TAB become spaces first.
std::string fitLine(std::string_view text, std::size_t limit, const std::string& target,
                    const std::string& source, LossReport& losses);

}  // namespace tsunagi::adapters
