#pragma once
// A node's channels as its configuration lists them (node-config-1.xsd <channels>): each is a
// connector (how bytes come and go: a folder, HTTP, MLLP, a kintone app — one folder per kind
// below gateway/channels/, connector.hpp) and an adapter (what the bytes mean).

#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace tsunagi::channels {

enum class Direction {
  Inbound,   ///< local tool → adapter.decode → Submitter → outbox
  Outbound,  ///< inbox → adapter.encode → local tool
};

/// One channel's connector options, of whichever kind. Each kind's folder defines its options
/// struct with `static constexpr std::string_view kKind` (its element in <channel>, e.g.
/// "directory"); such a struct converts to ConnectorOptions implicitly. Immutable once made:
/// copies share it.
class ConnectorOptions {
 public:
  ConnectorOptions() = default;
  template <class Options>
    requires requires { Options::kKind; }
  ConnectorOptions(Options options)  // NOLINT: implicit, so channels are written as aggregates
      : kind_(Options::kKind), options_(std::make_shared<const Options>(std::move(options))) {}

  /// "directory", "http", "mllp", "kintone"; empty when no connector was given.
  const std::string& kind() const { return kind_; }
  /// The options when they are of kind `Options`, else null.
  template <class Options>
  const Options* get() const {
    return kind_ == Options::kKind ? static_cast<const Options*>(options_.get()) : nullptr;
  }
  /// The options of kind `Options`; throws std::logic_error for another kind.
  template <class Options>
  const Options& as() const {
    if (const Options* options = get<Options>()) return *options;
    throw std::logic_error("the connector is " + (kind_.empty() ? "missing" : kind_) + ", not " +
                           std::string(Options::kKind));
  }

 private:
  std::string kind_;
  std::shared_ptr<const void> options_;
};

struct ChannelOptions {
  std::string name;  ///< [a-z0-9][a-z0-9_-]*, unique in the node
  Direction direction = Direction::Inbound;
  std::string adapter;  ///< "ADAPTER" or "ADAPTER:PROFILE", resolved by AdapterRegistry::create
  /// Outbound: the document types this channel takes (empty: every type its adapter lists).
  std::vector<std::string> documentTypes;
  /// Outbound: EncodeOptions::appendLossNote (lossNote="append").
  bool appendLossNote = false;
  /// Handed to the adapter as LocalInput::metadata (e.g. ssmix2's hospitalName).
  std::map<std::string, std::string> metadata;
  ConnectorOptions connector;
};

const char* toString(Direction direction);

}  // namespace tsunagi::channels
