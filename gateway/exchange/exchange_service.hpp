#pragma once
// One node's exchange: the pinned peer listener with its Receiver, the delivery workers and the
// Submitter for the local side, over one connection pool and the manifest in force.

#include <memory>
#include <string>

#include "gateway/exchange/delivery.hpp"
#include "gateway/exchange/peer_server.hpp"
#include "gateway/exchange/receiver.hpp"
#include "gateway/exchange/submitter.hpp"
#include "gateway/exchange/tls.hpp"

namespace tsunagi::exchange {

struct ExchangeOptions {
  std::string nodeCode;
  TlsFiles tls;
  std::string listenHost = "127.0.0.1";
  unsigned short listenPort = 0;  ///< 0: any free port
  ReceiverSettings receiver;      ///< nodeCode is filled in from above
  RetryPolicy retry;
  /// The peer listener's deadlines, connection caps and workers (docs/operations.md).
  net::ListenerLimits listenerLimits;
};

class ExchangeService {
 public:
  /// Loads the node key and binds the listener (so port() is known before the manifest that
  /// names it is written); nothing is accepted or sent before start().
  ExchangeService(ExchangeOptions options, store::ConnectionPool& pool,
                  federation::ManifestStore& manifests);
  ~ExchangeService();
  ExchangeService(const ExchangeService&) = delete;
  ExchangeService& operator=(const ExchangeService&) = delete;

  /// Starts accepting and delivering. The manifest must be loaded. After stop(), start() listens
  /// again on the same port.
  void start();
  /// Stops accepting, lets requests and sends in flight finish, stops the workers.
  void stop();
  /// After a manifest reload: workers for new peers.
  void manifestChanged();

  Submitter& submitter() { return submitter_; }
  /// Re-reads the configured CRL (after revoke + make-crl): new handshakes see the revocations.
  void reloadRevocations();
  /// Wakes the delivery workers after a submission.
  void wakeDelivery();
  unsigned short port() const { return port_; }
  HandshakeStats& handshakeStats() { return stats_; }
  /// The peer listener's connection counters (null while stopped).
  const net::ListenerStats* listenerStats() const { return server_ ? &server_->stats() : nullptr; }
  const ExchangeOptions& options() const { return options_; }

 private:
  ExchangeOptions options_;
  federation::ManifestStore& manifests_;
  HandshakeStats stats_;
  crypto::Key nodeKey_;
  Receiver receiver_;
  Submitter submitter_;
  store::ConnectionPool& pool_;
  std::unique_ptr<DeliveryWorkers> workers_;
  Poco::Net::Context::Ptr serverContext_;
  unsigned short port_ = 0;
  std::unique_ptr<PeerServer> makeServer(unsigned short port);
  std::unique_ptr<PeerServer> server_;
  bool started_ = false;
};

}  // namespace tsunagi::exchange
