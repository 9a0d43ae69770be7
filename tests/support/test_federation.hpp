#pragma once
// Nodes of a test federation in one process: each with its own database on the harness's
// PostgreSQL, its certificate from the TestPki, and its ExchangeService on a loopback port.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gateway/exchange/exchange_service.hpp"
#include "gateway/federation/manifest_store.hpp"
#include "gateway/store/pool.hpp"
#include "mapping/model/canonical.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::testing {

struct TestNodeSpec {
  std::string code;
  std::string name;
  std::vector<std::string> municipalities;
  std::vector<std::string> insurers;
};

class TestNode {
 public:
  TestNode(TestPki& pki, const TestNodeSpec& spec, const std::filesystem::path& manifestFile,
           exchange::RetryPolicy retry);
  const TestNodeSpec& spec() const { return spec_; }
  store::ConnectionPool& pool() { return *pool_; }
  exchange::ExchangeService& exchange() { return *exchange_; }
  federation::ManifestStore& manifests() { return *manifests_; }
  /// The options its ExchangeService was made with (to start a second gateway process on the
  /// same database).
  const exchange::ExchangeOptions& options() const { return exchange_->options(); }
  std::string endpoint() const;
  /// Records a consent for the fixtures' patient (保険者 122200, 被保険者 0000123456 or `insured`).
  void consent(const std::string& reference, const std::vector<std::string>& scope,
               const std::string& insurer = "122200", const std::string& insured = "0000123456");
  long long count(const std::string& sql);

 private:
  TestNodeSpec spec_;
  TestDatabase db_;
  std::unique_ptr<store::ConnectionPool> pool_;
  std::unique_ptr<federation::ManifestStore> manifests_;
  std::unique_ptr<exchange::ExchangeService> exchange_;
};

/// A federation: nodes bound first, then the manifest naming their ports, then started.
class TestFederation {
 public:
  explicit TestFederation(std::vector<TestNodeSpec> specs,
                          exchange::RetryPolicy retry = fastRetry());
  ~TestFederation();
  TestNode& node(const std::string& code) { return *nodes_.at(code); }
  TestPki& pki() { return pki_; }
  /// The manifest entries as written (tests may rewrite and re-sign).
  const ManifestSpec& manifestSpec() const { return spec_; }
  void rewriteManifest(const ManifestSpec& spec);

  static exchange::RetryPolicy fastRetry();

 private:
  TestPki pki_;
  ManifestSpec spec_;
  std::map<std::string, std::unique_ptr<TestNode>> nodes_;
};

/// Waits (polling) until `predicate` holds or `timeout` passes; returns the final value.
bool eventually(const std::function<bool()>& predicate,
                std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A loopback port free right now (bound to port 0 and released), for a configuration that must
/// name its ports before the node starts.
unsigned short freePort();

/// A canonical fixture's bytes (tests/fixtures/canonical/NAME).
std::string canonicalFixture(const std::string& name);

/// The case-membership-open fixture (a case of node 122203) as node `owner` opens its own case
/// `caseId` instead (an id naming `owner`: case-OWNER-…), under a new event id.
mapping::CanonicalDocument caseOpening(const std::string& owner, const std::string& caseId);

}  // namespace tsunagi::testing

namespace Poco::Net {
class HTTPSClientSession;
}

namespace tsunagi::testing {

/// What a raw HTTPS call got: an HTTP status and body, or the connection/handshake error.
struct RawReply {
  int status = 0;  ///< 0 when no HTTP response came (TLS refused, connection reset)
  std::string body;
  std::string error;
  std::string retryAfter;  ///< the Retry-After header, if any
};

/// A hand-driven peer for the reject paths: any key and certificate (or none), any headers.
struct RawPeer {
  std::optional<std::filesystem::path> key, cert;
  std::filesystem::path ca;

  /// POSTs `body` to https://127.0.0.1:port/exchange/v1/messages with exactly these headers.
  RawReply post(unsigned short port, const std::string& body,
                const std::vector<std::pair<std::string, std::string>>& headers,
                std::optional<std::int64_t> contentLength = {}) const;
  /// GETs https://127.0.0.1:port/PATH.
  RawReply get(unsigned short port, const std::string& path) const;

 private:
  std::unique_ptr<Poco::Net::HTTPSClientSession> openSession(unsigned short port) const;
};

/// A correctly signed request for `envelope` from the node whose key is `key` (keyid `keyId`).
std::vector<std::pair<std::string, std::string>> signedHeaders(const std::string& envelope,
                                                               unsigned short port,
                                                               const std::filesystem::path& key,
                                                               const std::string& keyId,
                                                               std::int64_t created = 0);

}  // namespace tsunagi::testing
