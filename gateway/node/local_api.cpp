#include "gateway/node/local_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <functional>

#include "gateway/exchange/problem.hpp"
#include "gateway/node/local_consent.hpp"
#include "gateway/node/metrics.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/node_metrics.hpp"
#include "mapping/json/writer.hpp"
#include "mapping/model/canonical.hpp"

namespace tsunagi::node {

/// What a POST to a route may carry, decided on its head: the body limit and the documented media
/// types (none listed: any type).
struct PostBody {
  std::size_t limit = 0;
  std::vector<std::string> mediaTypes;
};

/// One endpoint of the local API.
struct LocalRoute {
  std::string path = {};  ///< the path, or its prefix (ending in '/') when `prefix`
  bool prefix = false;
  bool postOnly = false;  ///< other methods are answered 405 before the handler runs
  std::function<PostBody(const net::HttpRequest& head)> post = [](const net::HttpRequest&) {
    return PostBody{};
  };
  /// A refusal of the target decided on the head (a channel that does not exist), or nullopt.
  std::function<std::optional<net::HttpResponse>(const net::HttpRequest& head)> screen = {};
  std::function<net::HttpResponse(const net::HttpRequest& request)> handle = {};
};

namespace {

namespace problems = exchange::problems;
using mapping::json::jsonEscape;

constexpr std::size_t kMaxDocumentBody = 16 * 1024 * 1024;
constexpr std::size_t kMaxConsentBody = 64 * 1024;
constexpr std::string_view kChannels = "/local/v1/channels/";

net::HttpResponse json(int status, std::string body) {
  return {status, "application/json", std::move(body), {}, false};
}

std::string channelName(const net::HttpRequest& request) {
  return request.path.substr(kChannels.size());
}

std::function<PostBody(const net::HttpRequest&)> fixedBody(std::size_t limit,
                                                           std::vector<std::string> types) {
  return [limit, types](const net::HttpRequest&) { return PostBody{limit, types}; };
}

}  // namespace

LocalApi::LocalApi(const NodeParts& node) : node_(node) {
  const auto consentBody = fixedBody(kMaxConsentBody, {"application/json"});
  routes_ = {
      {.path = "/healthz", .handle = [this](const net::HttpRequest&) { return health(); }},
      {.path = "/readyz", .handle = [this](const net::HttpRequest&) { return ready(); }},
      {.path = "/metrics", .handle = [this](const net::HttpRequest&) { return metrics(); }},
      {.path = "/local/v1/documents",
       .postOnly = true,
       .post = fixedBody(kMaxDocumentBody, {"application/xml", "text/xml"}),
       .handle = [this](const net::HttpRequest& r) { return submitDocument(r); }},
      {.path = "/local/v1/consents",
       .postOnly = true,
       .post = consentBody,
       .handle = [this](const net::HttpRequest& r) { return recordConsent(r); }},
      {.path = "/local/v1/consents/",
       .prefix = true,
       .postOnly = true,
       .post = consentBody,
       .handle = [this](const net::HttpRequest& r) { return revokeConsent(r); }},
      {.path = std::string(kChannels),
       .prefix = true,
       .postOnly = true,
       .post =
           [this](const net::HttpRequest& head) {
             const std::string name = channelName(head);
             return PostBody{node_.channels->httpLimit(name).value_or(0),
                             node_.channels->httpMediaTypes(name)};
           },
       .screen = [this](const net::HttpRequest& head) -> std::optional<net::HttpResponse> {
         const std::string name = channelName(head);
         if (node_.channels && node_.channels->httpLimit(name)) return std::nullopt;
         return problems::notFound("no inbound HTTP channel " + name).reply();
       },
       .handle = [this](const net::HttpRequest& r) { return channelPost(r); }},
  };
}

LocalApi::~LocalApi() = default;

net::HttpOptions LocalApi::httpOptions() const {
  net::HttpOptions http;
  http.bodyLimit = [this](const net::HttpRequest& head) { return bodyLimit(head); };
  http.screen = [this](const net::HttpRequest& head) { return screen(head); };
  http.handle = [this](net::HttpRequest& request) { return handle(request); };
  store::ConnectionPool* pool = node_.pool.get();
  http.refused = [pool](const net::HttpRequest& head, const net::HttpResponse& answer) {
    store::recordHttpRefusal(*pool, "local", "local", answer.status, net::refusalCode(answer),
                             head.clientAddress);
  };
  http.refusal = [](int status, const std::string& detail) {
    return problems::httpRefusal(status, detail).reply();
  };
  return http;
}

const LocalRoute* LocalApi::find(const std::string& path) const {
  for (const LocalRoute& route : routes_) {
    if (route.prefix ? path.rfind(route.path, 0) == 0 : path == route.path) return &route;
  }
  return nullptr;
}

// The largest body a request may carry, decided on its head: only POSTs carry one.
std::size_t LocalApi::bodyLimit(const net::HttpRequest& head) const {
  const LocalRoute* route = find(head.path);
  if (head.method != "POST" || !route) return 0;
  if (route->screen && route->screen(head)) return 0;
  return route->post(head).limit;
}

// Refusals on the head alone, in this order: Host, Origin, the target, the content type.
std::optional<net::HttpResponse> LocalApi::screen(const net::HttpRequest& head) const {
  const std::string* host = head.header("host");
  if (!host || !hostAllowed(*host)) {
    return exchange::Problem{421, "urn:tsunagi:problem:host-not-allowed",
                             "The Host header does not name this listener",
                             "use the listener's own address and port"}
        .reply();
  }
  if (const std::string* origin = head.header("origin")) {
    const auto& allowed = node_.options.local.allowedOrigins;
    if (std::find(allowed.begin(), allowed.end(), *origin) == allowed.end()) {
      return exchange::Problem{403, "urn:tsunagi:problem:origin-not-allowed",
                               "Requests from web pages are not accepted",
                               "the Origin is not configured for this listener"}
          .reply();
    }
  }
  const LocalRoute* route = find(head.path);
  if (!route) return std::nullopt;  // answered 404 by handle()
  if (route->screen) {
    if (auto refused = route->screen(head)) return refused;
  }
  if (head.method == "POST") {
    const std::vector<std::string> types = route->post(head).mediaTypes;
    if (!types.empty() && std::find(types.begin(), types.end(), head.mediaType()) == types.end()) {
      std::string list;
      for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
      return exchange::Problem{415, "urn:tsunagi:problem:unsupported-media-type",
                               "The Content-Type is not the documented one",
                               "send Content-Type: " + list}
          .reply();
    }
  }
  return std::nullopt;
}

net::HttpResponse LocalApi::handle(net::HttpRequest& request) const {
  const LocalRoute* route = find(request.path);
  if (!route) return problems::notFound(request.path).reply();
  if (route->postOnly && request.method != "POST") {
    return problems::methodNotAllowed("use POST").reply();
  }
  return route->handle(request);
}

// The Host header must name this listener (its address and port), or be one of the configured
// names (compared exactly, port included).
bool LocalApi::hostAllowed(const std::string& host) const {
  const NodeOptions& options = node_.options;
  const auto& extra = options.local.allowedHosts;
  if (std::find(extra.begin(), extra.end(), host) != extra.end()) return true;
  std::vector<std::string> names = {options.listenHost};
  if (options.listenHost == "127.0.0.1" || options.listenHost == "::1" ||
      options.listenHost == "localhost") {
    names.insert(names.end(), {"127.0.0.1", "localhost", "::1"});
  }
  for (const auto& n : names) {
    const std::string name = n.find(':') != std::string::npos ? "[" + n + "]" : n;
    if (host == name + ":" + std::to_string(node_.port)) return true;
  }
  return false;
}

// GET /metrics: Prometheus text (metrics.cpp).
net::HttpResponse LocalApi::metrics() const {
  return {200, "text/plain; version=0.0.4", prometheusText(node_), {}, false};
}

// POST /local/v1/channels/NAME: the local tool's own format, through the channel's adapter (the
// ChannelManager answers; the screen has refused a channel that does not exist).
net::HttpResponse LocalApi::channelPost(const net::HttpRequest& request) const {
  return node_.channels->post(channelName(request), request.body, request.contentType());
}

// GET /healthz: 200 while the database answers.
net::HttpResponse LocalApi::health() const {
  bool ok = false;
  try {
    auto conn = node_.pool->lease(std::chrono::seconds(2));
    ok = store::databaseAnswers(*conn);
  } catch (const store::PgError& e) {
    spdlog::warn("health check: database unreachable: {}", e.what());
  }
  auto manifest = node_.manifests ? node_.manifests->current() : nullptr;
  std::string body = std::string(R"({"status":")") + (ok ? "ok" : "database-unreachable") +
                     R"(","node":")" + node_.options.code + R"(","schema":)" +
                     std::to_string(node_.schema);
  if (manifest) body += R"(,"manifestSerial":)" + std::to_string(manifest->serial);
  return json(ok ? 200 : 503, body + "}");
}

// GET /readyz: ready to take traffic when the database answers, its schema is the one this
// binary migrates to, and (with an exchange) the manifest in force is valid.
net::HttpResponse LocalApi::ready() const {
  std::string database = "ok", migrations = "ok", manifest = "ok";
  try {
    auto conn = node_.pool->lease(std::chrono::seconds(2));
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
  if (!node_.manifests) {
    manifest = "not configured";
  } else if (!node_.manifests->current()) {
    manifest = "none loaded";
  } else if (node_.manifests->untilExpiry(std::chrono::system_clock::now()).count() <= 0) {
    manifest = "expired";
  }
  const bool ok =
      database == "ok" && migrations == "ok" && (manifest == "ok" || manifest == "not configured");
  return json(ok ? 200 : 503, R"({"ready":)" + std::string(ok ? "true" : "false") +
                                  R"(,"database":")" + jsonEscape(database) +
                                  R"(","migrations":")" + jsonEscape(migrations) +
                                  R"(","manifest":")" + jsonEscape(manifest) + R"("})");
}

// POST /local/v1/documents: a local tool hands over one canonical document. 202 only once the
// outbox rows are committed; resubmitting the same document id returns the same messages.
net::HttpResponse LocalApi::submitDocument(const net::HttpRequest& request) const {
  if (!node_.exchange) {
    return exchange::Problem{409, "urn:tsunagi:problem:exchange-disabled",
                             "This node has no exchange configured", ""}
        .reply();
  }
  mapping::CanonicalDocument document;
  try {
    document = mapping::parseCanonical(request.body);
  } catch (const mapping::DocumentError& e) {
    // Recorded with where it failed, never what it held (the answer may quote the tool's own
    // values back to it).
    try {
      store::withTransaction(*node_.pool, [&](store::PgConnection& conn) {
        store::appendEvent(
            conn, store::NewEvent{store::EventType::Refused, "local", std::nullopt, std::nullopt,
                                  store::jsonObject({{"code", "document-invalid"},
                                                     {"where", mapping::redacted(e.issues())}})});
      });
    } catch (const store::PgError& stored) {
      spdlog::error("local submission refusal not recorded: {}", stored.what());
    }
    return problems::documentInvalid(e.what()).reply();
  }
  try {
    auto sent = node_.exchange->submitter().submit(document);
    node_.exchange->wakeDelivery();
    std::string body = R"({"messages":[)";
    for (std::size_t i = 0; i < sent.size(); ++i) {
      if (i) body += ',';
      body += R"({"peer":")" + sent[i].peer + R"(","messageId":")" + sent[i].messageId + R"("})";
    }
    return json(202, body + "]}");
  } catch (const exchange::SubmitError& e) {
    return exchange::Problem{422, "urn:tsunagi:problem:" + e.code(), "The document cannot be sent",
                             e.what()}
        .reply();
  } catch (const store::PgError& e) {
    spdlog::error("local submission not stored: {}", e.what());
    return problems::storageUnavailable("not stored; retry").reply();
  }
}

// POST /local/v1/consents {"reference","insurerNumber","insuredNumber","scope":["122203"],
// "obtainedOn","obtainedBy","validUntil"?}: recorded with its event in the exchange log.
net::HttpResponse LocalApi::recordConsent(const net::HttpRequest& request) const {
  auto read = readLocalConsent(request.body);
  if (const auto* error = std::get_if<ConsentFieldError>(&read)) {
    return consentRefused(error->field, error->field + ": " + error->reason);
  }
  const auto& consent = std::get<store::Consent>(read);
  try {
    store::withTransaction(*node_.pool,
                           [&](store::PgConnection& conn) { store::recordConsent(conn, consent); });
  } catch (const store::PgError& e) {
    return consentStorageTrouble(e);
  }
  return json(201, R"({"recorded":")" + jsonEscape(consent.reference) + R"("})");
}

// POST /local/v1/consents/REF/revoke: revoked with its event in the exchange log.
net::HttpResponse LocalApi::revokeConsent(const net::HttpRequest& request) const {
  constexpr std::string_view prefix = "/local/v1/consents/";
  const std::string rest = request.path.substr(prefix.size());
  const auto slash = rest.find('/');
  if (slash == std::string::npos || rest.substr(slash) != "/revoke") {
    return problems::notFound(request.path).reply();
  }
  const std::string reference = rest.substr(0, slash);
  bool revoked = false;
  try {
    revoked = store::withTransaction(*node_.pool, [&](store::PgConnection& conn) {
      return store::revokeConsent(conn, reference);
    });
  } catch (const store::PgError& e) {
    return consentStorageTrouble(e);
  }
  if (!revoked) return problems::notFound("no active consent " + reference).reply();
  return json(200, R"({"revoked":")" + jsonEscape(reference) + R"("})");
}

net::HttpResponse LocalApi::consentStorageTrouble(const store::PgError& e) const {
  if (e.sqlstate() == "23505") {
    return exchange::Problem{409, "urn:tsunagi:problem:consent-exists",
                             "A consent with this reference exists", ""}
        .reply();
  }
  if (e.sqlstate().rfind("22", 0) == 0) return consentRefused("body", e.what());  // a bad date
  spdlog::error("consent not stored: {}", e.what());
  return problems::storageUnavailable("not stored; retry").reply();
}

// A refused consent: 422 consent-invalid, and a `consent-refused` event with the code and the
// field path only (never a value: the message may quote the input, the event does not).
net::HttpResponse LocalApi::consentRefused(const std::string& field,
                                           const std::string& message) const {
  try {
    store::withTransaction(*node_.pool, [&](store::PgConnection& conn) {
      store::appendEvent(
          conn,
          store::NewEvent{store::EventType::ConsentRefused, "local", std::nullopt, std::nullopt,
                          store::jsonObject({{"code", "consent-invalid"}, {"field", field}})});
    });
  } catch (const std::exception& e) {
    spdlog::error("consent refusal not recorded in the exchange log: {}", e.what());
  }
  return exchange::Problem{422, "urn:tsunagi:problem:consent-invalid", "The consent is not valid",
                           message}
      .reply();
}

}  // namespace tsunagi::node
