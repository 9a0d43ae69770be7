#pragma once
// Keys and certificates (OpenSSL 3): the one place that loads PEM files, computes SPKI pins and
// makes or checks ECDSA P-256 signatures. Node keys sign envelopes, receipts and checkpoints; the
// coordinator key signs the federation manifest.

#include <ctime>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

struct evp_pkey_st;
struct x509_st;

namespace tsunagi::crypto {

/// A key or certificate that cannot be used: the message names the file (never key material).
class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An EVP_PKEY, private or public.
class Key {
 public:
  /// PEM private key (PKCS#8 or SEC1). Throws CryptoError naming the file.
  static Key privateFromPemFile(const std::filesystem::path& file);
  static Key privateFromPem(std::string_view pem);
  /// PEM public key (SubjectPublicKeyInfo).
  static Key publicFromPem(std::string_view pem);

  explicit Key(evp_pkey_st* key);
  evp_pkey_st* get() const { return key_.get(); }
  /// True for an EC key on P-256 (prime256v1).
  bool isP256() const;
  /// base64(SHA-256(DER SubjectPublicKeyInfo)): the pin format of the federation manifest.
  std::string spkiPin() const;
  /// PEM of the public half.
  std::string publicPem() const;

 private:
  std::shared_ptr<evp_pkey_st> key_;
};

class Certificate {
 public:
  static Certificate fromPem(std::string_view pem);
  static Certificate fromPemFile(const std::filesystem::path& file);

  explicit Certificate(x509_st* cert);
  x509_st* get() const { return cert_.get(); }
  /// The subject's commonName (a node certificate carries the 6-digit 団体コード there).
  std::string commonName() const;
  /// The subject's organizationalUnitName ("node" or "coordinator").
  std::string organizationalUnit() const;
  Key publicKey() const;
  std::string spkiPin() const { return publicKey().spkiPin(); }
  std::time_t notAfter() const;
  std::string pem() const;
  /// True when `issuer` names this certificate's issuer and its key made the signature. No time
  /// check: an expired node certificate still proves who signed an old audit checkpoint.
  bool issuedBy(const Certificate& issuer) const;

 private:
  std::shared_ptr<x509_st> cert_;
};

/// ECDSA over SHA-256(data); DER-encoded signature (what `openssl dgst -sha256 -sign` writes).
std::string signSha256(const Key& privateKey, std::string_view data);
/// Verifies a DER-encoded ECDSA/SHA-256 signature.
bool verifySha256(const Key& publicKey, std::string_view data, std::string_view derSignature);

/// RFC 9421 §3.3.4 writes ECDSA P-256 signatures as r‖s, 32 bytes each.
std::string derToRawP256(std::string_view der);
/// The reverse; throws CryptoError unless `raw` is 64 bytes.
std::string rawToDerP256(std::string_view raw);

}  // namespace tsunagi::crypto
