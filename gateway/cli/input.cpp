#include "gateway/cli/input.hpp"

#include <fstream>
#include <iostream>

namespace tsunagi::cli {

namespace {
std::optional<std::string> readBounded(std::istream& in, std::size_t limit) {
  std::string data;
  char buffer[65536];
  while (data.size() <= limit && in.read(buffer, sizeof buffer).gcount() > 0) {
    data.append(buffer, static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) return std::nullopt;
  if (data.size() > limit + 1) data.resize(limit + 1);
  return data;
}
}  // namespace

std::optional<std::string> readInput(const std::string& name, std::size_t limit) {
  if (name == "-") return readBounded(std::cin, limit);
  std::ifstream file(name, std::ios::binary);
  if (!file) return std::nullopt;
  return readBounded(file, limit);
}

}  // namespace tsunagi::cli
