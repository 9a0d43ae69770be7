#include "tests/support/test_run.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gateway/log/logging.hpp"
#include "gateway/store/embedded_postgres.hpp"
#include "tests/support/test_logs.hpp"
#include "tests/support/test_postgres.hpp"

namespace fs = std::filesystem;

namespace tsunagi::testing {

namespace {

constexpr const char* kDaemonName = "test_run";

std::string firstLine(const fs::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  return line;
}

// A process that exists and is no zombie (a daemon whose parent is gone is reaped by init, which
// some containers' init does late or never).
bool running(pid_t pid) {
  if (pid <= 0 || (kill(pid, 0) != 0 && errno == ESRCH)) return false;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  std::getline(stat, text);
  const auto close = text.rfind(')');
  return close == std::string::npos || text.size() < close + 3 || text[close + 2] != 'Z';
}

// The daemon of `run`, if it is running: daemon.pid names it and /proc says it is a test_run.
std::optional<pid_t> runningDaemon(const fs::path& run) {
  const pid_t pid = static_cast<pid_t>(std::atol(firstLine(run / "daemon.pid").c_str()));
  if (!running(pid)) return std::nullopt;
  if (firstLine("/proc/" + std::to_string(pid) + "/comm") != kDaemonName) return std::nullopt;
  return pid;
}

bool waitUntilGone(pid_t pid, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running(pid)) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

void writeText(const fs::path& file, const std::string& text) {
  const fs::path part = file.string() + ".part";
  std::ofstream(part) << text;
  fs::rename(part, file);
}

void writeAll(int fd, const std::string& text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    done += static_cast<std::size_t>(n);
  }
}

// The daemon: runs the cluster until told to stop or until `watched` (the ctest) is gone.
int runDaemon(const fs::path& run, pid_t watched, int readyFd) {
  sigset_t stopSignals;
  sigemptyset(&stopSignals);
  for (int s : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&stopSignals, s);
  sigprocmask(SIG_BLOCK, &stopSignals, nullptr);

  log::init(log::Format::Human, "info");
  writeApplicationLogToTestLogs(kDaemonName);
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<store::EmbeddedPostgres> cluster;
  try {
    removeStaleTempDirs();
    dir = std::make_unique<TempDir>("pg", clusterParentDirectory());
    cluster = startTestCluster(fs::path(dir->path()) / "cluster");
    writeText(run / "daemon.pid", std::to_string(getpid()) + "\n" + std::to_string(watched) + "\n");
    writeText(run / "cluster", (fs::path(dir->path()) / "cluster").string() + "\n");
  } catch (const std::exception& e) {
    writeAll(readyFd, std::string("cannot start the shared PostgreSQL cluster: ") + e.what());
    return 1;
  }
  writeAll(readyFd, "ready");
  close(readyFd);

  const char* why = "asked to stop";
  for (;;) {
    const timespec second{1, 0};
    if (sigtimedwait(&stopSignals, nullptr, &second) > 0) break;
    if (!running(watched)) {
      why = "the ctest run that started it is gone";
      break;
    }
  }
  std::fprintf(stderr, "test_run: stopping the shared cluster: %s\n", why);
  std::error_code ec;
  fs::remove(run / "cluster", ec);
  // The databases a test process could not drop (it crashed): their chains are checked too.
  keepAuditChainsOfDatabases(
      cluster->conninfo("postgres"), [&](const std::string& db) { return cluster->conninfo(db); },
      "t_", /*drop=*/false);
  cluster->stop();
  keepChildLog(cluster->logFile(), "postgres");
  cluster.reset();
  dir.reset();
  fs::remove(run / "daemon.pid", ec);
  return 0;
}

int start(const fs::path& run) {
  if (auto earlier = runningDaemon(run)) {
    // The daemon of a killed run stops by itself within a second; one still there after a few
    // seconds belongs to a ctest run of this build directory that is still going.
    if (!waitUntilGone(*earlier, std::chrono::seconds(5))) {
      std::cerr << "test_run: another ctest run of this build directory is using " << run
                << " (test_run daemon pid " << *earlier
                << "); wait for it to finish, or stop it with `test_run stop`\n";
      return 1;
    }
  }
  std::error_code ec;
  fs::remove_all(run, ec);
  fs::create_directories(run);
  if (const char* external = std::getenv("TSUNAGI_TEST_PG"); external && *external) {
    std::cout << "TSUNAGI_TEST_PG is set: the tests use that server, no cluster is started\n";
    return 0;
  }
  int ready[2];
  if (pipe2(ready, O_CLOEXEC) != 0) {
    std::cerr << "test_run: pipe: " << std::strerror(errno) << "\n";
    return 1;
  }
  const pid_t watched = getppid();
  const pid_t child = fork();
  if (child < 0) {
    std::cerr << "test_run: fork: " << std::strerror(errno) << "\n";
    return 1;
  }
  if (child == 0) {
    close(ready[0]);
    setsid();
    // CTest waits until the test's output pipes close: the daemon must not hold them.
    const int log = open((run / "daemon.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    const int null = open("/dev/null", O_RDONLY);
    if (log < 0 || null < 0) _exit(1);
    dup2(null, 0);
    dup2(log, 1);
    dup2(log, 2);
    std::vector<int> others;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec)) {
      const int fd = std::atoi(entry.path().filename().c_str());
      if (fd > 2 && fd != ready[1]) others.push_back(fd);
    }
    for (int fd : others) close(fd);
    _exit(runDaemon(run, watched, ready[1]));
  }
  close(ready[1]);
  std::string answer;
  char buffer[512];
  for (;;) {
    const ssize_t n = read(ready[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    answer.append(buffer, static_cast<std::size_t>(n));
  }
  close(ready[0]);
  if (answer != "ready") {
    std::cerr << "test_run: "
              << (answer.empty()
                      ? "the daemon ended without a word; see " + (run / "daemon.log").string()
                      : answer)
              << "\n";
    return 1;
  }
  std::cout << "shared PostgreSQL cluster in " << firstLine(run / "cluster")
            << " (test_run daemon pid " << child << ")\n";
  return 0;
}

int stop(const fs::path& run) {
  const auto daemon = runningDaemon(run);
  if (!daemon) {
    std::cout << "no shared cluster is running for " << run << "\n";
    return 0;
  }
  kill(*daemon, SIGTERM);
  if (waitUntilGone(*daemon, std::chrono::seconds(120))) return 0;
  kill(*daemon, SIGKILL);
  std::cerr << "test_run: the daemon (pid " << *daemon << ") did not stop within 120 s; killed\n";
  return 1;
}

}  // namespace

std::optional<fs::path> sharedRunDirectory() {
  const char* env = std::getenv("TSUNAGI_TEST_RUN_DIR");
  if (!env || !*env) return std::nullopt;
  fs::path dir(env);
  std::error_code ec;
  fs::create_directories(dir, ec);
  return dir;
}

std::optional<fs::path> sharedClusterRoot() {
  const auto run = sharedRunDirectory();
  if (!run) return std::nullopt;
  const fs::path root = firstLine(*run / "cluster");
  if (!root.empty() && store::runningClusterConninfo(root, "postgres")) return root;
  std::fprintf(stderr,
               "test harness: TSUNAGI_TEST_RUN_DIR is set but no shared cluster is running (%s); "
               "this process starts its own\n",
               root.empty() ? "test_run_start did not run" : "its server is gone");
  return std::nullopt;
}

int testRunCommand(int argc, char** argv) {
  const auto run = sharedRunDirectory();
  const std::string command = argc == 2 ? argv[1] : "";
  if (!run || (command != "start" && command != "stop")) {
    std::cerr << "usage: TSUNAGI_TEST_RUN_DIR=DIR test_run start|stop\n"
                 "  start  empties DIR and starts the PostgreSQL cluster the test processes of a\n"
                 "         ctest run share (stopped by `stop` or when its ctest is gone)\n"
                 "  stop   stops it, keeping what privacy_scan reads\n";
    return 2;
  }
  return command == "start" ? start(*run) : stop(*run);
}

}  // namespace tsunagi::testing
