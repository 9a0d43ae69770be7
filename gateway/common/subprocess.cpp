#include "gateway/common/subprocess.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace tsunagi {

RunAs RunAs::lookup(const std::string& name) {
  struct passwd pwd {};
  struct passwd* found = nullptr;
  std::vector<char> buffer(16384);
  if (getpwnam_r(name.c_str(), &pwd, buffer.data(), buffer.size(), &found) != 0 || !found) {
    throw std::runtime_error("user '" + name + "' does not exist on this machine");
  }
  return RunAs{name, pwd.pw_uid, pwd.pw_gid};
}

namespace {

// Only async-signal-safe calls between fork and exec.
[[noreturn]] void childFail(int fd, const char* what) {
  const char* reason = strerror(errno);
  (void)!write(fd, "tsunagi: ", 9);
  (void)!write(fd, what, strlen(what));
  (void)!write(fd, ": ", 2);
  (void)!write(fd, reason, strlen(reason));
  (void)!write(fd, "\n", 1);
  _exit(127);
}

}  // namespace

pid_t spawnProcess(const SpawnOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("spawnProcess: empty argv");
  std::vector<char*> argv;
  for (const auto& a : options.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& e : options.env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  int logFd = open(options.logFile.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
  if (logFd < 0) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open log file " + options.logFile.string());
  }
  const std::string reach = options.mustReach.string();
  const pid_t parent = getpid();

  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(logFd);
    throw std::system_error(err, std::generic_category(), "fork failed");
  }
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // the gateway blocks SIGTERM/SIGINT; the child must not
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    dup2(logFd, STDOUT_FILENO);
    dup2(logFd, STDERR_FILENO);
    close_range(3, ~0U, 0);
    if (options.runAs) {
      if (setgroups(0, nullptr) != 0) childFail(STDERR_FILENO, "setgroups");
      if (setgid(options.runAs->gid) != 0) childFail(STDERR_FILENO, "setgid");
      if (setuid(options.runAs->uid) != 0) childFail(STDERR_FILENO, "setuid");
    }
    if (options.parentDeathSignal) {
      // Set after the user switch: changing credentials clears the parent-death signal.
      if (prctl(PR_SET_PDEATHSIG, *options.parentDeathSignal) != 0) childFail(STDERR_FILENO, "prctl");
      if (getppid() != parent) _exit(1);
    }
    if (!reach.empty() && access(reach.c_str(), R_OK | W_OK | X_OK) != 0) {
      childFail(STDERR_FILENO, reach.c_str());
    }
    if (chdir("/") != 0) childFail(STDERR_FILENO, "chdir /");
    execve(argv[0], argv.data(), envp.data());
    childFail(STDERR_FILENO, argv[0]);
  }
  close(logFd);
  return pid;
}

namespace {
int decodeStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}
}  // namespace

int runProcess(const SpawnOptions& options) {
  pid_t pid = spawnProcess(options);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid failed");
  }
  return decodeStatus(status);
}

std::optional<int> waitForExit(pid_t pid, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return decodeStatus(status);
    if (r < 0 && errno != EINTR) return -1;  // not our child any more: treat as gone
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string tailOfFile(const std::filesystem::path& file, std::size_t maxBytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  const std::size_t start = size > maxBytes ? size - maxBytes : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string text(size - start, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  return text;
}

}  // namespace tsunagi
