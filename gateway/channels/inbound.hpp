#pragma once
// The one path of every local input, whatever its connector: adapter.decode → Submitter (consent,
// routing, one transaction for all the input's documents) → committed. Connectors answer the
// local tool only from the InboundResult: archive / 202 / AA once Accepted, never before.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "adapters/adapter.hpp"
#include "gateway/channels/channel_options.hpp"
#include "gateway/exchange/submitter.hpp"
#include "gateway/store/event_type.hpp"
#include "gateway/store/pool.hpp"

namespace tsunagi::channels {

struct InboundResult {
  enum class Status {
    Accepted,     ///< committed (or already committed: the same documents were sent before)
    Rejected,     ///< the input cannot be sent as it is: the tool must correct it
    Unavailable,  ///< storage trouble: nothing was committed, try again
  };
  Status status = Status::Accepted;
  std::vector<exchange::Submitted> messages;
  adapters::LossReport losses;
  std::size_t documents = 0;
  /// Rejected: "input-invalid" (the adapter refused it) or the SubmitError code (no-route,
  /// consent-missing, …); Unavailable: "storage-unavailable".
  std::string code;
  /// For the local tool: what, where and why (may cite the input's values): NAME.error.txt, the
  /// ACK, the HTTP problem. Never logged.
  std::string reason;
  /// Rejected: where, without values (mapping::redacted: positions, field paths and codes), for
  /// the application log and the audit chain.
  std::string where;
};

/// What a connector hands its inputs to (InboundChannel; a fake in the connectors' unit tests).
class InputHandler {
 public:
  virtual ~InputHandler() = default;
  virtual InboundResult accept(adapters::LocalInput input) = 0;
  /// A refusal the connector makes itself (over the size limit, unreadable framing): recorded
  /// like the adapter's. `input` is hashed for the log, never stored.
  virtual InboundResult refuse(const std::string& code, const std::string& reason,
                               std::string_view input) = 0;
  virtual const ChannelOptions& options() const = 0;
};

/// Decodes and submits; safe to call from several connector threads at once.
class InboundChannel : public InputHandler {
 public:
  /// `submitted` runs after each commit (the node wakes its delivery workers there).
  InboundChannel(ChannelOptions options, std::unique_ptr<adapters::Adapter> adapter,
                 exchange::Submitter& submitter, store::ConnectionPool& pool,
                 std::function<void()> submitted = {});

  /// Every refusal is recorded in the exchange log (codes, paths, the input's SHA-256: never its
  /// content); an input that decodes to no document (an HL7 cancel) is recorded with its losses.
  InboundResult accept(adapters::LocalInput input) override;
  InboundResult refuse(const std::string& code, const std::string& reason,
                       std::string_view input) override;

  const ChannelOptions& options() const override { return options_; }
  const adapters::Adapter& adapter() const { return *adapter_; }

 private:
  void record(store::EventType event, std::vector<std::pair<std::string, std::string>> detail,
              const std::string& input);

  ChannelOptions options_;
  std::unique_ptr<adapters::Adapter> adapter_;
  exchange::Submitter& submitter_;
  store::ConnectionPool& pool_;
  std::function<void()> submitted_;
};

}  // namespace tsunagi::channels
