#pragma once
// Small helpers for plain text that every layer uses: numbers with thousands separators for
// messages. Counting and cutting characters is in utf8.hpp.

#include <cstddef>
#include <string>

namespace tsunagi::mapping::text {

/// A byte count for messages, with thousands separators: "16,777,216".
std::string withThousands(std::size_t n);

}  // namespace tsunagi::mapping::text
