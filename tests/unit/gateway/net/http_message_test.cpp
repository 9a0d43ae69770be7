// How a client reads an answer's body: whole up to its limit, refused beyond it (a hostile or
// broken server cannot make a node hold an unbounded answer).

#include "gateway/net/http_message.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace tsunagi::net {
namespace {

TEST(ReadBoundedBody, ReadsAWholeAnswerWithinTheLimit) {
  std::istringstream in(std::string(40000, 'a') + "end");
  const auto body = readBoundedBody(in, 40003);
  ASSERT_TRUE(body.has_value());
  EXPECT_EQ(body->size(), 40003u);
  EXPECT_EQ(body->substr(40000), "end");
}

TEST(ReadBoundedBody, AnEmptyAnswerIsAnEmptyBody) {
  std::istringstream in("");
  const auto body = readBoundedBody(in, 10);
  ASSERT_TRUE(body.has_value());
  EXPECT_TRUE(body->empty());
}

TEST(ReadBoundedBody, OneByteOverTheLimitIsRefused) {
  std::istringstream in(std::string(40004, 'a'));
  EXPECT_FALSE(readBoundedBody(in, 40003).has_value());
}

TEST(ReadBoundedBody, StopsReadingSoonAfterTheLimit) {
  // A server that never stops sending: what is read stays near the limit.
  std::istringstream in(std::string(4 * 1024 * 1024, 'x'));
  EXPECT_FALSE(readBoundedBody(in, 1000).has_value());
  EXPECT_LT(in.tellg(), 1000 + 16384 + 1);
}

}  // namespace
}  // namespace tsunagi::net
