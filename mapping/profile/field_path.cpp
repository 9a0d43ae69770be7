#include "mapping/profile/field_path.hpp"

#include <charconv>
#include <span>

namespace tsunagi::mapping::profile {

namespace {

struct Segment {
  std::string_view name;  // a view into the path, which outlives the walk
  int index = 0;          // 1-based; 0 = none written
};

std::vector<Segment> split(std::string_view path) {
  std::vector<Segment> out;
  out.reserve(4);
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    std::string_view part = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    Segment s;
    if (const auto open = part.find('['); open != std::string_view::npos && part.back() == ']') {
      s.name = part.substr(0, open);
      const std::string_view digits = part.substr(open + 1, part.size() - open - 2);
      int n = 0;
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
      s.index = (ec == std::errc() && ptr == digits.data() + digits.size() && n > 0) ? n : -1;
    } else {
      s.name = part;
    }
    out.push_back(s);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

// `name` == `n` without measuring `n` first (a walk compares a path segment with every field
// name of a group on its way).
bool sameName(std::string_view name, const char* n) {
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (n[i] != name[i]) return false;  // also stops at the end of a shorter `n`
  }
  return n[name.size()] == '\0';
}

enum class Mode { Probe, Read, Write, Count };

// What one walk is looking for and what it found.
struct Target {
  Mode mode = Mode::Probe;
  std::vector<std::string> values;                 // read: out
  const std::vector<std::string>* in = nullptr;    // write: the literals to write
  std::optional<FieldInfo> info;    // the leaf found
  bool group = false;               // the path named a repeated group (no index)
  std::size_t count = 0;            // Count: items of the group
  std::string error;                // why the path is not a field
  std::vector<std::string> names;   // the names seen at the deepest level (for suggestions)
};

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

std::string boolText(bool b) { return b ? "true" : "false"; }

bool parseBool(const std::string& s) {
  if (s == "true") return true;
  if (s == "false") return false;
  throw std::invalid_argument("'" + s + "' is not true or false");
}

int parseInt(const std::string& s) {
  int n = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || ptr != s.data() + s.size()) {
    throw std::invalid_argument("'" + s + "' is not a whole number");
  }
  return n;
}

Date parseDate(const std::string& s) {
  auto d = Date::parseIso(s);
  if (!d) throw std::invalid_argument("'" + s + "' is not an ISO date (YYYY-MM-DD)");
  return *d;
}

const std::string& single(const std::vector<std::string>& values) {
  if (values.size() != 1) throw std::invalid_argument("expects exactly one value");
  return values.front();
}

class Walk {
 public:
  Walk(std::span<const Segment> rest, Target& target) : rest_(rest), target_(target) {}

  void text(const char* n, std::string& x) { leaf(n, FieldKind::Text, "", x); }
  void text(const char* n, std::optional<std::string>& x) { leaf(n, FieldKind::Text, "", x); }
  void code(const char* n, std::string& x, const char* table) {
    leaf(n, FieldKind::Code, table, x);
  }
  void code(const char* n, std::optional<std::string>& x, const char* table) {
    leaf(n, FieldKind::Code, table, x);
  }
  void date(const char* n, Date& x) { leaf(n, FieldKind::Date, "", x); }
  void date(const char* n, std::optional<Date>& x) { leaf(n, FieldKind::Date, "", x); }
  void boolean(const char* n, bool& x) { leaf(n, FieldKind::Boolean, "", x); }
  void boolean(const char* n, std::optional<bool>& x) { leaf(n, FieldKind::Boolean, "", x); }
  void integer(const char* n, int& x) { leaf(n, FieldKind::Integer, "", x); }
  void integer(const char* n, std::optional<int>& x) { leaf(n, FieldKind::Integer, "", x); }
  void texts(const char* n, std::vector<std::string>& x) { leaf(n, FieldKind::Texts, "", x); }

  template <class T>
  void child(const char* n, T& x) {
    if (!matches(n, false)) return;
    if (rest_.size() == 1) {
      target_.error = std::string(n) + " is a group of fields, not a field";
      return;
    }
    descend(x);
  }
  template <class T>
  void child(const char* n, std::optional<T>& x) {
    if (!matches(n, false)) return;
    if (rest_.size() == 1) {
      target_.error = std::string(n) + " is a group of fields, not a field";
      return;
    }
    if (!x) {
      if (target_.mode == Mode::Probe || target_.mode == Mode::Write) {
        T probe{};
        descend(probe);
        if (target_.mode == Mode::Write && target_.info) x = std::move(probe);
      }
      return;
    }
    descend(*x);
  }
  template <class T>
  void child(const char* n, std::vector<T>& x) {
    if (!matches(n, true)) return;
    const int index = rest_.front().index;
    if (rest_.size() == 1 && index == 0) {
      target_.group = true;
      target_.count = x.size();
      target_.error = std::string(n) + " is a repeated group of fields, not a field";
      return;
    }
    if (index == 0) {
      target_.error = std::string(n) + " repeats: write " + n + "[1], " + n + "[2], …";
      return;
    }
    if (rest_.size() == 1) {
      target_.error =
          std::string(n) + "[" + std::to_string(index) + "] is a group of fields, not a field";
      return;
    }
    const auto i = static_cast<std::size_t>(index - 1);
    if (target_.mode == Mode::Probe) {
      T probe{};
      descend(probe);
    } else if (i < x.size()) {
      descend(x[i]);
    } else if (target_.mode == Mode::Write) {
      T item{};
      descend(item);
      if (target_.info) {
        if (x.size() < i) x.resize(i);  // earlier rows stay empty: validation reports them
        x.push_back(std::move(item));
      }
    }
  }

 private:
  bool matches(const char* n, bool repeated) {
    if (rest_.empty()) return false;
    // The walk has found its leaf (or why the path names none): the remaining fields of the
    // description cannot match, and the names seen only matter when nothing was found.
    if (target_.info || target_.group || !target_.error.empty()) return false;
    // The names seen only serve the "known: …" of a profile mistake.
    if (target_.mode == Mode::Probe) target_.names.emplace_back(n);
    if (!sameName(rest_.front().name, n)) return false;
    if (!repeated && rest_.front().index != 0) {
      target_.error = std::string(n) + " does not repeat; remove the [" +
                      std::to_string(rest_.front().index) + "]";
      return false;
    }
    if (rest_.front().index < 0) {
      target_.error = std::string(n) + ": the index must be a number from 1";
      return false;
    }
    return true;
  }

  template <class T>
  void descend(T& x) {
    target_.names.clear();
    Walk sub(rest_.subspan(1), target_);
    describe(sub, x);
    if (!target_.info && target_.error.empty() && !target_.group) {
      target_.error = "no field '" + std::string(rest_[1].name) + "' in " +
                      std::string(rest_.front().name) +
                      " (known: " + join(target_.names) + ")";
    }
  }

  template <class T>
  void leaf(const char* n, FieldKind kind, const char* table, T& x) {
    if (!matches(n, false)) return;
    if (rest_.size() != 1) {
      target_.error = std::string(n) + " is a field, not a group";
      return;
    }
    target_.info = FieldInfo{kind, table};
    switch (target_.mode) {
      case Mode::Probe:
      case Mode::Count:
        return;
      case Mode::Read:
        read(x);
        return;
      case Mode::Write:
        write(x);
        return;
    }
  }

  void read(const std::string& x) {
    if (!x.empty()) target_.values.push_back(x);
  }
  void read(const std::optional<std::string>& x) {
    if (x) target_.values.push_back(*x);
  }
  void read(const Date& x) {
    if (x.isValid()) target_.values.push_back(x.iso());
  }
  void read(const std::optional<Date>& x) {
    if (x && x->isValid()) target_.values.push_back(x->iso());
  }
  void read(bool x) { target_.values.push_back(boolText(x)); }
  void read(const std::optional<bool>& x) {
    if (x) target_.values.push_back(boolText(*x));
  }
  void read(int x) { target_.values.push_back(std::to_string(x)); }
  void read(const std::optional<int>& x) {
    if (x) target_.values.push_back(std::to_string(*x));
  }
  void read(const std::vector<std::string>& x) {
    target_.values.insert(target_.values.end(), x.begin(), x.end());
  }

  void write(std::string& x) { x = single(*target_.in); }
  void write(std::optional<std::string>& x) { x = single(*target_.in); }
  void write(Date& x) { x = parseDate(single(*target_.in)); }
  void write(std::optional<Date>& x) { x = parseDate(single(*target_.in)); }
  void write(bool& x) { x = parseBool(single(*target_.in)); }
  void write(std::optional<bool>& x) { x = parseBool(single(*target_.in)); }
  void write(int& x) { x = parseInt(single(*target_.in)); }
  void write(std::optional<int>& x) { x = parseInt(single(*target_.in)); }
  void write(std::vector<std::string>& x) { x = *target_.in; }

  std::span<const Segment> rest_;
  Target& target_;
};

template <class Doc>
void walkRoot(Doc& doc, const std::vector<Segment>& segments, Target& target) {
  Walk walk(segments, target);
  describe(walk, doc);
  if (!target.info && target.error.empty() && !target.group) {
    target.error =
        "no field '" + std::string(segments.front().name) + "' (known: " + join(target.names) + ")";
  }
}

void walkProbe(std::string_view documentType, std::string_view path, Target& target) {
  const auto segments = split(path);
  if (documentType == "LiaisonSheet") {
    LiaisonSheet doc;
    walkRoot(doc, segments, target);
  } else if (documentType == "CaseUpdate") {
    CaseUpdate doc;
    walkRoot(doc, segments, target);
  } else {
    target.error = "document type " + std::string(documentType) + " cannot be mapped";
  }
}

void walkDocument(CanonicalDocument& document, std::string_view path, Target& target) {
  const auto segments = split(path);
  std::visit(
      [&](auto& doc) {
        if constexpr (std::is_same_v<std::decay_t<decltype(doc)>, CaseMembership>) {
          target.error = "CaseMembership cannot be mapped";
        } else {
          walkRoot(doc, segments, target);
        }
      },
      document);
}

// Required leaves: non-optional fields reached through non-optional groups only.
class RequiredWalk {
 public:
  RequiredWalk(std::string prefix, std::vector<std::string>& out)
      : prefix_(std::move(prefix)), out_(out) {}
  void text(const char* n, std::string&) { add(n); }
  void code(const char* n, std::string&, const char*) { add(n); }
  void date(const char* n, Date&) { add(n); }
  void boolean(const char* n, bool&) { add(n); }
  void integer(const char* n, int&) { add(n); }
  template <class T>
  void text(const char*, std::optional<T>&) {}
  template <class T>
  void code(const char*, std::optional<T>&, const char*) {}
  template <class T>
  void date(const char*, std::optional<T>&) {}
  template <class T>
  void boolean(const char*, std::optional<T>&) {}
  template <class T>
  void integer(const char*, std::optional<T>&) {}
  void texts(const char*, std::vector<std::string>&) {}
  template <class T>
  void child(const char* n, T& x) {
    RequiredWalk sub(prefix_ + n + "/", out_);
    describe(sub, x);
  }
  template <class T>
  void child(const char*, std::optional<T>&) {}
  template <class T>
  void child(const char*, std::vector<T>&) {}

 private:
  void add(const char* n) { out_.push_back(prefix_ + n); }
  std::string prefix_;
  std::vector<std::string>& out_;
};

// Present leaves, with indexes on repeated items.
class PresentWalk {
 public:
  PresentWalk(std::string prefix, const std::function<void(const std::string&)>& on)
      : prefix_(std::move(prefix)), on_(on) {}
  void text(const char* n, const std::string& x) {
    if (!x.empty()) on_(prefix_ + n);
  }
  void code(const char* n, const std::string& x, const char*) { text(n, x); }
  void date(const char* n, const Date&) { on_(prefix_ + n); }
  void boolean(const char* n, bool) { on_(prefix_ + n); }
  void integer(const char* n, int) { on_(prefix_ + n); }
  template <class T>
  void text(const char* n, const std::optional<T>& x) {
    if (x) on_(prefix_ + n);
  }
  template <class T>
  void code(const char* n, const std::optional<T>& x, const char*) {
    if (x) on_(prefix_ + n);
  }
  template <class T>
  void date(const char* n, const std::optional<T>& x) {
    if (x) on_(prefix_ + n);
  }
  template <class T>
  void boolean(const char* n, const std::optional<T>& x) {
    if (x) on_(prefix_ + n);
  }
  template <class T>
  void integer(const char* n, const std::optional<T>& x) {
    if (x) on_(prefix_ + n);
  }
  void texts(const char* n, const std::vector<std::string>& x) {
    if (!x.empty()) on_(prefix_ + n);
  }
  template <class T>
  void child(const char* n, T& x) {
    PresentWalk sub(prefix_ + n + "/", on_);
    describe(sub, x);
  }
  template <class T>
  void child(const char* n, std::optional<T>& x) {
    if (x) child(n, *x);
  }
  template <class T>
  void child(const char* n, std::vector<T>& x) {
    for (std::size_t i = 0; i < x.size(); ++i) {
      PresentWalk sub(prefix_ + n + "[" + std::to_string(i + 1) + "]/", on_);
      describe(sub, x[i]);
    }
  }

 private:
  std::string prefix_;
  const std::function<void(const std::string&)>& on_;
};

}  // namespace

const char* toString(FieldKind kind) {
  switch (kind) {
    case FieldKind::Text:
      return "text";
    case FieldKind::Code:
      return "code";
    case FieldKind::Date:
      return "date";
    case FieldKind::Boolean:
      return "boolean";
    case FieldKind::Integer:
      return "integer";
    case FieldKind::Texts:
      return "list";
  }
  return "?";
}

bool isMappableDocumentType(std::string_view documentType) {
  return documentType == "LiaisonSheet" || documentType == "CaseUpdate";
}

std::variant<FieldInfo, std::string> describeField(std::string_view documentType,
                                                   std::string_view path) {
  Target target;
  walkProbe(documentType, path, target);
  if (target.info && target.error.empty()) return *target.info;
  return target.error.empty() ? std::string("not a field") : target.error;
}

std::optional<std::string> checkRepeatedGroup(std::string_view documentType,
                                              std::string_view path) {
  Target target;
  walkProbe(documentType, path, target);
  if (target.group) return std::nullopt;
  if (target.info)
    return path.empty() ? "not a repeated group"
                        : std::string(path) + " is a field, not a repeated group";
  return target.error.empty() ? std::string("not a repeated group") : target.error;
}

std::vector<std::string> requiredFields(std::string_view documentType) {
  std::vector<std::string> out;
  RequiredWalk walk("", out);
  if (documentType == "LiaisonSheet") {
    LiaisonSheet doc;
    describe(walk, doc);
  } else if (documentType == "CaseUpdate") {
    CaseUpdate doc;
    describe(walk, doc);
  }
  return out;
}

std::vector<std::string> readField(const CanonicalDocument& document, std::string_view path) {
  Target target;
  target.mode = Mode::Read;
  // The walk only reads in Read mode; one description serves every mode (as in binding.hpp).
  walkDocument(const_cast<CanonicalDocument&>(document), path, target);
  return std::move(target.values);
}

void writeField(CanonicalDocument& document, std::string_view path,
                const std::vector<std::string>& values) {
  if (values.empty()) return;
  Target target;
  target.mode = Mode::Write;
  target.in = &values;
  walkDocument(document, path, target);
  if (!target.info) throw std::invalid_argument(std::string(path) + ": " + target.error);
}

std::size_t countItems(const CanonicalDocument& document, std::string_view path) {
  Target target;
  target.mode = Mode::Count;
  walkDocument(const_cast<CanonicalDocument&>(document), path, target);
  return target.group ? target.count : 0;
}

void forEachPresentField(const CanonicalDocument& document,
                         const std::function<void(const std::string& path)>& onLeaf) {
  std::visit(
      [&](const auto& doc) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(doc)>, CaseMembership>) {
          PresentWalk walk("", onLeaf);
          describe(walk, const_cast<std::decay_t<decltype(doc)>&>(doc));
        }
      },
      document);
}

std::string withoutIndexes(std::string_view path) {
  std::string out;
  bool inIndex = false;
  for (char c : path) {
    if (c == '[') inIndex = true;
    if (!inIndex) out += c;
    if (c == ']') inIndex = false;
  }
  return out;
}

}  // namespace tsunagi::mapping::profile
