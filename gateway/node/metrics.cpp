#include "gateway/node/metrics.hpp"

#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <vector>

#include "gateway/store/node_metrics.hpp"

namespace tsunagi::node {

namespace {

// One metric family: its HELP and TYPE lines, then its samples.
class MetricsText {
 public:
  void family(const std::string& name, const std::string& help, const std::string& type) {
    out_ += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  }
  void sample(const std::string& nameAndLabels, const std::string& value) {
    out_ += nameAndLabels + " " + value + "\n";
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

void expiryMetrics(const NodeParts& node, MetricsText& m) {
  if (node.manifests) {
    auto manifest = node.manifests->current();
    m.family("tsunagi_manifest_serial", "Serial of the federation manifest in force.", "gauge");
    m.sample("tsunagi_manifest_serial", std::to_string(manifest ? manifest->serial : 0));
    m.family("tsunagi_manifest_expiry_seconds",
             "Seconds until the manifest in force expires (warns below 14 days).", "gauge");
    m.sample("tsunagi_manifest_expiry_seconds",
             std::to_string(node.manifests->untilExpiry(std::chrono::system_clock::now()).count()));
  }
  if (node.nodeCertificate) {
    m.family("tsunagi_certificate_expiry_seconds",
             "Seconds until this node's certificate, and each peer's as last seen in a handshake, "
             "expires.",
             "gauge");
    const long long now = static_cast<long long>(std::time(nullptr));
    m.sample("tsunagi_certificate_expiry_seconds{certificate=\"node\"}",
             std::to_string(static_cast<long long>(node.nodeCertificate->notAfter()) - now));
    if (node.exchange) {
      for (const auto& [peer, notAfter] : node.exchange->handshakeStats().peerCertificates()) {
        m.sample("tsunagi_certificate_expiry_seconds{certificate=\"peer\",peer=\"" + peer + "\"}",
                 std::to_string(static_cast<long long>(notAfter) - now));
      }
    }
  }
}

// Per listener (peer, local, console, mllp:NAME): connections open, connections closed by a
// limit by reason, and refused TLS handshakes by reason ("outgoing": this node's own calls).
void listenerMetrics(const NodeParts& node, MetricsText& m) {
  std::vector<std::pair<std::string, const net::ListenerStats*>> listeners;
  auto add = [&](const std::string& name, const net::ListenerStats* s) {
    if (s) listeners.emplace_back(name, s);
  };
  if (node.server) add("local", &node.server->stats());
  if (node.exchange) add("peer", node.exchange->listenerStats());
  if (node.console) add("console", node.console->listenerStats());
  if (node.channels) {
    for (const auto& [label, s] : node.channels->listenerStats()) add(label, s);
  }
  m.family("tsunagi_listener_connections", "Connections open, per listener.", "gauge");
  for (const auto& [name, s] : listeners) {
    m.sample("tsunagi_listener_connections{listener=\"" + name + "\"}", std::to_string(s->open()));
  }
  m.family("tsunagi_listener_closed_total",
           "Connections closed by a listener's limits (deadlines, connection caps), by reason.",
           "counter");
  for (const auto& [name, s] : listeners) {
    for (const auto& [reason, n] : s->closedByReason()) {
      m.sample("tsunagi_listener_closed_total{listener=\"" + name + "\",reason=\"" + reason + "\"}",
               std::to_string(n));
    }
  }
  m.family("tsunagi_tls_handshake_failures_total",
           "Refused TLS handshakes by listener and reason (outgoing: this node's own calls).",
           "counter");
  if (node.exchange) {
    for (const auto& [key, n] : node.exchange->handshakeStats().all()) {
      m.sample("tsunagi_tls_handshake_failures_total{listener=\"" + key.first + "\",reason=\"" +
                   key.second + "\"}",
               std::to_string(n));
    }
  }
  if (const net::ListenerStats* s = node.console ? node.console->listenerStats() : nullptr) {
    for (const auto& [reason, n] : s->handshakeFailuresByReason()) {
      m.sample(
          "tsunagi_tls_handshake_failures_total{listener=\"console\",reason=\"" + reason + "\"}",
          std::to_string(n));
    }
  }
}

void exchangeMetrics(const store::NodeMetrics& db, MetricsText& m) {
  m.family("tsunagi_outbox_messages", "Outbound messages by peer and state.", "gauge");
  for (const auto& r : db.outbox) {
    m.sample("tsunagi_outbox_messages{peer=\"" + r.keys[0] + "\",state=\"" + r.keys[1] + "\"}",
             r.count);
  }
  m.family("tsunagi_inbox_messages", "Received messages by sender and local hand-over state.",
           "gauge");
  for (const auto& r : db.inbox) {
    m.sample("tsunagi_inbox_messages{sender=\"" + r.keys[0] + "\",state=\"" + r.keys[1] + "\"}",
             r.count);
  }
  m.family("tsunagi_exchanges", "Exchanges by direction, peer, document type and status.", "gauge");
  for (const auto& r : db.exchanges) {
    m.sample("tsunagi_exchanges{direction=\"" + r.keys[0] + "\",peer=\"" + r.keys[1] +
                 "\",type=\"" + r.keys[2] + "\",status=\"" + r.keys[3] + "\"}",
             r.count);
  }
  m.family("tsunagi_queue_depth", "Messages waiting: outbox to peers, inbox to the local side.",
           "gauge");
  m.sample("tsunagi_queue_depth{queue=\"outbox\"}", db.outboxPending);
  m.sample("tsunagi_queue_depth{queue=\"inbox\"}", db.inboxPending);
  m.family("tsunagi_delivery_latency_seconds", "From acceptance to the peer's receipt.",
           "histogram");
  for (std::size_t i = 0; i < store::kDeliveryLatencyBounds.size(); ++i) {
    m.sample(std::string("tsunagi_delivery_latency_seconds_bucket{le=\"") +
                 store::kDeliveryLatencyBounds[i] + "\"}",
             db.latency.buckets[i]);
  }
  m.sample("tsunagi_delivery_latency_seconds_bucket{le=\"+Inf\"}", db.latency.count);
  m.sample("tsunagi_delivery_latency_seconds_sum", db.latency.sumSeconds);
  m.sample("tsunagi_delivery_latency_seconds_count", db.latency.count);
  m.family("tsunagi_audit_events", "Rows in the audit chain (id of its head).", "counter");
  m.sample("tsunagi_audit_events", db.auditEvents);
}

// The inbound kintone channels' cursors, one family per column (none without a kintone channel).
void kintoneMetrics(const store::NodeMetrics& db, MetricsText& m) {
  if (db.kintoneCursors.empty()) return;
  const struct {
    const char* name;
    const char* help;
    const char* type;
    std::string store::KintoneCursorRow::*value;
  } families[] = {
      {"tsunagi_kintone_last_record_id",
       "The last $id an inbound kintone channel handled (its cursor).", "gauge",
       &store::KintoneCursorRow::lastId},
      {"tsunagi_kintone_skipped_records_total",
       "Records an inbound kintone channel skipped (refused by the adapter or the Submitter; "
       "see kintone-record-skipped events).",
       "counter", &store::KintoneCursorRow::skipped},
      {"tsunagi_kintone_poll_failures_total",
       "Polls of a kintone app that failed (HTTP, TLS, token, storage).", "counter",
       &store::KintoneCursorRow::failures},
      {"tsunagi_kintone_failing", "1 while the last poll of the app failed.", "gauge",
       &store::KintoneCursorRow::failing},
  };
  for (const auto& f : families) {
    m.family(f.name, f.help, f.type);
    for (const auto& row : db.kintoneCursors) {
      m.sample(std::string(f.name) + "{channel=\"" + row.channel + "\",app=\"" + row.app + "\"}",
               row.*f.value);
    }
  }
}

}  // namespace

std::string prometheusText(const NodeParts& node) {
  MetricsText m;
  expiryMetrics(node, m);
  listenerMetrics(node, m);
  try {
    auto conn = node.pool->lease(std::chrono::seconds(2));
    const store::NodeMetrics db = store::readNodeMetrics(*conn);
    exchangeMetrics(db, m);
    kintoneMetrics(db, m);
  } catch (const store::PgError& e) {
    spdlog::warn("metrics: database unreachable: {}", e.what());
  }
  return m.take();
}

}  // namespace tsunagi::node
