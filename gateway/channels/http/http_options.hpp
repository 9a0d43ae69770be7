#pragma once
// The HTTP connector's options (<http> in a channel of node-config-1.xsd).

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

namespace tsunagi::channels {

/// Inbound: POST /local/v1/channels/NAME on the node's local listener. Outbound: a webhook.
struct HttpOptions {
  static constexpr std::string_view kKind = "http";

  std::string webhook;  ///< outbound: http:// or https:// URL the encoded bytes are POSTed to
  /// Outbound https: PEM trust anchor for the webhook's certificate; empty: the system's CAs.
  std::filesystem::path caCertificate;
  std::chrono::seconds timeout{30};
  std::size_t maxBytes = 16 * 1024 * 1024;
};

}  // namespace tsunagi::channels
