// Every outgoing TLS connection of a node runs on a context made by exchange/tls's client factory
// (makeTlsClientContext, makeClientContext), with one profile, made once by whoever owns the
// connector. Against real HTTPS servers on loopback whose protocol versions and suites the tests
// choose (an RSA certificate made here, so a legacy server can offer RSA key exchange on TLS 1.1,
// which OpenSSL 3's default security level still allows): a webhook or kintone server that speaks
// only TLS 1.0/1.1, or only CBC suites, or whose certificate names another host, is refused before
// a request is sent; two POSTs of a webhook channel run on the context its sink made at start; and
// each context's settings are the profile's, read back from OpenSSL.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <fstream>

#include "gateway/channels/kintone/kintone_client.hpp"
#include "gateway/channels/http/webhook.hpp"
#include "gateway/channels/outbound.hpp"
#include "gateway/exchange/envelope.hpp"
#include "gateway/exchange/tls.hpp"
#include "gateway/node/node.hpp"
#include "gateway/store/migrations.hpp"
#include "mapping/model/canonical.hpp"
#include "tests/support/test_federation.hpp"
#include "tests/support/test_pki.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi::exchange {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

/// A self-signed RSA-2048 certificate for IP 127.0.0.1 (and its key), the test's trust anchor.
struct RsaIdentity {
  fs::path key;
  fs::path cert;
};

RsaIdentity makeRsaIdentity(const fs::path& dir) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(2048), EVP_PKEY_free);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), X509_free);
  if (!key || !cert) throw std::runtime_error("cannot make an RSA test identity");
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("tsunagi test server"), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (const auto& [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                                   std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(cert.get(), key.get(), EVP_sha256());
  RsaIdentity id{dir / "server.key", dir / "server.pem"};
  FILE* out = std::fopen(id.key.c_str(), "w");
  PEM_write_PrivateKey(out, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(out);
  ::chmod(id.key.c_str(), 0600);
  out = std::fopen(id.cert.c_str(), "w");
  PEM_write_X509(out, cert.get());
  std::fclose(out);
  return id;
}

/// What a test server speaks.
struct ServerProfile {
  int minVersion;
  int maxVersion;
  std::string tls12Ciphers;
};

const ServerProfile kModern{TLS1_2_VERSION, TLS1_3_VERSION, "ECDHE-RSA-AES128-GCM-SHA256"};
// RSA key exchange needs no signature over the handshake, so TLS 1.1 works at OpenSSL 3's default
// security level: a client without a minimum version would talk to this server.
const ServerProfile kTls11Only{TLS1_VERSION, TLS1_1_VERSION, "AES128-SHA:AES256-SHA:@SECLEVEL=0"};
const ServerProfile kTls12CbcOnly{TLS1_2_VERSION, TLS1_2_VERSION,
                                  "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES128-SHA:AES128-SHA256"};

/// An HTTPS server on loopback answering every request 200 {"records":[]} and counting them.
class TestHttpsServer {
 public:
  TestHttpsServer(const RsaIdentity& id, const ServerProfile& profile,
                  const std::string& address = "127.0.0.1") {
    Poco::Net::Context::Params params;
    params.privateKeyFile = id.key.string();
    params.certificateFile = id.cert.string();
    params.verificationMode = Poco::Net::Context::VERIFY_NONE;
    params.loadDefaultCAs = false;
    params.cipherList = profile.tls12Ciphers;
    context_ = new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, params);
    SSL_CTX* ctx = context_->sslContext();
    SSL_CTX_set_min_proto_version(ctx, profile.minVersion);
    SSL_CTX_set_max_proto_version(ctx, profile.maxVersion);
    SSL_CTX_set_num_tickets(ctx, 0);
    Poco::Net::SecureServerSocket socket(Poco::Net::SocketAddress(address, 0), 64, context_);
    url_ = "https://" + address + ":" + std::to_string(socket.address().port());
    auto serverParams = new Poco::Net::HTTPServerParams;
    serverParams->setMaxThreads(2);
    server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*this), socket, serverParams);
    server_->start();
  }
  ~TestHttpsServer() { server_->stopAll(true); }

  const std::string& url() const { return url_; }
  int requests() const { return requests_; }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(TestHttpsServer& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      std::string body;
      Poco::StreamCopier::copyToString(request.stream(), body);
      ++server_.requests_;
      response.setContentType("application/json");
      response.send() << R"({"records":[]})";
    }

   private:
    TestHttpsServer& server_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(TestHttpsServer& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    TestHttpsServer& server_;
  };

  Poco::Net::Context::Ptr context_;
  std::string url_;
  std::atomic<int> requests_{0};
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// Checks the client profile on `context`, as OpenSSL reports it.
void expectClientProfile(const Poco::Net::Context::Ptr& context) {
  ASSERT_TRUE(context);
  SSL_CTX* ctx = context->sslContext();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION);
  EXPECT_GE(SSL_CTX_get_security_level(ctx), 2);
  EXPECT_TRUE(SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(ctx);
  int tls12 = 0;
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    const int kx = SSL_CIPHER_get_kx_nid(c);
    EXPECT_TRUE(kx == NID_kx_ecdhe || kx == NID_kx_any) << SSL_CIPHER_get_name(c);
    EXPECT_TRUE(SSL_CIPHER_is_aead(c)) << SSL_CIPHER_get_name(c);
    if (kx == NID_kx_ecdhe) ++tls12;
  }
  EXPECT_GT(tls12, 0);
}

std::string verifiedHost(const Poco::Net::Context::Ptr& context) {
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(context->sslContext());
  if (const char* host = X509_VERIFY_PARAM_get0_host(param, 0)) return host;
  char* ip = X509_VERIFY_PARAM_get1_ip_asc(param);
  std::string out = ip ? ip : "";
  OPENSSL_free(ip);
  return out;
}

class ClientTls : public ::testing::Test {
 protected:
  Poco::Net::Context::Ptr webhookContext() {
    ClientTlsOptions options;
    options.host = "127.0.0.1";
    options.caFiles = {id_.cert};
    return makeTlsClientContext(options);
  }
  channels::WebhookReply post(const std::string& url, const Poco::Net::Context::Ptr& context) {
    return channels::postWebhook(url + "/hook", R"({"a":1})", "application/json", {},
                                 std::chrono::seconds(10), context);
  }
  channels::KintoneOptions kintoneOptions(const std::string& baseUrl) {
    const fs::path token = fs::path(dir_.path()) / "kintone.token";
    std::ofstream(token) << "kintoneTestToken0001\n";
    ::chmod(token.c_str(), 0600);
    channels::KintoneOptions k;
    k.baseUrl = baseUrl;
    k.tokenFile = token;
    k.caCertificate = id_.cert;
    k.timeout = std::chrono::seconds(10);
    return k;
  }

  testing::TempDir dir_{"tls-client"};
  RsaIdentity id_ = makeRsaIdentity(dir_.path());
};

TEST_F(ClientTls, AWebhookServerSpeakingOnlyTls11IsRefusedBeforeAnyRequest) {
  const auto context = webhookContext();
  TestHttpsServer modern(id_, kModern);
  ASSERT_EQ(post(modern.url(), context).status,
            200);  // the same client and identity otherwise work

  TestHttpsServer legacy(id_, kTls11Only);
  const channels::WebhookReply reply = post(legacy.url(), context);
  EXPECT_EQ(reply.status, 0);
  EXPECT_THAT(reply.error, HasSubstr("protocol"));
  EXPECT_EQ(legacy.requests(), 0);
}

TEST_F(ClientTls, AWebhookServerOfferingOnlyCbcSuitesIsRefused) {
  TestHttpsServer cbc(id_, kTls12CbcOnly);
  const channels::WebhookReply reply = post(cbc.url(), webhookContext());
  EXPECT_EQ(reply.status, 0);
  EXPECT_FALSE(reply.error.empty());
  EXPECT_EQ(cbc.requests(), 0);
}

TEST_F(ClientTls, AServerWhoseCertificateNamesAnotherHostIsRefused) {
  // The certificate is for 127.0.0.1; the server listens on 127.0.0.2 (loopback too).
  TestHttpsServer elsewhere(id_, kModern, "127.0.0.2");
  ClientTlsOptions options;
  options.host = "127.0.0.2";
  options.caFiles = {id_.cert};
  const channels::WebhookReply reply = post(elsewhere.url(), makeTlsClientContext(options));
  EXPECT_EQ(reply.status, 0);
  EXPECT_THAT(reply.error, HasSubstr("certificate verify failed"));
  EXPECT_EQ(elsewhere.requests(), 0);
}

TEST_F(ClientTls, AKintoneServerSpeakingOnlyTls11IsNotSentTheToken) {
  TestHttpsServer legacy(id_, kTls11Only);
  channels::KintoneClient client(kintoneOptions(legacy.url()));
  const channels::KintoneReply reply = client.getRecords("31", "order by $id asc limit 500");
  EXPECT_EQ(reply.status, 0);
  EXPECT_EQ(reply.failure, "connection");
  EXPECT_THAT(reply.error, HasSubstr("protocol"));
  EXPECT_EQ(legacy.requests(), 0);
}

TEST_F(ClientTls, TheKintoneClientsRequestsShareTheContextItMadeOnce) {
  TestHttpsServer server(id_, kModern);
  const long long before = clientContextsMade();
  channels::KintoneClient client(kintoneOptions(server.url()));
  EXPECT_EQ(clientContextsMade(), before + 1);
  expectClientProfile(client.tlsContext());
  EXPECT_EQ(verifiedHost(client.tlsContext()), "127.0.0.1");
  EXPECT_EQ(client.getRecords("31", "order by $id asc limit 500").status, 200);
  EXPECT_EQ(client.writeRecords("POST", R"({"app":"31","records":[]})").status, 200);
  EXPECT_EQ(server.requests(), 2);
  // Both handshakes ran on the client's own SSL_CTX, and no other context was made.
  EXPECT_EQ(SSL_CTX_sess_connect_good(client.tlsContext()->sslContext()), 2);
  EXPECT_EQ(clientContextsMade(), before + 1);
}

TEST_F(ClientTls, EveryClientContextHasTheProjectsProfile) {
  const auto webhook = webhookContext();
  expectClientProfile(webhook);
  EXPECT_EQ(verifiedHost(webhook), "127.0.0.1");

  ClientTlsOptions named;
  named.host = "kintone.example.jp";  // the system's CAs
  const auto byName = makeTlsClientContext(named);
  expectClientProfile(byName);
  EXPECT_EQ(verifiedHost(byName), "kintone.example.jp");

  // A peer's: the node's own certificate, pinned rather than named.
  testing::TestPki pki;
  const auto& node = pki.node("122173");
  HandshakeStats stats;
  const auto peer = makeClientContext(
      TlsFiles{node.key, node.cert, {pki.ca().certificate()}, {}, {}},
      [](const crypto::Certificate&) { return std::optional<std::string>(); }, stats);
  expectClientProfile(peer);
  EXPECT_EQ(verifiedHost(peer), "");
  EXPECT_TRUE(SSL_CTX_get_verify_mode(peer->sslContext()) & SSL_VERIFY_FAIL_IF_NO_PEER_CERT);

  ClientTlsOptions missingKey = named;
  missingKey.certificateFile = node.cert;
  EXPECT_THROW(makeTlsClientContext(missingKey), crypto::CryptoError);
  ClientTlsOptions noHost;
  EXPECT_THROW(makeTlsClientContext(noHost), crypto::CryptoError);
}

// ---- a webhook channel's sink ----

class WebhookSink : public ClientTls {
 protected:
  WebhookSink() {
    store::PgConnection conn(db_.conninfo());
    store::migrate(conn);
  }

  store::ClaimedInbound received() {
    Envelope envelope;
    envelope.messageId = newMessageId();
    envelope.created = utcNow();
    envelope.from = "122173";
    envelope.to = "122203";
    envelope.document = mapping::parseCanonical(testing::canonicalFixture("discharge-sheet.xml"));
    envelope.documentType = mapping::documentTypeName(envelope.document);
    return {"122173", envelope.messageId, envelope.documentType, serializeEnvelope(envelope), 1};
  }

  testing::TestDatabase db_;
  store::ConnectionPool pool_{db_.conninfo(), 2};
};

TEST_F(WebhookSink, TwoPostsOfAChannelRunOnTheContextItsSinkMadeAtStart) {
  TestHttpsServer server(id_, kModern);
  channels::HttpOptions http;
  http.webhook = server.url() + "/hook";
  http.caCertificate = id_.cert;
  http.timeout = std::chrono::seconds(10);
  std::vector<channels::OutboundChannel> outbound;
  outbound.push_back(channels::OutboundChannel{
      channels::ChannelOptions{
          "hook", channels::Direction::Outbound, "liaison_xml", {}, false, {}, http},
      builtinAdapters()->create("liaison_xml"), nullptr});
  const long long before = clientContextsMade();
  channels::ChannelSink sink(std::move(outbound), pool_);
  EXPECT_EQ(clientContextsMade(), before + 1);
  const auto* webhook = dynamic_cast<const channels::WebhookSender*>(sink.connector("hook"));
  ASSERT_NE(webhook, nullptr);
  const Poco::Net::Context::Ptr context = webhook->tlsContext();
  expectClientProfile(context);
  EXPECT_EQ(verifiedHost(context), "127.0.0.1");

  EXPECT_EQ(sink.deliver(received()), "hook: " + http.webhook);
  EXPECT_EQ(sink.deliver(received()), "hook: " + http.webhook);
  EXPECT_EQ(server.requests(), 2);
  // Both POSTs shook hands on the sink's SSL_CTX; none made a context of its own.
  EXPECT_EQ(SSL_CTX_sess_connect_good(context->sslContext()), 2);
  EXPECT_EQ(clientContextsMade(), before + 1);
}

TEST_F(WebhookSink, AnHttpsWebhookWithAnUnreadableTrustAnchorStopsTheSinkAtStart) {
  channels::HttpOptions http;
  http.webhook = "https://127.0.0.1:9/hook";
  http.caCertificate = fs::path(dir_.path()) / "missing.pem";
  std::vector<channels::OutboundChannel> outbound;
  outbound.push_back(channels::OutboundChannel{
      channels::ChannelOptions{
          "hook", channels::Direction::Outbound, "liaison_xml", {}, false, {}, http},
      builtinAdapters()->create("liaison_xml"), nullptr});
  try {
    channels::ChannelSink sink(std::move(outbound), pool_);
    FAIL() << "the sink started without its trust anchor";
  } catch (const std::runtime_error& e) {
    EXPECT_THAT(e.what(), HasSubstr("channel hook: webhook TLS: TLS file not found"));
  }
}

}  // namespace
}  // namespace tsunagi::exchange
