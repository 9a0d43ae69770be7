#include "gateway/exchange/peer_server.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <spdlog/spdlog.h>

#include "gateway/exchange/tls.hpp"

namespace tsunagi::exchange {

namespace {

void send(Poco::Net::HTTPServerResponse& response, const Reply& reply) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  response.setContentType(reply.contentType);
  for (const auto& [name, value] : reply.headers) response.set(name, value);
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  response.send() << reply.body;
}

class ExchangeHandler : public Poco::Net::HTTPRequestHandler {
 public:
  ExchangeHandler(Receiver& receiver, std::size_t maxBody) : receiver_(receiver), maxBody_(maxBody) {}

  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    const std::string path = request.getURI();
    if (path == "/exchange/v1/health") {
      if (request.getMethod() != "GET") {
        return send(response, Reply::problem(problems::methodNotAllowed("use GET")));
      }
      return send(response, receiver_.health());
    }
    if (path != "/exchange/v1/messages") {
      return send(response, Reply::problem(problems::notFound(path)));
    }
    if (request.getMethod() != "POST") {
      return send(response, Reply::problem(problems::methodNotAllowed("use POST")));
    }
    // Poco 1.11.0 can hang on chunked bodies: only Content-Length is accepted.
    if (request.getChunkedTransferEncoding() || !request.hasContentLength()) {
      response.setKeepAlive(false);
      return send(response, Reply::problem(problems::lengthRequired("send Content-Length")));
    }
    const auto length = request.getContentLength64();
    if (length < 0 || static_cast<std::uint64_t>(length) > maxBody_) {
      // Refuse without reading the body; close so the unread bytes are not taken as a request.
      response.setKeepAlive(false);
      return send(response, Reply::problem(problems::bodyTooLarge(
                                std::to_string(length) + " bytes; the limit is " +
                                std::to_string(maxBody_))));
    }
    IncomingRequest in;
    in.method = request.getMethod();
    in.path = path;
    in.contentType = request.getContentType();
    in.contentDigest = request.get("Content-Digest", "");
    in.signatureInput = request.get("Signature-Input", "");
    in.signature = request.get("Signature", "");
    in.body.resize(static_cast<std::size_t>(length));
    request.stream().read(in.body.data(), length);
    if (request.stream().gcount() != length) {
      response.setKeepAlive(false);
      return send(response, Reply::problem(problems::envelopeInvalid("body shorter than Content-Length")));
    }
    in.peer = peerCertificateOf(request);
    send(response, receiver_.receiveMessage(in));
  }

 private:
  Receiver& receiver_;
  std::size_t maxBody_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  Factory(Receiver& receiver, std::size_t maxBody) : receiver_(receiver), maxBody_(maxBody) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override {
    return new ExchangeHandler(receiver_, maxBody_);
  }

 private:
  Receiver& receiver_;
  std::size_t maxBody_;
};

}  // namespace

PeerServer::PeerServer(Receiver& receiver, Poco::Net::Context::Ptr context, const std::string& host,
                       unsigned short port, std::size_t maxBodyBytes, int threads)
    : pool_(2, threads) {
  // SO_REUSEADDR for quick restarts, never SO_REUSEPORT: the peer port must not be shareable.
  Poco::Net::SecureServerSocket socket(context);
  socket.bind(Poco::Net::SocketAddress(host, port), true, false);
  socket.listen(64);
  port_ = socket.address().port();
  auto* params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setMaxQueued(128);
  params->setMaxThreads(threads);
  params->setTimeout(Poco::Timespan(30, 0));
  server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(receiver, maxBodyBytes), pool_,
                                                    socket, params);
}

PeerServer::~PeerServer() { stop(); }

void PeerServer::start() { server_->start(); }

void PeerServer::stop() {
  if (!server_) return;
  server_->stopAll(false);  // stop accepting; let requests in flight finish
  pool_.joinAll();
  server_.reset();
}

}  // namespace tsunagi::exchange
