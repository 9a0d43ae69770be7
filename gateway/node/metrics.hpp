#pragma once
// GET /metrics on the local listener: Prometheus text format 0.0.4 (docs/operations.md
// "Metrics"): the manifest's and certificates' expiry, every listener's connections and refusals,
// and the exchange's counts from the database (store/node_metrics.*).

#include <string>

#include "gateway/node/node_parts.hpp"

namespace tsunagi::node {

/// The metrics text. Without a database only the in-memory metrics are written (and a warning
/// logged).
std::string prometheusText(const NodeParts& node);

}  // namespace tsunagi::node
