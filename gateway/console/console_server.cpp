#include "gateway/console/console_server.hpp"

#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "gateway/exchange/tls.hpp"

namespace tsunagi::console {

namespace {

constexpr std::streamsize kMaxBody = 64 * 1024;

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(ConsoleApp& app) : app_(app) {}

  void handleRequest(Poco::Net::HTTPServerRequest& in,
                     Poco::Net::HTTPServerResponse& out) override {
    Request req;
    req.method = in.getMethod();
    req.client = in.clientAddress().host().toString();
    Response reply;
    try {
      Poco::URI uri(in.getURI());
      req.path = uri.getPath();
      req.query = parseUrlEncoded(uri.getRawQuery(), &req.brokenEscape);
      Poco::Net::NameValueCollection cookies;
      in.getCookies(cookies);
      for (const auto& [name, value] : cookies) req.cookies[name] = value;
      for (const auto& [name, value] : in) {
        std::string lower = name;
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        req.headers[lower] = value;
      }
      req.contentType = in.getContentType();
      if (req.method == "POST") {
        if (in.getChunkedTransferEncoding() || !in.hasContentLength() ||
            in.getContentLength64() > kMaxBody) {
          out.setKeepAlive(false);
          reply = Response{in.hasContentLength() ? 413 : 411,
                           "text/plain; charset=utf-8",
                           "send a Content-Length of at most 64 KiB\n",
                           {}};
          return send(out, reply);
        }
        req.body.resize(static_cast<std::size_t>(in.getContentLength64()));
        in.stream().read(req.body.data(), static_cast<std::streamsize>(req.body.size()));
        req.body.resize(static_cast<std::size_t>(in.stream().gcount()));
        if (req.contentType.rfind("application/x-www-form-urlencoded", 0) == 0) {
          req.form = parseUrlEncoded(req.body, &req.brokenEscape);
        }
      }
      reply = app_.handle(req);
    } catch (const Poco::Exception& e) {
      spdlog::warn("console: malformed request from {}: {}", req.client, e.displayText());
      reply = Response{400, "text/plain; charset=utf-8", "malformed request\n", {}};
    }
    send(out, reply);
  }

 private:
  static void send(Poco::Net::HTTPServerResponse& out, const Response& reply) {
    out.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    out.setContentType(reply.contentType);
    for (const auto& [name, value] : reply.headers) out.add(name, value);
    out.setContentLength(static_cast<std::streamsize>(reply.body.size()));
    out.send() << reply.body;
  }

  ConsoleApp& app_;
};

class Factory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(ConsoleApp& app) : app_(app) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(app_);
  }

 private:
  ConsoleApp& app_;
};

}  // namespace

struct ConsoleServer::Impl {
  ConsoleListenerOptions listener;
  ConsoleApp app;
  Poco::ThreadPool threads{2, 8};
  std::unique_ptr<Poco::Net::HTTPServer> server;
  unsigned short port = 0;

  Impl(ConsoleListenerOptions l, ConsoleContext c, ConsoleSettings s)
      : listener(std::move(l)), app(std::move(c), std::move(s)) {}
};

ConsoleServer::ConsoleServer(ConsoleListenerOptions listener, ConsoleContext context,
                             ConsoleSettings settings)
    : impl_(std::make_unique<Impl>(std::move(listener), std::move(context), std::move(settings))) {}

ConsoleServer::~ConsoleServer() { stop(); }

void ConsoleServer::start() {
  auto context =
      exchange::makeBrowserServerContext(impl_->listener.keyFile, impl_->listener.certificateFile);
  Poco::Net::SecureServerSocket socket(context);
  // SO_REUSEADDR but never SO_REUSEPORT, as for the other listeners.
  socket.bind(Poco::Net::SocketAddress(impl_->listener.host, impl_->listener.port), true, false);
  socket.listen(64);
  impl_->port = socket.address().port();
  auto params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setMaxQueued(64);
  params->setMaxThreads(8);
  params->setTimeout(Poco::Timespan(30, 0));
  impl_->server = std::make_unique<Poco::Net::HTTPServer>(new Factory(impl_->app), impl_->threads,
                                                          socket, params);
  impl_->server->start();
  spdlog::info("console listening on {}", url());
}

void ConsoleServer::stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stopAll(true);
  impl_->server.reset();
  impl_->threads.joinAll();
}

unsigned short ConsoleServer::port() const { return impl_->port; }

std::string ConsoleServer::url() const {
  const std::string& host = impl_->listener.host;
  return "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(impl_->port) + "/";
}

}  // namespace tsunagi::console
