#include "tests/support/test_federation.hpp"

#include "gateway/federation/federation_setup.hpp"

#include <Poco/Net/ServerSocket.h>

#include <fstream>
#include <thread>

#include "gateway/exchange/envelope.hpp"
#include "gateway/store/exchange_store.hpp"
#include "gateway/store/migrations.hpp"

namespace tsunagi::testing {

TestNode::TestNode(TestPki& pki, const TestNodeSpec& spec,
                   const std::filesystem::path& manifestFile, exchange::RetryPolicy retry)
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
  options.tls = exchange::TlsFiles{
      files.key, files.cert, {pki.ca().certificate()}, pki.ca().directory() / "crl.pem", nullptr};
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
  pki_.ca().makeCrl();  // nodes check revocation from the start, as in production
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

unsigned short freePort() { return federation::freeLoopbackPort(); }

std::string canonicalFixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TSUNAGI_SOURCE_DIR) / "tests/fixtures/canonical" / name,
                   std::ios::binary);
  if (!in) throw std::runtime_error("missing fixture " + name);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

mapping::CanonicalDocument caseOpening(const std::string& owner, const std::string& caseId) {
  auto m = std::get<mapping::CaseMembership>(
      mapping::parseCanonical(canonicalFixture("case-membership-open.xml")));
  m.eventId = exchange::newMessageId();
  m.caseId = caseId;
  m.by.node = owner;
  return m;
}

}  // namespace tsunagi::testing

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/StreamCopier.h>

#include "gateway/exchange/http_signature.hpp"

namespace tsunagi::testing {

std::unique_ptr<Poco::Net::HTTPSClientSession> RawPeer::openSession(unsigned short port) const {
  Poco::Net::Context::Params params;
  if (key) params.privateKeyFile = key->string();
  if (cert) params.certificateFile = cert->string();
  params.caLocation = ca.string();
  params.verificationMode = Poco::Net::Context::VERIFY_RELAXED;
  Poco::Net::Context::Ptr context =
      new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, params);
  context->enableExtendedCertificateVerification(false);
  auto session = std::make_unique<Poco::Net::HTTPSClientSession>("127.0.0.1", port, context);
  session->setTimeout(Poco::Timespan(10, 0));
  return session;
}

RawReply RawPeer::post(unsigned short port, const std::string& body,
                       const std::vector<std::pair<std::string, std::string>>& headers,
                       std::optional<std::int64_t> contentLength) const {
  RawReply reply;
  try {
    auto session = openSession(port);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, "/exchange/v1/messages",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setContentType("application/xml");
    request.setContentLength(contentLength.value_or(static_cast<std::int64_t>(body.size())));
    for (const auto& [name, value] : headers) request.set(name, value);
    std::ostream& out = session->sendRequest(request);
    if (!contentLength || *contentLength == static_cast<std::int64_t>(body.size())) out << body;
    Poco::Net::HTTPResponse response;
    std::istream& in = session->receiveResponse(response);
    Poco::StreamCopier::copyToString(in, reply.body);
    reply.status = response.getStatus();
    reply.retryAfter = response.get("Retry-After", "");
  } catch (const Poco::Exception& e) {
    reply.error = e.displayText();
  }
  return reply;
}

RawReply RawPeer::get(unsigned short port, const std::string& path) const {
  RawReply reply;
  try {
    auto session = openSession(port);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session->sendRequest(request);
    Poco::Net::HTTPResponse response;
    Poco::StreamCopier::copyToString(session->receiveResponse(response), reply.body);
    reply.status = response.getStatus();
  } catch (const Poco::Exception& e) {
    reply.error = e.displayText();
  }
  return reply;
}

std::vector<std::pair<std::string, std::string>> signedHeaders(const std::string& envelope,
                                                               unsigned short port,
                                                               const std::filesystem::path& key,
                                                               const std::string& keyId,
                                                               std::int64_t created) {
  const exchange::SignedFields fields{
      "POST", "https://127.0.0.1:" + std::to_string(port) + "/exchange/v1/messages",
      "application/xml", exchange::contentDigest(envelope)};
  if (created == 0) {
    created = std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count();
  }
  auto sig = exchange::signRequest(fields, crypto::Key::privateFromPemFile(key), keyId, created);
  return {{"Content-Digest", fields.contentDigest},
          {"Signature-Input", sig.signatureInput},
          {"Signature", sig.signature}};
}

}  // namespace tsunagi::testing
