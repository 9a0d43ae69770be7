#include "mapping/xml/schema.hpp"

#include <libxml/tree.h>
#include <libxml/xmlschemas.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <stdexcept>


namespace tsunagi::mapping::xml {

namespace {

struct CompileErrors {
  std::string first;
};

void onCompileError(void* data, xmlErrorPtr error) {
  auto* errors = static_cast<CompileErrors*>(data);
  if (errors->first.empty() && error) {
    errors->first = "line " + std::to_string(error->line) + ": " + libxmlMessage(error->message);
  }
}

void onValidationError(void* data, xmlErrorPtr error) {
  auto* issues = static_cast<std::vector<Issue>*>(data);
  // Warnings (e.g. "no precomputed value" after an invalid xs:unique field) only echo an error.
  if (!error || error->level == XML_ERR_WARNING) return;
  if (issues->size() >= 50) return;  // a hostile document must not make a huge report
  Issue issue;
  issue.code = "schema";
  issue.line = error->line;
  if (error->node && static_cast<xmlNodePtr>(error->node)->type == XML_ELEMENT_NODE) {
    issue.path = pathOf(static_cast<xmlNodePtr>(error->node));
  }
  issue.message = libxmlMessage(error->message);
  // libxml2 prefixes "Element '{urn:…}name': " (or "Element '…', attribute 'a': "); the path
  // already names the element, so keep only the attribute and the reason.
  if (issue.message.rfind("Element '", 0) == 0) {
    const auto close = issue.message.find('\'', std::string("Element '").size());
    if (close != std::string::npos) {
      std::string rest = issue.message.substr(close + 1);
      if (rest.rfind(": ", 0) == 0) rest.erase(0, 2);
      if (rest.rfind(", ", 0) == 0) rest.erase(0, 2);
      issue.message = rest;
    }
  }
  issues->push_back(std::move(issue));
}

}  // namespace

std::shared_ptr<const Schema> Schema::compile(const std::filesystem::path& file) {
  initialise();
  xmlSchemaParserCtxtPtr parser = xmlSchemaNewParserCtxt(file.c_str());
  if (!parser) throw std::runtime_error("cannot read schema " + file.string());
  CompileErrors errors;
  xmlSchemaSetParserStructuredErrors(parser, onCompileError, &errors);
  xmlSchemaPtr compiled = xmlSchemaParse(parser);
  xmlSchemaFreeParserCtxt(parser);
  if (!compiled) {
    throw std::runtime_error("schema " + file.string() + " does not compile: " +
                             (errors.first.empty() ? "unknown error" : errors.first));
  }
  return std::shared_ptr<const Schema>(new Schema(compiled, file));
}

Schema::~Schema() { xmlSchemaFree(schema_); }

std::vector<Issue> Schema::validate(const Document& document) const {
  // A validation context per call: contexts are not thread-safe, the compiled schema is.
  // Creating one is a small allocation next to the validation itself.
  std::unique_ptr<xmlSchemaValidCtxt, void (*)(xmlSchemaValidCtxtPtr)> owned(
      xmlSchemaNewValidCtxt(schema_), xmlSchemaFreeValidCtxt);
  if (!owned) throw std::bad_alloc();
  xmlSchemaValidCtxtPtr ctxt = owned.get();
  std::vector<Issue> issues;
  xmlSchemaSetValidStructuredErrors(ctxt, onValidationError, &issues);
  const int rc = xmlSchemaValidateDoc(ctxt, document.get());
  if (rc != 0 && issues.empty()) issues.push_back(Issue{0, "", "does not match the schema"});
  return issues;
}

std::filesystem::path dataDirectory() {
  if (const char* env = std::getenv("TSUNAGI_DATA_DIR"); env && *env) return env;
  // An installed binary (BINDIR/tsunagi) finds its data next to it (../share/tsunagi), whatever
  // the prefix the package was installed under; a build-tree binary uses the source tree.
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const std::filesystem::path beside = self.parent_path().parent_path() / "share" / "tsunagi";
    if (std::filesystem::exists(beside / "schema", ec)) return beside;
  }
  const std::filesystem::path installed = TSUNAGI_INSTALL_DATA_DIR;
  if (std::filesystem::exists(installed / "schema", ec)) return installed;
  return TSUNAGI_SOURCE_DATA_DIR;
}

std::shared_ptr<const Schema> shippedSchema(const std::string& fileName) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const Schema>> cache;
  std::lock_guard lock(mutex);
  auto& entry = cache[fileName];
  if (!entry) entry = Schema::compile(dataDirectory() / "schema" / fileName);
  return entry;
}

}  // namespace tsunagi::mapping::xml
