#include "gateway/exchange/exchange_service.hpp"

#include <spdlog/spdlog.h>

#include "gateway/store/exchange_store.hpp"
#include "mapping/identifiers.hpp"

namespace tsunagi::exchange {

namespace {

ReceiverSettings withCode(ReceiverSettings settings, const std::string& code) {
  settings.nodeCode = code;
  return settings;
}

}  // namespace

ExchangeService::ExchangeService(ExchangeOptions options, store::ConnectionPool& pool,
                                 federation::ManifestStore& manifests)
    : options_(std::move(options)),
      manifests_(manifests),
      nodeKey_(crypto::Key::privateFromPemFile(options_.tls.keyFile)),
      receiver_(withCode(options_.receiver, options_.nodeCode), pool, manifests, nodeKey_),
      submitter_(options_.nodeCode, pool, manifests),
      pool_(pool) {
  if (!nodeKey_.isP256()) {
    throw crypto::CryptoError(options_.tls.keyFile.string() + ": node keys must be ECDSA P-256");
  }
  if (options_.tls.crlFile && !options_.tls.revocations) {
    std::vector<crypto::Certificate> cas;
    for (const auto& ca : options_.tls.caFiles) cas.push_back(crypto::Certificate::fromPemFile(ca));
    options_.tls.revocations = std::make_shared<RevocationList>(*options_.tls.crlFile, cas);
  }
  const std::string self = options_.nodeCode;
  const federation::ManifestStore* store = &manifests_;
  serverContext_ = makeServerContext(
      options_.tls,
      [self, store](const crypto::Certificate& leaf) -> std::optional<std::string> {
        const std::string code = leaf.commonName();
        auto manifest = store->current();
        const federation::ManifestNode* node = manifest ? manifest->node(code) : nullptr;
        if (!node || code == self) {
          return "unknown-node: CN " + code + " is not a peer in the manifest in force";
        }
        if (!node->hasPin(leaf.spkiPin())) {
          return "pin-mismatch: the key of node " + code + " is not the manifest's";
        }
        return std::nullopt;
      },
      stats_);
  server_ = makeServer(options_.listenPort);
  port_ = server_->port();
}

ExchangeService::~ExchangeService() { stop(); }

std::unique_ptr<PeerServer> ExchangeService::makeServer(unsigned short port) {
  HandshakeStats* stats = &stats_;
  store::ConnectionPool* pool = &pool_;
  return std::make_unique<PeerServer>(
      receiver_, serverContext_, options_.listenHost, port, receiver_.maxBodyBytes(),
      options_.listenerLimits, [stats](const std::string& reason) { stats->record(reason); },
      [pool](int status, const std::string& code, const std::string& client) {
        store::recordHttpRefusal(*pool, "peer", "inbound", status, code, client);
      });
}

void ExchangeService::start() {
  if (!manifests_.current()) throw std::logic_error("ExchangeService::start before the manifest is loaded");
  if (!server_) {
    server_ = makeServer(port_);
  }
  server_->start();
  workers_ = std::make_unique<DeliveryWorkers>(options_.nodeCode, pool_, manifests_, options_.tls,
                                               nodeKey_, stats_, options_.retry);
  workers_->startForManifest();
  started_ = true;
  spdlog::info("node {} exchanging on https://{}:{}", options_.nodeCode, options_.listenHost, port());
}

void ExchangeService::stop() {
  if (server_) server_->stop();
  server_.reset();
  if (workers_) workers_->stop();
  workers_.reset();
  started_ = false;
}

void ExchangeService::manifestChanged() {
  if (started_ && workers_) workers_->startForManifest();
}

void ExchangeService::reloadRevocations() {
  // One list shared by the listener and every peer client of this node.
  if (options_.tls.revocations) options_.tls.revocations->reload();
}

void ExchangeService::wakeDelivery() {
  if (workers_) workers_->wake();
}

}  // namespace tsunagi::exchange
