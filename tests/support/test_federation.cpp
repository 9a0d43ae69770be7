#include "tests/support/test_federation.hpp"

#include <fstream>
#include <thread>

#include "gateway/store/exchange_store.hpp"
#include "gateway/store/migrations.hpp"

namespace tsunagi::testing {

TestNode::TestNode(TestPki& pki, const TestNodeSpec& spec, const std::filesystem::path& manifestFile,
                   exchange::RetryPolicy retry)
    : spec_(spec) {
  pool_ = std::make_unique<store::ConnectionPool>(db_.conninfo(), 8);
  {
    auto conn = pool_->lease();
    store::migrate(*conn);
  }
  std::vector<crypto::Certificate> cas = {crypto::Certificate::fromPemFile(pki.ca().certificate())};
  manifests_ = std::make_unique<federation::ManifestStore>(
      manifestFile, crypto::Certificate::fromPemFile(pki.coordinator().cert), cas);
  const NodeFiles& files = pki.node(spec.code);
  exchange::ExchangeOptions options;
  options.nodeCode = spec.code;
  options.tls = exchange::TlsFiles{files.key, files.cert, {pki.ca().certificate()}, std::nullopt};
  options.retry = retry;
  exchange_ = std::make_unique<exchange::ExchangeService>(options, *pool_, *manifests_);
}

std::string TestNode::endpoint() const {
  return "https://127.0.0.1:" + std::to_string(exchange_->port());
}

void TestNode::consent(const std::string& reference, const std::vector<std::string>& scope,
                       const std::string& insurer, const std::string& insured) {
  store::withTransaction(*pool_, [&](store::PgConnection& conn) {
    store::recordConsent(conn, store::Consent{reference, insurer, insured, scope, "2024-01-10",
                                              "柏の葉総合病院 地域連携室", std::nullopt});
  });
}

long long TestNode::count(const std::string& sql) {
  auto conn = pool_->lease();
  return conn->exec(sql).integer(0, 0);
}

exchange::RetryPolicy TestFederation::fastRetry() {
  exchange::RetryPolicy policy;
  policy.baseDelay = std::chrono::milliseconds(50);
  policy.maxDelay = std::chrono::milliseconds(1000);
  policy.idlePoll = std::chrono::milliseconds(50);
  policy.lease = std::chrono::seconds(10);
  return policy;
}

TestFederation::TestFederation(std::vector<TestNodeSpec> specs, exchange::RetryPolicy retry) {
  const auto manifestFile = pki_.directory() / "manifest.xml";
  for (const auto& spec : specs) {
    nodes_[spec.code] = std::make_unique<TestNode>(pki_, spec, manifestFile, retry);
  }
  spec_.file = manifestFile;
  for (const auto& spec : specs) {
    ManifestEntry entry = pki_.entry(spec.code, nodes_[spec.code]->endpoint());
    entry.name = spec.name;
    entry.municipalities = spec.municipalities;
    entry.insurers = spec.insurers;
    spec_.nodes.push_back(entry);
  }
  pki_.writeManifest(spec_);
  for (auto& [code, node] : nodes_) {
    node->manifests().load();
    node->exchange().start();
  }
}

TestFederation::~TestFederation() {
  for (auto& [code, node] : nodes_) node->exchange().stop();
}

void TestFederation::rewriteManifest(const ManifestSpec& spec) {
  spec_ = spec;
  pki_.writeManifest(spec_);
  for (auto& [code, node] : nodes_) {
    node->manifests().reload();
    node->exchange().manifestChanged();
  }
}

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return predicate();
}

std::string canonicalFixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical" / name,
                   std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace tsunagi::testing
