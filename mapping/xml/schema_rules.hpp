#pragma once
// The canonical schemas read as plain rules, so that a document built in memory can be checked
// against them without writing it out and running libxml2's validator over the text (the cost
// that dominated every adapter's decode: docs/performance.md).
//
// Only the part of XSD the canonical schemas use is understood: named and anonymous simple types
// restricting xs:string, xs:date, xs:dateTime, xs:int, xs:decimal or xs:boolean with pattern,
// length, enumeration and inclusive-range facets; complex types that are one xs:sequence of
// elements, plus attributes; xs:include. A schema with anything else is refused at load
// (SchemaRules::load throws), and the caller keeps using the validator.
//
// The rules are one-sided on purpose: accepts() answers "surely valid" or "not sure". Whatever
// they are not sure of (a value in an unusual lexical form, a number at a range bound, a character
// XML might not take) goes to libxml2's validator, which also gives the diagnosis. So the rules
// may only ever be stricter than the schema, never laxer; tests hold them to that.

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

struct _xmlRegexp;

namespace tsunagi::mapping::xml {

/// One xs:pattern facet: libxml2's compiled XSD regular expression, and for the plain shapes the
/// canonical schemas use (a sequence of single characters or character classes of ASCII, each
/// with a count: "[0-9]{6}", "[^\t\r\n]+", "[A-Za-z0-9+/=]+") a shortcut that reads the value
/// once, greedily. A greedy match is a real match; when the shortcut fails, the regular
/// expression decides, so the answer is always libxml2's.
class Pattern {
 public:
  /// Throws std::runtime_error when libxml2 cannot compile `xsdRegex`.
  explicit Pattern(const std::string& xsdRegex);
  bool matches(std::string_view value) const;
  /// True when the pattern has the shortcut.
  bool hasShortcut() const { return !atoms_.empty(); }

 private:
  struct Atom {
    bool ascii[128] = {};
    bool negated = false;  ///< then every character not listed matches, beyond ASCII too
    int min = 1;
    int max = 1;  ///< -1: no upper bound
  };
  static std::vector<Atom> shortcut(std::string_view xsdRegex);
  std::shared_ptr<_xmlRegexp> regexp_;
  std::vector<Atom> atoms_;
};

struct SimpleRule {
  enum class Base { String, Date, DateTime, Int, Decimal, Boolean };
  Base base = Base::String;
  /// Each derivation step's patterns: a value must match one pattern of every step.
  std::vector<std::vector<Pattern>> patternSteps;
  /// Each derivation step's enumeration, where it has one: the value must be in every one.
  std::vector<std::vector<std::string>> enumerationSteps;
  std::optional<std::size_t> minLength, maxLength;      ///< in characters (xs:string only)
  std::vector<std::string> minInclusive, maxInclusive;  ///< xs:int / xs:decimal only

  /// True when the schema surely accepts `lexical` as the text of an element of this type; false
  /// when it does not or when the rules cannot tell.
  bool accepts(std::string_view lexical) const;
};

struct ComplexRule;

struct ElementRule {
  std::string name;
  int minOccurs = 1;
  int maxOccurs = 1;                   ///< -1: unbounded
  const SimpleRule* simple = nullptr;  ///< one of simple / complex is set
  const ComplexRule* complex = nullptr;
};

struct AttributeRule {
  std::string name;
  bool required = false;
  const SimpleRule* type = nullptr;
};

struct ComplexRule {
  std::vector<ElementRule> sequence;
  std::vector<AttributeRule> attributes;
};

class SchemaRules {
 public:
  /// Reads a shipped schema file and the files it includes. Throws std::runtime_error naming
  /// the file and the construct when the schema uses anything outside the subset above.
  static std::shared_ptr<const SchemaRules> load(const std::filesystem::path& file);

  /// The global element `name`, or nullptr.
  const ElementRule* root(std::string_view name) const;

  SchemaRules() = default;
  SchemaRules(const SchemaRules&) = delete;
  SchemaRules& operator=(const SchemaRules&) = delete;

 private:
  friend class SchemaRulesLoader;
  // Stable addresses: rules point at each other.
  std::vector<std::unique_ptr<SimpleRule>> simple_;
  std::vector<std::unique_ptr<ComplexRule>> complex_;
  std::vector<ElementRule> roots_;
};

/// The rules of a schema in dataDirectory()/schema, read once per process; nullptr when the
/// schema uses anything the rules do not understand (then only the validator can judge it).
std::shared_ptr<const SchemaRules> shippedSchemaRules(const std::string& fileName);

/// True when `text` is valid UTF-8 made only of characters XML 1.0 documents may carry (tab, LF,
/// CR, U+0020–U+D7FF, U+E000–U+FFFD, U+10000–U+10FFFF).
bool isXmlText(std::string_view text);

}  // namespace tsunagi::mapping::xml
