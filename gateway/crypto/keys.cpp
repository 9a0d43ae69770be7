#include "gateway/crypto/keys.hpp"

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "mapping/digest.hpp"
#include "mapping/files.hpp"
#include "mapping/time.hpp"

namespace tsunagi::crypto {

namespace {

std::string readFile(const std::filesystem::path& file) {
  try {
    return mapping::readWholeFile(file);
  } catch (const mapping::FileReadError&) {
    throw CryptoError("cannot read " + file.string());
  }
}

std::unique_ptr<BIO, decltype(&BIO_free)> memoryBio(std::string_view data) {
  return {BIO_new_mem_buf(data.data(), static_cast<int>(data.size())), BIO_free};
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

Key::Key(EVP_PKEY* key) : key_(key, EVP_PKEY_free) {
  if (!key) throw CryptoError("no key");
}

Key Key::privateFromPem(std::string_view pem) {
  auto bio = memoryBio(pem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  if (!key) throw CryptoError("not a PEM private key");
  return Key(key);
}

Key Key::privateFromPemFile(const std::filesystem::path& file) {
  try {
    return privateFromPem(readFile(file));
  } catch (const CryptoError& e) {
    throw CryptoError(file.string() + ": " + e.what());
  }
}

Key Key::publicFromPem(std::string_view pem) {
  auto bio = memoryBio(pem);
  EVP_PKEY* key = PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (!key) throw CryptoError("not a PEM public key");
  return Key(key);
}

bool Key::isP256() const {
  if (EVP_PKEY_get_base_id(get()) != EVP_PKEY_EC) return false;
  char group[64] = {};
  std::size_t length = 0;
  if (EVP_PKEY_get_group_name(get(), group, sizeof group, &length) != 1) return false;
  return std::string_view(group, length) == "prime256v1";
}

std::string Key::spkiPin() const {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(get(), &der);
  if (n <= 0) throw CryptoError("cannot encode the public key");
  std::string spki(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return mapping::base64Encode(mapping::sha256(spki));
}

std::string Key::publicPem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_PUBKEY(bio.get(), get());
  return bioText(bio.get());
}

Certificate::Certificate(X509* cert) : cert_(cert, X509_free) {
  if (!cert) throw CryptoError("no certificate");
}

Certificate Certificate::fromPem(std::string_view pem) {
  auto bio = memoryBio(pem);
  X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr);
  if (!cert) throw CryptoError("not a PEM certificate");
  return Certificate(cert);
}

Certificate Certificate::fromPemFile(const std::filesystem::path& file) {
  try {
    return fromPem(readFile(file));
  } catch (const CryptoError& e) {
    throw CryptoError(file.string() + ": " + e.what());
  }
}

namespace {
std::string subjectField(X509* cert, int nid) {
  X509_NAME* name = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(name, nid, -1);
  if (index < 0) return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, index));
  unsigned char* utf8 = nullptr;
  const int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0) return {};
  std::string out(reinterpret_cast<const char*>(utf8), static_cast<std::size_t>(n));
  OPENSSL_free(utf8);
  return out;
}
}  // namespace

std::string Certificate::commonName() const { return subjectField(get(), NID_commonName); }

std::string Certificate::organizationalUnit() const {
  return subjectField(get(), NID_organizationalUnitName);
}

Key Certificate::publicKey() const { return Key(X509_get_pubkey(get())); }

std::time_t Certificate::notAfter() const {
  struct tm t {};
  if (ASN1_TIME_to_tm(X509_get0_notAfter(get()), &t) != 1) return 0;
  return mapping::unixSecondsOfUtc(t);
}

std::string Certificate::pem() const {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), get());
  return bioText(bio.get());
}

bool Certificate::issuedBy(const Certificate& issuer) const {
  if (X509_check_issued(issuer.get(), get()) != X509_V_OK) return false;
  EVP_PKEY* key = X509_get0_pubkey(issuer.get());
  return key && X509_verify(get(), key) == 1;
}

std::string signSha256(const Key& privateKey, std::string_view data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t length = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, privateKey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw CryptoError("signing failed");
  }
  std::string signature(length, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &length,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1) {
    throw CryptoError("signing failed");
  }
  signature.resize(length);
  return signature;
}

bool verifySha256(const Key& publicKey, std::string_view data, std::string_view derSignature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  if (EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, publicKey.get()) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(derSignature.data()),
                          derSignature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

std::string derToRawP256(std::string_view der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(
      d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())), ECDSA_SIG_free);
  if (!sig) throw CryptoError("not a DER ECDSA signature");
  std::string raw(64, '\0');
  auto* out = reinterpret_cast<unsigned char*>(raw.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), out, 32) != 32 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), out + 32, 32) != 32) {
    throw CryptoError("ECDSA signature is not P-256 sized");
  }
  return raw;
}

std::string rawToDerP256(std::string_view raw) {
  if (raw.size() != 64) throw CryptoError("a P-256 signature is 64 bytes (r‖s)");
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(in, 32, nullptr);
  BIGNUM* s = BN_bin2bn(in + 32, 32, nullptr);
  if (!r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    throw CryptoError("cannot build an ECDSA signature");
  }
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) throw CryptoError("cannot encode an ECDSA signature");
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n));
  OPENSSL_free(der);
  return out;
}

}  // namespace tsunagi::crypto
