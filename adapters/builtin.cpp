#include "adapters/careplan_csv/careplan_csv_adapter.hpp"
#include "adapters/fhir_jp/fhir_jp_adapter.hpp"
#include "adapters/kintone/kintone_adapter.hpp"
#include "adapters/liaison_xml/liaison_xml_adapter.hpp"
#include "adapters/registry.hpp"
#include "adapters/room_csv/room_csv_adapter.hpp"
#include "adapters/ssmix2/ssmix2_adapter.hpp"

namespace tsunagi::adapters {

// Each shipped adapter adds one line here (adapters issue): registerLiaisonXml(registry), …
void registerBuiltinAdapters(AdapterRegistry& registry) {
  registerCareplanCsv(registry);
  registerFhirJp(registry);
  registerKintone(registry);
  registerLiaisonXml(registry);
  registerRoomCsv(registry);
  registerSsmix2(registry);
}

}  // namespace tsunagi::adapters
