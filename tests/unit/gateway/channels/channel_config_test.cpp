// <channels> in a node's configuration: what an operator writes, and every mistake named with
// file, line, key and reason before anything starts.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "gateway/channels/directory/directory_options.hpp"
#include "gateway/channels/http/http_options.hpp"
#include "gateway/channels/kintone/kintone_options.hpp"
#include "gateway/channels/mllp/mllp_options.hpp"
#include "gateway/config/node_config.hpp"
#include "tests/support/test_pki.hpp"

namespace tsunagi::config {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class ChannelConfig : public ::testing::Test {
 protected:
  fs::path write(const std::string& channels, bool exchange = true) {
    const auto& files = pki_.node("122173");
    std::string text = R"(<?xml version="1.0" encoding="UTF-8"?>
<NodeConfig xmlns="urn:tsunagi:config:1">
  <node code="122173" name="柏市"/>
  <dataDirectory>data</dataDirectory>
  <localListener port="0"/>
)";
    if (exchange) {
      text += R"(  <exchange>
    <peerListener port="0"/>
    <tls key=")" +
              files.key.string() + R"(" certificate=")" + files.cert.string() + R"(">
      <ca>)" + pki_.ca().certificate().string() +
              R"(</ca>
    </tls>
    <manifest file=")" +
              pki_.ca().certificate().string() + R"(" signer=")" +
              pki_.coordinator().cert.string() + R"("/>
  </exchange>
)";
    }
    text += "  <channels>\n" + channels + "  </channels>\n</NodeConfig>\n";
    const fs::path file = pki_.directory() / "node.xml";
    std::ofstream(file) << text;
    return file;
  }

  std::string error(const std::string& channels, bool exchange = true) {
    try {
      loadNodeConfig(write(channels, exchange));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  }

  testing::TestPki pki_;
};

TEST_F(ChannelConfig, ReadsEachConnectorWithItsDefaults) {
  const auto o = loadNodeConfig(write(R"(
    <channel name="room" direction="inbound" adapter="liaison_xml">
      <directory inbox="room/in" settleMs="500"/>
    </channel>
    <channel name="hospital" direction="inbound" adapter="fhir_jp"><http/></channel>
    <channel name="adt" direction="inbound" adapter="ssmix2">
      <mllp port="2575"/>
      <metadata key="hospitalName" value="柏の葉総合病院"/>
    </channel>
    <channel name="care" direction="outbound" adapter="fhir_jp" documentTypes="LiaisonSheet" lossNote="append">
      <directory outbox="care/out"/>
    </channel>
    <channel name="kintone" direction="outbound" adapter="liaison_xml">
      <http webhook="http://127.0.0.1:9000/hook" timeoutSeconds="5"/>
    </channel>
)"));
  ASSERT_EQ(o.channels.size(), 5u);
  const auto& room = o.channels[0].connector.as<channels::DirectoryOptions>();
  EXPECT_EQ(room.inbox, pki_.directory() / "room/in");
  EXPECT_EQ(room.archive, pki_.directory() / "room/in/archive");
  EXPECT_EQ(room.error, pki_.directory() / "room/in/error");
  EXPECT_EQ(room.settle, std::chrono::milliseconds(500));
  EXPECT_EQ(room.poll, std::chrono::milliseconds(1000));
  EXPECT_EQ(room.fileMode, 0600u);
  EXPECT_EQ(o.channels[1].connector.kind(), "http");
  const auto& adt = o.channels[2].connector.as<channels::MllpOptions>();
  EXPECT_EQ(adt.host, "127.0.0.1");
  EXPECT_EQ(adt.port, 2575);
  EXPECT_EQ(o.channels[2].metadata.at("hospitalName"), "柏の葉総合病院");
  EXPECT_EQ(o.channels[3].direction, channels::Direction::Outbound);
  EXPECT_TRUE(o.channels[3].appendLossNote);
  EXPECT_EQ(o.channels[3].documentTypes, std::vector<std::string>{"LiaisonSheet"});
  EXPECT_EQ(o.channels[4].connector.as<channels::HttpOptions>().webhook,
            "http://127.0.0.1:9000/hook");
  EXPECT_EQ(o.channels[4].connector.as<channels::HttpOptions>().timeout,
            std::chrono::seconds(5));
}

TEST_F(ChannelConfig, ADirectoryChannelsFilesMayBeGroupReadableButNoMore) {
  const auto o = loadNodeConfig(write(R"(
    <channel name="care" direction="outbound" adapter="fhir_jp">
      <directory outbox="care/out" fileMode="0640"/>
    </channel>
)"));
  const auto& care = o.channels[0].connector.as<channels::DirectoryOptions>();
  EXPECT_EQ(care.fileMode, 0640u);
  EXPECT_EQ(channels::folderMode(care.fileMode), 0750u);
  EXPECT_EQ(channels::folderMode(0600), 0700u);
  EXPECT_THAT(error(R"(
    <channel name="care" direction="outbound" adapter="fhir_jp">
      <directory outbox="care/out" fileMode="0644"/>
    </channel>
)"),
              HasSubstr("fileMode"));
}

TEST_F(ChannelConfig, AnUnknownAdapterIsNamedWithFileLineAndKey) {
  const std::string e = error(R"(
    <channel name="room" direction="inbound" adapter="room_csvv"><http/></channel>
)");
  EXPECT_THAT(e, HasSubstr("node.xml:15: /NodeConfig/channels/channel/@adapter: unknown adapter "
                           "'room_csvv' (known: "));
}

TEST_F(ChannelConfig, EachMistakeIsNamed) {
  EXPECT_THAT(error(R"(<channel name="a" direction="inbound" adapter="fhir_jp"><http/></channel>
<channel name="a" direction="inbound" adapter="fhir_jp"><http/></channel>
)"),
              HasSubstr("/@name: channel a is defined twice"));
  EXPECT_THAT(
      error(
          R"(<channel name="out" direction="outbound" adapter="ssmix2"><directory outbox="o"/></channel>
)"),
      HasSubstr("/@adapter: adapter ssmix2 cannot encode: it cannot serve an outbound channel"));
  EXPECT_THAT(
      error(
          R"(<channel name="out" direction="outbound" adapter="fhir_jp" documentTypes="CaseUpdate"><directory outbox="o"/></channel>
)"),
      HasSubstr("/@documentTypes: adapter fhir_jp does not handle CaseUpdate"));
  EXPECT_THAT(
      error(
          R"(<channel name="in" direction="inbound" adapter="fhir_jp"><directory outbox="o"/></channel>
)"),
      HasSubstr("/directory/@inbox: an inbound directory channel needs inbox"));
  EXPECT_THAT(error(R"(<channel name="out" direction="outbound" adapter="fhir_jp"><http/></channel>
)"),
              HasSubstr("/http/@webhook: an outbound HTTP channel needs webhook"));
  EXPECT_THAT(
      error(R"(<channel name="out" direction="outbound" adapter="fhir_jp"><mllp port="1"/></channel>
)"),
      HasSubstr("MLLP channels are inbound only"));
  EXPECT_THAT(
      error(R"(<channel name="a" direction="inbound" adapter="ssmix2"><mllp port="2575"/></channel>
<channel name="b" direction="inbound" adapter="ssmix2"><mllp port="2575"/></channel>
)"),
      HasSubstr("/@port: port 2575 is used by another MLLP channel"));
  EXPECT_THAT(
      error(R"(<channel name="Bad Name" direction="inbound" adapter="ssmix2"><http/></channel>
)"),
      HasSubstr("node.xml:"));
  EXPECT_THAT(error(R"(<channel name="a" direction="inbound" adapter="ssmix2"><http/></channel>
)",
                    false),
              HasSubstr("channels need the <exchange> element"));
}

class KintoneConfig : public ChannelConfig {
 protected:
  KintoneConfig() { token("kintone.token", "kintoneTestToken0001\n", 0600); }
  fs::path token(const std::string& name, const std::string& content, mode_t mode) {
    const fs::path file = pki_.directory() / name;
    std::ofstream(file) << content;
    ::chmod(file.c_str(), mode);
    return file;
  }
};

TEST_F(KintoneConfig, ReadsInboundAndOutboundChannels) {
  const auto o = loadNodeConfig(write(R"cfg(
    <channel name="care-in" direction="inbound" adapter="kintone:nagareyama-kintone">
      <kintone baseUrl="https://nagareyama.cybozu.com/" app="31" tokenFile="kintone.token"
               query="状態 in (&quot;送信&quot;)" pollSeconds="300"/>
    </channel>
    <channel name="care-out" direction="outbound" adapter="kintone:nagareyama-kintone">
      <kintone baseUrl="https://nagareyama.cybozu.com" tokenFile="kintone.token"
               caCertificate=")cfg" + pki_.ca().certificate().string() +
                                      R"cfg("/>
    </channel>
)cfg"));
  ASSERT_EQ(o.channels.size(), 2u);
  const auto& in = o.channels[0].connector.as<channels::KintoneOptions>();
  EXPECT_EQ(in.baseUrl, "https://nagareyama.cybozu.com");
  EXPECT_EQ(in.app, "31");
  EXPECT_EQ(in.tokenFile, pki_.directory() / "kintone.token");
  EXPECT_EQ(in.condition, "状態 in (\"送信\")");
  EXPECT_EQ(in.poll, std::chrono::seconds(300));
  EXPECT_EQ(in.timeout, std::chrono::seconds(30));
  EXPECT_TRUE(in.caCertificate.empty());
  const auto& out = o.channels[1].connector.as<channels::KintoneOptions>();
  EXPECT_TRUE(out.app.empty());
  EXPECT_EQ(out.poll, std::chrono::seconds(60));
  EXPECT_EQ(out.caCertificate, pki_.ca().certificate());
}

TEST_F(KintoneConfig, EachMistakeIsNamedAndTheTokenNeverShown) {
  const auto inbound = [](const std::string& attributes,
                          const std::string& adapter = "kintone:nagareyama-kintone") {
    return R"(<channel name="care" direction="inbound" adapter=")" + adapter + R"(">
  <kintone )" +
           attributes + R"(/>
</channel>
)";
  };
  EXPECT_THAT(
      error(inbound(R"(baseUrl="http://127.0.0.1:8080" app="31" tokenFile="kintone.token")")),
      HasSubstr("node.xml:15: /NodeConfig/channels/channel/kintone/@baseUrl: kintone is reached "
                "over https:// only"));
  EXPECT_THAT(error(inbound(R"(baseUrl="https://x.cybozu.com" tokenFile="kintone.token")")),
              HasSubstr("/kintone/@app: an inbound kintone channel needs the app it polls"));
  EXPECT_THAT(error(inbound(R"(baseUrl="https://x.cybozu.com" app="31" tokenFile="none.token")")),
              HasSubstr("/kintone/@tokenFile: API token file " +
                        (pki_.directory() / "none.token").string() + " does not exist"));
  token("shared.token", "sharedSecretToken\n", 0644);
  const std::string shared =
      error(inbound(R"(baseUrl="https://x.cybozu.com" app="31" tokenFile="shared.token")"));
  EXPECT_THAT(shared, HasSubstr("/kintone/@tokenFile: API token file "));
  EXPECT_THAT(shared, HasSubstr("may be read or written by group or others (mode 0644); make it "
                                "readable by the node's user only (chmod 600)"));
  EXPECT_THAT(shared, ::testing::Not(HasSubstr("sharedSecretToken")));
  token("odd.token", "secretToken\nsecret\x01Token\n", 0600);
  const std::string odd =
      error(inbound(R"(baseUrl="https://x.cybozu.com" app="31" tokenFile="odd.token")"));
  EXPECT_THAT(odd, HasSubstr("odd.token, line 2: a character that is not part of an API token"));
  EXPECT_THAT(odd, ::testing::Not(HasSubstr("secretToken")));
  token("empty.token", "\n", 0600);
  EXPECT_THAT(error(inbound(R"(baseUrl="https://x.cybozu.com" app="31" tokenFile="empty.token")")),
              HasSubstr("empty.token is empty"));
  EXPECT_THAT(error(inbound(R"(baseUrl="https://x.cybozu.com" app="31" tokenFile="kintone.token")",
                            "fhir_jp")),
              HasSubstr("/kintone: the kintone connector carries kintone records: the channel's "
                        "adapter must be kintone:PROFILE, not fhir_jp"));
  EXPECT_THAT(error(inbound(R"(baseUrl="https://x.cybozu.com" app="31" tokenFile="kintone.token" )"
                            R"(caCertificate="kintone.token")")),
              HasSubstr("/kintone/@caCertificate: unreadable certificate"));
  EXPECT_THAT(
      error(R"(<channel name="a" direction="inbound" adapter="kintone:nagareyama-kintone">
  <kintone baseUrl="https://x.cybozu.com" app="31" tokenFile="kintone.token"/></channel>
<channel name="b" direction="inbound" adapter="kintone:nagareyama-kintone">
  <kintone baseUrl="https://x.cybozu.com/" app="31" tokenFile="kintone.token"/></channel>
)"),
      HasSubstr("/kintone/@app: app 31 of https://x.cybozu.com is polled by another channel"));
  EXPECT_THAT(
      error(R"(<channel name="out" direction="outbound" adapter="kintone:nagareyama-kintone">
  <kintone baseUrl="https://x.cybozu.com" app="31" tokenFile="kintone.token"/></channel>
)"),
      HasSubstr("/kintone/@app: an outbound kintone channel writes each document to the app its "
                "profile mapping names"));
}

TEST_F(ChannelConfig, AnHttpsWebhookTakesATrustAnchorOfItsOwn) {
  const std::string ca = pki_.ca().certificate().string();
  const auto o = loadNodeConfig(write(R"(
    <channel name="hook" direction="outbound" adapter="fhir_jp">
      <http webhook="https://127.0.0.1:9000/hook" caCertificate=")" +
                                      ca + R"("/>
    </channel>
)"));
  EXPECT_EQ(o.channels[0].connector.as<channels::HttpOptions>().caCertificate, ca);
  EXPECT_THAT(error(R"(
    <channel name="hook" direction="outbound" adapter="fhir_jp">
      <http webhook="http://127.0.0.1:9000/hook" caCertificate=")" +
                    ca + R"("/>
    </channel>
)"),
              HasSubstr("http/@caCertificate: caCertificate is for an https:// webhook"));
  EXPECT_THAT(error(R"(
    <channel name="hook" direction="outbound" adapter="fhir_jp">
      <http webhook="https://127.0.0.1:9000/hook" caCertificate=")" +
                    pki_.node("122173").key.string() + R"("/>
    </channel>
)"),
              HasSubstr("http/@caCertificate: unreadable certificate"));
}

}  // namespace
}  // namespace tsunagi::config
