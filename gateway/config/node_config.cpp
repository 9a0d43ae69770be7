#include "gateway/config/node_config.hpp"

#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <libxml/tree.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <string_view>

#include "gateway/channels/connector_registry.hpp"
#include "gateway/crypto/keys.hpp"
#include "mapping/files.hpp"
#include "mapping/identifiers.hpp"
#include "mapping/xml/document.hpp"
#include "mapping/xml/schema.hpp"

namespace tsunagi::config {

namespace fs = std::filesystem;
using mapping::Issue;

namespace {

std::string describeAll(const fs::path& file, const std::vector<Issue>& issues) {
  std::string out;
  for (const Issue& i : issues) {
    if (!out.empty()) out += "\n";
    out += file.string() + ":" + (i.line > 0 ? std::to_string(i.line) + ":" : "") + " " +
           (i.path.empty() ? "" : i.path + ": ") + i.message;
  }
  return out;
}

const xmlNode* child(const xmlNode* parent, const char* name) {
  for (const xmlNode* n = parent ? parent->children : nullptr; n; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0) {
      return n;
    }
  }
  return nullptr;
}

using mapping::xml::attribute;

std::string text(const xmlNode* node) {
  xmlChar* value = xmlNodeGetContent(node);
  std::string out = value ? reinterpret_cast<const char*>(value) : "";
  xmlFree(value);
  return out;
}

// A number the schema let through that still does not fit where it goes (a bound missing from the
// schema): a configuration error at the attribute, never an exception escaping the loader.
struct NumberError {
  Issue issue;
};

// The integer attribute NAME of NODE (FALLBACK when absent), which must lie in [MIN, MAX]. The
// message names the attribute and the range, not the value (which may be anything).
long long number(const xmlNode* node, const char* name, long long fallback, long long min,
                 long long max) {
  const auto v = attribute(node, name);
  if (!v) return fallback;
  std::string_view digits(*v);
  while (!digits.empty() && std::isspace(static_cast<unsigned char>(digits.front())))
    digits.remove_prefix(1);
  while (!digits.empty() && std::isspace(static_cast<unsigned char>(digits.back())))
    digits.remove_suffix(1);
  if (digits.size() > 1 && digits.front() == '+' && digits[1] != '-') digits.remove_prefix(1);
  long long n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || n < min ||
      n > max) {
    throw NumberError{Issue{static_cast<int>(xmlGetLineNo(node)),
                            mapping::xml::pathOf(node) + "/@" + name,
                            "attribute '" + std::string(name) + "': not a whole number from " +
                                std::to_string(min) + " to " + std::to_string(max)}};
  }
  return n;
}

int intAttribute(const xmlNode* node, const char* name, int fallback) {
  return static_cast<int>(number(node, name, fallback, std::numeric_limits<int>::min(),
                                 std::numeric_limits<int>::max()));
}

class Reader {
 public:
  Reader(fs::path file, const xmlNode* root) : file_(std::move(file)), root_(root) {}

  fs::path resolve(const std::string& path) const {
    fs::path p(path);
    return p.is_absolute() ? p : (file_.parent_path() / p).lexically_normal();
  }

  /// A file the node must be able to read; reports an issue at the element otherwise.
  fs::path readableFile(const xmlNode* at, const std::string& key, const std::string& value) {
    const fs::path p = resolve(value);
    std::ifstream in(p, std::ios::binary);
    if (!fs::exists(p)) {
      fail(at, key, "file " + p.string() + " does not exist");
    } else if (!in) {
      fail(at, key, "file " + p.string() + " cannot be read (permissions?)");
    }
    return p;
  }

  void fail(const xmlNode* at, const std::string& key, std::string message) {
    issues_.push_back(Issue{at ? static_cast<int>(xmlGetLineNo(at)) : 0,
                            (at ? mapping::xml::pathOf(at) : std::string("/NodeConfig")) +
                                (key.empty() ? "" : "/@" + key),
                            std::move(message)});
  }

  std::vector<Issue>& issues() { return issues_; }

 private:
  fs::path file_;
  const xmlNode* root_;
  std::vector<Issue> issues_;
};

// A listener's <limits> element over its defaults (docs/operations.md "Listener limits").
net::ListenerLimits limitsOf(const xmlNode* listener, net::ListenerLimits limits) {
  const xmlNode* l = child(listener, "limits");
  if (!l) return limits;
  // Ranges as the schema's (LimitMs, LimitCount): out of range is a ConfigError, never a throw.
  auto millis = [&](const char* name, net::Millis& field) {
    field = net::Millis(number(l, name, field.count(), 100, 600000));
  };
  auto count = [&](const char* name, std::size_t& field) {
    field = static_cast<std::size_t>(
        number(l, name, static_cast<long long>(field), 1, 100000));
  };
  millis("handshakeMs", limits.handshake);
  millis("headMs", limits.head);
  millis("bodyMs", limits.body);
  millis("idleMs", limits.idle);
  millis("writeMs", limits.write);
  count("maxConnections", limits.maxConnections);
  count("maxConnectionsPerAddress", limits.maxConnectionsPerAddress);
  limits.workers = static_cast<int>(number(l, "workers", limits.workers, 1, 256));
  return limits;
}

std::vector<std::string> texts(const xmlNode* parent, const char* name) {
  std::vector<std::string> out;
  for (const xmlNode* n = parent ? parent->children : nullptr; n; n = n->next) {
    if (n->type == XML_ELEMENT_NODE && std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0) {
      out.push_back(text(n));
    }
  }
  return out;
}

unsigned short port(const xmlNode* listener) {
  return static_cast<unsigned short>(number(listener, "port", 0, 0, 65535));
}

}  // namespace

ConfigError::ConfigError(const fs::path& file, std::vector<Issue> issues)
    : std::runtime_error(describeAll(file, issues)), issues_(std::move(issues)) {}

namespace {

std::vector<std::string> words(const std::string& list) {
  std::vector<std::string> out;
  std::istringstream in(list);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// A connector element of a channel, read by its kind (channels/connector.hpp) over this file's
// Reader: resolved paths, readable files, mistakes with their lines.
class ChannelConnectorElement : public channels::ConnectorElement {
 public:
  ChannelConnectorElement(Reader& r, const xmlNode* element, const channels::ChannelOptions& channel,
                          std::set<std::string>& claims, unsigned short localPort)
      : r_(r), element_(element), channel_(channel), claims_(claims), localPort_(localPort) {}

  const channels::ChannelOptions& channel() const override { return channel_; }
  std::optional<std::string> attribute(const char* name) const override {
    return mapping::xml::attribute(element_, name);
  }
  long long number(const char* name, long long fallback, long long min,
                   long long max) const override {
    return config::number(element_, name, fallback, min, max);
  }
  fs::path path(const char* name) const override {
    const auto value = attribute(name);
    return value ? r_.resolve(*value) : fs::path();
  }
  fs::path readableFile(const char* name) override {
    return r_.readableFile(element_, name, attribute(name).value_or(""));
  }
  fs::path certificateFile(const char* name) override {
    const std::size_t before = r_.issues().size();
    const fs::path file = readableFile(name);
    if (r_.issues().size() == before) {
      try {
        crypto::Certificate::fromPemFile(file);
      } catch (const crypto::CryptoError& e) {
        fail(name, std::string("unreadable certificate: ") + e.what());
      }
    }
    return file;
  }
  void fail(const std::string& attribute, const std::string& message) override {
    r_.fail(element_, attribute, message);
  }
  bool claim(const std::string& resource) override { return claims_.insert(resource).second; }
  unsigned short localListenerPort() const override { return localPort_; }

 private:
  Reader& r_;
  const xmlNode* element_;
  const channels::ChannelOptions& channel_;
  std::set<std::string>& claims_;
  unsigned short localPort_;
};

// <channels>: every channel's connector and adapter, checked as far as can be before start.
void readChannels(Reader& r, const xmlNode* list, const adapters::AdapterRegistry& registry,
                  bool hasExchange, NodeOptions& o) {
  const auto connectors = channels::builtinConnectors();
  std::set<std::string> names, claims;
  for (const xmlNode* n = list->children; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE) continue;
    channels::ChannelOptions c;
    c.name = *attribute(n, "name");
    c.direction = *attribute(n, "direction") == "outbound" ? channels::Direction::Outbound
                                                          : channels::Direction::Inbound;
    c.adapter = *attribute(n, "adapter");
    c.documentTypes = words(attribute(n, "documentTypes").value_or(""));
    c.appendLossNote = attribute(n, "lossNote").value_or("none") == "append";
    const bool inbound = c.direction == channels::Direction::Inbound;
    if (!names.insert(c.name).second) r.fail(n, "name", "channel " + c.name + " is defined twice");
    if (!hasExchange) {
      r.fail(n, "", "channels need the <exchange> element (there is nothing to send to or receive from)");
    }
    try {
      auto adapter = registry.create(c.adapter);
      if (inbound && !adapter->canDecode()) {
        r.fail(n, "adapter", "adapter " + c.adapter + " cannot decode: it cannot serve an inbound channel");
      }
      if (!inbound && !adapter->canEncode()) {
        r.fail(n, "adapter", "adapter " + c.adapter + " cannot encode: it cannot serve an outbound channel");
      }
      const auto known = adapter->documentTypes();
      for (const auto& type : c.documentTypes) {
        if (std::find(known.begin(), known.end(), type) == known.end()) {
          r.fail(n, "documentTypes", "adapter " + c.adapter + " does not handle " + type);
        }
      }
    } catch (const adapters::AdapterConfigError& e) {
      r.fail(n, "adapter", e.what());
    }
    if (inbound && !c.documentTypes.empty()) {
      r.fail(n, "documentTypes", "only outbound channels choose document types");
    }
    if (inbound && c.appendLossNote) r.fail(n, "lossNote", "only outbound channels write a loss note");
    for (const xmlNode* m = n->children; m; m = m->next) {
      if (m->type != XML_ELEMENT_NODE) continue;
      const std::string kind = reinterpret_cast<const char*>(m->name);
      if (kind == "metadata") {
        c.metadata[*attribute(m, "key")] = *attribute(m, "value");
      } else if (const channels::ConnectorKind* connector = connectors->find(kind)) {
        ChannelConnectorElement element(r, m, c, claims, o.listenPort);
        c.connector = connector->read(element);
      } else {
        std::string known;
        for (const auto& name : connectors->names()) known += (known.empty() ? "" : ", ") + name;
        r.fail(m, "", "no connector " + kind + " (known: " + known + ")");
      }
    }
    o.channels.push_back(std::move(c));
  }
}

}  // namespace

namespace {

NodeOptions readNodeConfig(const fs::path& file,
                           std::shared_ptr<const adapters::AdapterRegistry> adapters) {
  if (!adapters) adapters = builtinAdapters();
  std::string bytes;
  try {
    bytes = mapping::readWholeFile(file);
  } catch (const mapping::FileReadError& e) {
    throw ConfigError(file, {Issue{0, "",
                                   e.reason() == mapping::FileReadError::Reason::Missing
                                       ? "configuration file does not exist"
                                       : "cannot be read (permissions?)"}});
  }
  mapping::xml::Document doc = [&] {
    try {
      return mapping::xml::parseUntrusted(bytes);
    } catch (const mapping::DocumentError& e) {
      throw ConfigError(file, e.issues());
    }
  }();
  const xmlNode* root = doc.root();
  const char* ns = root->ns ? reinterpret_cast<const char*>(root->ns->href) : "";
  if (std::strcmp(reinterpret_cast<const char*>(root->name), "NodeConfig") != 0 ||
      std::strcmp(ns, "urn:tsunagi:config:1") != 0) {
    throw ConfigError(file, {Issue{static_cast<int>(xmlGetLineNo(root)), "",
                                   "expected a NodeConfig element in namespace urn:tsunagi:config:1"}});
  }
  if (auto issues = mapping::xml::shippedSchema("node-config-1.xsd")->validate(doc); !issues.empty()) {
    throw ConfigError(file, issues);
  }

  Reader r(fs::absolute(file), root);
  NodeOptions o;
  const xmlNode* node = child(root, "node");
  o.code = attribute(node, "code").value_or("");
  o.name = attribute(node, "name").value_or("");
  if (auto problem = mapping::checkMunicipalityCode(o.code)) r.fail(node, "code", *problem);
  o.dataDir = r.resolve(text(child(root, "dataDirectory")));
  if (const xmlNode* db = child(root, "database")) {
    o.conninfo = attribute(db, "conninfo");
    o.poolSize = static_cast<std::size_t>(intAttribute(db, "poolSize", 8));
  }
  const xmlNode* local = child(root, "localListener");
  o.listenHost = attribute(local, "host").value_or("127.0.0.1");
  o.listenPort = port(local);
  o.local.limits = limitsOf(local, o.local.limits);
  o.local.allowedHosts = texts(local, "allowedHost");
  o.local.allowedOrigins = texts(local, "allowedOrigin");
  // The local listener has no authentication: local tools reach it on this machine only.
  if (o.listenHost != "127.0.0.1" && o.listenHost != "::1" && o.listenHost != "localhost") {
    r.fail(local, "host", "the local listener must be a loopback address (127.0.0.1 or ::1); '" +
                              o.listenHost + "' would expose unauthenticated submissions");
  }

  if (const xmlNode* ex = child(root, "exchange")) {
    NodeExchangeOptions x;
    const xmlNode* peer = child(ex, "peerListener");
    x.peerHost = attribute(peer, "host").value_or("127.0.0.1");
    x.peerPort = port(peer);
    x.limits = limitsOf(peer, x.limits);
    const xmlNode* tls = child(ex, "tls");
    x.tls.keyFile = r.readableFile(tls, "key", *attribute(tls, "key"));
    x.tls.certificateFile = r.readableFile(tls, "certificate", *attribute(tls, "certificate"));
    if (auto crl = attribute(tls, "crl")) x.tls.crlFile = r.readableFile(tls, "crl", *crl);
    for (const xmlNode* n = tls->children; n; n = n->next) {
      if (n->type == XML_ELEMENT_NODE) x.tls.caFiles.push_back(r.readableFile(n, "", text(n)));
    }
    const xmlNode* manifest = child(ex, "manifest");
    x.manifestFile = r.readableFile(manifest, "file", *attribute(manifest, "file"));
    x.manifestSigner = r.readableFile(manifest, "signer", *attribute(manifest, "signer"));
    if (r.issues().empty()) {
      // The files exist: check they are what they claim, so a node never starts half-configured.
      try {
        if (!crypto::Key::privateFromPemFile(x.tls.keyFile).isP256()) {
          r.fail(tls, "key", "the node key must be an ECDSA P-256 key");
        }
      } catch (const crypto::CryptoError& e) {
        r.fail(tls, "key", std::string("unreadable private key: ") + e.what());
      }
      try {
        const auto cert = crypto::Certificate::fromPemFile(x.tls.certificateFile);
        if (cert.commonName() != o.code) {
          r.fail(tls, "certificate", "the certificate is for node " + cert.commonName() +
                                         ", this node is " + o.code);
        }
      } catch (const crypto::CryptoError& e) {
        r.fail(tls, "certificate", std::string("unreadable certificate: ") + e.what());
      }
    }
    if (const xmlNode* retry = child(ex, "retry")) {
      x.retry.maxAttempts = intAttribute(retry, "maxAttempts", 12);
      x.retry.baseDelay = std::chrono::milliseconds(intAttribute(retry, "baseDelayMs", 1000));
      x.retry.maxDelay = std::chrono::milliseconds(intAttribute(retry, "maxDelayMs", 600000));
      x.retry.lease = std::chrono::seconds(intAttribute(retry, "leaseSeconds", 120));
    }
    if (const xmlNode* handOver = child(ex, "localDelivery")) {
      x.inboxDirectory = r.resolve(*attribute(handOver, "directory"));
    }
    if (const xmlNode* window = child(ex, "replayWindow")) {
      x.acceptPast = std::chrono::seconds(number(window, "pastSeconds", 300, 1, 86400));
      x.acceptFuture = std::chrono::seconds(number(window, "futureSeconds", 60, 1, 86400));
    }
    o.exchange = x;
  }
  o.adapters = adapters;
  if (const xmlNode* list = child(root, "channels")) {
    readChannels(r, list, *adapters, o.exchange.has_value(), o);
  }
  if (const xmlNode* audit = child(root, "audit")) {
    o.audit.checkpointInterval =
        std::chrono::seconds(intAttribute(audit, "checkpointIntervalSeconds", 600));
    o.audit.retentionMonths = intAttribute(audit, "retentionMonths", 60);
    o.audit.onlineMonths = intAttribute(audit, "onlineMonths", 12);
    if (o.audit.onlineMonths > o.audit.retentionMonths) {
      r.fail(audit, "onlineMonths", "must not exceed retentionMonths (" +
                                        std::to_string(o.audit.retentionMonths) +
                                        "): months would be deleted before they are archived");
    }
    if (auto dir = attribute(audit, "archiveDirectory")) o.audit.archiveDirectory = r.resolve(*dir);
    if (const xmlNode* atna = child(audit, "atna")) {
      NodeAtnaOptions a;
      a.host = *attribute(atna, "host");
      a.port = static_cast<unsigned short>(intAttribute(atna, "port", 6514));
      a.caFile = r.readableFile(atna, "ca", *attribute(atna, "ca"));
      const auto cert = attribute(atna, "certificate");
      const auto key = attribute(atna, "key");
      if (cert.has_value() != key.has_value()) {
        r.fail(atna, cert ? "key" : "certificate", "give both certificate and key, or neither");
      } else if (cert) {
        a.certificateFile = r.readableFile(atna, "certificate", *cert);
        a.keyFile = r.readableFile(atna, "key", *key);
      } else if (o.exchange) {
        a.certificateFile = o.exchange->tls.certificateFile;
        a.keyFile = o.exchange->tls.keyFile;
      } else {
        r.fail(atna, "certificate",
               "the collector needs a client certificate: give certificate and key (a node without "
               "<exchange> has none of its own)");
      }
      const auto spool = attribute(atna, "spool");
      a.spoolDirectory = spool ? r.resolve(*spool) : o.dataDir / "atna-spool";
      o.audit.atna = a;
    }
  }
  if (o.audit.archiveDirectory.empty()) o.audit.archiveDirectory = o.dataDir / "audit-archive";
  if (const xmlNode* con = child(root, "console")) {
    NodeConsoleOptions c;
    c.host = attribute(con, "host").value_or("127.0.0.1");
    c.port = port(con);
    c.limits = limitsOf(con, c.limits);
    c.certificateFile = r.readableFile(con, "certificate", *attribute(con, "certificate"));
    c.keyFile = r.readableFile(con, "key", *attribute(con, "key"));
    c.sessionIdle = std::chrono::minutes(intAttribute(con, "sessionMinutes", 30));
    c.sessionMax = std::chrono::hours(intAttribute(con, "sessionMaxHours", 12));
    c.lockoutAttempts = intAttribute(con, "lockoutAttempts", 5);
    c.lockout = std::chrono::minutes(intAttribute(con, "lockoutMinutes", 15));
    c.throttleFailures = intAttribute(con, "throttleFailures", 5);
    c.throttleWait = std::chrono::seconds(intAttribute(con, "throttleSeconds", 2));
    c.throttleMaxWait = std::chrono::seconds(intAttribute(con, "throttleMaxSeconds", 900));
    c.throttleForget = std::chrono::minutes(intAttribute(con, "throttleForgetMinutes", 60));
    if (c.sessionIdle > c.sessionMax) {
      r.fail(con, "sessionMinutes", "longer than sessionMaxHours; a session would never idle out");
    }
    if (c.throttleWait > c.throttleMaxWait) {
      r.fail(con, "throttleSeconds", "longer than throttleMaxSeconds");
    }
    if (c.throttleForget < c.throttleMaxWait) {
      r.fail(con, "throttleForgetMinutes",
             "shorter than throttleMaxSeconds; an address would start over before its wait ends");
    }
    if (r.issues().empty()) {
      try {
        const auto cert = crypto::Certificate::fromPemFile(c.certificateFile);
        try {
          if (crypto::Key::privateFromPemFile(c.keyFile).spkiPin() != cert.spkiPin()) {
            r.fail(con, "key", "the key does not belong to the console certificate " +
                                   c.certificateFile.string());
          }
        } catch (const crypto::CryptoError& e) {
          r.fail(con, "key", std::string("unreadable private key: ") + e.what());
        }
      } catch (const crypto::CryptoError& e) {
        r.fail(con, "certificate", std::string("unreadable certificate: ") + e.what());
      }
    }
    o.console = c;
  }
  if (const xmlNode* log = child(root, "log")) {
    o.logFormat = attribute(log, "format").value_or("auto");
    o.logLevel = attribute(log, "level").value_or("info");
  }
  if (!r.issues().empty()) throw ConfigError(file, r.issues());
  return o;
}

}  // namespace

NodeOptions loadNodeConfig(const fs::path& file,
                           std::shared_ptr<const adapters::AdapterRegistry> adapters) {
  try {
    return readNodeConfig(file, std::move(adapters));
  } catch (const NumberError& e) {
    throw ConfigError(file, {e.issue});
  }
}

}  // namespace tsunagi::config
