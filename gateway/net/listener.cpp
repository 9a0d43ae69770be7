#include "gateway/net/listener.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gateway/net/tls_refusal.hpp"

namespace tsunagi::net {

// ---- stats ----

void ListenerStats::closed(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++closed_[reason];
}

void ListenerStats::handshakeFailed(const std::string& reason) {
  std::lock_guard lock(mutex_);
  ++handshakes_[reason];
}

std::map<std::string, long long> ListenerStats::closedByReason() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::map<std::string, long long> ListenerStats::handshakeFailuresByReason() const {
  std::lock_guard lock(mutex_);
  return handshakes_;
}

long long ListenerStats::closedCount(const std::string& reason) const {
  std::lock_guard lock(mutex_);
  auto it = closed_.find(reason);
  return it == closed_.end() ? 0 : it->second;
}

long long ListenerStats::open() const {
  std::lock_guard lock(mutex_);
  return open_;
}

void ListenerStats::opened(int delta) {
  std::lock_guard lock(mutex_);
  open_ += delta;
}

namespace {

constexpr auto kLogEvery = std::chrono::seconds(10);

// At most one warning per reason every ten seconds, saying how many were not logged: a flood of
// hostile connections must not become a flood of log lines.
class RateLimitedWarnings {
 public:
  explicit RateLimitedWarnings(std::string listener) : listener_(std::move(listener)) {}

  void warn(const std::string& reason, const std::string& address, const std::string& detail) {
    std::unique_lock lock(mutex_);
    auto& entry = entries_[reason];
    const auto now = Clock::now();
    if (entry.logged && now - *entry.logged < kLogEvery) {
      ++entry.suppressed;
      return;
    }
    const long long suppressed = entry.suppressed;
    entry.logged = now;
    entry.suppressed = 0;
    lock.unlock();
    if (suppressed > 0) {
      spdlog::warn(
          "listener {}: connection from {} closed ({}){}; {} more closed for this reason "
          "since the last report",
          listener_, address, reason, detail.empty() ? "" : ": " + detail, suppressed);
    } else {
      spdlog::warn("listener {}: connection from {} closed ({}){}", listener_, address, reason,
                   detail.empty() ? "" : ": " + detail);
    }
  }

 private:
  struct Entry {
    std::optional<Clock::time_point> logged;
    long long suppressed = 0;
  };
  std::string listener_;
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

std::string addressText(const sockaddr_storage& addr) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (addr.ss_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&addr)->sin_addr, text, sizeof text);
  } else if (addr.ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_addr, text,
              sizeof text);
  }
  return text;
}

// OpenSSL's reason for a failed handshake, mapped to the project's handshake reasons.
std::string classifyHandshakeError(const std::string& text) {
  if (text.find("peer did not return a certificate") != std::string::npos ||
      text.find("certificate required") != std::string::npos) {
    return "no-client-certificate";
  }
  if (text.find("wrong version") != std::string::npos ||
      text.find("unsupported protocol") != std::string::npos ||
      text.find("no shared cipher") != std::string::npos ||
      text.find("http request") != std::string::npos ||
      text.find("no suitable") != std::string::npos ||
      text.find("unexpected message") != std::string::npos ||
      text.find("record") != std::string::npos) {
    return "protocol";
  }
  return "connection";
}

}  // namespace

struct Listener::Impl {
  struct Conn;

  ListenerOptions options;
  int listenFd = -1;
  int wakeFd = -1;
  unsigned short port = 0;
  ListenerStats stats;
  RateLimitedWarnings warnings;

  std::thread loop;
  std::vector<std::thread> workers;
  std::atomic<bool> stopping{false};
  bool started = false;

  // Loop-owned connections, by descriptor.
  std::map<int, std::unique_ptr<Conn>> waiting;

  std::mutex queueMutex;
  std::condition_variable queueReady;
  std::deque<std::unique_ptr<Conn>> work;      ///< complete requests, for the workers
  std::deque<std::unique_ptr<Conn>> returned;  ///< kept-alive connections, back to the loop

  std::mutex countMutex;
  std::map<std::string, std::size_t> perAddress;
  std::size_t total = 0;

  explicit Impl(ListenerOptions o) : options(std::move(o)), warnings(options.name) {}

  void release(const std::string& address) {
    std::lock_guard lock(countMutex);
    --total;
    if (--perAddress[address] == 0) perAddress.erase(address);
    stats.opened(-1);
  }

  void wake() {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wakeFd, &one, sizeof one);
  }

  void runLoop();
  void runWorker();
  void acceptAll();
  void handshake(Conn& c);
  void readAll(Conn& c);
  void closeWith(int fd, const char* reason, const std::string& detail = {});
  void closeQuietly(int fd);
  void afterInput(Conn& c);
};

struct Listener::Impl::Conn : Connection {
  Impl& owner;
  int fd;
  SSL* ssl = nullptr;
  std::string address;
  bool handshaking = false;
  bool wantWrite = false;  ///< the TLS layer waits to write (handshake)
  std::string buffer;
  std::unique_ptr<Session> session;
  Phase phase = Phase::Head;
  Clock::time_point phaseStart = Clock::now();
  bool peerClosed = false;

  Conn(Impl& o, int f, std::string a) : owner(o), fd(f), address(std::move(a)) {}
  ~Conn() override {
    if (ssl) SSL_free(ssl);
    ::close(fd);
    owner.release(address);
  }

  const std::string& clientAddress() const override { return address; }

  std::optional<crypto::Certificate> peerCertificate() const override {
    if (!ssl) return std::nullopt;
    X509* cert = SSL_get1_peer_certificate(ssl);
    if (!cert) return std::nullopt;
    return crypto::Certificate(cert);
  }

  bool waitFor(short events, Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<Millis>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left));
    return r > 0 && !(p.revents & POLLNVAL);
  }

  bool write(std::string_view bytes) override {
    const auto deadline = Clock::now() + owner.options.limits.write;
    while (!bytes.empty()) {
      if (ssl) {
        ERR_clear_error();
        const int n = SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
        if (n > 0) {
          bytes.remove_prefix(static_cast<std::size_t>(n));
          continue;
        }
        const int err = SSL_get_error(ssl, n);
        if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ) {
          if (!waitFor(err == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN, deadline)) {
            owner.stats.closed(closed::kWriteTimeout);
            owner.warnings.warn(closed::kWriteTimeout, address, "");
            return false;
          }
          continue;
        }
        return false;
      }
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n > 0) {
        bytes.remove_prefix(static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        if (!waitFor(POLLOUT, deadline)) {
          owner.stats.closed(closed::kWriteTimeout);
          owner.warnings.warn(closed::kWriteTimeout, address, "");
          return false;
        }
        continue;
      }
      return false;
    }
    return true;
  }

  Millis limit() const {
    if (handshaking) return owner.options.limits.handshake;
    switch (phase) {
      case Phase::Idle:
        return owner.options.limits.idle;
      case Phase::Head:
        return owner.options.limits.head;
      case Phase::Body:
        return owner.options.limits.body;
    }
    return owner.options.limits.head;
  }

  const char* timeoutReason() const {
    if (handshaking) return closed::kHandshakeTimeout;
    switch (phase) {
      case Phase::Idle:
        return closed::kIdleTimeout;
      case Phase::Head:
        return closed::kHeadTimeout;
      case Phase::Body:
        return closed::kBodyTimeout;
    }
    return closed::kHeadTimeout;
  }

  void notePhase() {
    const Phase now = session->phase();
    if (now != phase) {
      phase = now;
      phaseStart = Clock::now();
    }
  }
};

Listener::Listener(ListenerOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  auto& o = impl_->options;
  if (!o.sessions) throw std::invalid_argument("listener " + o.name + ": no session factory");
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(o.port);
  if (int rc = ::getaddrinfo(o.host.c_str(), service.c_str(), &hints, &found); rc != 0) {
    throw std::runtime_error("listener " + o.name + ": cannot resolve " + o.host + ": " +
                             gai_strerror(rc));
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> guard(found, freeaddrinfo);
  const int fd = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error("listener " + o.name + ": socket: " + std::strerror(errno));
  // SO_REUSEADDR for quick restarts, never SO_REUSEPORT: nobody else may share a node's port.
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, o.backlog) != 0) {
    const std::string error = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("listener " + o.name + ": cannot listen on " + o.host + ":" +
                             std::to_string(o.port) + ": " + error);
  }
  sockaddr_storage bound{};
  socklen_t len = sizeof bound;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
  impl_->port =
      ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                        : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  impl_->listenFd = fd;
  impl_->wakeFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

Listener::~Listener() {
  stop();
  if (impl_->listenFd >= 0) ::close(impl_->listenFd);
  if (impl_->wakeFd >= 0) ::close(impl_->wakeFd);
}

void Listener::start() {
  if (impl_->started) return;
  impl_->started = true;
  Impl* impl = impl_.get();
  impl_->loop = std::thread([impl] { impl->runLoop(); });
  for (int i = 0; i < std::max(1, impl_->options.limits.workers); ++i) {
    impl_->workers.emplace_back([impl] { impl->runWorker(); });
  }
}

void Listener::stop() {
  if (!impl_ || !impl_->started) return;
  {
    // Under the queue's mutex: a worker between its check of `stopping` and its wait holds it,
    // so it either sees the flag or is waiting when notified (a notify in that gap was lost, and
    // stop() waited for that worker forever).
    std::lock_guard lock(impl_->queueMutex);
    if (impl_->stopping.exchange(true)) return;
  }
  impl_->wake();
  impl_->queueReady.notify_all();
  if (impl_->loop.joinable()) impl_->loop.join();
  for (auto& w : impl_->workers) {
    if (w.joinable()) w.join();
  }
  std::lock_guard lock(impl_->queueMutex);
  impl_->work.clear();
  impl_->returned.clear();
}

unsigned short Listener::port() const { return impl_->port; }
const std::string& Listener::name() const { return impl_->options.name; }
const ListenerStats& Listener::stats() const { return impl_->stats; }

void Listener::Impl::closeQuietly(int fd) { waiting.erase(fd); }

void Listener::Impl::closeWith(int fd, const char* reason, const std::string& detail) {
  auto it = waiting.find(fd);
  if (it == waiting.end()) return;
  stats.closed(reason);
  warnings.warn(reason, it->second->address, detail);
  waiting.erase(it);
}

void Listener::Impl::acceptAll() {
  for (;;) {
    sockaddr_storage addr{};
    socklen_t len = sizeof addr;
    const int fd =
        ::accept4(listenFd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) {
        warnings.warn("descriptor-limit", "?", "the process is out of file descriptors");
      }
      return;
    }
    const std::string address = addressText(addr);
    const char* refusal = nullptr;
    {
      std::lock_guard lock(countMutex);
      if (total >= options.limits.maxConnections) {
        refusal = closed::kConnectionLimit;
      } else if (perAddress[address] >= options.limits.maxConnectionsPerAddress) {
        refusal = closed::kPerAddressLimit;
      } else {
        ++total;
        ++perAddress[address];
        stats.opened(1);
      }
      if (refusal && perAddress[address] == 0) perAddress.erase(address);
    }
    if (refusal) {
      ::close(fd);
      stats.closed(refusal);
      warnings.warn(refusal, address, "");
      continue;
    }
    const int on = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    auto c = std::make_unique<Conn>(*this, fd, address);
    c->session = options.sessions();
    c->phase = Phase::Head;
    c->phaseStart = Clock::now();
    if (options.tls) {
      c->ssl = SSL_new(options.tls);
      if (!c->ssl) continue;  // out of memory: the connection closes
      SSL_set_fd(c->ssl, fd);
      SSL_set_accept_state(c->ssl);
      SSL_set_mode(c->ssl, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
      c->handshaking = true;
    } else {
      c->phase = c->session->phase();
    }
    Conn& ref = *c;
    waiting[fd] = std::move(c);
    if (ref.handshaking) {
      handshake(ref);
    }
  }
}

void Listener::Impl::handshake(Conn& c) {
  ERR_clear_error();
  clearHandshakeRefusal(c.ssl);
  const int r = SSL_do_handshake(c.ssl);
  if (r == 1) {
    c.handshaking = false;
    c.wantWrite = false;
    c.phase = c.session->phase();
    c.phaseStart = Clock::now();
    readAll(c);  // data may have come with the last handshake flight
    return;
  }
  const int err = SSL_get_error(c.ssl, r);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
    c.wantWrite = err == SSL_ERROR_WANT_WRITE;
    return;
  }
  std::string reason;
  std::string detail;
  if (auto refusal = handshakeRefusal(c.ssl)) {
    reason = refusal->reason;
    detail = refusal->detail;
  } else {
    char text[256] = "";
    const unsigned long code = ERR_peek_last_error();
    if (code != 0) ERR_error_string_n(code, text, sizeof text);
    detail = code != 0 ? text
                       : (err == SSL_ERROR_SYSCALL ? "the client closed the connection"
                                                   : "handshake failed");
    reason = classifyHandshakeError(detail);
  }
  ERR_clear_error();
  stats.handshakeFailed(reason);
  if (options.onHandshakeFailure) options.onHandshakeFailure(reason);
  closeWith(c.fd, closed::kHandshakeFailed, "TLS " + reason + " (" + detail + ")");
}

void Listener::Impl::readAll(Conn& c) {
  char chunk[16384];
  for (;;) {
    if (c.ssl) {
      ERR_clear_error();
      const int n = SSL_read(c.ssl, chunk, sizeof chunk);
      if (n > 0) {
        c.buffer.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      const int err = SSL_get_error(c.ssl, n);
      if (err == SSL_ERROR_WANT_READ) break;
      if (err == SSL_ERROR_WANT_WRITE) {
        c.wantWrite = true;
        break;
      }
      c.peerClosed = true;
      ERR_clear_error();
      break;
    }
    const ssize_t n = ::recv(c.fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      c.buffer.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    c.peerClosed = true;
    break;
  }
  afterInput(c);
}

void Listener::Impl::afterInput(Conn& c) {
  if (c.session->ready(c.buffer)) {
    auto it = waiting.find(c.fd);
    std::unique_ptr<Conn> taken = std::move(it->second);
    waiting.erase(it);
    {
      std::lock_guard lock(queueMutex);
      work.push_back(std::move(taken));
    }
    queueReady.notify_one();
    return;
  }
  if (c.peerClosed) {
    // The client went away before completing a request: nothing to answer.
    closeQuietly(c.fd);
    return;
  }
  c.notePhase();
}

void Listener::Impl::runLoop() {
  std::vector<pollfd> fds;
  std::vector<int> order;
  while (!stopping) {
    fds.clear();
    fds.push_back({wakeFd, POLLIN, 0});
    fds.push_back({listenFd, POLLIN, 0});
    auto next = Clock::now() + std::chrono::seconds(1);
    for (auto& [fd, c] : waiting) {
      fds.push_back({fd, static_cast<short>(c->wantWrite ? POLLOUT : POLLIN), 0});
      next = std::min(next, c->phaseStart + c->limit());
    }
    const auto wait =
        std::max<long long>(0, std::chrono::duration_cast<Millis>(next - Clock::now()).count());
    const int ready = ::poll(fds.data(), fds.size(), static_cast<int>(wait) + 1);
    if (stopping) break;
    if (ready < 0 && errno != EINTR) {
      spdlog::error("listener {}: poll failed: {}", options.name, std::strerror(errno));
      std::this_thread::sleep_for(Millis(100));
      continue;
    }
    if (ready > 0) {
      if (fds[0].revents & POLLIN) {
        std::uint64_t n = 0;
        [[maybe_unused]] auto r = ::read(wakeFd, &n, sizeof n);
      }
      for (std::size_t i = 2; i < fds.size(); ++i) {
        if (fds[i].revents == 0) continue;
        auto it = waiting.find(fds[i].fd);
        if (it == waiting.end()) continue;
        Conn& c = *it->second;
        if (c.handshaking) {
          handshake(c);
        } else {
          c.wantWrite = false;
          readAll(c);
        }
      }
      if (fds[1].revents & POLLIN) acceptAll();
    }
    // Connections back from a worker: their next request may already be buffered.
    std::deque<std::unique_ptr<Conn>> back;
    {
      std::lock_guard lock(queueMutex);
      back.swap(returned);
    }
    for (auto& c : back) {
      Conn& ref = *c;
      const int fd = ref.fd;
      waiting[fd] = std::move(c);
      ref.phase = ref.session->phase();
      ref.phaseStart = Clock::now();
      readAll(ref);
    }
    // Deadlines.
    const auto now = Clock::now();
    std::vector<std::pair<int, const char*>> late;
    for (auto& [fd, c] : waiting) {
      if (now - c->phaseStart >= c->limit()) late.emplace_back(fd, c->timeoutReason());
    }
    for (const auto& [fd, reason] : late) closeWith(fd, reason);
  }
  waiting.clear();
}

void Listener::Impl::runWorker() {
  for (;;) {
    std::unique_ptr<Conn> c;
    {
      std::unique_lock lock(queueMutex);
      queueReady.wait(lock, [&] { return stopping || !work.empty(); });
      if (work.empty()) return;  // stopping, nothing left to serve
      c = std::move(work.front());
      work.pop_front();
    }
    bool keep = false;
    try {
      keep = c->session->serve(c->buffer, *c) && !c->peerClosed;
    } catch (const std::exception& e) {
      spdlog::error("listener {}: request from {} failed: {}", options.name, c->address, e.what());
      keep = false;
    }
    if (keep && !stopping) {
      {
        std::lock_guard lock(queueMutex);
        returned.push_back(std::move(c));
      }
      wake();
    } else if (c->ssl && !c->peerClosed) {
      SSL_shutdown(c->ssl);  // one close_notify, no waiting for the answer
    }
  }
}

}  // namespace tsunagi::net
