#include "adapters/registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tsunagi::adapters {
namespace {

class NamedAdapter : public Adapter {
 public:
  explicit NamedAdapter(std::string name) : name_(std::move(name)) {}
  std::string name() const override { return name_; }
  std::vector<std::string> documentTypes() const override { return {"LiaisonSheet"}; }
  Decoded decode(const LocalInput&) const override { return {}; }

 private:
  std::string name_;
};

AdapterRegistry::Factory factoryFor(const std::string& name) {
  return [name] { return std::make_unique<NamedAdapter>(name); };
}

TEST(AdapterRegistry, CreatesARegisteredAdapterByName) {
  AdapterRegistry registry;
  registry.add("room_csv", factoryFor("room_csv"));
  auto adapter = registry.create("room_csv");
  ASSERT_NE(adapter, nullptr);
  EXPECT_EQ(adapter->name(), "room_csv");
  EXPECT_EQ(adapter->inputTrust(), InputTrust::Untrusted);
}

TEST(AdapterRegistry, RefusesADuplicateName) {
  AdapterRegistry registry;
  registry.add("kintone", factoryFor("kintone"));
  EXPECT_THAT([&] { registry.add("kintone", factoryFor("kintone")); },
              ::testing::ThrowsMessage<AdapterConfigError>(
                  ::testing::HasSubstr("adapter 'kintone' is registered twice")));
}

TEST(AdapterRegistry, UnknownNameListsTheKnownOnes) {
  AdapterRegistry registry;
  registry.add("fhir_jp", factoryFor("fhir_jp"));
  registry.add("ssmix2", factoryFor("ssmix2"));
  EXPECT_THAT([&] { registry.create("fhirjp"); },
              ::testing::ThrowsMessage<AdapterConfigError>(
                  ::testing::HasSubstr("unknown adapter 'fhirjp' (known: fhir_jp, ssmix2)")));
}

TEST(AdapterRegistry, RefusesNamesThatAreNotIdentifiers) {
  AdapterRegistry registry;
  EXPECT_THROW(registry.add("Room CSV", factoryFor("x")), AdapterConfigError);
  EXPECT_THROW(registry.add("", factoryFor("x")), AdapterConfigError);
}

TEST(AdapterRegistry, BuiltinRegistrationHasNoDuplicates) {
  AdapterRegistry registry;
  registerBuiltinAdapters(registry);
  AdapterRegistry again;
  registerBuiltinAdapters(again);  // a second, independent registry must also fill without error
  EXPECT_EQ(registry.names(), again.names());
}

}  // namespace
}  // namespace tsunagi::adapters
