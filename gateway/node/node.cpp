#include "gateway/node/node.hpp"

#include <spdlog/spdlog.h>

#include <cstring>
#include <stdexcept>

#include "adapters/adapter.hpp"
#include "mapping/json/reader.hpp"
#include "gateway/audit/atna_sink.hpp"
#include "gateway/audit/checkpointer.hpp"
#include "gateway/channels/channel_manager.hpp"
#include "gateway/console/console_server.hpp"
#include "gateway/exchange/local_delivery.hpp"
#include "gateway/exchange/problem.hpp"
#include "gateway/federation/manifest_store.hpp"
#include "gateway/log/logging.hpp"
#include "gateway/net/http_server.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/pool.hpp"
#include "mapping/date.hpp"
#include "mapping/identifiers.hpp"
#include "mapping/json/writer.hpp"

namespace tsunagi {

namespace {

constexpr std::size_t kMaxLocalBody = 16 * 1024 * 1024;
constexpr std::size_t kMaxConsentBody = 64 * 1024;
constexpr const char* kChannelPrefix = "/local/v1/channels/";

using LocalReply = net::HttpResponse;

LocalReply problemReply(const exchange::Problem& p) {
  return {p.status, "application/problem+json", p.json(), {}, false};
}

// A consent the local tool sent that cannot be recorded: the field path ("reference",
// "scope[1]", "body" for the document as a whole) and why (may quote the input: the reply only).
class ConsentInvalid : public std::runtime_error {
 public:
  ConsentInvalid(std::string field, const std::string& reason)
      : std::runtime_error(field + ": " + reason), field_(std::move(field)) {}
  const std::string& field() const { return field_; }

 private:
  std::string field_;
};

constexpr std::size_t kMaxObtainedBy = 200;  // characters (the column is text: the rule is ours)

// obtainedBy names a person or an office ("柏の葉総合病院 地域連携室"): one line of text.
std::optional<std::string> checkObtainedBy(const std::string& text) {
  if (text.empty()) return "is empty";
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80) ++characters;
    if (c < 0x20 || c == 0x7F) return "contains a control character";
    // C1 controls U+0080-U+009F are C2 80-C2 9F in UTF-8 (the reader has checked the UTF-8).
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      return "contains a control character";
    }
  }
  if (characters > kMaxObtainedBy) {
    return "longer than " + std::to_string(kMaxObtainedBy) + " characters";
  }
  return std::nullopt;
}

// The field path of a reader's refusal, when it is one of the consent's members; otherwise
// "body" (a path made of a member name the sender chose would carry input into the log).
std::string consentField(const std::string& path) {
  static const char* const kFields[] = {"reference",  "insurerNumber", "insuredNumber", "scope",
                                        "obtainedOn", "obtainedBy",    "validUntil"};
  for (const char* name : kFields) {
    const std::string n = name;
    if (path == n) return n;
    if (n == "scope" && path.rfind("scope[", 0) == 0 && path.size() <= 12 &&
        path.find_first_not_of("0123456789", 6) == path.size() - 1 && path.back() == ']') {
      return path;
    }
  }
  return "body";
}

// Reads a consent with the project's strict JSON reader (mapping/json: duplicate member names,
// NUL and other control characters, invalid UTF-8 are refused) and checks every field.
store::Consent parseConsent(const std::string& body) {
  namespace json = mapping::json;
  store::Consent c;
  try {
    const json::JsonView root = json::parseJson(body, {64 * 1024, 8}).root("");
    const std::string why = "see docs/operations.md, Local consents";
    c.reference = root.requiredString("reference", why);
    c.insurerNumber = root.requiredString("insurerNumber", why);
    c.insuredNumber = root.requiredString("insuredNumber", why);
    c.obtainedOn = root.requiredString("obtainedOn", why);
    c.obtainedBy = root.requiredString("obtainedBy", why);
    c.validUntil = root.string("validUntil");
    if (!root.has("scope")) throw ConsentInvalid("scope", "list the receiving municipalities");
    const auto scope = root.array("scope");
    if (scope.empty()) throw ConsentInvalid("scope", "list the receiving municipalities");
    for (std::size_t i = 0; i < scope.size(); ++i) {
      const std::string code = scope[i].asString();
      if (auto problem = mapping::checkMunicipalityCode(code)) {
        throw ConsentInvalid("scope[" + std::to_string(i) + "]", "'" + code + "' " + *problem);
      }
      c.scope.push_back(code);
    }
  } catch (const mapping::json::JsonError& e) {
    const auto& issue = e.issues().front();
    throw ConsentInvalid(consentField(issue.path), issue.message);
  }
  if (auto p = mapping::checkReference(c.reference)) throw ConsentInvalid("reference", *p);
  if (auto p = mapping::checkInsurerNumber(c.insurerNumber)) {
    throw ConsentInvalid("insurerNumber", *p);
  }
  if (auto p = mapping::checkInsuredNumber(c.insuredNumber)) {
    throw ConsentInvalid("insuredNumber", *p);
  }
  if (auto p = checkObtainedBy(c.obtainedBy)) throw ConsentInvalid("obtainedBy", *p);
  const auto obtainedOn = mapping::Date::parseIso(c.obtainedOn);
  if (!obtainedOn) throw ConsentInvalid("obtainedOn", "expected a date YYYY-MM-DD");
  if (c.validUntil) {
    const auto validUntil = mapping::Date::parseIso(*c.validUntil);
    if (!validUntil) throw ConsentInvalid("validUntil", "expected a date YYYY-MM-DD");
    if (*validUntil < *obtainedOn) throw ConsentInvalid("validUntil", "is before obtainedOn");
  }
  return c;
}

}  // namespace

struct Node::Impl {
  const NodeOptions& options;
  std::unique_ptr<store::EmbeddedPostgres> embedded;
  std::string conninfo;
  std::unique_ptr<store::ConnectionPool> pool;
  int schema = 0;
  std::unique_ptr<federation::ManifestStore> manifests;
  std::unique_ptr<exchange::ExchangeService> exchange;
  std::unique_ptr<channels::ChannelManager> channels;
  std::unique_ptr<exchange::LocalDelivery> localDelivery;
  std::unique_ptr<audit::Checkpointer> checkpointer;
  std::unique_ptr<audit::AtnaSink> atna;
  std::optional<crypto::Certificate> nodeCertificate;
  std::unique_ptr<console::ConsoleServer> console;
  std::unique_ptr<net::Listener> server;
  unsigned short port = 0;

  explicit Impl(const NodeOptions& o) : options(o) {}

  LocalReply route(net::HttpRequest& request) {
    const std::string& path = request.path;
    if (path == "/healthz") return health();
    if (path == "/readyz") return ready();
    if (path == "/metrics") return metrics();
    if (path == "/local/v1/consents" || path.rfind("/local/v1/consents/", 0) == 0) {
      return consents(request);
    }
    if (path.rfind(kChannelPrefix, 0) == 0) return channelPost(request);
    if (path == "/local/v1/documents") return submit(request);
    return problemReply(exchange::problems::notFound(path));
  }

  // The largest body a local request may carry, decided on its head.
  std::size_t bodyLimit(const net::HttpRequest& head) const {
    if (head.method != "POST") return 0;
    if (head.path == "/local/v1/documents") return kMaxLocalBody;
    if (head.path == "/local/v1/consents" || head.path.rfind("/local/v1/consents/", 0) == 0) {
      return kMaxConsentBody;
    }
    if (head.path.rfind(kChannelPrefix, 0) == 0 && channels) {
      return channels->httpLimit(head.path.substr(std::strlen(kChannelPrefix))).value_or(0);
    }
    return 0;
  }

  // Refusals on the head alone: a Host that is not this listener's (DNS rebinding), an Origin
  // that is not configured (a web page posting to the node), a POST without its documented
  // content type (a browser's "simple" cross-site request).
  std::optional<LocalReply> screen(const net::HttpRequest& head) const {
    const std::string* host = head.header("host");
    if (!host || !hostAllowed(*host)) {
      return problemReply(exchange::Problem{421, "urn:tsunagi:problem:host-not-allowed",
                                            "The Host header does not name this listener",
                                            "use the listener's own address and port"});
    }
    if (const std::string* origin = head.header("origin")) {
      const auto& allowed = options.local.allowedOrigins;
      if (std::find(allowed.begin(), allowed.end(), *origin) == allowed.end()) {
        return problemReply(exchange::Problem{403, "urn:tsunagi:problem:origin-not-allowed",
                                              "Requests from web pages are not accepted",
                                              "the Origin is not configured for this listener"});
      }
    }
    if (head.path.rfind(kChannelPrefix, 0) == 0) {
      const std::string name = head.path.substr(std::strlen(kChannelPrefix));
      if (!channels || !channels->httpLimit(name)) {
        return problemReply(exchange::problems::notFound("no inbound HTTP channel " + name));
      }
    }
    if (head.method == "POST") {
      const std::vector<std::string> types = mediaTypesFor(head.path);
      const std::string type = head.mediaType();
      if (!types.empty() && std::find(types.begin(), types.end(), type) == types.end()) {
        std::string list;
        for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
        return problemReply(exchange::Problem{415, "urn:tsunagi:problem:unsupported-media-type",
                                              "The Content-Type is not the documented one",
                                              "send Content-Type: " + list});
      }
    }
    return std::nullopt;
  }

  // The Host header must name this listener (its address and port), or be one of the configured
  // names (compared exactly, port included).
  bool hostAllowed(const std::string& host) const {
    const auto& extra = options.local.allowedHosts;
    if (std::find(extra.begin(), extra.end(), host) != extra.end()) return true;
    std::vector<std::string> names = {options.listenHost};
    if (options.listenHost == "127.0.0.1" || options.listenHost == "::1" ||
        options.listenHost == "localhost") {
      names.insert(names.end(), {"127.0.0.1", "localhost", "::1"});
    }
    for (const auto& n : names) {
      const std::string name = n.find(':') != std::string::npos ? "[" + n + "]" : n;
      if (host == name + ":" + std::to_string(port)) return true;
    }
    return false;
  }

  // The documented content types of each POST (docs/operations.md "Local listener").
  std::vector<std::string> mediaTypesFor(const std::string& path) const {
    if (path == "/local/v1/documents") return {"application/xml", "text/xml"};
    if (path == "/local/v1/consents" || path.rfind("/local/v1/consents/", 0) == 0) {
      return {"application/json"};
    }
    if (path.rfind(kChannelPrefix, 0) == 0 && channels) {
      return channels->httpMediaTypes(path.substr(std::strlen(kChannelPrefix)));
    }
    return {};
  }

  LocalReply health() {
    bool ok = false;
    try {
      auto conn = pool->lease(std::chrono::seconds(2));
      ok = conn->exec("SELECT 1").rows() == 1;
    } catch (const store::PgError& e) {
      spdlog::warn("health check: database unreachable: {}", e.what());
    }
    auto manifest = manifests ? manifests->current() : nullptr;
    std::string body = std::string(R"({"status":")") + (ok ? "ok" : "database-unreachable") +
                       R"(","node":")" + options.code + R"(","schema":)" + std::to_string(schema);
    if (manifest) body += R"(,"manifestSerial":)" + std::to_string(manifest->serial);
    body += "}";
    return {ok ? 200 : 503, "application/json", body, {}, false};
  }

  // Ready to take traffic: the database answers, its schema is the one this binary migrates to,
  // and (with an exchange) the manifest in force is valid.
  LocalReply ready() {
    std::string database = "ok", migrations = "ok", manifest = "ok";
    try {
      auto conn = pool->lease(std::chrono::seconds(2));
      const int current = store::schemaVersion(*conn);
      const int expected = store::nodeMigrations().back().version;
      if (current != expected) {
        migrations = "schema " + std::to_string(current) + ", expected " + std::to_string(expected);
      }
    } catch (const store::PgError& e) {
      database = "unreachable";
      migrations = "unknown";
      spdlog::warn("readiness: database unreachable: {}", e.what());
    }
    if (manifests) {
      if (!manifests->current()) {
        manifest = "none loaded";
      } else if (manifests->untilExpiry(std::chrono::system_clock::now()).count() <= 0) {
        manifest = "expired";
      }
    } else {
      manifest = "not configured";
    }
    const bool ok = database == "ok" && migrations == "ok" &&
                    (manifest == "ok" || manifest == "not configured");
    std::string body = R"({"ready":)" + std::string(ok ? "true" : "false") + R"(,"database":")" +
                       mapping::json::jsonEscape(database) + R"(","migrations":")" +
                       mapping::json::jsonEscape(migrations) + R"(","manifest":")" +
                       mapping::json::jsonEscape(manifest) + R"("})";
    return {ok ? 200 : 503, "application/json", body, {}, false};
  }

  // Prometheus text format: the exchange's gauges, the delivery latency histogram, expiries and
  // the audit head.
  LocalReply metrics() {
    std::string out;
    auto gauge = [&](const std::string& name, const std::string& help, const std::string& type) {
      out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
    };
    if (manifests) {
      auto manifest = manifests->current();
      gauge("tsunagi_manifest_serial", "Serial of the federation manifest in force.", "gauge");
      out += "tsunagi_manifest_serial " + std::to_string(manifest ? manifest->serial : 0) + "\n";
      gauge("tsunagi_manifest_expiry_seconds",
            "Seconds until the manifest in force expires (warns below 14 days).", "gauge");
      out += "tsunagi_manifest_expiry_seconds " +
             std::to_string(manifests->untilExpiry(std::chrono::system_clock::now()).count()) +
             "\n";
    }
    if (nodeCertificate) {
      gauge("tsunagi_certificate_expiry_seconds",
            "Seconds until this node's certificate, and each peer's as last seen in a handshake, "
            "expires.",
            "gauge");
      const long long now = static_cast<long long>(std::time(nullptr));
      out += "tsunagi_certificate_expiry_seconds{certificate=\"node\"} " +
             std::to_string(static_cast<long long>(nodeCertificate->notAfter()) - now) + "\n";
      if (exchange) {
        for (const auto& [peer, notAfter] : exchange->handshakeStats().peerCertificates()) {
          out += "tsunagi_certificate_expiry_seconds{certificate=\"peer\",peer=\"" + peer + "\"} " +
                 std::to_string(static_cast<long long>(notAfter) - now) + "\n";
        }
      }
    }
    listenerMetrics(out, gauge);
    try {
      auto conn = pool->lease(std::chrono::seconds(2));
      gauge("tsunagi_outbox_messages", "Outbound messages by peer and state.", "gauge");
      auto r =
          conn->exec("SELECT peer, state, count(*) FROM outbox GROUP BY peer, state ORDER BY 1, 2");
      for (int i = 0; i < r.rows(); ++i) {
        out += "tsunagi_outbox_messages{peer=\"" + r.text(i, 0) + "\",state=\"" + r.text(i, 1) +
               "\"} " + r.text(i, 2) + "\n";
      }
      gauge("tsunagi_inbox_messages", "Received messages by sender and local hand-over state.",
            "gauge");
      r = conn->exec("SELECT sender, local_state, count(*) FROM inbox GROUP BY 1, 2 ORDER BY 1, 2");
      for (int i = 0; i < r.rows(); ++i) {
        out += "tsunagi_inbox_messages{sender=\"" + r.text(i, 0) + "\",state=\"" + r.text(i, 1) +
               "\"} " + r.text(i, 2) + "\n";
      }
      exchangeMetrics(*conn, out, gauge);
      r = conn->exec(
          "SELECT channel, app, coalesce(last_id, 0)::text, skipped, failures, "
          "(last_error IS NOT NULL)::int FROM kintone_cursors ORDER BY 1, 2");
      const struct {
        const char* name;
        const char* help;
        const char* type;
      } kintoneMetrics[] = {
          {"tsunagi_kintone_last_record_id",
           "The last $id an inbound kintone channel handled (its cursor).", "gauge"},
          {"tsunagi_kintone_skipped_records_total",
           "Records an inbound kintone channel skipped (refused by the adapter or the Submitter; "
           "see kintone-record-skipped events).",
           "counter"},
          {"tsunagi_kintone_poll_failures_total",
           "Polls of a kintone app that failed (HTTP, TLS, token, storage).", "counter"},
          {"tsunagi_kintone_failing", "1 while the last poll of the app failed.", "gauge"},
      };
      for (int column = 0; column < 4 && r.rows() > 0; ++column) {
        gauge(kintoneMetrics[column].name, kintoneMetrics[column].help,
              kintoneMetrics[column].type);
        for (int i = 0; i < r.rows(); ++i) {
          out += std::string(kintoneMetrics[column].name) + "{channel=\"" + r.text(i, 0) +
                 "\",app=\"" + r.text(i, 1) + "\"} " + r.text(i, 2 + column) + "\n";
        }
      }
    } catch (const store::PgError& e) {
      spdlog::warn("metrics: database unreachable: {}", e.what());
    }
    return {200, "text/plain; version=0.0.4", out, {}, false};
  }

  // Per listener (peer, local, console, mllp:NAME): connections open, connections closed by a
  // limit by reason, and refused TLS handshakes by reason ("outgoing": this node's own calls).
  template <class Gauge>
  void listenerMetrics(std::string& out, Gauge& gauge) {
    std::vector<const net::ListenerStats*> stats;
    std::vector<std::string> names;
    auto add = [&](const std::string& name, const net::ListenerStats* s) {
      if (s) {
        names.push_back(name);
        stats.push_back(s);
      }
    };
    if (server) add("local", &server->stats());
    if (exchange) add("peer", exchange->listenerStats());
    if (console) add("console", console->listenerStats());
    if (channels) {
      for (const auto& [name, s] : channels->mllpListenerStats()) add("mllp:" + name, s);
    }
    gauge("tsunagi_listener_connections", "Connections open, per listener.", "gauge");
    for (std::size_t i = 0; i < stats.size(); ++i) {
      out += "tsunagi_listener_connections{listener=\"" + names[i] + "\"} " +
             std::to_string(stats[i]->open()) + "\n";
    }
    gauge("tsunagi_listener_closed_total",
          "Connections closed by a listener's limits (deadlines, connection caps), by reason.",
          "counter");
    for (std::size_t i = 0; i < stats.size(); ++i) {
      for (const auto& [reason, n] : stats[i]->closedByReason()) {
        out += "tsunagi_listener_closed_total{listener=\"" + names[i] + "\",reason=\"" + reason +
               "\"} " + std::to_string(n) + "\n";
      }
    }
    gauge("tsunagi_tls_handshake_failures_total",
          "Refused TLS handshakes by listener and reason (outgoing: this node's own calls).",
          "counter");
    if (exchange) {
      for (const auto& [key, n] : exchange->handshakeStats().all()) {
        out += "tsunagi_tls_handshake_failures_total{listener=\"" + key.first + "\",reason=\"" +
               key.second + "\"} " + std::to_string(n) + "\n";
      }
    }
    if (const net::ListenerStats* s = console ? console->listenerStats() : nullptr) {
      for (const auto& [reason, n] : s->handshakeFailuresByReason()) {
        out += "tsunagi_tls_handshake_failures_total{listener=\"console\",reason=\"" + reason +
               "\"} " + std::to_string(n) + "\n";
      }
    }
  }

  template <class Gauge>
  static void exchangeMetrics(store::PgConnection& conn, std::string& out, Gauge& gauge) {
    gauge("tsunagi_exchanges", "Exchanges by direction, peer, document type and status.", "gauge");
    auto r = conn.exec(
        "SELECT 'outbound', peer, document_type, state, count(*) FROM outbox GROUP BY 2, 3, 4 "
        "UNION ALL SELECT 'inbound', sender, document_type, local_state, count(*) FROM inbox "
        "GROUP BY 2, 3, 4 ORDER BY 1, 2, 3, 4");
    for (int i = 0; i < r.rows(); ++i) {
      out += "tsunagi_exchanges{direction=\"" + r.text(i, 0) + "\",peer=\"" + r.text(i, 1) +
             "\",type=\"" + r.text(i, 2) + "\",status=\"" + r.text(i, 3) + "\"} " + r.text(i, 4) +
             "\n";
    }
    gauge("tsunagi_queue_depth", "Messages waiting: outbox to peers, inbox to the local side.",
          "gauge");
    r = conn.exec(
        "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending'), "
        "(SELECT count(*) FROM inbox WHERE local_state = 'pending')");
    out += "tsunagi_queue_depth{queue=\"outbox\"} " + r.text(0, 0) + "\n";
    out += "tsunagi_queue_depth{queue=\"inbox\"} " + r.text(0, 1) + "\n";
    // From the outbox itself, so the histogram survives restarts and covers every gateway process.
    static const char* const kBounds[] = {"0.1", "0.5", "1",    "5",   "30",
                                          "60",  "300", "1800", "3600"};
    std::string sql =
        "SELECT count(*), coalesce(sum(extract(epoch FROM finished_at - created_at)), 0)";
    for (const char* le : kBounds) {
      sql += std::string(", count(*) FILTER (WHERE finished_at - created_at <= interval '") + le +
             " seconds')";
    }
    r = conn.exec(sql + " FROM outbox WHERE state = 'delivered' AND finished_at IS NOT NULL");
    gauge("tsunagi_delivery_latency_seconds", "From acceptance to the peer's receipt.",
          "histogram");
    for (int i = 0; i < 9; ++i) {
      out += std::string("tsunagi_delivery_latency_seconds_bucket{le=\"") + kBounds[i] + "\"} " +
             r.text(0, 2 + i) + "\n";
    }
    out += "tsunagi_delivery_latency_seconds_bucket{le=\"+Inf\"} " + r.text(0, 0) + "\n";
    out += "tsunagi_delivery_latency_seconds_sum " + r.text(0, 1) + "\n";
    out += "tsunagi_delivery_latency_seconds_count " + r.text(0, 0) + "\n";
    gauge("tsunagi_audit_events", "Rows in the audit chain (id of its head).", "counter");
    out += "tsunagi_audit_events " + conn.exec("SELECT last_id FROM audit_head").text(0, 0) + "\n";
  }

  // The consent registry for local tools (the console adds its own UI):
  //   POST /local/v1/consents                 {"reference","insurerNumber","insuredNumber",
  //                                            "scope":["122203"],"obtainedOn","obtainedBy",
  //                                            "validUntil"?}
  //   POST /local/v1/consents/REF/revoke
  // Each change is an event in the exchange log.
  LocalReply consents(net::HttpRequest& request) {
    namespace problems = exchange::problems;
    if (request.method != "POST") return problemReply(problems::methodNotAllowed("use POST"));
    const std::string uri = request.path;
    const std::string prefix = "/local/v1/consents/";
    try {
      if (uri.rfind(prefix, 0) == 0) {
        const std::string rest = uri.substr(prefix.size());
        const auto slash = rest.find('/');
        if (slash == std::string::npos || rest.substr(slash) != "/revoke") {
          return problemReply(problems::notFound(uri));
        }
        const std::string reference = rest.substr(0, slash);
        const bool revoked = store::withTransaction(*pool, [&](store::PgConnection& conn) {
          return store::revokeConsent(conn, reference);
        });
        if (!revoked) return problemReply(problems::notFound("no active consent " + reference));
        return {200, "application/json",
                R"({"revoked":")" + mapping::json::jsonEscape(reference) + R"("})", {}, false};
      }
      const store::Consent c = parseConsent(request.body);
      store::withTransaction(*pool,
                             [&](store::PgConnection& conn) { store::recordConsent(conn, c); });
      return {201, "application/json",
              R"({"recorded":")" + mapping::json::jsonEscape(c.reference) + R"("})", {}, false};
    } catch (const ConsentInvalid& e) {
      return consentRefused(e.field(), e.what());
    } catch (const store::PgError& e) {
      if (e.sqlstate() == "23505") {
        return problemReply(exchange::Problem{409, "urn:tsunagi:problem:consent-exists",
                                              "A consent with this reference exists", ""});
      }
      if (e.sqlstate().rfind("22", 0) == 0) {  // data exception: a bad date, say
        return consentRefused("body", e.what());
      }
      spdlog::error("consent not stored: {}", e.what());
      return problemReply(problems::storageUnavailable("not stored; retry"));
    }
  }

  // A refused consent: 422 consent-invalid, and a `consent-refused` event with the code and the
  // field path only (never a value: the message may quote the input, the event does not).
  LocalReply consentRefused(const std::string& field, const std::string& message) {
    try {
      store::withTransaction(*pool, [&](store::PgConnection& conn) {
        store::appendEvent(
            conn, store::Event{"consent-refused", "local", std::nullopt, std::nullopt,
                               store::jsonObject({{"code", "consent-invalid"}, {"field", field}})});
      });
    } catch (const std::exception& e) {
      spdlog::error("consent refusal not recorded in the exchange log: {}", e.what());
    }
    return problemReply(exchange::Problem{422, "urn:tsunagi:problem:consent-invalid",
                                          "The consent is not valid", message});
  }

  // POST /local/v1/channels/NAME: the local tool's own format, through the channel's adapter.
  // The body has been read whole (within the channel's limit) before this runs.
  LocalReply channelPost(net::HttpRequest& request) {
    namespace problems = exchange::problems;
    const std::string name = request.path.substr(std::strlen(kChannelPrefix));
    const auto limit = channels ? channels->httpLimit(name) : std::nullopt;
    if (!limit) return problemReply(problems::notFound("no inbound HTTP channel " + name));
    if (request.method != "POST") return problemReply(problems::methodNotAllowed("use POST"));
    auto answer = channels->post(name, request.body, request.contentType());
    return {answer.status, answer.contentType, answer.body, {}, false};
  }

  // POST /local/v1/documents: a local tool hands over one canonical document. 202 only once the
  // outbox rows are committed; resubmitting the same document id returns the same messages.
  LocalReply submit(net::HttpRequest& request) {
    namespace problems = exchange::problems;
    if (request.method != "POST") return problemReply(problems::methodNotAllowed("use POST"));
    if (!exchange) {
      return problemReply(exchange::Problem{409, "urn:tsunagi:problem:exchange-disabled",
                                            "This node has no exchange configured", ""});
    }
    const std::string& body = request.body;
    mapping::CanonicalDocument document;
    try {
      document = mapping::parseCanonical(body);
    } catch (const mapping::DocumentError& e) {
      // Recorded with where it failed, never what it held (the answer may quote the tool's own
      // values back to it).
      try {
        store::withTransaction(*pool, [&](store::PgConnection& conn) {
          store::appendEvent(
              conn, store::Event{"refused", "local", std::nullopt, std::nullopt,
                                 store::jsonObject({{"code", "document-invalid"},
                                                    {"where", mapping::redacted(e.issues())}})});
        });
      } catch (const store::PgError& stored) {
        spdlog::error("local submission refusal not recorded: {}", stored.what());
      }
      return problemReply(problems::documentInvalid(e.what()));
    }
    try {
      auto sent = exchange->submitter().submit(document);
      exchange->wakeDelivery();
      std::string json = R"({"messages":[)";
      for (std::size_t i = 0; i < sent.size(); ++i) {
        if (i) json += ',';
        json += R"({"peer":")" + sent[i].peer + R"(","messageId":")" + sent[i].messageId + R"("})";
      }
      return {202, "application/json", json + "]}", {}, false};
    } catch (const exchange::SubmitError& e) {
      return problemReply(exchange::Problem{422, "urn:tsunagi:problem:" + e.code(),
                                            "The document cannot be sent", e.what()});
    } catch (const store::PgError& e) {
      spdlog::error("local submission not stored: {}", e.what());
      return problemReply(problems::storageUnavailable("not stored; retry"));
    }
  }
};

Node::Node(NodeOptions options) : options_(std::move(options)) {
  if (auto problem = mapping::checkMunicipalityCode(options_.code)) {
    throw std::invalid_argument("node code '" + options_.code + "': " + *problem);
  }
}

Node::~Node() { stop(); }

void Node::start() {
  impl_ = std::make_unique<Impl>(options_);
  if (options_.conninfo) {
    impl_->conninfo = *options_.conninfo;
  } else {
    store::EmbeddedPostgresOptions pg;
    pg.rootDir = options_.dataDir / "postgres";
    impl_->embedded = std::make_unique<store::EmbeddedPostgres>(pg);
    impl_->embedded->start();
    impl_->embedded->ensureDatabase("tsunagi");
    impl_->conninfo = impl_->embedded->conninfo("tsunagi");
  }
  impl_->pool = std::make_unique<store::ConnectionPool>(impl_->conninfo, options_.poolSize);
  {
    auto conn = impl_->pool->lease();
    impl_->schema = store::migrate(*conn);
    store::inTransaction(*conn, [&] {
      auto owner = conn->exec("SELECT node_code FROM node_identity FOR UPDATE");
      if (owner.rows() == 0) {
        conn->run("identity_insert",
                  "INSERT INTO node_identity (node_code, node_name) VALUES ($1, $2)",
                  {options_.code, options_.name});
      } else if (owner.text(0, 0) != options_.code) {
        throw std::runtime_error("the database belongs to node " + owner.text(0, 0) +
                                 ", not to node " + options_.code +
                                 "; each node needs its own database");
      }
    });
  }

  {
    std::optional<audit::NodeSigner> signer;
    if (options_.exchange) {
      impl_->nodeCertificate =
          crypto::Certificate::fromPemFile(options_.exchange->tls.certificateFile);
      signer = audit::NodeSigner{options_.code,
                                 crypto::Key::privateFromPemFile(options_.exchange->tls.keyFile),
                                 *impl_->nodeCertificate};
    }
    impl_->checkpointer = std::make_unique<audit::Checkpointer>(*impl_->pool, std::move(signer),
                                                                options_.audit.checkpointInterval);
    if (!impl_->checkpointer->runOnce()) {
      throw std::runtime_error("cannot prepare the audit log's partitions (see the log above)");
    }
    impl_->checkpointer->start();
  }
  if (const auto& a = options_.audit.atna) {
    audit::AtnaOptions ao{
        a->host, a->port, {a->keyFile, a->certificateFile, {a->caFile}, {}, {}}, a->spoolDirectory};
    impl_->atna = std::make_unique<audit::AtnaSink>(*impl_->pool, ao, options_.code);
    impl_->atna->start();
  }

  {
    Impl* impl = impl_.get();
    net::HttpOptions http;
    http.bodyLimit = [impl](const net::HttpRequest& head) { return impl->bodyLimit(head); };
    http.screen = [impl](const net::HttpRequest& head) { return impl->screen(head); };
    http.handle = [impl](net::HttpRequest& request) { return impl->route(request); };
    http.refused = [impl](const net::HttpRequest& head, const net::HttpResponse& answer) {
      store::recordHttpRefusal(*impl->pool, "local", "local", answer.status,
                               net::refusalCode(answer), head.clientAddress);
    };
    http.refusal = [](int status, const std::string& detail) {
      return problemReply(exchange::problems::httpRefusal(status, detail));
    };
    net::ListenerOptions listener;
    listener.name = "local";
    listener.host = options_.listenHost;
    listener.port = options_.listenPort;
    listener.limits = options_.local.limits;
    listener.sessions = net::httpSessions(std::move(http));
    impl_->server = std::make_unique<net::Listener>(std::move(listener));
    impl_->port = impl_->server->port();
  }

  if (options_.exchange) {
    const NodeExchangeOptions& x = *options_.exchange;
    std::vector<crypto::Certificate> cas;
    for (const auto& ca : x.tls.caFiles) cas.push_back(crypto::Certificate::fromPemFile(ca));
    impl_->manifests = std::make_unique<federation::ManifestStore>(
        x.manifestFile, crypto::Certificate::fromPemFile(x.manifestSigner), cas, options_.code);
    impl_->manifests->load();
    exchange::ExchangeOptions eo;
    eo.nodeCode = options_.code;
    eo.tls = x.tls;
    eo.listenHost = x.peerHost;
    eo.listenPort = x.peerPort;
    eo.retry = x.retry;
    eo.listenerLimits = x.limits;
    eo.receiver.acceptPast = x.acceptPast;
    eo.receiver.acceptFuture = x.acceptFuture;
    impl_->exchange =
        std::make_unique<exchange::ExchangeService>(eo, *impl_->pool, *impl_->manifests);
    impl_->exchange->start();
    const auto inbox = x.inboxDirectory.empty() ? options_.dataDir / "inbox" : x.inboxDirectory;
    std::shared_ptr<exchange::LocalSink> sink;
    if (!options_.channels.empty()) {
      auto* service = impl_->exchange.get();
      impl_->channels = std::make_unique<channels::ChannelManager>(
          options_.channels, options_.adapters ? *options_.adapters : *builtinAdapters(),
          service->submitter(), *impl_->pool, [service] { service->wakeDelivery(); });
      sink = impl_->channels->sink();
    }
    if (!sink) sink = std::make_shared<exchange::DirectorySink>(inbox);
    impl_->localDelivery = std::make_unique<exchange::LocalDelivery>(*impl_->pool, sink, x.retry);
    impl_->localDelivery->start();
    if (impl_->channels) impl_->channels->start();
  }

  impl_->server->start();
  spdlog::info("node {} listening on {}:{}", options_.code, options_.listenHost, impl_->port);
  if (options_.console) startConsole();
}

void Node::startConsole() {
  const NodeConsoleOptions& c = *options_.console;
  console::ConsoleContext context;
  context.nodeCode = options_.code;
  context.nodeName = options_.name;
  context.pool = impl_->pool.get();
  Impl* impl = impl_.get();
  const std::string self = options_.code;
  context.peers = [impl, self] {
    std::vector<console::PeerInfo> peers;
    if (!impl->manifests) return peers;
    if (auto manifest = impl->manifests->current()) {
      for (const auto& n : manifest->nodes) {
        if (n.code != self) peers.push_back({n.code, n.name, n.endpoint});
      }
    }
    return peers;
  };
  std::vector<console::Expiry> certificates;
  certificates.push_back({"console certificate / コンソール証明書",
                          crypto::Certificate::fromPemFile(c.certificateFile).notAfter()});
  if (options_.exchange) {
    certificates.push_back(
        {"node certificate / ノード証明書",
         crypto::Certificate::fromPemFile(options_.exchange->tls.certificateFile).notAfter()});
  }
  context.expiries = [impl, certificates] {
    auto all = certificates;
    if (impl->exchange) {
      // Each peer's certificate as seen in the last handshake with it (either direction).
      for (const auto& [peer, notAfter] : impl->exchange->handshakeStats().peerCertificates()) {
        all.push_back({"peer " + peer + " certificate / 相手ノード証明書", notAfter});
      }
    }
    if (impl->manifests) {
      if (auto manifest = impl->manifests->current()) {
        all.push_back({"federation manifest serial " + std::to_string(manifest->serial) +
                           " / 連携マニフェスト",
                       manifest->expiresAt});
      }
    }
    return all;
  };
  context.wakeDelivery = [impl] {
    if (impl->exchange) impl->exchange->wakeDelivery();
  };
  auto& cfg = context.configuration;
  cfg = {{"node.code", options_.code},
         {"node.name", options_.name},
         {"dataDirectory", options_.dataDir.string()},
         {"database", databaseDescription()},
         {"database.poolSize", std::to_string(options_.poolSize)},
         {"localListener", options_.listenHost + ":" + std::to_string(impl_->port)},
         {"console.listener", c.host + ":" + std::to_string(c.port)},
         {"console.certificate", c.certificateFile.string()},
         {"console.key", c.keyFile.string() + " (not shown)"},
         {"console.sessionMinutes", std::to_string(c.sessionIdle.count())},
         {"console.sessionMaxHours", std::to_string(c.sessionMax.count())},
         {"console.lockoutAttempts", std::to_string(c.lockoutAttempts)},
         {"console.lockoutMinutes", std::to_string(c.lockout.count())},
         {"console.throttleFailures", std::to_string(c.throttleFailures)},
         {"console.throttleSeconds", std::to_string(c.throttleWait.count())},
         {"console.throttleMaxSeconds", std::to_string(c.throttleMaxWait.count())},
         {"console.throttleForgetMinutes", std::to_string(c.throttleForget.count())},
         {"log", options_.logFormat + " " + options_.logLevel}};
  if (options_.exchange) {
    const auto& x = *options_.exchange;
    cfg.push_back({"exchange.peerListener", x.peerHost + ":" + std::to_string(x.peerPort)});
    cfg.push_back({"exchange.tls.certificate", x.tls.certificateFile.string()});
    cfg.push_back({"exchange.manifest", x.manifestFile.string()});
    cfg.push_back({"exchange.retry.maxAttempts", std::to_string(x.retry.maxAttempts)});
  }
  console::ConsoleSettings settings;
  settings.sessions.idle = c.sessionIdle;
  settings.sessions.absolute = c.sessionMax;
  settings.lockout.attempts = c.lockoutAttempts;
  settings.lockout.lock = c.lockout;
  settings.throttle.freeFailures = c.throttleFailures;
  settings.throttle.firstWait = c.throttleWait;
  settings.throttle.maxWait = c.throttleMaxWait;
  settings.throttle.forgetAfter = c.throttleForget;
  impl_->console = std::make_unique<console::ConsoleServer>(
      console::ConsoleListenerOptions{c.host, c.port, c.certificateFile, c.keyFile, c.limits},
      std::move(context), std::move(settings));
  impl_->console->start();
}

std::string Node::reload() {
  if (!impl_ || !impl_->manifests) return "nothing to reload (no exchange configured)";
  auto result = impl_->manifests->reload();
  impl_->exchange->manifestChanged();
  std::string crl = "unchanged";
  try {
    impl_->exchange->reloadRevocations();
    crl = "reloaded";
  } catch (const std::exception& e) {
    // A broken CRL file must not take the node down: the last good list stays in force.
    crl = std::string("refused, the previous list stays in force (") + e.what() + ")";
    spdlog::error("CRL reload refused: {}", e.what());
  }
  return std::string("manifest: ") + federation::toString(result.outcome) +
         (result.reason.empty() ? "" : " (" + result.reason + ")") + "; CRL: " + crl;
}

void Node::checkManifest() {
  if (!impl_ || !impl_->manifests) return;
  auto result = impl_->manifests->reloadIfChanged();
  if (result.outcome == federation::ReloadOutcome::Loaded) impl_->exchange->manifestChanged();
  impl_->manifests->expiringSoon(std::chrono::system_clock::now());
}

void Node::stop() {
  if (!impl_) return;
  if (impl_->console) impl_->console->stop();
  if (impl_->server) impl_->server->stop();
  if (impl_->channels) impl_->channels->stop();
  if (impl_->localDelivery) impl_->localDelivery->stop();
  impl_->localDelivery.reset();
  impl_->channels.reset();
  if (impl_->exchange) impl_->exchange->stop();
  impl_->exchange.reset();
  if (impl_->checkpointer) impl_->checkpointer->stop();  // the shutdown checkpoint
  impl_->checkpointer.reset();
  if (impl_->atna) impl_->atna->stop();  // what was not sent stays spooled for the next start
  impl_->atna.reset();
  impl_->pool.reset();
  if (impl_->embedded) impl_->embedded->stop();
  impl_.reset();
}

unsigned short Node::port() const { return impl_ ? impl_->port : 0; }

unsigned short Node::peerPort() const {
  return impl_ && impl_->exchange ? impl_->exchange->port() : 0;
}

unsigned short Node::mllpPort(const std::string& name) const {
  return impl_ && impl_->channels ? impl_->channels->mllpPort(name) : 0;
}

std::shared_ptr<const adapters::AdapterRegistry> builtinAdapters() {
  static const std::shared_ptr<const adapters::AdapterRegistry> registry = [] {
    auto r = std::make_shared<adapters::AdapterRegistry>();
    adapters::registerBuiltinAdapters(*r);
    return r;
  }();
  return registry;
}

unsigned short Node::consolePort() const {
  return impl_ && impl_->console ? impl_->console->port() : 0;
}

exchange::ExchangeService* Node::exchange() { return impl_ ? impl_->exchange.get() : nullptr; }

store::ConnectionPool* Node::pool() { return impl_ ? impl_->pool.get() : nullptr; }

std::string Node::healthUrl() const {
  return "http://" + options_.listenHost + ":" + std::to_string(port()) + "/healthz";
}

std::string Node::databaseDescription() const {
  if (!impl_) return "not started";
  if (impl_->embedded) {
    return "embedded PostgreSQL in " + impl_->embedded->dataDir().string() + " (socket " +
           impl_->embedded->socketDir().string() + ")";
  }
  return "configured PostgreSQL";
}

const std::string& Node::conninfo() const {
  static const std::string none;
  return impl_ ? impl_->conninfo : none;
}

}  // namespace tsunagi
