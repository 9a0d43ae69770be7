#pragma once
// SHA-256 and base64 (OpenSSL), shared by attachment checks, content digests, signatures and the
// audit chain. One implementation of each.

#include <optional>
#include <string>
#include <string_view>

namespace tsunagi::mapping {

/// The 32 raw bytes of SHA-256(data).
std::string sha256(std::string_view data);
/// Lower-case hex of SHA-256(data).
std::string sha256Hex(std::string_view data);
/// Lower-case hex of any bytes.
std::string toHex(std::string_view bytes);

/// Standard base64 (RFC 4648 §4) with padding, no line breaks.
std::string base64Encode(std::string_view bytes);
/// Strict: only the standard alphabet, correct padding, length a multiple of 4; nullopt otherwise.
std::optional<std::string> base64Decode(std::string_view text);

}  // namespace tsunagi::mapping
