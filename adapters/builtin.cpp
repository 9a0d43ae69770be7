#include "adapters/registry.hpp"

namespace tsunagi::adapters {

// Each shipped adapter adds one line here (adapters issue): registerLiaisonXml(registry), …
void registerBuiltinAdapters(AdapterRegistry& registry) { (void)registry; }

}  // namespace tsunagi::adapters
