#pragma once
// The MLLP connector kind (<mllp>): inbound only, an MLLP listener of its own (mllp.hpp).

#include "gateway/channels/connector_registry.hpp"

namespace tsunagi::channels {

/// Registers "mllp".
void registerMllpConnector(ConnectorRegistry& registry);

}  // namespace tsunagi::channels
