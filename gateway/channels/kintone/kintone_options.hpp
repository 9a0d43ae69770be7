#pragma once
// The kintone connector's options (<kintone> in a channel of node-config-1.xsd).

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>

namespace tsunagi::channels {

/// A kintone app through its REST API (kintone_connector.hpp). Inbound: the app's records, polled
/// in $id order from a cursor kept in the node's database; outbound: each document written to the
/// app its profile mapping names, up to 100 records per request.
struct KintoneOptions {
  static constexpr std::string_view kKind = "kintone";

  std::string baseUrl;  ///< https://SUBDOMAIN.cybozu.com (no trailing slash)
  std::string app;      ///< inbound: the app polled (digits); outbound: empty (the profile's)
  std::filesystem::path tokenFile;      ///< the API token(s): never in the configuration
  std::filesystem::path caCertificate;  ///< PEM trust anchor; empty: the system's CAs
  std::string condition;                ///< inbound: a kintone query condition and-ed in
  std::chrono::seconds poll{60};
  std::chrono::seconds timeout{30};
};

}  // namespace tsunagi::channels
