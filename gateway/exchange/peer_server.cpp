#include "gateway/exchange/peer_server.hpp"

#include "gateway/exchange/problem.hpp"
#include "gateway/net/http_server.hpp"

namespace tsunagi::exchange {

namespace {

constexpr const char* kMessages = "/exchange/v1/messages";
constexpr const char* kHealth = "/exchange/v1/health";

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
    return problems::httpRefusal(status, detail).reply();
  };
  if (onRefused) {
    http.refused = [onRefused](const net::HttpRequest& head, const net::HttpResponse& answer) {
      onRefused(answer.status, net::refusalCode(answer), head.clientAddress);
    };
  }
  http.handle = [&receiver](net::HttpRequest& request) {
    // The API has no query parameters: a target with one names no resource.
    if (!request.query.empty() || request.target.find('?') != std::string::npos) {
      return problems::notFound(request.path + "?…").reply();
    }
    if (request.path == kHealth) {
      if (request.method != "GET") return problems::methodNotAllowed("use GET").reply();
      return receiver.health();
    }
    if (request.path != kMessages) return problems::notFound(request.path).reply();
    if (request.method != "POST") return problems::methodNotAllowed("use POST").reply();
    IncomingRequest in;
    in.method = request.method;
    in.path = request.target;
    in.contentType = request.contentType();
    in.contentDigest = request.get("content-digest");
    in.signatureInput = request.get("signature-input");
    in.signature = request.get("signature");
    in.body = std::move(request.body);
    in.peer = std::move(request.peerCertificate);
    return receiver.receiveMessage(in);
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
