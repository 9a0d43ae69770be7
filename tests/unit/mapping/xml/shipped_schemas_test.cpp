#include <gtest/gtest.h>

#include <filesystem>

#include "mapping/xml/schema.hpp"

namespace tsunagi::mapping::xml {

TEST(ShippedSchemas, EverySchemaInTheDataDirectoryCompiles) {
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dataDirectory() / "schema")) {
    if (entry.path().extension() != ".xsd") continue;
    EXPECT_NO_THROW(Schema::compile(entry.path())) << entry.path();
    ++count;
  }
  EXPECT_GE(count, 8);
}

}  // namespace tsunagi::mapping::xml
