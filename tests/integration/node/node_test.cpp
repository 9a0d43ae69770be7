// A node on the embedded default: database, migrations, identity, loopback health endpoint.
#include "gateway/node/node.hpp"

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "gateway/store/pg.hpp"
#include "tests/support/test_postgres.hpp"

namespace tsunagi {
namespace {

std::pair<int, std::string> get(const Node& node, const std::string& path) {
  Poco::Net::HTTPClientSession session("127.0.0.1", node.port());
  Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  return {response.getStatus(), body};
}

NodeOptions nodeOptions(const std::string& code, const std::string& name, const std::string& dir,
                        std::optional<std::string> conninfo) {
  NodeOptions o;
  o.code = code;
  o.name = name;
  o.dataDir = dir;
  o.conninfo = std::move(conninfo);
  return o;
}

TEST(Node, StartsOnTheEmbeddedDefaultAndAnswersHealth) {
  testing::TempDir dir("node");
  NodeOptions options = nodeOptions("122173", "柏市", dir.path(), std::nullopt);
  Node node(options);
  node.start();
  EXPECT_GT(node.port(), 0);
  auto [status, body] = get(node, "/healthz");
  EXPECT_EQ(status, 200);
  EXPECT_THAT(body, ::testing::HasSubstr(R"("node":"122173")"));
  EXPECT_THAT(node.databaseDescription(), ::testing::HasSubstr("embedded PostgreSQL"));
  EXPECT_EQ(get(node, "/nope").first, 404);
  node.stop();
}

TEST(Node, UsesAConfiguredDatabaseAndRecordsItsIdentity) {
  testing::TempDir dir("node");
  testing::TestDatabase db;
  Node node(nodeOptions("122203", "流山市", dir.path(), db.conninfo()));
  node.start();
  store::PgConnection conn(db.conninfo());
  EXPECT_EQ(conn.exec("SELECT node_code FROM node_identity").text(0, 0), "122203");
  node.stop();
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(dir.path()) / "postgres"));
}

TEST(Node, RefusesAnotherNodesDatabase) {
  testing::TempDir dir("node");
  testing::TestDatabase db;
  {
    Node first(nodeOptions("122203", "流山市", dir.path(), db.conninfo()));
    first.start();
  }
  Node second(nodeOptions("122076", "松戸市", dir.path(), db.conninfo()));
  EXPECT_THAT([&] { second.start(); },
              ::testing::ThrowsMessage<std::runtime_error>(
                  ::testing::HasSubstr("the database belongs to node 122203, not to node 122076")));
}

TEST(Node, RefusesACodeWithAWrongCheckDigit) {
  EXPECT_THAT([] { Node(nodeOptions("122174", "x", "/tmp", std::nullopt)); },
              ::testing::ThrowsMessage<std::invalid_argument>(
                  ::testing::HasSubstr("node code '122174': check digit is 4, expected 3")));
}

}  // namespace
}  // namespace tsunagi
