#pragma once
// The local listener's API for the city's own tools (docs/operations.md "Local listener"): a
// route table with one small handler per endpoint, and the checks every request passes on its
// head before its body is read — the Host must name this listener (DNS rebinding), an Origin
// must be configured (a web page posting to the node), a POST carries its documented content
// type (a browser's "simple" cross-site request) within its body limit.
//
//   GET  /healthz                    liveness and the database
//   GET  /readyz                     database, schema and manifest in force
//   GET  /metrics                    Prometheus text (metrics.*)
//   POST /local/v1/documents         a canonical document to send
//   POST /local/v1/consents          record a consent
//   POST /local/v1/consents/REF/revoke
//   POST /local/v1/channels/NAME     an inbound HTTP channel (the ChannelManager answers)

#include <optional>
#include <string>
#include <vector>

#include "gateway/net/http_server.hpp"
#include "gateway/node/node_parts.hpp"

namespace tsunagi::node {

struct LocalRoute;  // one endpoint (local_api.cpp)

class LocalApi {
 public:
  /// Answers from `node`'s parts, which must outlive this API.
  explicit LocalApi(const NodeParts& node);
  ~LocalApi();
  LocalApi(const LocalApi&) = delete;
  LocalApi& operator=(const LocalApi&) = delete;

  /// The local listener's HTTP options: body limits and screening on the head, the route table,
  /// problem+json refusals, and an http-refused event for each request refused before a handler.
  /// They refer to this API, which must outlive the listener.
  net::HttpOptions httpOptions() const;

 private:
  const LocalRoute* find(const std::string& path) const;
  std::size_t bodyLimit(const net::HttpRequest& head) const;
  std::optional<net::HttpResponse> screen(const net::HttpRequest& head) const;
  net::HttpResponse handle(net::HttpRequest& request) const;
  bool hostAllowed(const std::string& host) const;

  net::HttpResponse health() const;
  net::HttpResponse ready() const;
  net::HttpResponse metrics() const;
  net::HttpResponse submitDocument(const net::HttpRequest& request) const;
  net::HttpResponse recordConsent(const net::HttpRequest& request) const;
  net::HttpResponse revokeConsent(const net::HttpRequest& request) const;
  net::HttpResponse channelPost(const net::HttpRequest& request) const;
  net::HttpResponse consentStorageTrouble(const store::PgError& e) const;
  net::HttpResponse consentRefused(const std::string& field, const std::string& message) const;

  const NodeParts& node_;
  std::vector<LocalRoute> routes_;
};

}  // namespace tsunagi::node
