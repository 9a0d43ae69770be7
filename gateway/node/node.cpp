#include "gateway/node/node.hpp"

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <stdexcept>

#include "mapping/identifiers.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/pg.hpp"

namespace tsunagi {

namespace {

class HealthHandler : public Poco::Net::HTTPRequestHandler {
 public:
  HealthHandler(std::string body, Poco::Net::HTTPResponse::HTTPStatus status)
      : body_(std::move(body)), status_(status) {}
  void handleRequest(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) override {
    response.setStatus(status_);
    response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body_.size()));
    response.send() << body_;
  }

 private:
  std::string body_;
  Poco::Net::HTTPResponse::HTTPStatus status_;
};

}  // namespace

struct Node::Impl : Poco::Net::HTTPRequestHandlerFactory {
  const NodeOptions& options;
  std::unique_ptr<store::EmbeddedPostgres> embedded;
  std::string conninfo;
  std::mutex dbMutex;
  std::unique_ptr<store::PgConnection> db;
  int schema = 0;
  Poco::ThreadPool pool{2, 8};
  std::unique_ptr<Poco::Net::HTTPServer> server;
  unsigned short port = 0;

  explicit Impl(const NodeOptions& o) : options(o) {}

  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override {
    using Status = Poco::Net::HTTPResponse::HTTPStatus;
    if (request.getURI() != "/healthz") {
      return new HealthHandler(R"({"type":"urn:tsunagi:problem:not-found","status":404})",
                               Status::HTTP_NOT_FOUND);
    }
    std::lock_guard lock(dbMutex);
    bool ok = false;
    try {
      ok = db && db->exec("SELECT 1").rows() == 1;
    } catch (const store::PgError& e) {
      spdlog::warn("health check: database unreachable: {}", e.what());
    }
    std::string body = std::string(R"({"status":")") + (ok ? "ok" : "database-unreachable") +
                       R"(","node":")" + options.code + R"(","schema":)" +
                       std::to_string(schema) + "}";
    return new HealthHandler(body, ok ? Status::HTTP_OK : Status::HTTP_SERVICE_UNAVAILABLE);
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
  impl_->db = std::make_unique<store::PgConnection>(impl_->conninfo);
  impl_->schema = store::migrate(*impl_->db);
  store::inTransaction(*impl_->db, [&] {
    auto owner = impl_->db->exec("SELECT node_code FROM node_identity FOR UPDATE");
    if (owner.rows() == 0) {
      impl_->db->execParams("INSERT INTO node_identity (node_code, node_name) VALUES ($1, $2)",
                            {options_.code, options_.name});
    } else if (owner.text(0, 0) != options_.code) {
      throw std::runtime_error("the database belongs to node " + owner.text(0, 0) +
                               ", not to node " + options_.code +
                               "; each node needs its own database");
    }
  });

  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress(options_.listenHost, options_.listenPort));
  impl_->port = socket.address().port();
  auto params = new Poco::Net::HTTPServerParams;
  params->setKeepAlive(true);
  params->setMaxQueued(64);
  // The factory is owned by the server (Poco's SharedPtr); hand it a non-owning shim.
  struct Shim : Poco::Net::HTTPRequestHandlerFactory {
    Impl* impl;
    explicit Shim(Impl* i) : impl(i) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest& request) override {
      return impl->createRequestHandler(request);
    }
  };
  impl_->server = std::make_unique<Poco::Net::HTTPServer>(new Shim(impl_.get()), impl_->pool,
                                                          socket, params);
  impl_->server->start();
  spdlog::info("node {} listening on {}:{}", options_.code, options_.listenHost, impl_->port);
}

void Node::stop() {
  if (!impl_) return;
  if (impl_->server) {
    impl_->server->stopAll(true);
    impl_->server.reset();
  }
  impl_->pool.joinAll();
  impl_->db.reset();
  if (impl_->embedded) impl_->embedded->stop();
  impl_.reset();
}

unsigned short Node::port() const { return impl_ ? impl_->port : 0; }

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
