#pragma once
// The visitors that give the field descriptions (describe(v, x)) their meaning:
//  - Reader: XML element children → struct (after XSD validation; still never trusts input)
//  - Writer: struct → deterministic XML bytes (fixed element order, two-space indentation, LF,
//    one escaping rule), so that the same document always gives the same bytes
//  - CodeWalker: every code field with its field path, for the code-table checks.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mapping/date.hpp"
#include "mapping/xml/issue.hpp"

struct _xmlNode;

namespace tsunagi::mapping::binding {

class Reader {
 public:
  Reader(_xmlNode* parent, std::vector<Issue>& issues);

  void text(const char* name, std::string& out);
  void text(const char* name, std::optional<std::string>& out);
  void code(const char* name, std::string& out, const char*) { text(name, out); }
  void code(const char* name, std::optional<std::string>& out, const char*) { text(name, out); }
  void date(const char* name, Date& out);
  void date(const char* name, std::optional<Date>& out);
  void boolean(const char* name, bool& out);
  void boolean(const char* name, std::optional<bool>& out);
  void integer(const char* name, int& out);
  void integer(const char* name, std::optional<int>& out);
  void texts(const char* name, std::vector<std::string>& out);

  template <class T>
  void child(const char* name, T& out) {
    if (_xmlNode* node = take(name)) {
      read(node, out);
    } else {
      missing(name);
    }
  }
  template <class T>
  void child(const char* name, std::optional<T>& out) {
    if (_xmlNode* node = take(name)) read(node, out.emplace());
  }
  template <class T>
  void child(const char* name, std::vector<T>& out) {
    while (_xmlNode* node = take(name)) read(node, out.emplace_back());
  }

  /// Reports any element child that no description consumed.
  void finish();

 private:
  template <class T>
  void read(_xmlNode* node, T& out) {
    Reader sub(node, issues_);
    describe(sub, out);
    sub.finish();
  }
  _xmlNode* take(const char* name);
  std::optional<std::string> takeText(const char* name);
  std::optional<Date> dateOf(_xmlNode* node);
  std::optional<bool> booleanOf(_xmlNode* node);
  std::optional<int> integerOf(_xmlNode* node);
  void missing(const char* name);
  void invalid(_xmlNode* node, const std::string& why);

  _xmlNode* parent_;
  _xmlNode* next_;
  std::vector<Issue>& issues_;
};

class Writer {
 public:
  explicit Writer(std::string& out, int depth = 1) : out_(out), depth_(depth) {}

  void text(const char* name, const std::string& value);
  void text(const char* name, const std::optional<std::string>& value) {
    if (value) text(name, *value);
  }
  void code(const char* name, const std::string& value, const char*) { text(name, value); }
  void code(const char* name, const std::optional<std::string>& value, const char*) {
    if (value) text(name, *value);
  }
  void date(const char* name, const Date& value) { text(name, value.iso()); }
  void date(const char* name, const std::optional<Date>& value) {
    if (value) date(name, *value);
  }
  void boolean(const char* name, bool value) { text(name, std::string(value ? "true" : "false")); }
  void boolean(const char* name, const std::optional<bool>& value) {
    if (value) boolean(name, *value);
  }
  void integer(const char* name, int value) { text(name, std::to_string(value)); }
  void integer(const char* name, const std::optional<int>& value) {
    if (value) integer(name, *value);
  }
  void texts(const char* name, const std::vector<std::string>& values) {
    for (const auto& v : values) text(name, v);
  }

  template <class T>
  void child(const char* name, const T& value) {
    open(name);
    Writer sub(out_, depth_ + 1);
    // describe() takes a mutable reference so one description serves reading too; the Writer
    // only reads through it.
    describe(sub, const_cast<T&>(value));
    close(name);
  }
  template <class T>
  void child(const char* name, const std::optional<T>& value) {
    if (value) child(name, *value);
  }
  template <class T>
  void child(const char* name, const std::vector<T>& values) {
    for (const auto& v : values) child(name, v);
  }

 private:
  void indent();
  void open(const char* name);
  void close(const char* name);
  std::string& out_;
  int depth_;
};

/// Appends `text` escaped for XML character data or attribute values (&, <, >, ", CR).
/// Throws std::invalid_argument for characters XML 1.0 cannot carry (C0 controls except TAB/LF).
void appendEscaped(std::string& out, std::string_view text);

/// Calls `onCode(path, value, table)` for every code field that has a value.
template <class OnCode>
class CodeWalker {
 public:
  CodeWalker(std::string path, OnCode& onCode) : path_(std::move(path)), onCode_(onCode) {}

  template <class T>
  void text(const char*, const T&) {}
  template <class T>
  void date(const char*, const T&) {}
  template <class T>
  void boolean(const char*, const T&) {}
  template <class T>
  void integer(const char*, const T&) {}
  template <class T>
  void texts(const char*, const T&) {}
  void code(const char* name, const std::string& value, const char* table) {
    onCode_(path_ + "/" + name, value, table);
  }
  void code(const char* name, const std::optional<std::string>& value, const char* table) {
    if (value) code(name, *value, table);
  }
  template <class T>
  void child(const char* name, T& value) {
    CodeWalker sub(path_ + "/" + name, onCode_);
    describe(sub, value);
  }
  template <class T>
  void child(const char* name, std::optional<T>& value) {
    if (value) child(name, *value);
  }
  template <class T>
  void child(const char* name, std::vector<T>& values) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      CodeWalker sub(path_ + "/" + name + (values.size() > 1 ? "[" + std::to_string(i + 1) + "]" : ""),
                     onCode_);
      describe(sub, values[i]);
    }
  }

 private:
  std::string path_;
  OnCode& onCode_;
};

}  // namespace tsunagi::mapping::binding
