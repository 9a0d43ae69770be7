#include "gateway/console/console_server.hpp"

#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/URI.h>
#include <spdlog/spdlog.h>

#include "gateway/exchange/tls.hpp"
#include "gateway/net/http_server.hpp"
#include "gateway/store/exchange_store.hpp"

namespace tsunagi::console {

namespace {

constexpr std::size_t kMaxBody = 64 * 1024;

// The cookies of a Cookie header ("a=1; b=2").
void readCookies(const std::string& header, std::map<std::string, std::string>& out) {
  std::size_t start = 0;
  while (start < header.size()) {
    std::size_t end = header.find(';', start);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(start, end - start);
    const auto first = pair.find_first_not_of(' ');
    pair = first == std::string::npos ? std::string() : pair.substr(first);
    const auto eq = pair.find('=');
    if (eq != std::string::npos && eq > 0) out[pair.substr(0, eq)] = pair.substr(eq + 1);
    start = end + 1;
  }
}

Response serve(ConsoleApp& app, net::HttpRequest& in) {
  Request req;
  req.method = in.method;
  req.client = in.clientAddress;
  try {
    Poco::URI uri(in.target);
    req.path = uri.getPath();
    req.query = parseUrlEncoded(uri.getRawQuery(), &req.brokenEscape);
  } catch (const Poco::Exception& e) {
    return Response{400, "text/plain; charset=utf-8", "malformed request target\n", {}};
  }
  for (const auto& [name, value] : in.headers) {
    if (name == "cookie") {
      readCookies(value, req.cookies);
    } else {
      req.headers[name] = value;
    }
  }
  req.contentType = in.contentType();
  if (req.method == "POST") {
    req.body = std::move(in.body);
    if (in.mediaType() == "application/x-www-form-urlencoded") {
      req.form = parseUrlEncoded(req.body, &req.brokenEscape);
    }
  }
  return app.handle(req);
}

}  // namespace

struct ConsoleServer::Impl {
  ConsoleListenerOptions listener;
  store::ConnectionPool* pool;  ///< for the audit of refused requests
  ConsoleApp app;
  Poco::Net::Context::Ptr context;
  std::unique_ptr<net::Listener> server;

  Impl(ConsoleListenerOptions l, ConsoleContext c, ConsoleSettings s)
      : listener(std::move(l)), pool(c.pool), app(std::move(c), std::move(s)) {}
};

ConsoleServer::ConsoleServer(ConsoleListenerOptions listener, ConsoleContext context,
                             ConsoleSettings settings)
    : impl_(std::make_unique<Impl>(std::move(listener), std::move(context), std::move(settings))) {}

ConsoleServer::~ConsoleServer() { stop(); }

void ConsoleServer::start() {
  impl_->context =
      exchange::makeBrowserServerContext(impl_->listener.keyFile, impl_->listener.certificateFile);
  ConsoleApp* app = &impl_->app;
  net::HttpOptions http;
  http.bodyLimit = [](const net::HttpRequest& head) -> std::size_t {
    return head.method == "POST" ? kMaxBody : 0;
  };
  http.refusal = [](int status, const std::string& detail) {
    return net::HttpResponse{status, "text/plain; charset=utf-8",
                             status == 413 ? "send at most 64 KiB\n" : detail + "\n", {}, true};
  };
  http.handle = [app](net::HttpRequest& request) { return serve(*app, request); };
  store::ConnectionPool* pool = impl_->pool;
  http.refused = [pool](const net::HttpRequest& head, const net::HttpResponse& answer) {
    if (pool) {
      store::recordHttpRefusal(*pool, "console", "console", answer.status,
                               net::refusalCode(answer), head.clientAddress);
    }
  };
  net::ListenerOptions options;
  options.name = "console";
  options.host = impl_->listener.host;
  options.port = impl_->listener.port;
  options.limits = impl_->listener.limits;
  options.tls = impl_->context->sslContext();
  options.sessions = net::httpSessions(std::move(http));
  impl_->server = std::make_unique<net::Listener>(std::move(options));
  impl_->server->start();
  spdlog::info("console listening on {}", url());
}

void ConsoleServer::stop() {
  if (!impl_ || !impl_->server) return;
  impl_->server->stop();
}

const net::ListenerStats* ConsoleServer::listenerStats() const {
  return impl_->server ? &impl_->server->stats() : nullptr;
}

unsigned short ConsoleServer::port() const { return impl_->server ? impl_->server->port() : 0; }

std::string ConsoleServer::url() const {
  const std::string& host = impl_->listener.host;
  return "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port()) + "/";
}

}  // namespace tsunagi::console
