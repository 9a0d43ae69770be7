#include "gateway/channels/connector_registry.hpp"
#include "gateway/channels/directory/directory_connector.hpp"
#include "gateway/channels/http/http_connector.hpp"
#include "gateway/channels/kintone/kintone_connector.hpp"
#include "gateway/channels/mllp/mllp_connector.hpp"

namespace tsunagi::channels {

// Each connector kind adds one line here (docs/architecture.md "Adding a connector").
void registerConnectors(ConnectorRegistry& registry) {
  registerDirectoryConnector(registry);
  registerHttpConnector(registry);
  registerKintoneConnector(registry);
  registerMllpConnector(registry);
}

}  // namespace tsunagi::channels
