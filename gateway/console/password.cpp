#include "gateway/console/password.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include <atomic>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "mapping/digest.hpp"
#include "mapping/text/utf8.hpp"

namespace tsunagi::console {

namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;

std::atomic<std::uint64_t> verifications{0};

std::string scrypt(std::string_view password, const std::string& salt, const ScryptCost& cost) {
  std::unique_ptr<EVP_KDF, decltype(&EVP_KDF_free)> kdf(EVP_KDF_fetch(nullptr, "SCRYPT", nullptr),
                                                        EVP_KDF_free);
  if (!kdf) throw std::runtime_error("OpenSSL offers no scrypt");
  std::unique_ptr<EVP_KDF_CTX, decltype(&EVP_KDF_CTX_free)> ctx(EVP_KDF_CTX_new(kdf.get()),
                                                                EVP_KDF_CTX_free);
  std::uint64_t n = std::uint64_t{1} << cost.log2N;
  std::uint32_t r = static_cast<std::uint32_t>(cost.r);
  std::uint32_t p = static_cast<std::uint32_t>(cost.p);
  std::uint64_t maxmem = 256ULL * 1024 * 1024;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD, const_cast<char*>(password.data()),
                                        password.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, const_cast<char*>(salt.data()),
                                        salt.size()),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_R, &r),
      OSSL_PARAM_construct_uint32(OSSL_KDF_PARAM_SCRYPT_P, &p),
      OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
      OSSL_PARAM_construct_end()};
  std::string key(kKeyBytes, '\0');
  if (EVP_KDF_derive(ctx.get(), reinterpret_cast<unsigned char*>(key.data()), key.size(), params) !=
      1) {
    throw std::runtime_error("scrypt failed (cost too high for the memory limit?)");
  }
  return key;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::istringstream in(text);
  for (std::string part; std::getline(in, part, separator);) parts.push_back(part);
  return parts;
}

}  // namespace

std::string hashPassword(std::string_view password, ScryptCost cost) {
  std::string salt(kSaltBytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(salt.data()), static_cast<int>(salt.size())) !=
      1) {
    throw std::runtime_error("no randomness for a password salt");
  }
  return "scrypt$" + std::to_string(cost.log2N) + "$" + std::to_string(cost.r) + "$" +
         std::to_string(cost.p) + "$" + mapping::base64Encode(salt) + "$" +
         mapping::base64Encode(scrypt(password, salt, cost));
}

bool verifyPassword(std::string_view password, const std::string& stored) {
  const auto parts = split(stored, '$');
  if (parts.size() != 6 || parts[0] != "scrypt") return false;
  ScryptCost cost;
  try {
    cost.log2N = std::stoi(parts[1]);
    cost.r = std::stoi(parts[2]);
    cost.p = std::stoi(parts[3]);
  } catch (const std::exception&) {
    return false;
  }
  if (cost.log2N < 10 || cost.log2N > 20 || cost.r < 1 || cost.r > 32 || cost.p < 1 ||
      cost.p > 16) {
    return false;
  }
  const auto salt = mapping::base64Decode(parts[4]);
  const auto expected = mapping::base64Decode(parts[5]);
  if (!salt || !expected || expected->size() != kKeyBytes) return false;
  verifications.fetch_add(1, std::memory_order_relaxed);
  const std::string derived = scrypt(password, *salt, cost);
  return CRYPTO_memcmp(derived.data(), expected->data(), kKeyBytes) == 0;
}

std::uint64_t passwordVerifications() { return verifications.load(std::memory_order_relaxed); }

std::string passwordProblem(std::string_view password) {
  // Counted in code points: a Japanese passphrase is as good as an ASCII one.
  for (unsigned char c : password) {
    if (c < 0x20 || c == 0x7F) return "contains a control character";
  }
  if (mapping::text::characterCount(password) < 12) return "shorter than 12 characters";
  if (password.size() > 1024) return "longer than 1024 bytes";
  return "";
}

}  // namespace tsunagi::console
