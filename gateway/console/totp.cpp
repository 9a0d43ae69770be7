#include "gateway/console/totp.hpp"

#include <Poco/URI.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

namespace tsunagi::console {

namespace {
constexpr const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
}

std::string base32Encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 5) {
      out += kAlphabet[(buffer >> (bits - 5)) & 0x1F];
      bits -= 5;
    }
  }
  if (bits > 0) out += kAlphabet[(buffer << (5 - bits)) & 0x1F];
  return out;
}

std::optional<std::string> base32Decode(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    if (c == ' ') continue;
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a';
    else if (c >= '2' && c <= '7')
      value = c - '2' + 26;
    else
      return std::nullopt;
    buffer = (buffer << 5) | static_cast<std::uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      out += static_cast<char>((buffer >> (bits - 8)) & 0xFF);
      bits -= 8;
    }
  }
  return out;
}

std::string hotp(std::string_view key, std::uint64_t counter, int digits) {
  unsigned char message[8];
  for (int i = 7; i >= 0; --i) {
    message[i] = static_cast<unsigned char>(counter & 0xFF);
    counter >>= 8;
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (!HMAC(EVP_sha1(), key.data(), static_cast<int>(key.size()), message, sizeof message, mac,
            &length) ||
      length != 20) {
    throw std::runtime_error("HMAC-SHA1 failed");
  }
  const int offset = mac[19] & 0x0F;
  const std::uint32_t binary = (static_cast<std::uint32_t>(mac[offset] & 0x7F) << 24) |
                               (static_cast<std::uint32_t>(mac[offset + 1]) << 16) |
                               (static_cast<std::uint32_t>(mac[offset + 2]) << 8) | mac[offset + 3];
  std::uint32_t modulus = 1;
  for (int i = 0; i < digits; ++i) modulus *= 10;
  std::string code = std::to_string(binary % modulus);
  return std::string(static_cast<std::size_t>(digits) - code.size(), '0') + code;
}

std::int64_t totpStep(std::int64_t unixSeconds) { return unixSeconds / 30; }

std::optional<std::int64_t> matchTotp(std::string_view key, std::string_view code,
                                      std::int64_t unixSeconds, std::int64_t lastUsedStep) {
  if (code.size() != 6) return std::nullopt;
  const std::int64_t now = totpStep(unixSeconds);
  for (std::int64_t step : {now - 1, now, now + 1}) {
    if (step <= lastUsedStep || step < 0) continue;
    const std::string expected = hotp(key, static_cast<std::uint64_t>(step));
    if (CRYPTO_memcmp(expected.data(), code.data(), 6) == 0) return step;
  }
  return std::nullopt;
}

std::string newTotpSecret() {
  std::string bytes(20, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 20) != 1) {
    throw std::runtime_error("no randomness for a TOTP secret");
  }
  return base32Encode(bytes);
}

std::string otpauthUri(const std::string& issuer, const std::string& account,
                       const std::string& base32Secret) {
  std::string label, issuerParam;
  Poco::URI::encode(issuer + ":" + account, ":/?#[]@!$&'()*+,;= ", label);
  Poco::URI::encode(issuer, ":/?#[]@!$&'()*+,;= ", issuerParam);
  return "otpauth://totp/" + label + "?secret=" + base32Secret + "&issuer=" + issuerParam +
         "&algorithm=SHA1&digits=6&period=30";
}

}  // namespace tsunagi::console
