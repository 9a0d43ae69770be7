#pragma once
// The HTTP connector kind (<http>): inbound, POST /local/v1/channels/NAME on the node's local
// listener (http_endpoint.hpp); outbound, a webhook (webhook.hpp).

#include "gateway/channels/connector_registry.hpp"

namespace tsunagi::channels {

/// Registers "http".
void registerHttpConnector(ConnectorRegistry& registry);

}  // namespace tsunagi::channels
