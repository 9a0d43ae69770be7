#pragma once
// TLS for node-to-node traffic (see LIBRARY-NOTES: Poco 1.11 traps). Both directions:
// TLS 1.3, or 1.2 with ECDHE + AEAD only; certificates required on both sides; chains must end at
// the regional CA(s); CRL checked when one is configured; and the leaf's SPKI pin must be the one
// the federation manifest lists for the node named in its subject CN. The pin is checked inside
// the OpenSSL verify callback, so every handshake (also Poco's silent reconnects) is pinned.
// Every refusal is logged with its reason and counted: by the listener that ran the handshake
// (net/listener.hpp, with the client's address), or here for outgoing calls.

#include <Poco/Net/Context.h>

#include <atomic>
#include <ctime>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gateway/crypto/keys.hpp"

namespace tsunagi::exchange {

class RevocationList;

struct TlsFiles {
  std::filesystem::path keyFile;
  std::filesystem::path certificateFile;
  std::vector<std::filesystem::path> caFiles;  ///< one, or two during CA rotation
  std::optional<std::filesystem::path> crlFile;
  /// The loaded CRL, shared by every context made from these files (server and all clients of a
  /// node), so one reload reaches them all. Made from crlFile when absent.
  std::shared_ptr<RevocationList> revocations;
};

/// The revoked serials of the regional CA's CRL. Checked in the verify callback rather than with
/// OpenSSL's X509_V_FLAG_CRL_CHECK: a trust store cannot drop a CRL, and when two CRLs of one
/// issuer share a lastUpdate second OpenSSL may keep using the older one. reload() replaces the
/// whole list at once. The CRL must be signed by a configured CA; once its nextUpdate has passed,
/// handshakes fail closed ("crl-expired").
class RevocationList {
 public:
  /// Loads `crlFile`; throws crypto::CryptoError naming the file and the problem.
  RevocationList(std::filesystem::path crlFile, std::vector<crypto::Certificate> cas);
  /// Re-reads the file (after revoke.sh + make-crl.sh); the old list stays if the new is bad.
  void reload();
  /// "revoked", "crl-expired", or nullopt when the certificate may be used.
  std::optional<std::string> refusal(const crypto::Certificate& leaf) const;
  const std::filesystem::path& file() const { return file_; }

 private:
  struct Snapshot;
  std::shared_ptr<const Snapshot> load() const;
  std::filesystem::path file_;
  std::vector<crypto::Certificate> cas_;
  mutable std::mutex mutex_;
  std::shared_ptr<const Snapshot> current_;
};

/// The listener name under which refusals of this node's own outgoing handshakes are counted.
inline constexpr const char* kOutgoing = "outgoing";

/// Handshake refusals by listener ("peer", "outgoing") and reason ("no-client-certificate",
/// "untrusted-ca", "revoked", "pin-mismatch", "unknown-node", "expired", "protocol", …), for
/// logs, metrics and tests. The peer listener reports its refusals here; the console's are its
/// own listener's (they are not peer failures).
class HandshakeStats {
 public:
  void record(const std::string& reason, const std::string& listener = "peer");
  /// Refusals with this reason, on every listener and outgoing.
  long long count(const std::string& reason) const;
  /// By (listener, reason).
  std::map<std::pair<std::string, std::string>, long long> all() const;
  /// An admitted peer certificate (either direction): its CN (the node code) and notAfter, so
  /// the console and /metrics can count down to each peer's certificate expiry.
  void notePeerCertificate(const std::string& commonName, std::time_t notAfter);
  /// The newest seen expiry per peer node code.
  std::map<std::string, std::time_t> peerCertificates() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, std::string>, long long> counts_;
  std::map<std::string, std::time_t> peerExpiry_;
};

/// Decides whether a verified-chain leaf certificate may be this peer: nullopt to admit, or a
/// refusal reason.
using LeafCheck = std::function<std::optional<std::string>(const crypto::Certificate& leaf)>;

/// Server context for the peer listener: client certificates required.
Poco::Net::Context::Ptr makeServerContext(const TlsFiles& files, LeafCheck check,
                                          HandshakeStats& stats);

/// Server context for the coordinators' console (browsers): its own certificate, no client
/// certificates, TLS 1.2 or later with ECDHE + AEAD suites for ECDSA or RSA server keys.
Poco::Net::Context::Ptr makeBrowserServerContext(const std::filesystem::path& keyFile,
                                                 const std::filesystem::path& certificateFile);

// ==== Client side ================================================================================
// Every outgoing TLS connection of a node — to peers (PeerClient), to webhooks and kintone
// (channels) and to the ATNA collector — runs on a context made by one of the two functions below,
// with one client profile: TLS 1.2 or later; for TLS 1.2 ECDHE key exchange with AEAD suites only
// (TLS 1.3: its three AEAD suites); ECDHE groups only (peers P-256, as the peer listener; other
// servers P-256, X25519, P-384); no compression; no renegotiation; OpenSSL security level 2; the
// server's certificate always verified. A context is made once by whoever owns the connector,
// when it starts, and shared by all its connections: never one per request.

/// Client context for calls to one peer (`check` pins that peer): the node's own certificate,
/// the regional CA(s) and CRL, the three ECDHE-ECDSA AEAD suites for TLS 1.2; the server is
/// identified by its manifest pin, not by its host name.
Poco::Net::Context::Ptr makeClientContext(const TlsFiles& files, LeafCheck check,
                                          HandshakeStats& stats);

/// A server outside the federation (webhook, kintone, ATNA collector) and what to trust it with.
struct ClientTlsOptions {
  /// The server's DNS name or IP address (as in its URL, IPv6 without brackets): checked against
  /// its certificate's subjectAltName by OpenSSL during the handshake (RFC 6125, no partial
  /// wildcards), so nothing is sent to a server whose certificate names another host. Required.
  std::string host;
  /// PEM trust anchors; empty: the system's CAs.
  std::vector<std::filesystem::path> caFiles;
  /// A client certificate (PEM, with its chain) and its key, both or neither.
  std::filesystem::path certificateFile;
  std::filesystem::path keyFile;
};

/// Client context for one server outside the federation: the client profile, ECDHE-ECDSA and
/// ECDHE-RSA AEAD suites for TLS 1.2, the host name verified. Throws crypto::CryptoError naming
/// the file or setting and the problem.
Poco::Net::Context::Ptr makeTlsClientContext(const ClientTlsOptions& options);

/// Client contexts made in this process so far (both functions above); tests use it to show that
/// connections reuse their connector's context.
long long clientContextsMade();

}  // namespace tsunagi::exchange
