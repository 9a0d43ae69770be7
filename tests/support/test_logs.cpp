#include "tests/support/test_logs.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>

#include "gateway/store/pg.hpp"

namespace fs = std::filesystem;

namespace tsunagi::testing {

namespace {

std::mutex programMutex;
std::string programName = "test";  // set by writeApplicationLogToTestLogs
std::atomic<int> childCounter{0};

std::string program() {
  std::lock_guard lock(programMutex);
  return programName;
}

fs::path subdirectory(const std::string& name) {
  fs::path dir = testLogDirectory() / name;
  fs::create_directories(dir);
  return dir;
}

fs::path childLogPath(const std::string& label) {
  return subdirectory("children") / (program() + "-" + std::to_string(getpid()) + "-" +
                                     std::to_string(++childCounter) + "-" + label + ".log");
}

}  // namespace

fs::path testLogDirectory() {
  const char* env = std::getenv("TSUNAGI_TEST_LOG_DIR");
  fs::path dir = env && *env ? fs::path(env) : fs::path(TSUNAGI_TEST_LOG_DIR);
  fs::create_directories(dir);
  return dir;
}

void writeApplicationLogToTestLogs(const std::string& program) {
  {
    std::lock_guard lock(programMutex);
    programName = program;
  }
  auto logger = spdlog::default_logger();
  // The sinks already there (stderr) keep the level the logger had; the logger itself lets debug
  // through so that the file sees everything a test made the code log.
  for (auto& sink : logger->sinks()) sink->set_level(logger->level());
  auto file = std::make_shared<spdlog::sinks::basic_file_sink_mt>(
      (testLogDirectory() / (program + "-" + std::to_string(getpid()) + ".log")).string(),
      /*truncate=*/true);
  file->set_formatter(std::make_unique<spdlog::pattern_formatter>("%Y-%m-%d %H:%M:%S.%e %l %v",
                                                                  spdlog::pattern_time_type::utc));
  file->set_level(spdlog::level::debug);
  logger->sinks().push_back(std::move(file));
  logger->set_level(spdlog::level::debug);
  logger->flush_on(spdlog::level::debug);
}

void keepChildLog(const fs::path& file, const std::string& label) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return;
  fs::copy_file(file, childLogPath(label), fs::copy_options::overwrite_existing, ec);
  if (ec)
    std::fprintf(stderr, "test-logs: cannot keep %s: %s\n", file.c_str(), ec.message().c_str());
}

void keepChildLogText(const std::string& text, const std::string& label) {
  std::ofstream(childLogPath(label), std::ios::binary) << text;
}

void keepChildLogsBelow(const fs::path& dir, const std::string& label) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    if (it->is_symlink(ec) || !it->is_regular_file(ec) || it->path().extension() != ".log") {
      continue;
    }
    std::string name = label + "-" + fs::relative(it->path(), dir, ec).string();
    std::replace(name.begin(), name.end(), '/', '_');
    keepChildLog(it->path(), name.substr(0, name.size() - 4));  // without ".log"
  }
}

void keepAuditChain(store::PgConnection& conn, const std::string& label) {
  const fs::path file = subdirectory("audit") / (label + ".txt");
  std::string text;
  try {
    conn.exec("SET lock_timeout = '5s'");
    if (conn.exec("SELECT to_regclass('public.exchange_events') IS NULL").text(0, 0) == "t") return;
    const auto rows = conn.exec(
        "SELECT id, at, event, direction, coalesce(peer, ''), coalesce(message_id, ''), detail "
        "FROM exchange_events ORDER BY id, at");
    for (int r = 0; r < rows.rows(); ++r) {
      for (int c = 0; c < rows.columns(); ++c) {
        if (c > 0) text += '\t';
        text += rows.text(r, c);
      }
      text += '\n';
    }
  } catch (const std::exception& e) {
    text += std::string("DUMP FAILED: ") + e.what() + "\n";
  }
  std::ofstream(file, std::ios::binary) << text;
}

void keepAuditChain(const std::string& conninfo, const std::string& label) noexcept {
  try {
    store::PgConnection conn(conninfo);
    keepAuditChain(conn, label);
  } catch (const std::exception& e) {
    try {
      std::ofstream(subdirectory("audit") / (label + ".txt"))
          << "DUMP FAILED: " << e.what() << "\n";
    } catch (...) {
      std::fprintf(stderr, "test-logs: cannot keep the audit chain of %s\n", label.c_str());
    }
  }
}

}  // namespace tsunagi::testing
