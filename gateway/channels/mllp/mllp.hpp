#pragma once
// HL7 v2 over MLLP (Minimal Lower Layer Protocol): each message framed as 0x0B … 0x1C 0x0D, and
// one acknowledgement per message on the same connection, in order:
//   AA  the message's documents are committed to the outbox (or it carried none, recorded);
//   AE  the content cannot be sent (adapter refusal, no route, no consent): MSA-3 and ERR-8 say
//       why — resending the same message will not help;
//   AR  the message was not processed (over the size limit, no MSH, storage unavailable): the
//       sender may resend.
// The ACK echoes MSH-10 in MSA-2, swaps sender and receiver, and is written in the message's own
// character set (MSH-18 "~ISO IR87" → ISO-2022-JP, as SS-MIX2 hospitals send; otherwise ASCII, or
// UTF-8 declared as "UNICODE UTF-8" when the text needs it).

#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/channels/connector.hpp"
#include "gateway/channels/inbound.hpp"
#include "gateway/channels/mllp/mllp_options.hpp"
#include "gateway/net/listener.hpp"

namespace tsunagi::channels {

inline constexpr char kMllpStart = 0x0B;
inline constexpr char kMllpEnd = 0x1C;
inline constexpr char kMllpCarriageReturn = 0x0D;

/// Splits a byte stream into MLLP frames.
class MllpFramer {
 public:
  struct Event {
    enum class Kind {
      Message,   ///< payload: one message, frame bytes removed
      Oversize,  ///< payload: the first bytes of a message over the limit (for its MSH-10)
      Garbage,   ///< bytes outside a frame (other than whitespace)
    };
    Kind kind;
    std::string payload;
  };

  explicit MllpFramer(std::size_t maxBytes) : maxBytes_(maxBytes) {}
  /// Feeds received bytes; returns what they completed, in order.
  std::vector<Event> feed(std::string_view bytes);
  /// True inside a frame (a connection closed now loses a message).
  bool inFrame() const { return state_ != State::Idle; }

 private:
  enum class State { Idle, InFrame, Discarding, SawEnd };
  std::size_t maxBytes_;
  State state_ = State::Idle;
  bool discardingOversize_ = false;
  std::string buffer_;
};

/// The frame around a payload.
std::string mllpFrame(std::string_view payload);

enum class AckCode { Accept, Error, Reject };

/// The ACK for `message` (its MSH read leniently: an unreadable MSH gives an ACK without MSA-2).
/// `text` is escaped for HL7; `errorCode` is an HL7 table 0357 code for ERR-3 (AE/AR only).
std::string buildAck(std::string_view message, AckCode code, std::string_view text,
                     std::string_view errorCode = {}, std::string_view controlId = {});

/// Listens for MLLP connections and hands each message to its channel. Runs on the node's front
/// door (net/listener.hpp): idle connections and half-sent frames hold no thread; a worker only
/// answers complete messages.
class MllpListener : public InboundConnector {
 public:
  MllpListener(InputHandler& channel, MllpOptions options);
  ~MllpListener() override;
  MllpListener(const MllpListener&) = delete;
  MllpListener& operator=(const MllpListener&) = delete;

  void start() override;
  /// Stops accepting, closes open connections (a message in hand is answered first).
  void stop() override;
  unsigned short port() const override { return listener_->port(); }
  const net::ListenerStats& stats() const { return listener_->stats(); }
  const net::ListenerStats* listenerStats() const override { return &listener_->stats(); }

  /// The ACK for one message (also used by tests without a socket).
  std::string answer(const std::string& message);

 private:
  class Session;
  InputHandler& channel_;
  MllpOptions options_;
  std::unique_ptr<net::Listener> listener_;
};

}  // namespace tsunagi::channels
