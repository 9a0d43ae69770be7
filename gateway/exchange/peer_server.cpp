#include "gateway/exchange/peer_server.hpp"

#include "gateway/exchange/problem.hpp"
#include "gateway/net/http_server.hpp"

namespace tsunagi::exchange {

namespace {

constexpr const char* kMessages = "/exchange/v1/messages";
constexpr const char* kHealth = "/exchange/v1/health";

net::HttpResponse answer(const Reply& reply) {
  net::HttpResponse out{reply.status, reply.contentType, reply.body, {}, false};
  for (const auto& [name, value] : reply.headers) out.headers.emplace_back(name, value);
  return out;
}

net::HttpResponse answer(const Problem& problem) { return answer(Reply::problem(problem)); }

}  // namespace

PeerServer::PeerServer(Receiver& receiver, Poco::Net::Context::Ptr context, const std::string& host,
                       unsigned short port, std::size_t maxBodyBytes, net::ListenerLimits limits,
                       std::function<void(const std::string&)> onHandshakeFailure,
                       std::function<void(int, const std::string&, const std::string&)> onRefused)
    : context_(std::move(context)) {
  net::HttpOptions http;
  http.bodyLimit = [maxBodyBytes](const net::HttpRequest& head) -> std::size_t {
    return head.path == kMessages && head.method == "POST" ? maxBodyBytes : 0;
  };
  http.refusal = [](int status, const std::string& detail) {
    return answer(problems::httpRefusal(status, detail));
  };
  if (onRefused) {
    http.refused = [onRefused](const net::HttpRequest& head, const net::HttpResponse& answer) {
      onRefused(answer.status, net::refusalCode(answer), head.clientAddress);
    };
  }
  http.handle = [&receiver](net::HttpRequest& request) {
    // The API has no query parameters: a target with one names no resource.
    if (!request.query.empty() || request.target.find('?') != std::string::npos) {
      return answer(problems::notFound(request.path + "?…"));
    }
    if (request.path == kHealth) {
      if (request.method != "GET") return answer(problems::methodNotAllowed("use GET"));
      return answer(receiver.health());
    }
    if (request.path != kMessages) return answer(problems::notFound(request.path));
    if (request.method != "POST") return answer(problems::methodNotAllowed("use POST"));
    IncomingRequest in;
    in.method = request.method;
    in.path = request.target;
    in.contentType = request.contentType();
    in.contentDigest = request.get("content-digest");
    in.signatureInput = request.get("signature-input");
    in.signature = request.get("signature");
    in.body = std::move(request.body);
    in.peer = std::move(request.peerCertificate);
    return answer(receiver.receiveMessage(in));
  };
  net::ListenerOptions options;
  options.name = "peer";
  options.host = host;
  options.port = port;
  options.limits = limits;
  options.tls = context_->sslContext();
  options.sessions = net::httpSessions(std::move(http));
  options.onHandshakeFailure = std::move(onHandshakeFailure);
  listener_ = std::make_unique<net::Listener>(std::move(options));
}

PeerServer::~PeerServer() { stop(); }

void PeerServer::start() { listener_->start(); }

void PeerServer::stop() { listener_->stop(); }

}  // namespace tsunagi::exchange
