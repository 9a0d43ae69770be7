#include "gateway/node/node.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "gateway/audit/atna_sink.hpp"
#include "gateway/audit/checkpointer.hpp"
#include "gateway/exchange/local_delivery.hpp"
#include "gateway/node/local_api.hpp"
#include "gateway/node/node_parts.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "gateway/store/migrations.hpp"
#include "gateway/store/node_identity.hpp"
#include "mapping/identifiers.hpp"

namespace tsunagi {

// The parts the local API reads (NodeParts), and the ones only the node itself needs.
struct Node::Impl : node::NodeParts {
  using NodeParts::NodeParts;
  std::unique_ptr<store::EmbeddedPostgres> embedded;
  std::string conninfo;
  std::unique_ptr<exchange::LocalDelivery> localDelivery;
  std::unique_ptr<audit::Checkpointer> checkpointer;
  std::unique_ptr<audit::AtnaSink> atna;
  std::unique_ptr<node::LocalApi> api;
  std::shared_ptr<const adapters::AdapterRegistry> adapters;  ///< the channels' adapters
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
    store::bindNodeIdentity(*conn, options_.code, options_.name);
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
    impl_->api = std::make_unique<node::LocalApi>(*impl_);
    net::ListenerOptions listener;
    listener.name = "local";
    listener.host = options_.listenHost;
    listener.port = options_.listenPort;
    listener.limits = options_.local.limits;
    listener.sessions = net::httpSessions(impl_->api->httpOptions());
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
      impl_->adapters = options_.adapters ? options_.adapters : builtinAdapters();
      impl_->channels = std::make_unique<channels::ChannelManager>(
          options_.channels, *impl_->adapters, service->submitter(), *impl_->pool,
          [service] { service->wakeDelivery(); });
      sink = impl_->channels->sink();
    }
    if (!sink) sink = std::make_shared<exchange::DirectorySink>(inbox);
    impl_->localDelivery = std::make_unique<exchange::LocalDelivery>(*impl_->pool, sink, x.retry);
    impl_->localDelivery->start();
    if (impl_->channels) impl_->channels->start();
  }

  // The console is a part the local API reads (/metrics): it is in place before the local
  // listener serves.
  if (options_.console) startConsole();
  impl_->server->start();
  spdlog::info("node {} listening on {}:{}", options_.code, options_.listenHost, impl_->port);
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
  return impl_ && impl_->channels ? impl_->channels->listenerPort(name) : 0;
}

std::shared_ptr<const adapters::AdapterRegistry> builtinAdapters() {
  auto registry = std::make_shared<adapters::AdapterRegistry>();
  adapters::registerBuiltinAdapters(*registry);
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
