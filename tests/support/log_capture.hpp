#pragma once
// Captures what the application log (spdlog's default logger) receives while it exists, from
// `level` up (info unless told): for tests of what a node logs, and of what it must never log.

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <sstream>
#include <string>
#include <vector>

namespace tsunagi::testing {

class LogCapture {
 public:
  explicit LogCapture(spdlog::level::level_enum level = spdlog::level::info)
      : previous_(spdlog::default_logger()),
        sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_)) {
    // What is captured also reaches the sinks the process had (the test-logs file privacy_scan
    // reads, tests/support/test_logs.hpp), each at its own level.
    std::vector<spdlog::sink_ptr> sinks{sink_};
    if (previous_) sinks.insert(sinks.end(), previous_->sinks().begin(), previous_->sinks().end());
    auto logger = std::make_shared<spdlog::logger>("capture", sinks.begin(), sinks.end());
    logger->set_level(level);
    spdlog::set_default_logger(logger);
  }
  ~LogCapture() { spdlog::set_default_logger(previous_); }
  LogCapture(const LogCapture&) = delete;
  LogCapture& operator=(const LogCapture&) = delete;

  /// Everything logged so far.
  std::string text() {
    sink_->flush();
    return stream_.str();
  }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

}  // namespace tsunagi::testing
