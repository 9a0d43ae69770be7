#include "gateway/log/logging.hpp"

#include "mapping/json/writer.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

namespace tsunagi::log {

namespace {

// %j: the message, escaped for a JSON string.
class JsonMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    std::string escaped =
        mapping::json::jsonEscape(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(escaped.data(), escaped.data() + escaped.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

}  // namespace

namespace {

void install(spdlog::sink_ptr sink, Format format, const std::string& level) {
  auto logger = std::make_shared<spdlog::logger>("tsunagi", sink);
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (format == Format::Json) {
    formatter->add_flag<JsonMessageFlag>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","pid":%P,"thread":%t,"msg":"%j"})");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%-5l%$ %v");
  }
  logger->set_formatter(std::move(formatter));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace

void init(Format format, const std::string& level) {
  if (format == Format::Auto) format = isatty(STDERR_FILENO) ? Format::Human : Format::Json;
  install(std::make_shared<spdlog::sinks::stderr_color_sink_mt>(), format, level);
}

void initToFile(const std::filesystem::path& file, Format format, const std::string& level) {
  if (format == Format::Auto) format = Format::Human;
  // The log is the node's alone: made (or made again) 0600 before spdlog opens it for appending,
  // whatever the umask; a link in its place is not followed.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0 || ::fchmod(fd, 0600) != 0) {
    const std::string why = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot open the log " + file.string() + ": " + why);
  }
  ::close(fd);
  install(std::make_shared<spdlog::sinks::basic_file_sink_mt>(file.string()), format, level);
}

}  // namespace tsunagi::log
