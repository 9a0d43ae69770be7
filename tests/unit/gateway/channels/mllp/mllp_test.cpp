// HL7 v2 over MLLP as hospitals send it: frames found however the bytes arrive, one ACK per
// message that echoes its control id, in the message's own character set, with the reason on
// AE/AR; oversize messages and stray bytes refused without reading past the limit.
#include "gateway/channels/mllp/mllp.hpp"

#include <Poco/Net/StreamSocket.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mapping/text/encoding.hpp"
#include "tests/unit/gateway/channels/fake_handler.hpp"

namespace tsunagi::channels {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
using Kind = MllpFramer::Event::Kind;

const std::string kMsh =
    "MSH|^~\\&|HIS01|1212000001|TSUNAGI|122173|20240214103000||ADT^A01^ADT_A01|A01-20240214-0001|P|"
    "2.5||||||~ISO IR87||ISO 2022-1994";

std::vector<std::string> segments(const std::string& ack) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t cr; (cr = ack.find('\r', start)) != std::string::npos; start = cr + 1) {
    out.push_back(ack.substr(start, cr - start));
  }
  return out;
}

TEST(MllpFramer, FindsMessagesSplitAcrossReadsAndBackToBack) {
  MllpFramer framer(1024);
  EXPECT_TRUE(framer.feed("\x0bMSH|one\r").empty());
  EXPECT_TRUE(framer.inFrame());
  auto events = framer.feed("PID|1\r\x1c\x0d\x0bMSH|two\r\x1c");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::Message);
  EXPECT_EQ(events[0].payload, "MSH|one\rPID|1\r");
  events = framer.feed("\x0d");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, "MSH|two\r");
  EXPECT_FALSE(framer.inFrame());
}

TEST(MllpFramer, AMessageOverTheLimitIsReportedOnceAndSkipped) {
  MllpFramer framer(8);
  auto events = framer.feed("\x0bMSH|0123456789\x1c\x0d\x0bMSH|ok\x1c\x0d");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, Kind::Oversize);
  EXPECT_THAT(events[0].payload, StartsWith("MSH|"));
  EXPECT_EQ(events[1].kind, Kind::Message);
  EXPECT_EQ(events[1].payload, "MSH|ok");
}

TEST(MllpFramer, BytesOutsideAFrameAreGarbageButLineBreaksBetweenFramesAreNot) {
  MllpFramer framer(1024);
  EXPECT_TRUE(framer.feed("\r\n").empty());
  auto events = framer.feed("MSH|no frame\r");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, Kind::Garbage);
}

TEST(MllpAck, AcceptEchoesTheControlIdAndSwapsSenderAndReceiver) {
  const std::string ack = buildAck(kMsh + "\rPID|1\r", AckCode::Accept, "committed", {}, "ACK1");
  const auto segs = segments(ack);
  ASSERT_EQ(segs.size(), 2u);
  EXPECT_THAT(segs[0], StartsWith("MSH|^~\\&|TSUNAGI|122173|HIS01|1212000001|"));
  EXPECT_THAT(segs[0], HasSubstr("||ACK^A01^ACK|ACK1|P|2.5||||||~ISO IR87||ISO 2022-1994"));
  EXPECT_EQ(segs[1], "MSA|AA|A01-20240214-0001|committed");
}

TEST(MllpAck, ErrorCarriesTheReasonInMsa3AndErrEscapedForHl7) {
  const std::string ack = buildAck(kMsh + "\r", AckCode::Error,
                                   "input-invalid: PID-8: sex X|Y is not M or F", "102", "ACK2");
  const auto segs = segments(ack);
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[1], "MSA|AE|A01-20240214-0001|input-invalid: PID-8: sex X\\F\\Y is not M or F");
  EXPECT_EQ(
      segs[2],
      "ERR|||102^Data type error^HL70357|E||||input-invalid: PID-8: sex X\\F\\Y is not M or F");
}

TEST(MllpAck, JapaneseTextIsWrittenInIso2022JpWhenTheMessageDeclaresIt) {
  const std::string ack =
      buildAck(kMsh + "\r", AckCode::Error, "no-route: 保険者番号がありません", "207");
  EXPECT_NE(ack.find("\x1b$B"), std::string::npos);  // JIS X 0208 in, as the hospital reads
  const std::string text = mapping::text::decode(ack, mapping::text::Charset::Iso2022Jp);
  EXPECT_THAT(text, HasSubstr("MSA|AE|A01-20240214-0001|no-route: 保険者番号がありません"));
}

TEST(MllpAck, UndeclaredCharsetWithJapaneseTextDeclaresUtf8) {
  const std::string msh = "MSH|^~\\&|A|B|C|D|20240101||ADT^A08|X1|P|2.5";
  const std::string ack = buildAck(msh + "\r", AckCode::Error, "保険者番号", "207", "ACK3");
  EXPECT_THAT(segments(ack)[0], HasSubstr("|UNICODE UTF-8"));
  EXPECT_THAT(ack, HasSubstr("MSA|AE|X1|保険者番号"));
}

TEST(MllpAck, AnUnreadableMessageStillGetsAnAckWithoutAControlId) {
  const auto segs = segments(buildAck("garbage", AckCode::Reject, "no MSH", "100", "ACK4"));
  ASSERT_EQ(segs.size(), 3u);
  EXPECT_EQ(segs[1], "MSA|AR||no MSH");
}

// A hospital's interface engine on a real socket: two messages on one connection, two ACKs in
// order; an oversize message gets AR and the connection is closed.
std::string readFrame(Poco::Net::StreamSocket& s) {
  std::string out;
  char c;
  while (s.receiveBytes(&c, 1) == 1) {
    if (c == kMllpEnd) {
      s.receiveBytes(&c, 1);
      break;
    }
    if (c != kMllpStart) out += c;
  }
  return out;
}

TEST(MllpListener, AnswersEveryMessageOnTheConnectionInOrder) {
  testing::FakeHandler handler;
  MllpOptions options;
  options.maxBytes = 4096;
  MllpListener listener(handler, options);
  listener.start();
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", listener.port()));
  s.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string second = "MSH|^~\\&|HIS01|H|T|R|20240101||ADT^A03|SECOND|P|2.5\r";
  const std::string both = mllpFrame(kMsh + "\r") + mllpFrame(second);
  s.sendBytes(both.data(), static_cast<int>(both.size()));
  EXPECT_THAT(readFrame(s), HasSubstr("MSA|AA|A01-20240214-0001|"));
  EXPECT_THAT(readFrame(s), HasSubstr("MSA|AA|SECOND|"));
  ASSERT_EQ(handler.inputs.size(), 2u);
  EXPECT_EQ(handler.inputs[1].bytes, second);

  handler.answer = testing::rejected("consent-missing", "no consent is recorded for this patient");
  const std::string third = mllpFrame("MSH|^~\\&|HIS01|H|T|R|20240101||ADT^A01|THIRD|P|2.5\r");
  s.sendBytes(third.data(), static_cast<int>(third.size()));
  const std::string ack = readFrame(s);
  EXPECT_THAT(ack, HasSubstr("MSA|AE|THIRD|consent-missing: no consent is recorded"));
  EXPECT_THAT(ack, HasSubstr("ERR|||207^"));
  listener.stop();
}

TEST(MllpListener, AMessageOverTheLimitIsRejectedWithoutBeingDecoded) {
  testing::FakeHandler handler;
  MllpOptions options;
  options.maxBytes = 100;  // MSH-10 is within the first 100 bytes
  MllpListener listener(handler, options);
  listener.start();
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", listener.port()));
  s.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string big = mllpFrame(kMsh + "\r" + std::string(200, 'Z'));
  s.sendBytes(big.data(), static_cast<int>(big.size()));
  const std::string ack = readFrame(s);
  EXPECT_THAT(ack, HasSubstr("MSA|AR|A01-20240214-0001|message over 100 bytes"));
  EXPECT_TRUE(handler.inputs.empty());
  EXPECT_EQ(handler.refusals, std::vector<std::string>{"input-too-large"});
  listener.stop();
}

TEST(MllpListener, StopClosesOpenConnections) {
  testing::FakeHandler handler;
  MllpListener listener(handler, MllpOptions{});
  listener.start();
  Poco::Net::StreamSocket s(Poco::Net::SocketAddress("127.0.0.1", listener.port()));
  s.setReceiveTimeout(Poco::Timespan(10, 0));
  const std::string one = mllpFrame(kMsh + "\r");
  s.sendBytes(one.data(), static_cast<int>(one.size()));
  readFrame(s);  // the connection is being served
  listener.stop();
  char c;
  EXPECT_EQ(s.receiveBytes(&c, 1), 0);  // closed by the node, not left hanging
}

}  // namespace
}  // namespace tsunagi::channels
