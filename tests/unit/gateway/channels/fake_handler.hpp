#pragma once
// An InputHandler that answers as told and remembers what it was given: the connectors' tests
// need no database, adapter or peer.

#include <mutex>
#include <string>
#include <vector>

#include "gateway/channels/inbound.hpp"

namespace tsunagi::channels::testing {

class FakeHandler : public InputHandler {
 public:
  FakeHandler() {
    options_.name = "test-channel";
    options_.adapter = "fake";
  }

  InboundResult accept(adapters::LocalInput input) override {
    std::lock_guard lock(mutex_);
    inputs.push_back(input);
    return answer;
  }
  InboundResult refuse(const std::string& code, const std::string& reason,
                       std::string_view) override {
    std::lock_guard lock(mutex_);
    refusals.push_back(code);
    InboundResult r;
    r.status = InboundResult::Status::Rejected;
    r.code = code;
    r.reason = reason;
    return r;
  }
  const ChannelOptions& options() const override { return options_; }

  InboundResult answer;
  std::vector<adapters::LocalInput> inputs;
  std::vector<std::string> refusals;

 private:
  ChannelOptions options_;
  std::mutex mutex_;
};

inline InboundResult rejected(const std::string& code, const std::string& reason) {
  InboundResult r;
  r.status = InboundResult::Status::Rejected;
  r.code = code;
  r.reason = reason;
  return r;
}

}  // namespace tsunagi::channels::testing
