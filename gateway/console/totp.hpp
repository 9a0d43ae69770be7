#pragma once
// The console's second factor: TOTP (RFC 6238) with HMAC-SHA1, 30-second steps and 6 digits —
// what every authenticator app reads from an otpauth:// URI — and RFC 4648 base32 for the secret.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tsunagi::console {

/// RFC 4648 base32, upper case, without padding.
std::string base32Encode(std::string_view bytes);
/// Accepts upper or lower case, ignores spaces and trailing '='; nullopt for any other character.
std::optional<std::string> base32Decode(std::string_view text);

/// RFC 4226 HOTP of `counter` with HMAC-SHA1, `digits` long (zero-padded).
std::string hotp(std::string_view key, std::uint64_t counter, int digits = 6);

/// The 30-second step that contains `unixSeconds`.
std::int64_t totpStep(std::int64_t unixSeconds);

/// The step `code` belongs to when it is the TOTP of `key` for the step of `unixSeconds` or one
/// step either side (clock drift), and that step is later than `lastUsedStep` (a code is never
/// accepted twice); nullopt otherwise.
std::optional<std::int64_t> matchTotp(std::string_view key, std::string_view code,
                                      std::int64_t unixSeconds, std::int64_t lastUsedStep);

/// A new random 160-bit secret, base32.
std::string newTotpSecret();

/// otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=… for authenticator apps.
std::string otpauthUri(const std::string& issuer, const std::string& account,
                       const std::string& base32Secret);

}  // namespace tsunagi::console
