#include "gateway/channels/mllp/mllp.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <ctime>

#include "gateway/exchange/envelope.hpp"
#include "mapping/text/encoding.hpp"
#include "mapping/time.hpp"

namespace tsunagi::channels {

std::vector<MllpFramer::Event> MllpFramer::feed(std::string_view bytes) {
  std::vector<Event> out;
  for (char c : bytes) {
    switch (state_) {
      case State::Idle:
        if (c == kMllpStart) {
          state_ = State::InFrame;
          buffer_.clear();
        } else if (c != '\r' && c != '\n' && c != ' ' && c != '\t') {
          out.push_back({Event::Kind::Garbage, {}});
          state_ = State::Discarding;
          discardingOversize_ = false;
        }
        break;
      case State::InFrame:
        if (c == kMllpEnd) {
          state_ = State::SawEnd;
        } else if (buffer_.size() >= maxBytes_) {
          out.push_back({Event::Kind::Oversize, buffer_.substr(0, 4096)});
          buffer_.clear();
          state_ = State::Discarding;
          discardingOversize_ = true;
        } else {
          buffer_ += c;
        }
        break;
      case State::SawEnd:
        // 0x1C never occurs in HL7 text: it ends the message even without the CR after it.
        out.push_back({Event::Kind::Message, std::move(buffer_)});
        buffer_.clear();
        state_ = State::Idle;
        if (c != kMllpCarriageReturn) {
          if (c == kMllpStart) state_ = State::InFrame;
        }
        break;
      case State::Discarding:
        // Up to the end of the oversize frame, or to the next start of a frame.
        if (c == kMllpStart && !discardingOversize_) {
          state_ = State::InFrame;
          buffer_.clear();
        } else if (c == kMllpEnd && discardingOversize_) {
          state_ = State::Idle;
        }
        break;
    }
  }
  return out;
}

std::string mllpFrame(std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 3);
  out += kMllpStart;
  out += payload;
  out += kMllpEnd;
  out += kMllpCarriageReturn;
  return out;
}

namespace {

// The MSH fields as written, read without decoding the message: up to the first segment end,
// and never past an ISO-2022-JP escape (a JIS X 0208 byte pair may look like a separator).
std::vector<std::string> mshFields(std::string_view message) {
  if (message.size() < 8 || message.substr(0, 3) != "MSH") return {};
  const char separator = message[3];
  std::size_t end = message.find_first_of("\r\n\x1b");
  std::string_view line = message.substr(0, end);
  std::vector<std::string> fields;
  std::size_t start = 0;
  for (;;) {
    const auto next = line.find(separator, start);
    fields.emplace_back(
        line.substr(start, next == std::string_view::npos ? std::string_view::npos : next - start));
    if (next == std::string_view::npos) break;
    start = next + 1;
  }
  // fields[0] = "MSH", fields[1] = MSH-2 …: shift so that fields[n] is MSH-n.
  fields.insert(fields.begin() + 1, std::string(1, separator));
  return fields;
}

std::string field(const std::vector<std::string>& fields, std::size_t n) {
  return n < fields.size() ? fields[n] : std::string();
}

std::string component(const std::string& value, std::size_t c, char separator = '^') {
  std::size_t start = 0;
  for (std::size_t i = 1; i < c; ++i) {
    start = value.find(separator, start);
    if (start == std::string::npos) return {};
    ++start;
  }
  return value.substr(start, value.find(separator, start) - start);
}

// HL7 escapes for our own text; line breaks become spaces.
std::string escapeHl7(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|':
        out += "\\F\\";
        break;
      case '^':
        out += "\\S\\";
        break;
      case '&':
        out += "\\T\\";
        break;
      case '~':
        out += "\\R\\";
        break;
      case '\\':
        out += "\\E\\";
        break;
      case '\r':
      case '\n':
      case '\t':
        out += ' ';
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string hl7Now() {
  return mapping::compactTimestamp(
      mapping::civilTime(mapping::nowUnixSeconds(), mapping::Zone::Local));
}

const char* codeText(AckCode code) {
  switch (code) {
    case AckCode::Accept:
      return "AA";
    case AckCode::Error:
      return "AE";
    case AckCode::Reject:
      return "AR";
  }
  return "AR";
}

}  // namespace

std::string buildAck(std::string_view message, AckCode code, std::string_view text,
                     std::string_view errorCode, std::string_view controlId) {
  const auto in = mshFields(message);
  const std::string encodingCharacters = in.size() > 2 && in[2].size() == 4 ? in[2] : "^~\\&";
  const std::string charset = field(in, 18);
  const bool iso2022 = charset.find("ISO IR87") != std::string::npos ||
                       charset.find("ISO 2022") != std::string::npos;
  std::string id(controlId);
  if (id.empty()) {
    const std::string uuid = exchange::newMessageId();
    id = "ACK" + uuid.substr(0, 8) + uuid.substr(9, 4) + uuid.substr(24, 5);  // 20 characters
  }
  const std::string trigger = component(field(in, 9), 2);
  std::vector<std::string> msh(21);
  msh[3] = field(in, 5).empty() ? "TSUNAGI" : field(in, 5);
  msh[4] = field(in, 6);
  msh[5] = field(in, 3);
  msh[6] = field(in, 4);
  msh[7] = hl7Now();
  msh[9] = "ACK" + (trigger.empty() ? std::string() : "^" + trigger + "^ACK");
  msh[10] = id;
  msh[11] = field(in, 11).empty() ? "P" : field(in, 11);
  msh[12] = field(in, 12).empty() ? "2.5" : field(in, 12);
  msh[18] = charset;
  msh[20] = field(in, 20);
  const std::string escaped = escapeHl7(text);
  std::string ack = "MSH|" + encodingCharacters;
  std::size_t last = 20;
  while (last > 3 && msh[last].empty()) --last;
  for (std::size_t i = 3; i <= last; ++i) ack += "|" + msh[i];
  ack += "\rMSA|" + std::string(codeText(code)) + "|" + field(in, 10) + "|" + escaped + "\r";
  if (code != AckCode::Accept) {
    const std::string codeName = errorCode == "207"   ? "Application internal error"
                                 : errorCode == "100" ? "Segment sequence error"
                                 : errorCode == "200" ? "Unsupported message type"
                                                      : "Data type error";
    ack += "ERR|||" + std::string(errorCode.empty() ? "102" : errorCode) + "^" + codeName +
           "^HL70357|E||||" + escaped + "\r";
  }
  bool ascii = true;
  for (unsigned char c : ack) ascii = ascii && c < 0x80;
  if (iso2022 && !ascii) {
    // Substitute mode: a reason is never lost for a character JIS X 0208 lacks (〓 marks it).
    return mapping::text::encode(ack, mapping::text::Charset::Iso2022Jp,
                                 mapping::text::OnUnmappable::Substitute)
        .bytes;
  }
  if (!ascii && !iso2022 && charset.empty()) {
    // Declare UTF-8 (MSH-18 "UNICODE UTF-8") rather than send undeclared bytes.
    const auto firstCr = ack.find('\r');
    std::string head = ack.substr(0, firstCr);
    std::size_t pipes = static_cast<std::size_t>(std::count(head.begin(), head.end(), '|'));
    while (pipes < 17) {
      head += '|';
      ++pipes;
    }
    head += "|UNICODE UTF-8";
    ack = head + ack.substr(firstCr);
  }
  return ack;
}

// ---- listener ----

// One connection: the loop feeds the framer as bytes arrive; a worker answers the messages it
// completed, in order, on the same connection.
class MllpListener::Session : public net::Session {
 public:
  explicit Session(MllpListener& listener)
      : listener_(listener), framer_(listener.options_.maxBytes) {}

  bool ready(std::string& buffer) override {
    if (!buffer.empty()) {
      for (auto& event : framer_.feed(buffer)) events_.push_back(std::move(event));
      buffer.clear();
    }
    return !events_.empty();
  }

  net::Phase phase() const override {
    return framer_.inFrame() ? net::Phase::Head : net::Phase::Idle;
  }

  bool serve(std::string&, net::Connection& connection) override {
    const std::string& name = listener_.channel_.options().name;
    std::vector<MllpFramer::Event> events;
    events.swap(events_);
    for (auto& event : events) {
      std::string reply;
      switch (event.kind) {
        case MllpFramer::Event::Kind::Message:
          reply = listener_.answer(event.payload);
          break;
        case MllpFramer::Event::Kind::Oversize: {
          const std::string limit =
              "message over " + std::to_string(listener_.options_.maxBytes) + " bytes";
          listener_.channel_.refuse("input-too-large", limit, event.payload);
          reply = buildAck(event.payload, AckCode::Reject, limit + "; not processed", "100");
          break;
        }
        case MllpFramer::Event::Kind::Garbage:
          spdlog::warn("channel {}: bytes outside an MLLP frame from {}; closing the connection",
                       name, connection.clientAddress());
          listener_.channel_.refuse("mllp-framing", "bytes outside an MLLP frame", {});
          return false;
      }
      if (!connection.write(mllpFrame(reply))) return false;
    }
    return true;
  }

 private:
  MllpListener& listener_;
  MllpFramer framer_;
  std::vector<MllpFramer::Event> events_;
};

MllpListener::MllpListener(InputHandler& channel, MllpOptions options)
    : channel_(channel), options_(std::move(options)) {
  net::ListenerOptions o;
  o.name = "mllp:" + channel_.options().name;
  o.host = options_.host;
  o.port = options_.port;
  o.limits.head = std::chrono::duration_cast<net::Millis>(options_.frameTimeout);
  o.limits.idle = std::chrono::duration_cast<net::Millis>(options_.idleTimeout);
  o.limits.maxConnections = options_.maxConnections;
  o.limits.maxConnectionsPerAddress = options_.maxConnectionsPerAddress;
  o.limits.workers = options_.workers;
  o.sessions = [this] { return std::make_unique<Session>(*this); };
  listener_ = std::make_unique<net::Listener>(std::move(o));
}

MllpListener::~MllpListener() { stop(); }

void MllpListener::start() {
  listener_->start();
  spdlog::info("channel {}: MLLP listening on {}:{}", channel_.options().name, options_.host,
               port());
}

void MllpListener::stop() { listener_->stop(); }

std::string MllpListener::answer(const std::string& message) {
  if (message.rfind("MSH", 0) != 0) {
    channel_.refuse("input-invalid", "the message does not start with an MSH segment", message);
    return buildAck(message, AckCode::Reject, "the message does not start with an MSH segment",
                    "100");
  }
  InboundResult result = channel_.accept(adapters::LocalInput{message, "mllp", {}});
  switch (result.status) {
    case InboundResult::Status::Accepted: {
      std::string text =
          result.documents == 0
              ? "受信しました (送信する文書はありません) / received; no document to send"
              : "受信しました / committed";
      if (!result.losses.empty()) {
        text += " (" + std::to_string(result.losses.entries().size()) +
                " losses: " + result.losses.kinds() + ")";
      }
      return buildAck(message, AckCode::Accept, text);
    }
    case InboundResult::Status::Rejected: {
      // Reasons may be several lines: the ACK carries them on one.
      return buildAck(message, AckCode::Error, result.code + ": " + result.reason,
                      result.code == "input-invalid" ? "102" : "207");
    }
    case InboundResult::Status::Unavailable:
      return buildAck(message, AckCode::Reject, result.code + ": " + result.reason, "207");
  }
  return {};
}

}  // namespace tsunagi::channels
