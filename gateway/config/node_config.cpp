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

#include "gateway/channels/kintone_connector.hpp"
#include "gateway/crypto/keys.hpp"
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

// <kintone>: HTTPS only (the API token travels in a header), the token in a file of its own that
// only the node's user may read, and an app to poll for inbound channels.
channels::KintoneOptions readKintone(Reader& r, const xmlNode* m, const channels::ChannelOptions& c,
                                     std::set<std::string>& polled) {
  const bool inbound = c.direction == channels::Direction::Inbound;
  channels::KintoneOptions k;
  k.baseUrl = *attribute(m, "baseUrl");
  while (!k.baseUrl.empty() && k.baseUrl.back() == '/') k.baseUrl.pop_back();
  try {
    const Poco::URI uri(k.baseUrl);
    if (uri.getScheme() != "https") {
      r.fail(m, "baseUrl",
             "kintone is reached over https:// only (the API token must not travel "
             "in clear), not '" +
                 uri.getScheme() + "'");
    } else if (uri.getHost().empty()) {
      r.fail(m, "baseUrl", "no host: expected https://SUBDOMAIN.cybozu.com");
    } else if (!uri.getRawQuery().empty() || !uri.getFragment().empty() ||
               !uri.getUserInfo().empty()) {
      r.fail(m, "baseUrl",
             "the base URL takes no query, fragment or user (the token goes in "
             "tokenFile): expected https://SUBDOMAIN.cybozu.com");
    }
  } catch (const Poco::Exception& e) {
    r.fail(m, "baseUrl", "not a URL: " + e.message());
  }
  k.app = attribute(m, "app").value_or("");
  k.condition = attribute(m, "query").value_or("");
  k.poll = std::chrono::seconds(intAttribute(m, "pollSeconds", 60));
  k.timeout = std::chrono::seconds(intAttribute(m, "timeoutSeconds", 30));
  if (c.adapter.rfind("kintone:", 0) != 0) {
    r.fail(m, "",
           "the kintone connector carries kintone records: the channel's adapter must be "
           "kintone:PROFILE, not " +
               c.adapter);
  }
  if (inbound) {
    if (k.app.empty()) r.fail(m, "app", "an inbound kintone channel needs the app it polls");
    if (!k.app.empty() && !polled.insert(k.baseUrl + " " + k.app).second) {
      r.fail(m, "app", "app " + k.app + " of " + k.baseUrl + " is polled by another channel");
    }
  } else {
    if (!k.app.empty()) {
      r.fail(m, "app",
             "an outbound kintone channel writes each document to the app its profile "
             "mapping names; app is for inbound channels");
    }
    if (!k.condition.empty()) r.fail(m, "query", "query is for inbound channels (what to take)");
  }
  k.tokenFile = r.resolve(*attribute(m, "tokenFile"));
  try {
    channels::readApiToken(k.tokenFile);
  } catch (const std::exception& e) {
    r.fail(m, "tokenFile", e.what());
  }
  if (auto ca = attribute(m, "caCertificate")) {
    const std::size_t before = r.issues().size();
    k.caCertificate = r.readableFile(m, "caCertificate", *ca);
    if (r.issues().size() == before) {
      try {
        crypto::Certificate::fromPemFile(k.caCertificate);
      } catch (const crypto::CryptoError& e) {
        r.fail(m, "caCertificate", std::string("unreadable certificate: ") + e.what());
      }
    }
  }
  return k;
}

// <channels>: every channel's connector and adapter, checked as far as can be before start.
void readChannels(Reader& r, const xmlNode* list, const adapters::AdapterRegistry& registry,
                  bool hasExchange, NodeOptions& o) {
  std::set<std::string> names, folders, polled;
  std::set<int> mllpPorts;
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
      } else if (kind == "directory") {
        channels::DirectoryOptions d;
        d.poll = std::chrono::milliseconds(intAttribute(m, "pollMs", 1000));
        d.settle = std::chrono::milliseconds(intAttribute(m, "settleMs", 2000));
        d.maxBytes = static_cast<std::size_t>(intAttribute(m, "maxBytes", 16 * 1024 * 1024));
        d.fileMode = attribute(m, "fileMode").value_or("0600") == "0640" ? 0640 : 0600;
        auto folder = [&](const char* key) -> fs::path {
          auto v = attribute(m, key);
          return v ? r.resolve(*v) : fs::path();
        };
        d.inbox = folder("inbox");
        d.archive = folder("archive");
        d.error = folder("error");
        d.outbox = folder("outbox");
        if (inbound) {
          if (d.inbox.empty()) r.fail(m, "inbox", "an inbound directory channel needs inbox");
          if (!d.outbox.empty()) r.fail(m, "outbox", "an inbound channel has no outbox (use inbox)");
          if (d.archive.empty()) d.archive = d.inbox / "archive";
          if (d.error.empty()) d.error = d.inbox / "error";
          if (!d.inbox.empty() && !folders.insert(d.inbox.string()).second) {
            r.fail(m, "inbox", "folder " + d.inbox.string() + " is watched by another channel");
          }
        } else {
          if (d.outbox.empty()) r.fail(m, "outbox", "an outbound directory channel needs outbox");
          for (const char* key : {"inbox", "archive", "error"}) {
            if (attribute(m, key)) r.fail(m, key, "an outbound channel only writes (use outbox)");
          }
        }
        c.connector = d;
      } else if (kind == "http") {
        channels::HttpOptions h;
        h.webhook = attribute(m, "webhook").value_or("");
        h.timeout = std::chrono::seconds(intAttribute(m, "timeoutSeconds", 30));
        h.maxBytes = static_cast<std::size_t>(intAttribute(m, "maxBytes", 16 * 1024 * 1024));
        if (inbound && !h.webhook.empty()) {
          r.fail(m, "webhook", "an inbound HTTP channel is POSTed to at /local/v1/channels/" + c.name +
                                   "; webhook is for outbound channels");
        }
        if (!inbound && h.webhook.empty()) r.fail(m, "webhook", "an outbound HTTP channel needs webhook");
        if (auto ca = attribute(m, "caCertificate")) {
          const std::size_t before = r.issues().size();
          h.caCertificate = r.readableFile(m, "caCertificate", *ca);
          if (h.webhook.rfind("https://", 0) != 0) {
            r.fail(m, "caCertificate", "caCertificate is for an https:// webhook");
          } else if (r.issues().size() == before) {
            try {
              crypto::Certificate::fromPemFile(h.caCertificate);
            } catch (const crypto::CryptoError& e) {
              r.fail(m, "caCertificate", std::string("unreadable certificate: ") + e.what());
            }
          }
        }
        c.connector = h;
      } else if (kind == "mllp") {
        channels::MllpOptions l;
        l.host = attribute(m, "host").value_or("127.0.0.1");
        const int port = intAttribute(m, "port", 0);
        l.port = static_cast<unsigned short>(port);
        l.maxBytes = static_cast<std::size_t>(intAttribute(m, "maxBytes", 1024 * 1024));
        l.idleTimeout = std::chrono::seconds(intAttribute(m, "idleSeconds", 300));
        l.frameTimeout = std::chrono::seconds(intAttribute(m, "frameSeconds", 30));
        l.maxConnections = static_cast<std::size_t>(intAttribute(m, "maxConnections", 64));
        l.maxConnectionsPerAddress =
            static_cast<std::size_t>(intAttribute(m, "maxConnectionsPerAddress", 8));
        l.workers = intAttribute(m, "workers", 4);
        if (!inbound) r.fail(m, "", "MLLP channels are inbound only (hospitals send ADT to the node)");
        if (port != 0 && !mllpPorts.insert(port).second) {
          r.fail(m, "port", "port " + std::to_string(port) + " is used by another MLLP channel");
        }
        if (port != 0 && port == o.listenPort) r.fail(m, "port", "port is the local listener's");
        c.connector = l;
      } else if (kind == "kintone") {
        c.connector = readKintone(r, m, c, polled);
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
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    throw ConfigError(file, {Issue{0, "", fs::exists(file) ? "cannot be read (permissions?)"
                                                           : "configuration file does not exist"}});
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  mapping::xml::Document doc = [&] {
    try {
      return mapping::xml::parseUntrusted(bytes.str());
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
