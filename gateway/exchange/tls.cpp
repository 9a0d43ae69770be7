#include "gateway/exchange/tls.hpp"

#include <Poco/Net/NetSSL.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "gateway/net/tls_refusal.hpp"
#include "mapping/files.hpp"
#include "mapping/time.hpp"

namespace tsunagi::exchange {

namespace {

// TLS 1.2 suites: ECDHE key exchange, ECDSA certificates (the regional CA issues P-256), AEAD
// only. TLS 1.3 suites are all AEAD and keep OpenSSL's defaults.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305";

struct VerifyState {
  LeafCheck check;
  HandshakeStats* stats;
  bool server;
  std::shared_ptr<RevocationList> revocations;  ///< null: no CRL configured
};

std::string serialHex(const ASN1_INTEGER* serial) {
  BIGNUM* bn = ASN1_INTEGER_to_BN(serial, nullptr);
  char* hex = BN_bn2hex(bn);
  std::string out = hex ? hex : "";
  OPENSSL_free(hex);
  BN_free(bn);
  return out;
}

// The state belongs to its SSL_CTX: OpenSSL calls this when the context is freed.
void freeVerifyState(void*, void* state, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<VerifyState*>(state);
}

int verifyStateIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, freeVerifyState);
  return index;
}

std::string chainReason(int error) {
  switch (error) {
    case X509_V_ERR_CERT_REVOKED:
      return "revoked";
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "not-yet-valid";
    case X509_V_ERR_UNABLE_TO_GET_CRL:
      return "crl-unavailable";
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return "crl-expired";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
      return "untrusted-ca";
    default:
      return "chain-invalid";
  }
}

// One refusal per handshake, counted once: on the server side the listener that ran the
// handshake reports it (with the client's address and its own name); on the client side it is
// counted and logged here.
void refuse(SSL* ssl, VerifyState& state, const std::string& reason, const std::string& detail) {
  if (state.server) {
    net::setHandshakeRefusal(ssl, {reason, detail});
    return;
  }
  if (net::handshakeRefusal(ssl)) return;  // already refused for another chain certificate
  net::setHandshakeRefusal(ssl, {reason, detail});
  state.stats->record(reason, kOutgoing);
  spdlog::warn("TLS handshake refused (outgoing): {}: {}", reason, detail);
}

int verifyCallback(int preverifyOk, X509_STORE_CTX* store) {
  auto* ssl =
      static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* state =
      ssl ? static_cast<VerifyState*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), verifyStateIndex()))
          : nullptr;
  if (!state) return 0;
  X509* current = X509_STORE_CTX_get_current_cert(store);
  const char* side = state->server ? "client" : "server";
  if (!preverifyOk) {
    const int error = X509_STORE_CTX_get_error(store);
    const std::string reason = chainReason(error);
    char subject[256] = "?";
    if (current) X509_NAME_oneline(X509_get_subject_name(current), subject, sizeof subject);
    refuse(ssl, *state, reason,
           std::string(side) + " certificate " + subject + ": " +
               X509_verify_cert_error_string(error));
    return 0;
  }
  if (X509_STORE_CTX_get_error_depth(store) != 0) return 1;  // only the leaf is pinned
  X509_up_ref(current);
  crypto::Certificate leaf(current);
  if (state->revocations) {
    if (auto reason = state->revocations->refusal(leaf)) {
      refuse(ssl, *state, *reason,
             std::string(side) + " certificate CN=" + leaf.commonName() + " (CRL " +
                 state->revocations->file().string() + ")");
      X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REVOKED);
      return 0;
    }
  }
  if (auto refusal = state->check(leaf)) {
    const std::string reason = refusal->substr(0, refusal->find(':'));
    refuse(ssl, *state, reason,
           std::string(side) + " certificate CN=" + leaf.commonName() + ": " + *refusal);
    X509_STORE_CTX_set_error(store, X509_V_ERR_APPLICATION_VERIFICATION);
    return 0;
  }
  state->stats->notePeerCertificate(leaf.commonName(), leaf.notAfter());
  return 1;
}

Poco::Net::Context::Ptr makeContext(Poco::Net::Context::Usage usage, const TlsFiles& files,
                                    LeafCheck check, HandshakeStats& stats) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  for (const auto& f : {files.keyFile, files.certificateFile}) {
    if (!std::filesystem::exists(f)) throw crypto::CryptoError("TLS file not found: " + f.string());
  }
  if (files.caFiles.empty()) throw crypto::CryptoError("no regional CA certificate configured");
  Poco::Net::Context::Params params;
  params.privateKeyFile = files.keyFile.string();
  params.certificateFile = files.certificateFile.string();
  params.caLocation = files.caFiles.front().string();
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.verificationDepth = 4;
  params.loadDefaultCAs = false;
  params.cipherList = kTls12Ciphers;
  params.ecdhCurve = "prime256v1";
  Poco::Net::Context::Ptr context;
  try {
    context = new Poco::Net::Context(usage, params);
  } catch (const Poco::Exception& e) {
    throw crypto::CryptoError("cannot set up TLS with " + files.certificateFile.string() + ": " +
                              e.displayText());
  }
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  // Poco would check the peer's host name/IP against its certificate; peers are identified by
  // their manifest pin instead (checked in verifyCallback).
  context->enableExtendedCertificateVerification(false);
  SSL_CTX* ctx = context->sslContext();
  // Avoid Poco 1.11's broken pipe when a client closes before reading TLS 1.3 session tickets.
  SSL_CTX_set_num_tickets(ctx, 0);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  std::vector<crypto::Certificate> cas;
  for (std::size_t i = 0; i < files.caFiles.size(); ++i) {
    cas.push_back(crypto::Certificate::fromPemFile(files.caFiles[i]));
    if (i > 0) X509_STORE_add_cert(store, cas.back().get());
  }
  auto revocations = files.revocations;
  if (!revocations && files.crlFile) {
    revocations = std::make_shared<RevocationList>(*files.crlFile, cas);
  }
  auto* state =
      new VerifyState{std::move(check), &stats, usage == Poco::Net::Context::TLS_SERVER_USE,
                      std::move(revocations)};
  // The state lives as long as the process (contexts are few and long-lived).
  SSL_CTX_set_ex_data(ctx, verifyStateIndex(), state);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, verifyCallback);
  return context;
}

}  // namespace

void HandshakeStats::record(const std::string& reason, const std::string& listener) {
  std::lock_guard lock(mutex_);
  ++counts_[{listener, reason}];
}

long long HandshakeStats::count(const std::string& reason) const {
  std::lock_guard lock(mutex_);
  long long n = 0;
  for (const auto& [key, count] : counts_) {
    if (key.second == reason) n += count;
  }
  return n;
}

std::map<std::pair<std::string, std::string>, long long> HandshakeStats::all() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

void HandshakeStats::notePeerCertificate(const std::string& commonName, std::time_t notAfter) {
  std::lock_guard lock(mutex_);
  std::time_t& known = peerExpiry_[commonName];
  known = std::max(known, notAfter);
}

std::map<std::string, std::time_t> HandshakeStats::peerCertificates() const {
  std::lock_guard lock(mutex_);
  return peerExpiry_;
}

Poco::Net::Context::Ptr makeServerContext(const TlsFiles& files, LeafCheck check,
                                          HandshakeStats& stats) {
  auto context = makeContext(Poco::Net::Context::TLS_SERVER_USE, files, std::move(check), stats);
  // Not left to the library's defaults (docs/security.md; tls_profile_test.cpp): no
  // renegotiation a client asks for, no compression.
  SSL_CTX_set_options(context->sslContext(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  return context;
}

Poco::Net::Context::Ptr makeBrowserServerContext(const std::filesystem::path& keyFile,
                                                 const std::filesystem::path& certificateFile) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  for (const auto& f : {keyFile, certificateFile}) {
    if (!std::filesystem::exists(f)) throw crypto::CryptoError("TLS file not found: " + f.string());
  }
  Poco::Net::Context::Params params;
  params.privateKeyFile = keyFile.string();
  params.certificateFile = certificateFile.string();
  params.verificationMode = Poco::Net::Context::VERIFY_NONE;
  params.loadDefaultCAs = false;
  params.cipherList =
      std::string(kTls12Ciphers) +
      ":ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
  params.ecdhCurve = "prime256v1";
  Poco::Net::Context::Ptr context;
  try {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
  } catch (const Poco::Exception& e) {
    throw crypto::CryptoError("cannot set up the console's TLS with " + certificateFile.string() +
                              " and " + keyFile.string() + ": " + e.displayText());
  }
  context->requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  SSL_CTX_set_num_tickets(context->sslContext(), 0);
  SSL_CTX_set_options(context->sslContext(), SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
  return context;
}

struct RevocationList::Snapshot {
  std::set<std::string> serials;  ///< revoked serial numbers (hex)
  std::time_t nextUpdate = 0;     ///< 0: none given
};

RevocationList::RevocationList(std::filesystem::path crlFile, std::vector<crypto::Certificate> cas)
    : file_(std::move(crlFile)), cas_(std::move(cas)), current_(load()) {}

void RevocationList::reload() {
  auto next = load();
  std::lock_guard lock(mutex_);
  current_ = std::move(next);
}

std::shared_ptr<const RevocationList::Snapshot> RevocationList::load() const {
  std::string pem;
  try {
    pem = mapping::readWholeFile(file_);
  } catch (const mapping::FileReadError&) {
    throw crypto::CryptoError("cannot read CRL " + file_.string());
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  std::unique_ptr<X509_CRL, decltype(&X509_CRL_free)> crl(
      PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr), X509_CRL_free);
  if (!crl) throw crypto::CryptoError(file_.string() + " is not a PEM CRL");
  const bool signedByCa = std::any_of(cas_.begin(), cas_.end(), [&](const crypto::Certificate& ca) {
    return X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(ca.get())) == 0 &&
           X509_CRL_verify(crl.get(), ca.publicKey().get()) == 1;
  });
  if (!signedByCa) throw crypto::CryptoError(file_.string() + " is not signed by the regional CA");
  auto snapshot = std::make_shared<Snapshot>();
  if (const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl.get())) {
    struct tm t {};
    if (ASN1_TIME_to_tm(next, &t) == 1) snapshot->nextUpdate = mapping::unixSecondsOfUtc(t);
  }
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    snapshot->serials.insert(
        serialHex(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i))));
  }
  return snapshot;
}

std::optional<std::string> RevocationList::refusal(const crypto::Certificate& leaf) const {
  std::shared_ptr<const Snapshot> snapshot;
  {
    std::lock_guard lock(mutex_);
    snapshot = current_;
  }
  // Fail closed on a stale CRL: publish a new one (make-crl.sh) and send SIGHUP.
  if (snapshot->nextUpdate != 0 && snapshot->nextUpdate < std::time(nullptr)) return "crl-expired";
  if (snapshot->serials.count(serialHex(X509_get0_serialNumber(leaf.get())))) return "revoked";
  return std::nullopt;
}

// ==== Client side ================================================================================

namespace {

// TLS 1.2 suites for servers outside the federation (webhooks, kintone, ATNA collectors): ECDHE
// key exchange, AEAD, ECDSA or RSA certificates.
constexpr const char* kTls12ServiceCiphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305";
// TLS 1.3 suites (all AEAD), named so that no system configuration widens them.
constexpr const char* kTls13Suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
// ECDHE groups only (no finite-field DHE in TLS 1.3). Peers: P-256, as the peer listener. Other
// servers: P-256 first, which every server takes, so the first key share needs no
// HelloRetryRequest.
constexpr const char* kPeerGroups = "P-256";
constexpr const char* kServiceGroups = "P-256:X25519:P-384";

std::atomic<long long> clientContexts{0};

std::string openSslError() {
  char text[256] = "unknown error";
  if (const unsigned long error = ERR_get_error()) ERR_error_string_n(error, text, sizeof text);
  ERR_clear_error();
  return text;
}

// The client profile, on a context already holding its certificates and trust anchors.
void applyClientProfile(Poco::Net::Context& context, const char* tls12Ciphers, const char* groups) {
  SSL_CTX* ctx = context.sslContext();
  context.requireMinimumProtocol(Poco::Net::Context::PROTO_TLSV1_2);
  if (SSL_CTX_set_cipher_list(ctx, tls12Ciphers) != 1 ||
      SSL_CTX_set_ciphersuites(ctx, kTls13Suites) != 1 ||
      SSL_CTX_set1_groups_list(ctx, groups) != 1) {
    throw crypto::CryptoError("cannot apply the TLS client profile: " + openSslError());
  }
  SSL_CTX_set_security_level(ctx, 2);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  ++clientContexts;
}

}  // namespace

Poco::Net::Context::Ptr makeClientContext(const TlsFiles& files, LeafCheck check,
                                          HandshakeStats& stats) {
  auto context = makeContext(Poco::Net::Context::TLS_CLIENT_USE, files, std::move(check), stats);
  applyClientProfile(*context, kTls12Ciphers, kPeerGroups);
  return context;
}

Poco::Net::Context::Ptr makeTlsClientContext(const ClientTlsOptions& options) {
  static std::once_flag once;
  std::call_once(once, [] { Poco::Net::initializeSSL(); });
  std::string host = options.host;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty()) throw crypto::CryptoError("a TLS client needs the server's host name");
  if (options.certificateFile.empty() != options.keyFile.empty()) {
    throw crypto::CryptoError("a TLS client certificate needs its key, and a key its certificate");
  }
  std::vector<std::filesystem::path> files = options.caFiles;
  if (!options.certificateFile.empty()) {
    files.push_back(options.certificateFile);
    files.push_back(options.keyFile);
  }
  for (const auto& f : files) {
    if (!std::filesystem::exists(f)) throw crypto::CryptoError("TLS file not found: " + f.string());
  }
  Poco::Net::Context::Params params;
  params.privateKeyFile = options.keyFile.string();
  params.certificateFile = options.certificateFile.string();
  params.caLocation = options.caFiles.empty() ? std::string() : options.caFiles.front().string();
  params.loadDefaultCAs = options.caFiles.empty();
  params.verificationMode = Poco::Net::Context::VERIFY_STRICT;
  params.cipherList = kTls12ServiceCiphers;
  Poco::Net::Context::Ptr context;
  try {
    context = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  } catch (const Poco::Exception& e) {
    throw crypto::CryptoError("cannot set up TLS for " + host + ": " + e.displayText());
  }
  SSL_CTX* ctx = context->sslContext();
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  for (std::size_t i = 1; i < options.caFiles.size(); ++i) {
    X509_STORE_add_cert(store, crypto::Certificate::fromPemFile(options.caFiles[i]).get());
  }
  // The host name is checked by OpenSSL inside the handshake (before anything is sent), by the
  // RFC 6125 rules; Poco's own later check (names resolved through DNS) is switched off.
  context->enableExtendedCertificateVerification(false);
  X509_VERIFY_PARAM* verify = SSL_CTX_get0_param(ctx);
  X509_VERIFY_PARAM_set_hostflags(verify, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  unsigned char address[16];
  const bool ip = inet_pton(AF_INET, host.c_str(), address) == 1 ||
                  inet_pton(AF_INET6, host.c_str(), address) == 1;
  if ((ip ? X509_VERIFY_PARAM_set1_ip_asc(verify, host.c_str())
          : X509_VERIFY_PARAM_set1_host(verify, host.c_str(), host.size())) != 1) {
    throw crypto::CryptoError("cannot verify TLS server " + host + ": " + openSslError());
  }
  applyClientProfile(*context, kTls12ServiceCiphers, kServiceGroups);
  return context;
}

long long clientContextsMade() { return clientContexts.load(); }

}  // namespace tsunagi::exchange
